//! Config reload end to end: SIGHUP and `POST /-/reload` re-read the config
//! file; accounts added and removed start and stop, an unchanged account keeps
//! its state and counters, a changed one restarts, and an invalid file is
//! rejected while the running config stays in force.

mod common;

use common::*;

fn account(sim: &str, name: &str, interval: &str) -> String {
    let keys = format!("interval = \"{interval}\"\ntimeout = \"2s\"");
    aihc_openapi_account(sim, name, credentials::BCE_SECRET_ACCESS_KEY, &keys)
}

fn polls(m: &Metrics, account: &str) -> f64 {
    m.find(
        "aipool_polls_total",
        &[("account", account), ("result", "success")],
    )
    .first()
    .map(|s| s.2)
    .unwrap_or(0.0)
}

fn accounts(m: &Metrics) -> Vec<String> {
    let mut v: Vec<String> = m
        .find("aipool_up", &[])
        .iter()
        .map(|(_, l, _)| l["account"].clone())
        .collect();
    v.sort();
    v
}

#[test]
fn sighup_and_post_reload_apply_a_new_config_and_reject_a_bad_one() {
    let (_sim, sim) = simulator(100);
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("config.toml");
    std::fs::write(
        &cfg,
        format!(
            "{}{}",
            account(&sim, "keep", "1s"),
            account(&sim, "gone", "1s")
        ),
    )
    .unwrap();
    let (exp, addr) = exporter_on_file(&cfg, &["--log.level=debug"], true);
    let m = scrape_until(&addr, 10, "two polls of keep", |m| polls(m, "keep") >= 2.0);
    assert_eq!(accounts(&m), ["gone", "keep"]);
    assert_eq!(m.value("aipool_config_last_reload_successful", &[]), 1.0);
    let first_reload = m.value("aipool_config_last_reload_success_timestamp_seconds", &[]);
    let keep_polls = polls(&m, "keep");

    // SIGHUP: "gone" is removed, "new" added, "keep" unchanged.
    std::fs::write(
        &cfg,
        format!(
            "{}{}",
            account(&sim, "keep", "1s"),
            account(&sim, "new", "1s")
        ),
    )
    .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    signal(&exp, "HUP");
    let m = scrape_until(&addr, 10, "new account polled, gone account gone", |m| {
        accounts(m) == ["keep", "new"] && polls(m, "new") >= 1.0
    });
    // The unchanged account kept its counters (a restart would start at 0).
    assert!(polls(&m, "keep") >= keep_polls, "{}", m.text);
    assert!(m.has("aipool_queue_info", &[("account", "new")]));
    assert!(!m.has("aipool_queue_info", &[("account", "gone")]));
    assert!(m.value("aipool_config_last_reload_success_timestamp_seconds", &[]) >= first_reload);

    // An invalid file: rejected, named in the answer and the log, the running
    // accounts untouched.
    std::fs::write(
        &cfg,
        format!("{}max_concurrency = 0\n", account(&sim, "keep", "1s")),
    )
    .unwrap();
    let (status, body) = post_full(&addr, "/-/reload", "").unwrap();
    assert_eq!(status, 500, "{body}");
    assert!(body.contains("accounts[0].max_concurrency"), "{body}");
    let m = scrape(&addr);
    assert_eq!(m.value("aipool_config_last_reload_successful", &[]), 0.0);
    assert_eq!(accounts(&m), ["keep", "new"]);
    assert!(exp.stderr().contains("config reload failed"));
    let before = polls(&m, "new");
    scrape_until(&addr, 10, "the old config keeps polling", |m| {
        polls(m, "new") > before
    });

    // A valid file again, with "keep" changed: it restarts with the new interval.
    std::fs::write(&cfg, account(&sim, "keep", "2s")).unwrap();
    let (status, body) = post_full(&addr, "/-/reload", "").unwrap();
    assert_eq!(status, 200, "{body}");
    let m = scrape(&addr);
    assert_eq!(m.value("aipool_config_last_reload_successful", &[]), 1.0);
    assert_eq!(accounts(&m), ["keep"]);
    assert_eq!(
        m.value("aipool_poll_interval_seconds", &[("account", "keep")]),
        2.0
    );
    // Reload is POST only: other methods are told which one to use.
    let (status, headers, _) = get(&addr, "/-/reload", &[]).unwrap();
    assert_eq!(status, 405);
    assert_eq!(headers.get("allow").map(String::as_str), Some("POST"));
    // And the read-only endpoints name theirs.
    let (status, _) = post_full(&addr, "/healthz", "").unwrap();
    assert_eq!(status, 405);
    assert!(exp.stderr().contains("config reloaded"));
}
