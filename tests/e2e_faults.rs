//! Failure semantics end to end: the simulator injects faults (at start with
//! `--faults`, or at run time through `POST /-/faults`) and the test watches what
//! `/metrics` says.

mod common;

use std::time::{Duration, Instant};

use common::*;

fn account(sim: &str, name: &str, extra: &str) -> String {
    let keys = format!("timeout = \"2s\"\npool_types = [\"common\"]\n{extra}");
    aihc_openapi_account(sim, name, credentials::BCE_SECRET_ACCESS_KEY, &keys)
}

/// A simulator started with a fault spec.
fn faulty_simulator(spec: &str) -> (Proc, String) {
    simulator_with(&["--faults", spec])
}

#[test]
fn transient_5xx_and_429_are_retried() {
    let (_sim, sim) = faulty_simulator("DescribeQueues=5xx*2,DescribeResourcePools=429:1*1");
    let (_exp, addr) = exporter(&account(&sim, "a", "interval = \"1h\""), &[]);
    let m = scrape(&addr);
    assert_eq!(m.value("aipool_up", &[("account", "a")]), 1.0);
    let fails = |api, reason| {
        m.value(
            "aipool_api_request_failures_total",
            &[("api", api), ("reason", reason)],
        )
    };
    assert_eq!(fails("DescribeQueues", "http_5xx"), 2.0);
    assert_eq!(fails("DescribeResourcePools", "throttled"), 1.0);
    // 2 pools: 2 successful DescribeQueues plus the 2 failed attempts.
    assert_eq!(
        m.value("aipool_api_requests_total", &[("api", "DescribeQueues")]),
        4.0
    );
    assert!(m.has("aipool_queue_info", &[("queue_id", "queue-nllqttp17gv6")]));
}

#[test]
fn retries_are_bounded() {
    let (_sim, sim) = faulty_simulator("DescribeResourcePools=5xx");
    let (_exp, addr) = exporter(&account(&sim, "a", "interval = \"1h\"\nretries = 1"), &[]);
    let m = scrape(&addr);
    assert_eq!(m.value("aipool_up", &[("account", "a")]), 0.0);
    assert_eq!(
        m.value(
            "aipool_api_request_failures_total",
            &[("api", "DescribeResourcePools"), ("reason", "http_5xx")]
        ),
        2.0
    );
}

#[test]
fn bad_bodies_are_decode_failures_and_resets_are_connect_failures() {
    for (spec, reason) in [
        ("DescribeResourcePools=truncate", "decode"),
        ("DescribeResourcePools=malformed", "decode"),
        ("DescribeResourcePools=huge", "decode"),
        ("DescribeResourcePools=reset*3", "connect"),
    ] {
        let (_sim, sim) = faulty_simulator(spec);
        let (exp, addr) = exporter(
            &account(&sim, "a", "interval = \"1h\"\nmax_response_bytes = 1048576"),
            &[],
        );
        let m = scrape(&addr);
        assert_eq!(m.value("aipool_up", &[("account", "a")]), 0.0, "{spec}");
        assert!(
            m.value(
                "aipool_api_request_failures_total",
                &[("api", "DescribeResourcePools"), ("reason", reason)]
            ) >= 1.0,
            "{spec}: {}",
            m.text
        );
        // One clear log line for the failed poll.
        assert!(exp.stderr().contains("poll failed"), "{spec}");
    }
}

#[test]
fn failures_keep_the_last_good_data_until_stale_after_then_drop_it() {
    let (_sim, sim) = simulator(100);
    let config = format!(
        "{}{}",
        account(
            &sim,
            "flaky",
            "interval = \"1s\"\nstale_after = \"4s\"\nretries = 0"
        ),
        account(&sim, "steady", "interval = \"1s\"")
    );
    let (_exp, addr) = exporter(&config, &[]);
    let q = [("account", "flaky"), ("queue_id", "queue-nllqttp17gv6")];
    scrape_until(&addr, 10, "first good poll", |m| {
        m.has("aipool_queue_info", &q)
    });

    // Every request of the flaky account's kind now fails… but the steady account
    // uses the same simulator, so fail only DescribeResourcePools and watch both.
    assert_eq!(
        post(&sim, "/-/faults", "DescribeResourcePools=5xx").unwrap(),
        200
    );
    let m = scrape_until(&addr, 10, "flaky account down", |m| {
        m.value("aipool_up", &[("account", "flaky")]) == 0.0
    });
    // Down, but the last good data is still served.
    assert!(
        m.has("aipool_queue_info", &q),
        "last good data was dropped too early"
    );
    assert!(m.has(
        "aipool_last_success_timestamp_seconds",
        &[("account", "flaky")]
    ));

    // After stale_after without a success the data series go; self metrics stay.
    let m = scrape_until(&addr, 15, "flaky data dropped", |m| {
        !m.has("aipool_queue_info", &[("account", "flaky")])
    });
    assert!(!m.has("aipool_pool_info", &[("account", "flaky")]));
    assert_eq!(m.value("aipool_up", &[("account", "flaky")]), 0.0);
    assert!(m.has(
        "aipool_polls_total",
        &[("account", "flaky"), ("result", "failure")]
    ));

    // Recovery brings the data back.
    assert_eq!(post(&sim, "/-/faults", "").unwrap(), 200);
    scrape_until(&addr, 10, "flaky recovered", |m| {
        m.value("aipool_up", &[("account", "flaky")]) == 1.0 && m.has("aipool_queue_info", &q)
    });
}

#[test]
fn one_accounts_failure_leaves_the_other_alone() {
    let (_sim, bad_sim) = faulty_simulator("*=5xx");
    let (_sim2, good_sim) = simulator(100);
    let config = format!(
        "{}{}",
        account(&bad_sim, "bad", "interval = \"1h\"\nretries = 0"),
        account(&good_sim, "good", "interval = \"1h\"")
    );
    let (_exp, addr) = exporter(&config, &[]);
    let m = scrape(&addr);
    assert_eq!(m.value("aipool_up", &[("account", "bad")]), 0.0);
    assert_eq!(m.value("aipool_up", &[("account", "good")]), 1.0);
    // The seed pool's 2 queues and the 3-queue tree of the second pool.
    assert_eq!(m.find("aipool_queue_info", &[("account", "good")]).len(), 5);
    assert!(m
        .find("aipool_api_request_failures_total", &[("account", "good")])
        .iter()
        .all(|(_, _, v)| *v == 0.0));
}

#[test]
fn metrics_answer_at_once_while_an_upstream_hangs() {
    let (_sim, sim) = simulator(100);
    let (_exp, addr) = exporter(&account(&sim, "a", "interval = \"1s\""), &[]);
    scrape_until(&addr, 10, "first poll", |m| {
        m.has("aipool_pool_info", &[("account", "a")])
    });
    assert_eq!(post(&sim, "/-/faults", "*=hang").unwrap(), 200);
    // Let a poll start and hang on the upstream.
    std::thread::sleep(Duration::from_millis(1500));
    let mut times = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let m = scrape(&addr);
        times.push(t.elapsed());
        assert!(m.has("aipool_pool_info", &[("account", "a")]));
    }
    times.sort();
    // The median scrape, while the poll waits on a hung upstream.
    assert!(
        times[2] < Duration::from_millis(100),
        "scrapes took {times:?}"
    );
}
