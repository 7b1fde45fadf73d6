//! The fault matrix: every fault kind against every provider, in one exporter
//! process with one account per provider mode (AIHC OpenAPI and console,
//! Qianfan, ModelArts AK/SK and IAM, Sugon password and AK/SK) plus a control
//! account that never sees a fault.
//!
//! Each account has its own simulator, so a fault injected for one account
//! cannot reach another through the simulator; the fault targets the
//! provider's own list API by name (`POST /-/faults`). The rounds form a Latin
//! square: in round r, account i gets fault kind (i + r) mod 10 (9 faults and
//! "none"), so after 10 rounds every account has seen every fault once, always
//! beside accounts failing differently or not at all. Each round asserts:
//! - the exporter stays up and the faulty accounts go `aipool_up 0` with the
//!   failure reason that fault must give, while the others stay at 1;
//! - every account's data series keep exactly their last good values;
//! - while an upstream hangs, `/metrics` answers at once (median of 5 scrapes);
//! - after the fault is cleared, every account recovers completely: a poll
//!   with nothing failed or partial, serving the baseline again.
//!
//! Finally all faulty accounts fail for longer than `stale_after`: their data
//! series are dropped, their self metrics and the control account's data stay.

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use common::*;

/// (fault spec, the failure reason it must produce).
const FAULTS: [(&str, &str); 9] = [
    ("5xx", "http_5xx"),
    ("429", "throttled"),
    // Beyond the 1 s timeout.
    ("slow:2500ms", "timeout"),
    ("hang", "timeout"),
    ("reset", "connect"),
    ("truncate", "decode"),
    ("malformed", "decode"),
    // 100 MiB against max_response_bytes = 1 MiB.
    ("huge", "decode"),
    // The platform's own expired-credentials answer: re-signing (Baidu),
    // re-login (Sugon) or a fresh IAM token (ModelArts) cannot cure it.
    ("expire", "auth"),
];
const KINDS: usize = FAULTS.len() + 1;

const COMMON: &str = "interval = \"1s\"\ntimeout = \"1s\"\nretries = 1\nstale_after = \"5s\"\nmax_response_bytes = 1048576\n";

struct Account {
    name: &'static str,
    /// The API-name substring the simulator matches for this provider's list API.
    target: &'static str,
    sim: String,
    _proc: Proc,
}

fn config(name: &str, sim: &str) -> String {
    let c = credentials::BCE_ACCESS_KEY_ID;
    let body = match name {
        "aihc-openapi" | "control" => format!(
            "provider = \"aihc\"\nregion = \"bj\"\nendpoint = \"http://{sim}\"\naccess_key_id = \"{c}\"\nsecret_access_key = \"{}\"\n",
            credentials::BCE_SECRET_ACCESS_KEY
        ),
        "aihc-console" => format!(
            "provider = \"aihc\"\napi = \"console\"\nregion = \"bj\"\nendpoint = \"http://{sim}/api/aihc/aihc-service\"\npool_types = [\"common\", \"serverless\"]\ncookie = \"{}\"\n",
            credentials::AIHC_CONSOLE_COOKIE
        ),
        "qianfan" => format!(
            "provider = \"qianfan\"\nendpoint = \"http://{sim}\"\naccess_key_id = \"{c}\"\nsecret_access_key = \"{}\"\n",
            credentials::BCE_SECRET_ACCESS_KEY
        ),
        "modelarts-aksk" => format!(
            "provider = \"modelarts\"\nregion = \"{}\"\nendpoint = \"http://{sim}\"\nproject_id = \"{}\"\naccess_key_id = \"{}\"\nsecret_access_key = \"{}\"\n",
            credentials::MODELARTS_REGION,
            credentials::MODELARTS_PROJECT_ID,
            credentials::HUAWEI_ACCESS_KEY_ID,
            credentials::HUAWEI_SECRET_ACCESS_KEY
        ),
        "modelarts-iam" => format!(
            "provider = \"modelarts\"\nregion = \"{}\"\nendpoint = \"http://{sim}\"\nproject_id = \"{}\"\niam_endpoint = \"http://{sim}\"\nusername = \"{}\"\npassword = \"{}\"\ndomain = \"{}\"\n",
            credentials::MODELARTS_REGION,
            credentials::MODELARTS_PROJECT_ID,
            credentials::HUAWEI_IAM_USER,
            credentials::HUAWEI_IAM_PASSWORD,
            credentials::HUAWEI_IAM_DOMAIN
        ),
        "sugon-password" => format!(
            "provider = \"sugon\"\nendpoint = \"http://{sim}\"\nuser = \"{}\"\npassword = \"{}\"\norg_id = \"{}\"\n",
            credentials::SUGON_USER,
            credentials::SUGON_PASSWORD,
            credentials::SUGON_ORG_ID
        ),
        "sugon-aksk" => format!(
            "provider = \"sugon\"\nendpoint = \"http://{sim}\"\nlogin_endpoint = \"http://{sim}\"\nuser = \"{}\"\naccess_key_id = \"{}\"\nsecret_access_key = \"{}\"\n",
            credentials::SUGON_USER,
            credentials::SCNET_ACCESS_KEY_ID,
            credentials::SCNET_SECRET_ACCESS_KEY
        ),
        other => panic!("no config for {other}"),
    };
    format!("\n[[accounts]]\nname = \"{name}\"\n{COMMON}{body}")
}

