//! End to end: the real binary polls the simulated AIHC (separate process, page
//! size capped at 1 so every list pages) and the test reads `/metrics` as a
//! scraper would.
//!
//! Values the simulator serves are pinned by `tests/fixtures/expected/aihc.prom`
//! (the golden exposition, `tests/golden.rs`). This file asserts behaviour:
//! the seeds' arithmetic, the normalisation rules, paging, faults, partial
//! errors, decode errors and auth; made-up simulator figures appear only
//! where they show a rule.

mod common;

#[path = "e2e_aihc/auth.rs"]
mod auth;
#[path = "e2e_aihc/end_to_end.rs"]
mod end_to_end;
#[path = "e2e_aihc/faults.rs"]
mod faults;
#[path = "e2e_aihc/serving.rs"]
mod serving;

use common::*;

fn console_config(sim: &str, cookie: &str) -> String {
    format!(
        r#"
[[accounts]]
name = "console"
provider = "aihc"
api = "console"
region = "bj"
endpoint = "http://{sim}/api/aihc/aihc-service"
interval = "1h"
timeout = "5s"
pool_types = ["common", "serverless"]
cookie = "{cookie}"
"#
    )
}

fn openapi_config(sim: &str, name: &str, sk: &str) -> String {
    let keys = "interval = \"1h\"\ntimeout = \"5s\"\npool_types = [\"common\", \"dedicatedV2\"]";
    aihc_openapi_account(sim, name, sk, keys)
}

const Q: &str = "queue-nllqttp17gv6";
