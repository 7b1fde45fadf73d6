//! End to end, issue "one bad object never blinds an account": for every
//! provider, one unit's own calls (a pool's queue or node list, a service's
//! compute units, a resource group's resources, a Sugon region's HPC queue
//! list) start failing while the
//! exporter runs. The rest of the account stays fresh and `aipool_up` 1; the
//! failing unit keeps exactly the series of its last good fetch, with its own
//! older `…_last_success_timestamp_seconds`, until `stale_after`; then they
//! vanish; and when the calls answer again the unit is back.

mod common;

use std::collections::BTreeMap;

use common::*;

/// Fast polls, one retry, data stale after 4 s.
const COMMON: &str = "interval = \"1s\"\ntimeout = \"2s\"\nretries = 1\nstale_after = \"4s\"\n";

struct Case {
    name: &'static str,
    /// The account's provider keys.
    keys: String,
    /// The fault spec that fails only this unit's calls.
    fault: String,
    /// The failing unit's identity labels, and one label set of another unit
    /// that must stay fresh.
    unit: Vec<(&'static str, String)>,
    other: Vec<(&'static str, String)>,
    /// `aipool_pool_last_success_timestamp_seconds` or the service one.
    freshness: &'static str,
}

fn cases(sim: &str) -> Vec<Case> {
    use aipool_sim::modelarts::{MIXED_POOL, SEED_POOL};
    let pool = |region: &str, id: &str| {
        vec![
            ("cloud_region", region.to_string()),
            ("pool_id", id.to_string()),
        ]
    };
    vec![
        Case {
            name: "aihc-console",
            keys: format!(
                "provider = \"aihc\"\napi = \"console\"\nregion = \"bj\"\nendpoint = \"http://{sim}/api/aihc/aihc-service\"\npool_types = [\"common\", \"serverless\"]\ncookie = \"{}\"\n",
                credentials::AIHC_CONSOLE_COOKIE
            ),
            fault: "resourcePoolId=cce-6b41lf00=5xx".into(),
            unit: pool("bj", "cce-6b41lf00"),
            other: pool("bj", "cce-k8yq20rt"),
            freshness: "aipool_pool_last_success_timestamp_seconds",
        },
        Case {
            name: "aihc-openapi",
            keys: format!(
                "provider = \"aihc\"\nregion = \"bj\"\nendpoint = \"http://{sim}\"\naccess_key_id = \"{}\"\nsecret_access_key = \"{}\"\n",
                credentials::BCE_ACCESS_KEY_ID,
                credentials::BCE_SECRET_ACCESS_KEY
            ),
            fault: "resourcePoolId=cce-k8yq20rt=5xx".into(),
            unit: pool("bj", "cce-k8yq20rt"),
            other: pool("bj", "cce-6b41lf00"),
            freshness: "aipool_pool_last_success_timestamp_seconds",
        },
        Case {
            name: "modelarts",
            keys: format!(
                "provider = \"modelarts\"\nregion = \"{}\"\nendpoint = \"http://{sim}\"\nproject_id = \"{}\"\naccess_key_id = \"{}\"\nsecret_access_key = \"{}\"\n",
                credentials::MODELARTS_REGION,
                credentials::MODELARTS_PROJECT_ID,
                credentials::HUAWEI_ACCESS_KEY_ID,
                credentials::HUAWEI_SECRET_ACCESS_KEY
            ),
            fault: format!("pools/{MIXED_POOL}/nodes=5xx"),
            unit: pool(credentials::MODELARTS_REGION, MIXED_POOL),
            other: pool(credentials::MODELARTS_REGION, SEED_POOL),
            freshness: "aipool_pool_last_success_timestamp_seconds",
        },
        Case {
            name: "qianfan",
            keys: format!(
                "provider = \"qianfan\"\nendpoint = \"http://{sim}\"\naccess_key_id = \"{}\"\nsecret_access_key = \"{}\"\n",
                credentials::BCE_ACCESS_KEY_ID,
                credentials::BCE_SECRET_ACCESS_KEY
            ),
            fault: "\"serviceId\":\"svco-7k2mchat01\"=5xx".into(),
            unit: vec![("service_id", "svco-7k2mchat01".into())],
            other: vec![("service_id", "svco-48exxxa594".into())],
            freshness: "aipool_service_last_success_timestamp_seconds",
        },
        Case {
            name: "sugon",
            keys: format!(
                "provider = \"sugon\"\nendpoint = \"http://{sim}\"\nuser = \"{}\"\npassword = \"{}\"\norg_id = \"{}\"\n",
                credentials::SUGON_USER,
                credentials::SUGON_PASSWORD,
                credentials::SUGON_ORG_ID
            ),
            fault: "resourceGroup=TeslaM40=5xx".into(),
            unit: pool("11112", "TeslaM40"),
            other: pool("11112", "A800"),
            freshness: "aipool_pool_last_success_timestamp_seconds",
        },
        // The HPC pool (job manager 1637) of region 11112: a failing queue
        // list keeps its queues' last good series, as a failing resource
        // group does, rather than dropping them from the next poll.
        Case {
            name: "sugon-hpc",
            keys: format!(
                "provider = \"sugon\"\nendpoint = \"http://{sim}\"\nuser = \"{}\"\npassword = \"{}\"\norg_id = \"{}\"\n",
                credentials::SUGON_USER,
                credentials::SUGON_PASSWORD,
                credentials::SUGON_ORG_ID
            ),
            fault: "strJobManagerID=1637=5xx".into(),
            unit: pool("11112", "1637"),
            other: pool("11250", "2215"),
            freshness: "aipool_pool_last_success_timestamp_seconds",
        },
    ]
}

/// The account's series that carry every label of `unit`, freshness left out
/// (it is checked on its own): "name{labels}" → value.
fn series_of(m: &Metrics, account: &str, unit: &[(&str, String)]) -> BTreeMap<String, f64> {
    m.samples
        .iter()
        .filter(|(n, l, _)| {
            !n.ends_with("_last_success_timestamp_seconds")
                && l.get("account").map(String::as_str) == Some(account)
                && unit.iter().all(|(k, v)| l.get(*k) == Some(v))
        })
        .map(|(n, l, v)| (format!("{n}{l:?}"), *v))
        .collect()
}

fn labels<'a>(account: &'a str, unit: &'a [(&'static str, String)]) -> Vec<(&'a str, &'a str)> {
    let mut l = vec![("account", account)];
    l.extend(unit.iter().map(|(k, v)| (*k, v.as_str())));
    l
}