const ACCOUNTS: &[(&str, &str)] = &[
    ("aihc-openapi", "DescribeResourcePools"),
    ("aihc-console", "v3/resourcepools"),
    // Discovery, the account's own list: a service's compute units fail
    // alone (one service's outage must not hide the others) and would leave
    // the account up.
    ("qianfan", "DescribeServices"),
    ("modelarts-aksk", "/pools"),
    ("modelarts-iam", "/pools"),
    ("sugon-password", "instance-service/resource-group"),
    ("sugon-aksk", "instance-service/resource-group"),
];

/// Self metrics: everything that is not the account's upstream data.
fn is_self_metric(name: &str) -> bool {
    [
        "aipool_up",
        "aipool_last_success_",
        // Per-unit freshness moves with every good poll, like the account's.
        "aipool_pool_last_success_",
        "aipool_service_last_success_",
        "aipool_poll",
        "aipool_api_",
        "aipool_decode_errors_",
        "aipool_normalizations_",
        "aipool_build_info",
        "aipool_config_",
    ]
    .iter()
    .any(|p| name.starts_with(p))
}

/// An account's data series: "name{labels}" → value.
fn data(m: &Metrics, account: &str) -> BTreeMap<String, f64> {
    m.samples
        .iter()
        .filter(|(n, l, _)| {
            !is_self_metric(n) && l.get("account").map(String::as_str) == Some(account)
        })
        .map(|(n, l, v)| (format!("{n}{l:?}"), *v))
        .collect()
}

fn failures(m: &Metrics, account: &str, reason: &str) -> f64 {
    m.find(
        "aipool_api_request_failures_total",
        &[("account", account), ("reason", reason)],
    )
    .iter()
    .map(|s| s.2)
    .sum()
}

fn up(m: &Metrics, account: &str) -> f64 {
    m.value("aipool_up", &[("account", account)])
}

/// The account's last poll succeeded and read all of it: no failed unit, no
/// partial error. `aipool_up 1` alone is not that: a unit whose calls failed
/// in a successful poll keeps its series only until `stale_after`.
fn complete(m: &Metrics, account: &str) -> bool {
    up(m, account) == 1.0 && m.value("aipool_poll_partial_errors", &[("account", account)]) == 0.0
}

