use super::*;
use crate::now_secs;

const PID: &str = credentials::MODELARTS_PROJECT_ID;

fn sim(cap: u64) -> ModelArts {
    ModelArts::new(Options::fixed(cap))
}

fn request(
    method: &str,
    path: &str,
    query: &[(&str, &str)],
    headers: &[(&str, &str)],
    body: &[u8],
) -> SimRequest {
    SimRequest::new(method, path, query, headers, body).unwrap()
}

/// A GET signed like the exporter signs it.
fn signed(path: &str, query: &[(&str, &str)], sk: &str) -> SimRequest {
    signed_by(path, query, credentials::HUAWEI_ACCESS_KEY_ID, sk)
}

fn signed_by(path: &str, query: &[(&str, &str)], ak: &str, sk: &str) -> SimRequest {
    let q: Vec<(String, String)> = query
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let headers = vec![("x-project-id".to_string(), PID.to_string())];
    let date = huawei::format_sdk_date(now_secs());
    let auth = huawei::sign(
        ak,
        sk,
        &HwRequest {
            method: "GET",
            host: "sim:1",
            path,
            query: &q,
            headers: &headers,
            body: b"",
        },
        &date,
    );
    request(
        "GET",
        path,
        query,
        &[
            ("host", "sim:1"),
            ("x-project-id", PID),
            ("x-sdk-date", &date),
            ("authorization", &auth),
            ("user-agent", "unsigned/1"),
        ],
        b"",
    )
}

fn body(r: &SimResponse) -> Value {
    serde_json::from_slice(&r.body).unwrap()
}

fn token_for(s: &ModelArts, user: &str, password: &str) -> SimResponse {
    let b = json!({"auth": {
            "identity": {"methods": ["password"], "password": {"user": {
                "name": user, "password": password, "domain": {"name": credentials::HUAWEI_IAM_DOMAIN}}}},
            "scope": {"project": {"name": credentials::MODELARTS_PROJECT_NAME}}}});
    s.handle(&request(
        "POST",
        "/v3/auth/tokens",
        &[],
        &[],
        b.to_string().as_bytes(),
    ))
    .unwrap()
}

fn with_token(path: &str, query: &[(&str, &str)], token: &str) -> SimRequest {
    request("GET", path, query, &[("x-auth-token", token)], b"")
}

#[test]
fn signed_requests_page_pools_with_continue_tokens() {
    let s = sim(1);
    let path = format!("/v2/{PID}/pools");
    let r = s
        .handle(&signed(&path, &[], credentials::HUAWEI_SECRET_ACCESS_KEY))
        .unwrap();
    assert_eq!(r.status, 200, "{:?}", body(&r));
    let v = body(&r);
    assert_eq!(v["items"][0]["metadata"]["name"], SEED_POOL);
    let next = v["metadata"]["continue"].as_str().unwrap().to_string();
    let r = s
        .handle(&signed(
            &path,
            &[("continue", &next)],
            credentials::HUAWEI_SECRET_ACCESS_KEY,
        ))
        .unwrap();
    let v = body(&r);
    assert_eq!(v["items"][0]["metadata"]["name"], MIXED_POOL);
    // The workspace filter, on one page of a larger cap: no metadata at all.
    let r = sim(10)
        .handle(&signed(
            &path,
            &[("workspaceId", "0")],
            credentials::HUAWEI_SECRET_ACCESS_KEY,
        ))
        .unwrap();
    let v = body(&r);
    assert_eq!(v["items"].as_array().unwrap().len(), 2);
    assert!(v.get("metadata").is_none());
    // A token from another list is refused.
    let r = s
        .handle(&signed(
            &format!("/v2/{PID}/pools/{MIXED_POOL}/nodes"),
            &[("continue", &next)],
            credentials::HUAWEI_SECRET_ACCESS_KEY,
        ))
        .unwrap();
    assert_eq!(
        (r.status, body(&r)["error_code"].clone()),
        (400, json!("ModelArts.50004000"))
    );
}

