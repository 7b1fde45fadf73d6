//! What the log says when polls fail, read as an operator reads it: a first
//! failure says there is no data yet, a URL appears once per line, a 404 points
//! at `endpoint`, and a part of an account that keeps failing is logged once,
//! not on every poll.

mod common;

use common::*;

/// The log lines of account `name`.
fn lines_of(log: &str, name: &str) -> Vec<String> {
    let tag = format!("account={name} ");
    log.lines()
        .filter(|l| l.contains(&tag))
        .map(str::to_string)
        .collect()
}

#[test]
fn failed_polls_are_logged_honestly() {
    let (_sim, sim) = simulator_with(&["--faults", "/workspaces=5xx"]);
    let dead = format!("127.0.0.1:{}", free_port());
    let config = format!(
        r#"
[[accounts]]
name = "wrong-endpoint"
provider = "aihc"
api = "console"
region = "bj"
endpoint = "http://{sim}/wrong"
interval = "1h"
retries = 0
cookie = "{cookie}"

[[accounts]]
name = "dead"
provider = "aihc"
region = "bj"
endpoint = "http://{dead}"
interval = "1h"
retries = 0
access_key_id = "{bce_ak}"
secret_access_key = "{bce_sk}"

[[accounts]]
name = "ma"
provider = "modelarts"
region = "{ma_region}"
endpoint = "http://{sim}"
project_id = "{ma_project}"
interval = "1s"
retries = 0
access_key_id = "{hw_ak}"
secret_access_key = "{hw_sk}"
"#,
        cookie = credentials::AIHC_CONSOLE_COOKIE,
        bce_ak = credentials::BCE_ACCESS_KEY_ID,
        bce_sk = credentials::BCE_SECRET_ACCESS_KEY,
        ma_region = credentials::MODELARTS_REGION,
        ma_project = credentials::MODELARTS_PROJECT_ID,
        hw_ak = credentials::HUAWEI_ACCESS_KEY_ID,
        hw_sk = credentials::HUAWEI_SECRET_ACCESS_KEY,
    );
    let (exp, addr) = exporter(&config, &[]);
    // Several polls of the ModelArts account, each failing its workspace list.
    let m = scrape_until(&addr, 20, "four ModelArts polls", |m| {
        m.value(
            "aipool_polls_total",
            &[("account", "ma"), ("result", "success")],
        ) >= 4.0
    });
    assert_eq!(
        m.value("aipool_poll_partial_errors", &[("account", "ma")]),
        1.0
    );
    let log = exp.stderr();

    // The first failed poll: nothing was kept, because there was nothing.
    let wrong = lines_of(&log, "wrong-endpoint");
    assert_eq!(wrong.len(), 1, "{log}");
    assert!(
        wrong[0].contains("msg=\"poll failed; no data yet\""),
        "{log}"
    );
    assert!(!log.contains("keeping the last good data"), "{log}");
    // A 404 says where to look.
    assert!(
        wrong[0].contains("HTTP 404 Not Found")
            && wrong[0].contains("check the account's `endpoint`"),
        "{log}"
    );

    // A connection refused: the URL once, in `url=`, not again in the error.
    let dead_lines = lines_of(&log, "dead");
    assert_eq!(dead_lines.len(), 1, "{log}");
    assert_eq!(dead_lines[0].matches(&dead).count(), 1, "{log}");
    assert!(
        dead_lines[0].contains(&format!("url=\"http://{dead}/")),
        "{log}"
    );
    assert!(dead_lines[0].contains("reason=connect"), "{log}");

    // The failing workspace list: logged once, though every poll hit it.
    let ma: Vec<_> = lines_of(&log, "ma")
        .into_iter()
        .filter(|l| l.contains("api=ListWorkspace"))
        .collect();
    assert_eq!(ma.len(), 1, "{log}");
    assert!(ma[0].contains("level=warn"), "{log}");
    assert!(
        ma[0].contains("polling only the default workspace until the list answers"),
        "{log}"
    );
}