#[test]
fn every_fault_against_every_provider() {
    let started = Instant::now();
    let mut accounts = Vec::new();
    for &(name, target) in ACCOUNTS {
        let (proc, sim) = simulator(100);
        accounts.push(Account {
            name,
            target,
            sim,
            _proc: proc,
        });
    }
    let (_control_proc, control_sim) = simulator(100);
    let mut cfg = config("control", &control_sim);
    for a in &accounts {
        cfg.push_str(&config(a.name, &a.sim));
    }
    let (exp, addr) = exporter(&cfg, &[]);
    let all: Vec<&str> = accounts.iter().map(|a| a.name).chain(["control"]).collect();
    // Complete too: a poll that read part of an account (a Qianfan
    // DescribeServices pass timing out on a loaded machine) is no baseline.
    let m = scrape_until(&addr, 20, "every account up with all its data", |m| {
        all.iter().all(|a| complete(m, a) && !data(m, a).is_empty())
    });
    let baseline: BTreeMap<&str, BTreeMap<String, f64>> =
        all.iter().map(|a| (*a, data(&m, a))).collect();

    for round in 0..KINDS {
        let before = scrape(&addr);
        let mut faulty: Vec<(&Account, &str, &str)> = Vec::new();
        for (i, a) in accounts.iter().enumerate() {
            let kind = (i + round) % KINDS;
            if let Some((spec, reason)) = FAULTS.get(kind) {
                let rule = format!("{}={spec}", a.target);
                assert_eq!(post(&a.sim, "/-/faults", &rule).unwrap(), 200, "{rule}");
                faulty.push((a, spec, reason));
            }
        }
        let what = format!(
            "round {round}: {:?} down with their reasons",
            faulty
                .iter()
                .map(|(a, s, r)| format!("{}={s}→{r}", a.name))
                .collect::<Vec<_>>()
        );
        let m = scrape_until(&addr, 20, &what, |m| {
            faulty.iter().all(|(a, _, reason)| {
                up(m, a.name) == 0.0
                    && failures(m, a.name, reason) > failures(&before, a.name, reason)
            })
        });
        for name in &all {
            let is_faulty = faulty.iter().any(|(a, _, _)| a.name == *name);
            if !is_faulty {
                assert_eq!(
                    up(&m, name),
                    1.0,
                    "round {round}: {name} went down\n{}",
                    m.text
                );
            }
            // Down or not, the last good values are served unchanged.
            assert_eq!(
                data(&m, name),
                baseline[name],
                "round {round}: {name}'s data changed"
            );
        }

        if faulty.iter().any(|(_, spec, _)| *spec == "hang") {
            let mut times = Vec::new();
            for _ in 0..5 {
                let t = Instant::now();
                let m = scrape(&addr);
                times.push(t.elapsed());
                assert!(!data(&m, "control").is_empty());
            }
            times.sort();
            assert!(
                times[2] < Duration::from_millis(100),
                "round {round}: scrapes took {times:?} while an upstream hangs"
            );
        }

        for a in &accounts {
            assert_eq!(post(&a.sim, "/-/faults", "").unwrap(), 200);
        }
        // Recovered means complete, not only up. A poll that was waiting on a
        // hung call when the fault cleared succeeds with that part as a failed
        // unit (a Sugon region whose resource-group call timed out); if its
        // last good fetch was more than stale_after ago, as on a loaded
        // machine, its series are dropped (README, Failure behaviour). Were
        // the next round to fault the account before another poll, it would
        // keep serving that incomplete data.
        let m = scrape_until(&addr, 20, &format!("round {round}: all recovered"), |m| {
            all.iter().all(|a| complete(m, a))
        });
        for name in &all {
            assert_eq!(
                data(&m, name),
                baseline[name],
                "round {round}: {name} recovered with other data"
            );
        }
    }

    // Tokens that expire once: the platforms with tokens log in again (Sugon)
    // or fetch a new IAM token (ModelArts) and the poll still succeeds; the
    // refused call counts as one auth failure.
    let once = ["modelarts-iam", "sugon-password", "sugon-aksk"];
    let before = scrape(&addr);
    for a in accounts.iter().filter(|a| once.contains(&a.name)) {
        let rule = format!("{}=expire*1", a.target);
        assert_eq!(post(&a.sim, "/-/faults", &rule).unwrap(), 200);
    }
    let polls = |m: &Metrics, a: &str, result: &str| {
        m.value("aipool_polls_total", &[("account", a), ("result", result)])
    };
    let m = scrape_until(&addr, 20, "expired tokens renewed", |m| {
        once.iter().all(|a| {
            failures(m, a, "auth") > failures(&before, a, "auth")
                && polls(m, a, "success") > polls(&before, a, "success") + 1.0
        })
    });
    for a in once {
        assert_eq!(
            polls(&m, a, "failure"),
            polls(&before, a, "failure"),
            "{a}: an expired token failed a poll"
        );
        assert_eq!(up(&m, a), 1.0);
    }

    // Skewed clocks: the platform's clock 40 minutes ahead makes signatures
    // (Baidu: 30 min validity, Huawei: 15 min, SCNet login: its tolerance) and
    // Sugon tokens (10 min) expired in its eyes; the console cookie and IAM
    // tokens (24 h) do not care.
    let skewed = [
        "aihc-openapi",
        "qianfan",
        "modelarts-aksk",
        "sugon-password",
        "sugon-aksk",
    ];
    let before = scrape(&addr);
    for a in &accounts {
        assert_eq!(post(&a.sim, "/-/faults", "*=skew:40m").unwrap(), 200);
    }
    let m = scrape_until(&addr, 20, "skewed clocks refuse the credentials", |m| {
        skewed
            .iter()
            .all(|a| up(m, a) == 0.0 && failures(m, a, "auth") > failures(&before, a, "auth"))
    });
    for a in ["aihc-console", "modelarts-iam", "control"] {
        assert_eq!(up(&m, a), 1.0, "{a} went down on a skewed clock");
    }
    for a in &accounts {
        assert_eq!(post(&a.sim, "/-/faults", "").unwrap(), 200);
    }
    scrape_until(&addr, 20, "clocks agree again", |m| {
        all.iter().all(|a| up(m, a) == 1.0)
    });

    // Longer than stale_after: the faulty accounts' data go, self metrics stay.
    for a in &accounts {
        let rule = format!("{}=5xx", a.target);
        assert_eq!(post(&a.sim, "/-/faults", &rule).unwrap(), 200);
    }
    let m = scrape_until(&addr, 20, "stale data dropped", |m| {
        accounts.iter().all(|a| data(m, a.name).is_empty())
    });
    for a in &accounts {
        assert_eq!(up(&m, a.name), 0.0);
        assert!(m.has(
            "aipool_last_success_timestamp_seconds",
            &[("account", a.name)]
        ));
    }
    assert_eq!(data(&m, "control"), baseline["control"]);
    assert_eq!(up(&m, "control"), 1.0);
    // The process is alive and never panicked.
    assert!(!exp.stderr().contains("panicked"), "{}", exp.stderr());
    eprintln!("fault matrix took {:?}", started.elapsed());
}