#[test]
fn node_limit_is_capped() {
    let s = sim(2);
    let path = format!("/v2/{PID}/pools/{MIXED_POOL}/nodes");
    let r = s
        .handle(&signed(
            &path,
            &[("limit", "500")],
            credentials::HUAWEI_SECRET_ACCESS_KEY,
        ))
        .unwrap();
    let v = body(&r);
    assert_eq!(v["items"].as_array().unwrap().len(), 2);
    assert_eq!(v["metadata"]["remainingItemCount"], 3);
    let r = s
        .handle(&signed(
            &path,
            &[("limit", "1")],
            credentials::HUAWEI_SECRET_ACCESS_KEY,
        ))
        .unwrap();
    assert_eq!(body(&r)["items"].as_array().unwrap().len(), 1);
}

#[test]
fn a_wrong_secret_is_apigw_0301() {
    let r = sim(10)
        .handle(&signed(&format!("/v2/{PID}/pools"), &[], "not-the-secret"))
        .unwrap();
    assert_eq!(r.status, 401);
    assert_eq!(body(&r)["error_code"], "APIGW.0301");
    let r = sim(10)
        .handle(&request("GET", &format!("/v2/{PID}/pools"), &[], &[], b""))
        .unwrap();
    assert_eq!(
        (r.status, body(&r)["error_code"].clone()),
        (401, json!("APIGW.0301"))
    );
}

#[test]
fn iam_refuses_wrong_passwords_and_projects() {
    let s = sim(10);
    let r = token_for(&s, credentials::HUAWEI_IAM_USER, "wrong");
    assert_eq!(r.status, 401);
    assert!(r.headers.is_empty());
    let b = json!({"auth": {
            "identity": {"methods": ["password"], "password": {"user": {
                "name": credentials::HUAWEI_IAM_USER, "password": credentials::HUAWEI_IAM_PASSWORD,
                "domain": {"name": credentials::HUAWEI_IAM_DOMAIN}}}},
            "scope": {"project": {"id": "someone-elses"}}}});
    let r = s
        .handle(&request(
            "POST",
            "/v3/auth/tokens",
            &[],
            &[],
            b.to_string().as_bytes(),
        ))
        .unwrap();
    assert_eq!(r.status, 401);
}

#[test]
fn an_expired_token_is_refused() {
    let mut user = IamUser::new("short", "pw");
    user.token_lifetime = Duration::ZERO;
    let s = ModelArts::with_users(Options::default(), vec![user]);
    let r = token_for(&s, "short", "pw");
    let token = r.headers[0].1.clone();
    let r = s
        .handle(&with_token(&format!("/v2/{PID}/pools"), &[], &token))
        .unwrap();
    assert_eq!(r.status, 401);
    assert!(body(&r)["error_msg"].as_str().unwrap().contains("expired"));
}

#[test]
fn one_poll_tokens_are_revoked_when_the_next_poll_starts() {
    let s = sim(1);
    let r = token_for(
        &s,
        credentials::HUAWEI_IAM_ONE_POLL_USER,
        credentials::HUAWEI_IAM_PASSWORD,
    );
    let token = r.headers[0].1.clone();
    let pools = format!("/v2/{PID}/pools");
    let first = s.handle(&with_token(&pools, &[], &token)).unwrap();
    assert_eq!(first.status, 200);
    // The rest of the poll works: later pages and node lists.
    let next = body(&first)["metadata"]["continue"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        s.handle(&with_token(&pools, &[("continue", &next)], &token))
            .unwrap()
            .status,
        200
    );
    let nodes = format!("/v2/{PID}/pools/{SEED_POOL}/nodes");
    assert_eq!(
        s.handle(&with_token(&nodes, &[], &token)).unwrap().status,
        200
    );
    // The next poll does not.
    assert_eq!(
        s.handle(&with_token(&pools, &[], &token)).unwrap().status,
        401
    );
    assert_eq!(
        s.handle(&with_token(&nodes, &[], &token)).unwrap().status,
        401
    );
}