fn account_success(m: &Metrics, account: &str) -> f64 {
    m.value(
        "aipool_last_success_timestamp_seconds",
        &[("account", account)],
    )
}

#[test]
fn a_failing_unit_keeps_its_last_good_series_until_stale_after_on_every_provider() {
    // One simulator per account: each gets its own faults.
    let sims: Vec<(Proc, String)> = (0..cases("").len()).map(|_| simulator(1000)).collect();
    let mut all = Vec::new();
    let mut config = String::new();
    for (i, (_, sim)) in sims.iter().enumerate() {
        let case = cases(sim).swap_remove(i);
        config.push_str(&format!(
            "\n[[accounts]]\nname = \"{}\"\n{COMMON}{}",
            case.name, case.keys
        ));
        all.push((case, sim.clone()));
    }
    let (exp, addr) = exporter(&config, &[]);

    // Every unit present and fresh first.
    let before = scrape_until(&addr, 20, "every unit fetched", |m| {
        all.iter().all(|(c, _)| {
            m.has(c.freshness, &labels(c.name, &c.unit))
                && m.has(c.freshness, &labels(c.name, &c.other))
        })
    });
    let baseline: Vec<BTreeMap<String, f64>> = all
        .iter()
        .map(|(c, _)| series_of(&before, c.name, &c.unit))
        .collect();
    for ((c, _), b) in all.iter().zip(&baseline) {
        assert!(!b.is_empty(), "{}: no series of {:?}", c.name, c.unit);
    }

    for (c, sim) in &all {
        assert_eq!(post(sim, "/-/faults", &c.fault).unwrap(), 200);
    }
    // A poll later every account is up and fresh, and each failing unit is
    // behind its account: its series are those of its last good fetch.
    let behind = scrape_until(&addr, 20, "failing units behind their accounts", |m| {
        all.iter().all(|(c, _)| {
            let own = m.find(c.freshness, &labels(c.name, &c.unit));
            own.len() == 1 && account_success(m, c.name) - own[0].2 >= 1.0
        })
    });
    for ((c, _), b) in all.iter().zip(&baseline) {
        let acc = [("account", c.name)];
        assert_eq!(
            behind.value("aipool_up", &acc),
            1.0,
            "{}\n{}",
            c.name,
            exp.stderr()
        );
        assert_eq!(
            &series_of(&behind, c.name, &c.unit),
            b,
            "{}: kept series changed",
            c.name
        );
        // The other unit is as fresh as its account.
        let other = behind.value(c.freshness, &labels(c.name, &c.other));
        assert_eq!(other, account_success(&behind, c.name), "{}", c.name);
        assert!(
            behind.value("aipool_poll_partial_errors", &acc) >= 1.0,
            "{}",
            c.name
        );
        let http_5xx: f64 = behind
            .find(
                "aipool_api_request_failures_total",
                &[acc[0], ("reason", "http_5xx")],
            )
            .iter()
            .map(|s| s.2)
            .sum();
        assert!(http_5xx >= 1.0, "{}", c.name);
    }

    // Past stale_after the kept series go; the rest stays.
    let gone = scrape_until(
        &addr,
        20,
        "failing units' series dropped after stale_after",
        |m| {
            all.iter().all(|(c, _)| {
                series_of(m, c.name, &c.unit).is_empty()
                    && !m.has(c.freshness, &labels(c.name, &c.unit))
            })
        },
    );
    for (c, _) in &all {
        assert_eq!(
            gone.value("aipool_up", &[("account", c.name)]),
            1.0,
            "{}",
            c.name
        );
        assert!(
            gone.has(c.freshness, &labels(c.name, &c.other)),
            "{}",
            c.name
        );
    }

    // The calls answer again: the unit is back with the same values.
    for (_, sim) in &all {
        assert_eq!(post(sim, "/-/faults", "").unwrap(), 200);
    }
    let back = scrape_until(&addr, 20, "failing units back", |m| {
        all.iter()
            .all(|(c, _)| m.has(c.freshness, &labels(c.name, &c.unit)))
    });
    for ((c, _), b) in all.iter().zip(&baseline) {
        assert_eq!(
            &series_of(&back, c.name, &c.unit),
            b,
            "{}: values after recovery",
            c.name
        );
    }
    assert!(!exp.stderr().contains("panicked"), "{}", exp.stderr());
}
