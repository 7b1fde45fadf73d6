//! `top` polling a config itself: the demo accounts' table, status lines and
//! JSON, and plain frames when stdout is not a terminal.

use super::*;

/// The seed's full serverless queue (console API, 000 seed: capability 8,
/// allocated 8 H20 cards, workloadAvailable 8, `remaining` without cards) has
/// 0 free and is the first queue row, in the table and in the JSON (only its
/// own pool's total, as full, may come before it); every row's figures and
/// parent are the exporter's own series.
///
/// Awaits the AIHC branch (free = the `remaining` quantity, 0 here): until it
/// is merged this queue reads free 8 and sorts among the 100 % rows.
#[test]
fn demo_accounts_show_the_full_queue_first_with_the_exporters_figures() {
    let (_sim, sim) = simulator(100);
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(dir.path(), "demo.toml", &demo_config(&sim));
    let cfg_arg = format!("--config.file={cfg}");
    let full_pool = "aihc-mv940z1b57zu";

    let out = top(&["--once", &cfg_arg]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(
        !stdout.contains('\x1b'),
        "escape codes in piped output:\n{stdout}"
    );
    let rows = capacity_rows(&stdout);
    let first_queue = rows
        .iter()
        .position(|r| {
            r.iter()
                .any(|c| c.starts_with("(aihcq-") || c.starts_with("(queue-"))
        })
        .unwrap();
    for r in &rows[..first_queue] {
        assert!(
            r[0] == "aihc-console-demo" && r.iter().any(|c| c.contains(full_pool)),
            "a pool row before the full queue that is not its pool: {r:?}\n{stdout}"
        );
        assert_eq!(r[r.len() - 3..r.len() - 1], ["0", "%"], "{r:?}");
    }
    let q = &rows[first_queue];
    assert_eq!(q[0], "aihc-console-demo", "{stdout}");
    assert!(q.iter().any(|c| c.contains(full_pool)), "{q:?}");
    let name = q.iter().position(|c| *c == "(aihcq-1jpvdatpi23i)").unwrap();
    assert_eq!(q[name - 1], "aihc-test-pd-as");
    // No per-node figure on AIHC: the largest free block is unknown (—).
    assert_eq!(
        q[q.len() - 8..],
        [
            "baidu.com/h20_141g_cgpu",
            "8",
            "8",
            "0",
            "—",
            "0",
            "%",
            "████████████████████"
        ],
        "{stdout}"
    );

    let out = top(&["--once", "--output=json", &cfg_arg]);
    assert_eq!(out.status.code(), Some(0));
    let doc = json(&out);
    let rows = doc["rows"].as_array().unwrap();
    let first_queue = rows.iter().position(|r| !r["queue_id"].is_null()).unwrap();
    for r in &rows[..first_queue] {
        assert_eq!(
            (&r["account"], &r["pool_id"], &r["headroom"]),
            (
                &Value::from("aihc-console-demo"),
                &Value::from(full_pool),
                &Value::from(0)
            ),
            "{r}"
        );
    }
    let row = &rows[first_queue];
    assert_eq!(row["account"], "aihc-console-demo", "{row}");
    assert_eq!(row["pool_id"], full_pool);
    assert_eq!(row["queue_id"], "aihcq-1jpvdatpi23i");
    assert_eq!(row["queue_name"], "aihc-test-pd-as");
    assert_eq!(row["accelerator"], "baidu.com/h20_141g_cgpu");
    assert_eq!(row["capability"], 8);
    assert_eq!(row["allocated"], 8);
    assert_eq!(row["free"], 0);
    assert_eq!(row["headroom"], 0);

    // Every row says what the exporter's series say: free is the remaining
    // quantity (no series: null), capability and allocated likewise (Sugon's
    // capability is nodes × cards per node, which no series holds), and the
    // parent is the queue's `parent_queue`.
    let (_exp, addr) = exporter(&demo_config(&sim), &[]);
    let m = scrape(&addr);
    assert!(rows.len() >= 15, "{doc:#}");
    for r in rows {
        let s = |k: &str| r[k].as_str().unwrap_or("");
        let mut want = vec![
            ("account", s("account")),
            ("cloud_region", s("cloud_region")),
            ("pool_id", s("pool_id")),
        ];
        let level = if r["queue_id"].is_null() {
            assert!(r["parent_queue"].is_null(), "{r}");
            "pool"
        } else {
            want.push(("queue_id", s("queue_id")));
            let info = m.find("aipool_queue_info", &want);
            assert_eq!(info.len(), 1, "{r}");
            assert_eq!(r["parent_queue"], info[0].1["parent_queue"].as_str(), "{r}");
            assert_eq!(r["queue_name"], info[0].1["queue_name"].as_str(), "{r}");
            "queue"
        };
        want.push(("accelerator", s("accelerator")));
        let series = |q: &str| {
            let found = m.find(&format!("aipool_{level}_{q}_accelerators"), &want);
            assert!(found.len() <= 1, "{found:?}");
            found.first().map(|f| f.2)
        };
        assert_eq!(r["free"].as_f64(), series("remaining"), "free of {r}");
        assert_eq!(
            r["allocated"].as_f64(),
            series("allocated"),
            "allocated of {r}"
        );
        match series("capability") {
            Some(c) => assert_eq!(r["capability"].as_f64(), Some(c), "{r}"),
            None => assert_eq!(r["provider"], "sugon", "capability of {r}"),
        }
        // The largest free block and the slots by size: the free-slot
        // series, or null where there are none.
        let block = m.find(
            &format!("aipool_{level}_largest_free_block_accelerators"),
            &want,
        );
        assert_eq!(
            r["largest_free_block"].as_f64(),
            block.first().map(|b| b.2),
            "{r}"
        );
        let slots: serde_json::Map<String, Value> = m
            .find(&format!("aipool_{level}_free_slots"), &want)
            .iter()
            .map(|(_, labels, v)| (labels["cards"].clone(), Value::from(*v as i64)))
            .collect();
        match r["slots"].as_object() {
            Some(got) => assert_eq!(got, &slots, "slots of {r}"),
            None => assert!(r["slots"].is_null() && slots.is_empty(), "slots of {r}"),
        }
    }
}

/// The status lines (counts as the exporter counts them) and the JSON
/// document's shape for the demo accounts.
#[test]
fn demo_accounts_status_lines_and_json_shape() {
    let (_sim, sim) = simulator(100);
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(dir.path(), "demo.toml", &demo_config(&sim));
    let cfg_arg = format!("--config.file={cfg}");

    let out = top(&["--once", &cfg_arg]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    let (_exp, addr) = exporter(&demo_config(&sim), &[]);
    let m = scrape(&addr);
    // The demo config's own list, read apart from `top`.
    let demo = demo_accounts();
    for (account, provider) in &demo {
        let account = account.as_str();
        let line = stdout
            .lines()
            .find(|l| l.starts_with(&format!("{account} ")))
            .unwrap_or_else(|| panic!("no status line for {account}:\n{stdout}"));
        let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
        let n = |family: &str| m.find(family, &[("account", account)]).len();
        let mut want = format!(
            "{account} {provider} ok {} pools, {} queues, {} compute units",
            n("aipool_pool_info"),
            n("aipool_queue_info"),
            n("aipool_compute_unit_info")
        );
        if n("aipool_service_info") > 0 {
            want.push_str(&format!(", {} services", n("aipool_service_info")));
        }
        want.push_str(" in S s");
        assert_eq!(
            regex_free_seconds(&line),
            want.replace(" 1 pools", " 1 pool")
        );
    }
    assert!(
        stdout.contains(" 9 queues, 0 compute units")
            && stdout.contains("5 compute units, 6 services"),
        "{stdout}"
    );
    // The OpenAPI's copy of the full queue: remaining = 8 − 8 = 0.
    let open_full = stdout
        .lines()
        .find(|l| l.starts_with("aihc-openapi-demo") && l.contains("(aihcq-1jpvdatpi23i)"))
        .unwrap();
    let cols: Vec<&str> = open_full.split_whitespace().collect();
    assert_eq!(
        cols[cols.len() - 7..cols.len() - 2],
        ["8", "8", "0", "—", "0"],
        "{open_full}"
    );
    // Sugon HPC queues fit jobs in whole free nodes: ksgpu_a800 has 2 free
    // nodes of 8 GPUs, xahdnormal 5 free of 4 DCUs (docs/slots.md).
    let block = |queue: &str| {
        let l = stdout
            .lines()
            .find(|l| l.starts_with("sugon-demo") && l.contains(queue))
            .unwrap_or_else(|| panic!("no {queue} row:\n{stdout}"));
        let cols: Vec<&str> = l.split_whitespace().collect();
        (
            cols[cols.len() - 5].to_string(),
            cols[cols.len() - 4].to_string(),
        )
    };
    assert_eq!(block("ksgpu_a800"), ("16".into(), "8".into()), "{stdout}");
    assert_eq!(block("xahdnormal"), ("20".into(), "4".into()), "{stdout}");
    assert!(
        stdout.contains("\nBLOCK: most free cards on one node"),
        "{stdout}"
    );
    // Compute units with time to expiry; Sugon groups with what is known.
    assert!(
        stdout.lines().any(|l| l.contains("cu-ernie40-01")
            && l.contains("2030-05-31 16:00:00Z")
            && l.contains(" in ")),
        "{stdout}"
    );
    assert!(
        stdout.lines().any(|l| l.starts_with("sugon-demo")
            && l.contains("A800")
            && l.contains("per node: 112 cores, 1007 GiB, 8 gpu; max_time 168:00:00")),
        "{stdout}"
    );

    let out = top(&["--once", "--output=json", &cfg_arg]);
    assert_eq!(out.status.code(), Some(0));
    let doc = json(&out);
    let accounts = doc["accounts"].as_array().unwrap();
    let names: Vec<(&str, &str)> = accounts
        .iter()
        .map(|a| (a["name"].as_str().unwrap(), a["provider"].as_str().unwrap()))
        .collect();
    let want: Vec<(&str, &str)> = demo.iter().map(|(a, p)| (a.as_str(), p.as_str())).collect();
    assert_eq!(names, want);
    for a in accounts {
        assert_eq!(a["ok"], true, "{a}");
        assert!(a.get("reason").is_none(), "{a}");
        let name = a["name"].as_str().unwrap();
        let n = |family: &str| m.find(family, &[("account", name)]).len();
        assert_eq!(a["pools"], n("aipool_pool_info"), "{a}");
        assert_eq!(a["queues"], n("aipool_queue_info"), "{a}");
        assert_eq!(a["compute_units"], n("aipool_compute_unit_info"), "{a}");
        assert!(a["poll_seconds"].as_f64().unwrap() > 0.0, "{a}");
    }
    assert_eq!(accounts[1]["queues"], 9);
    assert_eq!(accounts[2]["compute_units"], 5);
    let keys = [
        "account",
        "accelerator",
        "allocated",
        "capability",
        "cloud_region",
        "free",
        "headroom",
        "parent_queue",
        "pool_id",
        "pool_name",
        "provider",
        "queue_id",
        "queue_name",
        "largest_free_block",
        "slots",
    ];
    let rows = doc["rows"].as_array().unwrap();
    for r in rows {
        let mut got: Vec<&str> = r.as_object().unwrap().keys().map(String::as_str).collect();
        got.sort();
        let mut want = keys.to_vec();
        want.sort();
        assert_eq!(got, want, "{r}");
        for k in ["capability", "allocated", "free", "headroom"] {
            assert!(r[k].is_number() || r[k].is_null(), "{k} of {r}");
        }
    }
    // Least headroom first; rows without a headroom last.
    let h: Vec<Option<f64>> = rows.iter().map(|r| r["headroom"].as_f64()).collect();
    let known: Vec<f64> = h.iter().map_while(|x| *x).collect();
    assert!(known.windows(2).all(|w| w[0] <= w[1]), "{h:?}");
    assert!(h[known.len()..].iter().all(Option::is_none), "{h:?}");
    // A queue row names its parent; a pool row has none.
    let team_a = rows
        .iter()
        .find(|r| r["queue_id"] == "queue-team-a")
        .unwrap();
    assert_eq!(team_a["parent_queue"], "queue-root-k8yq");
    assert_eq!(team_a["free"], 0.5);
    assert_eq!(team_a["headroom"], 0.125);
    // Free slots by size where the platform counts free cards per node.
    let slots = |queue: &str| {
        let r = rows.iter().find(|r| r["queue_id"] == queue).unwrap();
        (
            r["free"].clone(),
            r["largest_free_block"].clone(),
            r["slots"].clone(),
        )
    };
    assert_eq!(
        slots("ksgpu_a800"),
        (
            json!(16),
            json!(8),
            json!({"1": 16, "2": 8, "4": 4, "8": 2})
        )
    );
    assert_eq!(
        slots("xahdnormal"),
        (
            json!(20),
            json!(4),
            json!({"1": 20, "2": 10, "4": 5, "8": 0})
        )
    );
    // ModelArts: its idle GPU node (8 free) is the largest block; the
    // abnormal node that reads all free adds nothing.
    let mixed = rows
        .iter()
        .find(|r| r["pool_name"] == "train-mixed" && r["accelerator"] == "nvidia.com/gpu")
        .unwrap();
    assert_eq!(mixed["largest_free_block"], 8, "{mixed}");
    assert!(mixed["slots"]["8"].as_i64() >= Some(1), "{mixed}");
    assert_eq!(team_a["largest_free_block"], Value::Null);
    assert_eq!(team_a["slots"], Value::Null);
    let a800 = rows.iter().find(|r| r["pool_id"] == "A800").unwrap();
    assert_eq!(
        (&a800["capability"], &a800["free"], &a800["parent_queue"]),
        (&Value::from(32), &Value::Null, &Value::Null)
    );
    let unit = doc["compute_units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["instance_id"] == "cu-ernie40-01")
        .unwrap();
    assert_eq!(unit["service_name"], "ERNIE-4.0-8K");
    assert!(unit["expiry"].as_f64().unwrap() > 1.9e9);

    // Filters: one provider, one accelerator: the same rows as unfiltered,
    // fewer of them.
    let all = doc["rows"].clone();
    let out = top(&[
        "--once",
        "--output=json",
        "--provider=aihc",
        "--accelerator=H20_141G",
        &cfg_arg,
    ]);
    let doc = json(&out);
    assert_eq!(doc["accounts"].as_array().unwrap().len(), 2);
    let rows = doc["rows"].as_array().unwrap();
    let want: Vec<&Value> = all
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["provider"] == "aihc" && r["accelerator"] == "baidu.com/h20_141g_cgpu")
        .collect();
    assert!(want.len() >= 4, "{all:#}");
    assert_eq!(rows.iter().collect::<Vec<_>>(), want);
    assert!(doc["compute_units"].as_array().unwrap().is_empty());
}

/// `in 0.21 s` → `in S s`, so status lines compare exactly.
fn regex_free_seconds(line: &str) -> String {
    let words: Vec<&str> = line.split(' ').collect();
    let mut out = Vec::new();
    for (i, w) in words.iter().enumerate() {
        let after_in = i > 0 && words[i - 1] == "in";
        if after_in && w.parse::<f64>().is_ok() {
            out.push("S");
        } else {
            out.push(w);
        }
    }
    out.join(" ")
}

/// Without `--once` and with stdout not a terminal, `top` prints a new plain
/// frame every interval, without escape codes.
#[test]
fn plain_frames_every_interval_when_not_a_terminal() {
    let (_sim, sim) = simulator(100);
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(dir.path(), "demo.toml", &demo_config(&sim));
    let mut child = Command::new(BIN)
        .args(["top", "--interval=300ms", "--account=aihc-openapi-demo"])
        .arg(format!("--config.file={cfg}"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut titles = 0;
    let mut seen = String::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        seen.push_str(&line);
        seen.push('\n');
        if line.starts_with("aipool_exporter top · ") {
            titles += 1;
            if titles == 3 {
                break;
            }
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(titles, 3, "{seen}");
    assert!(!seen.contains('\x1b'), "{seen}");
    assert!(seen.contains("aihc-openapi-demo  aihc      ok"), "{seen}");
}
