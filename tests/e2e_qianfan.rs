//! End to end: the real binary polls the simulated Qianfan (separate process; the
//! service list capped at one per page, so discovery follows every marker) and the
//! test reads `/metrics` as a scraper would. The simulator verifies every
//! bce-auth-v1 signature over the headers it actually received, so a header the
//! exporter signs but sends differently (content-length, x-bce-date) fails here.
//!
//! Values the simulator serves are pinned by
//! `tests/fixtures/expected/qianfan.prom` (the golden exposition,
//! `tests/golden.rs`). This file asserts behaviour: the seed instance, time
//! zones, discovery and paging, faults, partial errors, decode errors and
//! auth.

mod common;

#[path = "e2e_qianfan/auth.rs"]
mod auth;
#[path = "e2e_qianfan/end_to_end.rs"]
mod end_to_end;
#[path = "e2e_qianfan/faults.rs"]
mod faults;

use common::*;

/// An account; `extra` adds keys (service_ids, payment_timing, …).
fn config(sim: &str, name: &str, sk: &str, extra: &str) -> String {
    format!(
        r#"
[[accounts]]
name = "{name}"
provider = "qianfan"
endpoint = "http://{sim}"
interval = "1h"
timeout = "5s"
access_key_id = "{ak}"
secret_access_key = "{sk}"
{extra}
"#,
        ak = credentials::BCE_ACCESS_KEY_ID
    )
}

const SEED_SERVICE: &str = "svco-48exxxa594";
const SEED_INSTANCE: &str = "a0085162xxx9d19e58e";
