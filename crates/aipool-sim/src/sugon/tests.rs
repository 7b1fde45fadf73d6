use super::*;

fn req(method: &str, path: &str, query: &[(&str, &str)], headers: &[(&str, &str)]) -> SimRequest {
    SimRequest::new(method, path, query, headers, b"").unwrap()
}

fn body(r: &SimResponse) -> Value {
    serde_json::from_slice(&r.body).unwrap()
}

fn login(s: &Sugon) -> Value {
    let r = s
        .handle(&req(
            "POST",
            "/ac/openapi/v2/tokens",
            &[],
            &[
                ("user", credentials::SUGON_USER),
                ("password", credentials::SUGON_PASSWORD),
                ("orgId", credentials::SUGON_ORG_ID),
            ],
        ))
        .unwrap();
    body(&r)
}

fn token_of(login: &Value, cluster: &str) -> String {
    login["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["clusterId"] == cluster)
        .unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn password_login_gives_a_token_per_region() {
    let s = Sugon::new(SugonOptions::default(), false);
    let v = login(&s);
    assert_eq!(v["code"], "0");
    let data = v["data"].as_array().unwrap();
    assert_eq!(data.len(), 4);
    let suspended = data.iter().find(|e| e["clusterId"] == "11113").unwrap();
    assert!(suspended["token"].is_null());
    let t = token_of(&v, "11112");
    let exp = scnet::jwt_expire_time_ms(&t).unwrap();
    let lifetime = exp - s.now_ms();
    assert!((599_000..=600_000).contains(&lifetime), "{lifetime}");

    let bad = s
        .handle(&req(
            "POST",
            "/ac/openapi/v2/tokens",
            &[],
            &[
                ("user", credentials::SUGON_USER),
                ("password", "nope"),
                ("orgId", credentials::SUGON_ORG_ID),
            ],
        ))
        .unwrap();
    assert_eq!(body(&bad)["code"], "10004");
}

#[test]
fn aksk_login_checks_the_signature_and_timestamp() {
    let s = Sugon::new(SugonOptions::default(), false);
    let ts = (s.now_ms() / 1000).to_string();
    let sig = scnet::login_signature(
        credentials::SCNET_ACCESS_KEY_ID,
        credentials::SCNET_SECRET_ACCESS_KEY,
        credentials::SUGON_USER,
        &ts,
    );
    let call = |ts: &str, sig: &str| {
        body(
            &s.handle(&req(
                "POST",
                "/api/user/v3/tokens",
                &[],
                &[
                    ("user", credentials::SUGON_USER),
                    ("accessKey", credentials::SCNET_ACCESS_KEY_ID),
                    ("timestamp", ts),
                    ("signature", sig),
                ],
            ))
            .unwrap(),
        )
    };
    assert_eq!(call(&ts, &sig)["code"], "0");
    assert_eq!(call(&ts, "00")["msg"], "签名校验失败");
    let old = "1000";
    let old_sig = scnet::login_signature(
        credentials::SCNET_ACCESS_KEY_ID,
        credentials::SCNET_SECRET_ACCESS_KEY,
        credentials::SUGON_USER,
        old,
    );
    assert_eq!(call(old, &old_sig)["msg"], "timestamp已过期");
}

#[test]
fn tokens_expire_into_10008() {
    let s = Sugon::new(
        SugonOptions {
            token_lifetime: Duration::ZERO,
            ..SugonOptions::default()
        },
        false,
    );
    let t = token_of(&login(&s), "11112");
    let r = s
        .handle(&req("GET", "/ac/openapi/v2/center", &[], &[("token", &t)]))
        .unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(body(&r)["code"], "10008");
    let r = s
        .handle(&req(
            "GET",
            "/ac/openapi/v2/center",
            &[],
            &[("token", "forged")],
        ))
        .unwrap();
    assert_eq!(body(&r)["code"], "10008");
}

#[test]
fn center_points_back_at_the_simulator() {
    let s = Sugon::new(SugonOptions::default(), false);
    let v = login(&s);
    let r = s
        .handle(&req(
            "GET",
            "/ac/openapi/v2/center",
            &[],
            &[
                ("token", &token_of(&v, "11112")),
                ("host", "127.0.0.1:4242"),
            ],
        ))
        .unwrap();
    let ai = &body(&r)["data"][0]["aiUrls"];
    assert_eq!(ai[0]["enable"], "false");
    assert_eq!(ai[1]["url"], "http://127.0.0.1:4242/ai");
    assert_eq!(ai[1]["enable"], "true");
}

#[test]
fn without_quirks_no_suspended_region_and_no_dead_ai_url() {
    let s = Sugon::new(
        SugonOptions {
            quirks: false,
            ..SugonOptions::default()
        },
        false,
    );
    let v = login(&s);
    let regions: Vec<&str> = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["clusterId"].as_str().unwrap())
        .collect();
    assert_eq!(regions, ["0", "11112", "11250"]);
    let r = s
        .handle(&req(
            "GET",
            "/ac/openapi/v2/center",
            &[],
            &[
                ("token", &token_of(&v, "11250")),
                ("host", "127.0.0.1:4242"),
            ],
        ))
        .unwrap();
    assert_eq!(
        body(&r)["data"][0]["aiUrls"],
        json!([{"url": "http://127.0.0.1:4242", "enable": "true"}])
    );
}

#[test]
fn groups_and_resources_follow_the_token_region() {
    let s = Sugon::new(SugonOptions::default(), false);
    let v = login(&s);
    let dcu = token_of(&v, "11250");
    let r = s
        .handle(&req(
            "GET",
            "/ai/openapi/v2/instance-service/resource-group",
            &[],
            &[("token", &dcu)],
        ))
        .unwrap();
    assert_eq!(body(&r)["data"]["dcu"][0]["resourceGroup"], "K100-AI");
    let gpu = token_of(&v, "11112");
    let r = s
        .handle(&req(
            "GET",
            "/ai/openapi/v2/instance-service/resources",
            &[("resourceGroup", "TeslaM40"), ("acceleratorType", "gpu")],
            &[("token", &gpu)],
        ))
        .unwrap();
    let d = &body(&r)["data"];
    assert_eq!(
        (d["cpuNumber"].as_u64(), d["gpuNumber"].as_u64()),
        (Some(40), Some(2))
    );
    assert_eq!(d["memorySize"], 31888);
    // The DCU region's token does not see the GPU region's groups.
    let r = s
        .handle(&req(
            "GET",
            "/ai/openapi/v2/instance-service/resources",
            &[("resourceGroup", "TeslaM40"), ("acceleratorType", "gpu")],
            &[("token", &dcu)],
        ))
        .unwrap();
    assert_eq!(body(&r)["code"], "10004");
}

fn get(s: &Sugon, path: &str, query: &[(&str, &str)], token: &str) -> Value {
    body(
        &s.handle(&req(
            "GET",
            path,
            query,
            &[("token", token), ("host", "127.0.0.1:4242")],
        ))
        .unwrap(),
    )
}

fn login_as(s: &Sugon, user: &str) -> Value {
    body(
        &s.handle(&req(
            "POST",
            "/ac/openapi/v2/tokens",
            &[],
            &[
                ("user", user),
                ("password", credentials::SUGON_PASSWORD),
                ("orgId", credentials::SUGON_ORG_ID),
            ],
        ))
        .unwrap(),
    )
}

#[test]
fn the_hpc_side_follows_the_center_answer() {
    let s = Sugon::new(SugonOptions::default(), false);
    let v = login(&s);
    let ks = token_of(&v, "11112");
    let center = get(&s, "/ac/openapi/v2/center", &[], &ks);
    let entry = &center["data"][0];
    assert_eq!(entry["hpcUrls"][0]["enable"], "false");
    assert_eq!(entry["hpcUrls"][1]["url"], "http://127.0.0.1:4242/hpc");
    assert_eq!(entry["clusterUserInfo"]["userName"], "acdemo_ks");
    let cluster = get(&s, "/hpc/openapi/v2/cluster", &[], &ks);
    assert_eq!(cluster["data"][0]["id"], 1637);
    let queues = get(
        &s,
        "/hpc/openapi/v2/queuenames/users/acdemo_ks",
        &[("strJobManagerID", "1637")],
        &ks,
    );
    let names: Vec<&str> = queues["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["id"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["ksgpu_a800", "kscpu_debug"]);
    // The official doc's shape: `id` and `text`, no `queueName`.
    for q in queues["data"].as_array().unwrap() {
        assert!(q.get("queueName").is_none(), "{q}");
        assert_eq!(q["text"], q["id"]);
        assert!(q["aclHosts"].is_string());
    }
    assert_eq!(queues["data"][0]["queFreeNodes"], "2");
    // Another region's job manager or user is refused.
    for (user, id) in [("acdemo_ks", "2215"), ("acdemo_xa", "1637")] {
        let r = get(
            &s,
            &format!("/hpc/openapi/v2/queuenames/users/{user}"),
            &[("strJobManagerID", id)],
            &ks,
        );
        assert_eq!(r["code"], "10004", "{user} {id}");
    }
    let xa = token_of(&v, "11250");
    assert_eq!(
        get(&s, "/hpc/openapi/v2/cluster", &[], &xa)["data"][0]["id"],
        "2215"
    );
    let q = get(
        &s,
        "/hpc/openapi/v2/queuenames/users/acdemo_xa",
        &[("strJobManagerID", "2215")],
        &xa,
    );
    assert_eq!(q["data"][0]["queueName"], "xahdnormal");
    assert_eq!(q["data"][0]["queFreeNodes"], 5);
    assert_eq!(
        get(&s, "/hpc/openapi/v2/cluster", &[], "forged")["code"],
        "10008"
    );
}

#[test]
fn the_user_without_hpc_access() {
    let s = Sugon::new(SugonOptions::default(), false);
    let v = login_as(&s, NO_HPC_USER);
    assert_eq!(v["code"], "0");
    let ks = token_of(&v, "11112");
    let entry = &get(&s, "/ac/openapi/v2/center", &[], &ks)["data"][0];
    assert!(entry.get("hpcUrls").is_none() && entry.get("clusterUserInfo").is_none());
    assert_eq!(entry["aiUrls"][1]["enable"], "true");
    let xa = token_of(&v, "11250");
    let entry = &get(&s, "/ac/openapi/v2/center", &[], &xa)["data"][0];
    assert_eq!(entry["hpcUrls"][0]["enable"], "true");
    assert_eq!(
        get(&s, "/hpc/openapi/v2/cluster", &[], &xa)["code"],
        "10009"
    );
    // The AI side is the same as the other user's.
    let groups = get(
        &s,
        "/ai/openapi/v2/instance-service/resource-group",
        &[],
        &ks,
    );
    assert_eq!(groups["data"]["gpu"][0], "TeslaM40");
}

#[test]
fn the_malformed_user_sees_one_bad_field_per_list() {
    let s = Sugon::new(SugonOptions::default(), false);
    let v = login_as(&s, MALFORMED_USER);
    assert_eq!(v["code"], "0");
    let ks = token_of(&v, "11112");
    let r = get(
        &s,
        "/ai/openapi/v2/instance-service/resources",
        &[("resourceGroup", "TeslaM40"), ("acceleratorType", "gpu")],
        &ks,
    );
    assert_eq!(r["data"]["cpuNumber"], "abc");
    assert_eq!(r["data"]["gpuNumber"], 2);
    let xa = token_of(&v, "11250");
    let g = get(
        &s,
        "/ai/openapi/v2/instance-service/resource-group",
        &[],
        &xa,
    );
    assert_eq!(g["data"]["dcu"][1], 42);
    let q = get(
        &s,
        "/hpc/openapi/v2/queuenames/users/acdemo_ks",
        &[("strJobManagerID", "1637")],
        &ks,
    );
    assert_eq!(q["data"][0]["queFreeNodes"], "-1");
    assert_eq!(q["data"][1]["queFreeNodes"], "2");
    // The default user's answers are untouched.
    let ks = token_of(&login(&s), "11112");
    let r = get(
        &s,
        "/ai/openapi/v2/instance-service/resources",
        &[("resourceGroup", "TeslaM40"), ("acceleratorType", "gpu")],
        &ks,
    );
    assert_eq!(r["data"]["cpuNumber"], 40);
}

#[test]
fn drift_keeps_free_within_the_queue() {
    let s = Sugon::new(SugonOptions::default(), true);
    let num = |v: &Value| -> u64 {
        v.as_u64()
            .or_else(|| v.as_str().and_then(|t| t.parse().ok()))
            .unwrap()
    };
    let mut seen = std::collections::BTreeSet::new();
    for step in 0..12 {
        for q in &s.hpc_queues {
            let mut q = q.clone();
            drift_queue(&mut q, step);
            let (nodes, free) = (num(&q["queNodes"]), num(&q["queFreeNodes"]));
            let (cpus, free_cpus) = (num(&q["queNcpus"]), num(&q["queFreeNcpus"]));
            let ppn = num(&q["queMaxPPN"]);
            assert!(free <= nodes && free_cpus <= cpus, "{q}");
            // The free nodes' cores are free.
            assert!(free_cpus >= free * ppn, "{q}");
            // The shape stays the fixture's.
            assert_eq!(q["queFreeNodes"].is_string(), q["queNodes"].is_string());
            if queue_key(&q) == Some("ksgpu_a800") {
                seen.insert(free);
            }
        }
    }
    // It reaches a full queue and moves back.
    assert_eq!(seen, [0, 1, 2, 3].into());
}

#[test]
fn other_platforms_paths_are_left_alone() {
    let s = Sugon::new(SugonOptions::default(), false);
    assert!(s
        .handle(&req("GET", "/api/aihc/aihc-service/v3/queues", &[], &[]))
        .is_none());
    assert!(s
        .handle(&req("GET", "/", &[("action", "DescribeQueues")], &[]))
        .is_none());
    assert_eq!(
        s.handle(&req("GET", "/ac/openapi/v2/nope", &[], &[]))
            .unwrap()
            .status,
        404
    );
}

#[test]
fn simulator_tokens_round_trip() {
    let token = mint_token(&json!({"user": "slurmtest", "expireTime": "1758991072000"}));
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3);
    assert_eq!(parts[0], "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9");
    assert!(!token.contains('='));
    assert_eq!(scnet::jwt_expire_time_ms(&token), Some(1_758_991_072_000));
    // Deterministic, so simulator fixtures stay stable.
    assert_eq!(
        token,
        mint_token(&json!({"user": "slurmtest", "expireTime": "1758991072000"}))
    );
    assert_eq!(
        scnet::jwt_expire_time_ms(&mint_token(&json!({"expireTime": 5}))),
        Some(5)
    );
    assert_eq!(scnet::jwt_expire_time_ms(&mint_token(&json!({}))), None);
}
