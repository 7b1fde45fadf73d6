//! End to end: the real binary polls the simulated Sugon AC / SCNet platform
//! (a separate `simulate` process) and the test reads `/metrics` as a scraper
//! would. Token expiry is exercised with the simulator's short token lifetimes
//! and its skewed platform clock; the HPC queues with the simulator's fixture
//! queues (no drift) and its user without HPC access.
//!
//! Values the simulator serves are pinned by `tests/fixtures/expected/sugon.prom`
//! (the golden exposition, `tests/golden.rs`). This file asserts behaviour:
//! the seed group, the card rules, regions and fallbacks, tokens, faults,
//! partial errors and auth; made-up simulator figures appear only where they
//! show a rule.

mod common;

#[path = "e2e_sugon/faults.rs"]
mod faults;
#[path = "e2e_sugon/hpc.rs"]
mod hpc;
#[path = "e2e_sugon/logins.rs"]
mod logins;

use std::time::{Duration, Instant};

use aipool_sim::sugon::{MALFORMED_USER, NO_HPC_USER};
use common::*;

const MIB: f64 = 1_048_576.0;

fn password_account(sim: &str, name: &str, password: &str, interval: &str) -> String {
    format!(
        r#"
[[accounts]]
name = "{name}"
provider = "sugon"
endpoint = "http://{sim}"
interval = "{interval}"
timeout = "5s"
# Polls of a few hundred ms on a loaded machine must not make the data stale
# (the default is 3 intervals): these tests are about tokens, not staleness.
stale_after = "2h"
user = "{user}"
password = "{password}"
org_id = "{org}"
"#,
        user = credentials::SUGON_USER,
        org = credentials::SUGON_ORG_ID,
    )
}

fn aksk_account(sim: &str, name: &str, sk: &str, filters: &str) -> String {
    format!(
        r#"
[[accounts]]
name = "{name}"
provider = "sugon"
endpoint = "http://{sim}"
login_endpoint = "http://{sim}"
interval = "1h"
timeout = "5s"
user = "{user}"
access_key_id = "{ak}"
secret_access_key = "{sk}"
{filters}
"#,
        user = credentials::SUGON_USER,
        ak = credentials::SCNET_ACCESS_KEY_ID,
    )
}

fn requests(m: &Metrics, account: &str, api: &str) -> f64 {
    m.value(
        "aipool_api_requests_total",
        &[("account", account), ("api", api)],
    )
}

fn failures(m: &Metrics, account: &str, api: &str, reason: &str) -> f64 {
    m.value(
        "aipool_api_request_failures_total",
        &[("account", account), ("api", api), ("reason", reason)],
    )
}

/// Asserts the log carries none of the account's secrets, nor any token.
fn assert_no_secrets(log: &str) {
    for secret in [
        credentials::SUGON_PASSWORD,
        credentials::SUGON_ORG_ID,
        credentials::SCNET_SECRET_ACCESS_KEY,
        // Every simulated token starts with this JWT header.
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9",
    ] {
        assert!(!log.contains(secret), "{secret:?} reached the log:\n{log}");
    }
}

/// One queue's identity labels.
fn queue<'a>(
    account: &'a str,
    region: &'a str,
    pool: &'a str,
    q: &'a str,
) -> [(&'a str, &'a str); 5] {
    [
        ("provider", "sugon"),
        ("account", account),
        ("cloud_region", region),
        ("pool_id", pool),
        ("queue_id", q),
    ]
}

fn with<'a>(ids: &[(&'a str, &'a str)], extra: (&'a str, &'a str)) -> Vec<(&'a str, &'a str)> {
    let mut v = ids.to_vec();
    v.push(extra);
    v
}

fn no_hpc_account(sim: &str, name: &str, extra: &str) -> String {
    format!(
        r#"
[[accounts]]
name = "{name}"
provider = "sugon"
endpoint = "http://{sim}"
interval = "1h"
timeout = "5s"
user = "{user}"
password = "{password}"
org_id = "{org}"
{extra}
"#,
        user = NO_HPC_USER,
        password = credentials::SUGON_PASSWORD,
        org = credentials::SUGON_ORG_ID,
    )
}