#[test]
fn only_modelarts_and_iam_paths_are_claimed() {
    let s = sim(10);
    for path in [
        "/v2/serviceresources",
        "/v2/service",
        "/",
        "/api/aihc/aihc-service/v3/queues",
        "/v3/other",
    ] {
        assert!(
            s.handle(&request("POST", path, &[], &[], b"")).is_none(),
            "{path}"
        );
    }
}

#[test]
fn drift_stays_within_capacity() {
    for step in 0..20 {
        for n in nodes_of(MIXED_POOL, step) {
            let st = &n["status"];
            for key in ["nvidia.com/gpu", "huawei.com/ascend-snt9"] {
                if let (Some(total), Some(free)) = (
                    st["resources"][key].as_str(),
                    st["availableResources"][key].as_str(),
                ) {
                    let (t, f): (u64, u64) = (total.parse().unwrap(), free.parse().unwrap());
                    assert!(f <= t, "step {step}: {f} of {t} {key} free");
                }
            }
        }
    }
    assert_eq!(nodes_of(MIXED_POOL, 0).len(), 5);
    assert_eq!(nodes_of(SEED_POOL, 0).len(), 2);
    assert_eq!(nodes_of(LOGICAL_POOL, 0).len(), 1);
    assert_eq!(nodes_of(PRIVATE_POOL, 0).len(), 1);
    assert!(nodes_of("pool-unknown", 0).is_empty());
}

#[test]
fn workspaces_page_by_offset_with_the_default_as_number_0() {
    let s = sim(2);
    let path = format!("/v1/{PID}/workspaces");
    let get = |q: &[(&str, &str)]| {
        s.handle(&signed(&path, q, credentials::HUAWEI_SECRET_ACCESS_KEY))
            .unwrap()
    };
    let v = body(&get(&[("limit", "1000"), ("offset", "0")]));
    assert_eq!(
        (v["total_count"].clone(), v["count"].clone()),
        (json!(3), json!(2))
    );
    assert_eq!(v["workspaces"][0]["id"], json!(0));
    assert_eq!(v["workspaces"][1]["id"], json!(OTHER_WORKSPACE));
    let v = body(&get(&[("limit", "1000"), ("offset", "2")]));
    assert_eq!(v["count"], 1);
    assert_eq!(v["workspaces"][0]["id"], json!(PRIVATE_WORKSPACE));
    assert_eq!(v["workspaces"][0]["auth_type"], "PRIVATE");
    let v = body(&get(&[("offset", "3")]));
    assert_eq!(
        (v["total_count"].clone(), v["count"].clone()),
        (json!(3), json!(0))
    );
    for bad in [
        ("limit", "0"),
        ("limit", "1001"),
        ("offset", "-1"),
        ("offset", "x"),
    ] {
        assert_eq!(get(&[bad]).status, 400, "{bad:?}");
    }
    // Claimed with the same auth as the pools.
    let r = s.handle(&signed(&path, &[], "not-the-secret")).unwrap();
    assert_eq!(
        (r.status, body(&r)["error_code"].clone()),
        (401, json!("APIGW.0301"))
    );
}

fn pool_ids(r: &SimResponse) -> Vec<String> {
    body(r)["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["metadata"]["name"].as_str().unwrap().to_string())
        .collect()
}

fn main_nodes(s: &ModelArts, pool: &str) -> SimResponse {
    s.handle(&signed(
        &format!("/v2/{PID}/pools/{pool}/nodes"),
        &[],
        credentials::HUAWEI_SECRET_ACCESS_KEY,
    ))
    .unwrap()
}

#[test]
fn list_pools_answers_for_one_workspace_and_refuses_the_team_the_private_one() {
    let s = sim(10);
    let path = format!("/v2/{PID}/pools");
    let main = |q: &[(&str, &str)]| {
        s.handle(&signed(&path, q, credentials::HUAWEI_SECRET_ACCESS_KEY))
            .unwrap()
    };
    // Without workspaceId: the default workspace only (seed 001).
    assert_eq!(pool_ids(&main(&[])), vec![SEED_POOL, MIXED_POOL]);
    assert_eq!(
        pool_ids(&main(&[("workspaceId", "0")])),
        vec![SEED_POOL, MIXED_POOL]
    );
    assert_eq!(
        pool_ids(&main(&[("workspaceId", OTHER_WORKSPACE)])),
        vec![LOGICAL_POOL]
    );
    assert_eq!(
        pool_ids(&main(&[("workspaceId", PRIVATE_WORKSPACE)])),
        vec![PRIVATE_POOL]
    );
    assert!(pool_ids(&main(&[("workspaceId", "no-such")])).is_empty());
    // The corrupt workspace, asked for by id, holds a malformed element
    // beside a pool that decodes; ListWorkspace does not list it.
    assert_eq!(
        pool_ids(&main(&[("workspaceId", CORRUPT_WORKSPACE)])),
        vec![MALFORMED_POOL, CORRUPT_POOL]
    );
    let nodes = body(&main_nodes(&s, CORRUPT_POOL));
    assert_eq!(
        nodes["items"][0]["status"]["availableResources"]["nvidia.com/gpu"],
        "abc"
    );
    assert!(!workspaces().iter().any(|w| w["id"] == CORRUPT_WORKSPACE));

    let team = |path: &str, q: &[(&str, &str)]| {
        s.handle(&signed_by(
            path,
            q,
            TEAM_ACCESS_KEY_ID,
            TEAM_SECRET_ACCESS_KEY,
        ))
        .unwrap()
    };
    assert_eq!(
        pool_ids(&team(&path, &[("workspaceId", OTHER_WORKSPACE)])),
        vec![LOGICAL_POOL]
    );
    let r = team(&path, &[("workspaceId", PRIVATE_WORKSPACE)]);
    assert_eq!(
        (r.status, body(&r)["error_code"].clone()),
        (403, json!("ModelArts.0203"))
    );
    let r = team(&format!("/v2/{PID}/pools/{PRIVATE_POOL}/nodes"), &[]);
    assert_eq!(r.status, 403);
    // The team's secret does not sign for the main key, nor the other way.
    let r = s
        .handle(&signed_by(
            &path,
            &[],
            TEAM_ACCESS_KEY_ID,
            credentials::HUAWEI_SECRET_ACCESS_KEY,
        ))
        .unwrap();
    assert_eq!(r.status, 401);

    // The team's IAM user likewise.
    let r = token_for(&s, TEAM_IAM_USER, credentials::HUAWEI_IAM_PASSWORD);
    let token = r.headers[0].1.clone();
    let r = s
        .handle(&with_token(
            &path,
            &[("workspaceId", PRIVATE_WORKSPACE)],
            &token,
        ))
        .unwrap();
    assert_eq!(r.status, 403);
    let r = s
        .handle(&with_token(&path, &[("workspaceId", "0")], &token))
        .unwrap();
    assert_eq!(pool_ids(&r), vec![SEED_POOL, MIXED_POOL]);
}

#[test]
fn polls_start_at_the_workspace_list_or_at_a_workspace_fetched_again() {
    let mut p = PollStarts::default();
    // Listing workspaces, then each workspace's pools: one poll.
    assert!(p.first_page("workspaces"));
    assert!(!p.first_page("pools/0"));
    assert!(!p.first_page(&format!("pools/{OTHER_WORKSPACE}")));
    assert!(p.first_page("workspaces"));
    assert!(!p.first_page("pools/0"));
    // A client with fixed workspaces: the poll starts again at the first.
    let mut p = PollStarts::default();
    assert!(p.first_page("pools/0"));
    assert!(!p.first_page("pools/x"));
    assert!(p.first_page("pools/0"));
    assert!(!p.first_page("pools/x"));
}

#[test]
fn rfc3339_round_trips_through_the_client_parser() {
    let t = UNIX_EPOCH + Duration::from_secs(1_578_128_722);
    assert_eq!(rfc3339(t), "2020-01-04T09:05:22.000000Z");
}
