use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use super::writer::write_value;
use super::*;
use crate::exposition::families::{catalogue, index, Family};
use crate::model::{Pool, QuantityKind, Queue, Resources, Snapshot, Unit};
use crate::providers::{FailedUnit, PollError, Reason};
use crate::quantity::slots::DEFAULT_SLOT_SIZES;
use crate::runtime::state::testing::account;
use crate::runtime::state::{render_accounts_at, AccountState, Published};

fn snapshot() -> Snapshot {
    let mut cap = Resources {
        cpu_cores: Some(444.0),
        memory_bytes: Some(2220198166528.0),
        ..Resources::default()
    };
    cap.accelerators
        .insert("baidu.com/rtx_4090_cgpu".into(), 16.0);
    let mut s = Snapshot::default();
    s.pools.push(Pool {
        id: "cce-1".into(),
        name: "team \"a\" \\ pool\nx".into(),
        pool_type: "common".into(),
        phase: "running".into(),
        nodes: Some(6.0),
        ..Pool::default()
    });
    s.queues.push(Queue {
        pool_id: "cce-1".into(),
        id: "q1".into(),
        name: "default".into(),
        queue_type: "Elastic".into(),
        parent: "root".into(),
        quantities: [(QuantityKind::Capability, cap)].into(),
        ..Queue::default()
    });
    s.accelerators.insert(
        "baidu.com/rtx_4090_cgpu".into(),
        "NVIDIA GeForce RTX 4090".into(),
    );
    s
}

fn published(s: Snapshot) -> Published {
    Published {
        snapshot: Some(Arc::new(s)),
        capacity: None,
        up: true,
        attempted: true,
        last_success: Some(UNIX_EPOCH + Duration::from_secs(1_700_000_000)),
        last_duration: Some(Duration::from_millis(250)),
        last_error: None,
        partial_errors: Vec::new(),
        failed_units: Vec::new(),
        behind: Vec::new(),
    }
}

/// Renders ten seconds after the fixture's last success, so its data is fresh.
fn text(accounts: &[Arc<AccountState>], format: Format) -> String {
    text_at(accounts, format, 1_700_000_010)
}

fn text_at(accounts: &[Arc<AccountState>], format: Format, now: u64) -> String {
    let build = BuildInfo {
        version: "1.2.3",
        revision: "abc",
        build_date: "2026-12-05",
    };
    let now = UNIX_EPOCH + Duration::from_secs(now);
    String::from_utf8(render_accounts_at(format, accounts, &build, now)).unwrap()
}

#[test]
fn stale_data_is_dropped_but_self_metrics_stay() {
    let a = account("bj-prod");
    a.publish(published(snapshot()));
    // The default stale_after is 3 intervals of 60 s.
    let fresh = text_at(std::slice::from_ref(&a), Format::Text, 1_700_000_000 + 180);
    assert!(fresh.contains("aipool_pool_info{"), "{fresh}");
    let stale = text_at(std::slice::from_ref(&a), Format::Text, 1_700_000_000 + 181);
    assert!(!stale.contains("aipool_pool_info{"), "{stale}");
    assert!(!stale.contains("cloud_region"), "{stale}");
    assert!(stale.contains("aipool_up{provider=\"aihc\",account=\"bj-prod\"} 1\n"));
    assert!(stale.contains("aipool_last_success_timestamp_seconds{"));
}

#[test]
fn classic_text_lines() {
    let a = account("bj-prod");
    a.publish(published(snapshot()));
    let t = text(&[a], Format::Text);
    let expect = [
        "# HELP aipool_build_info Version, source revision and build date of the running exporter.",
        "# TYPE aipool_build_info gauge",
        "aipool_build_info{version=\"1.2.3\",revision=\"abc\",build_date=\"2026-12-05\"} 1",
        "aipool_up{provider=\"aihc\",account=\"bj-prod\"} 1",
        "aipool_last_success_timestamp_seconds{provider=\"aihc\",account=\"bj-prod\"} 1700000000",
        "aipool_poll_duration_seconds{provider=\"aihc\",account=\"bj-prod\"} 0.25",
        "aipool_poll_interval_seconds{provider=\"aihc\",account=\"bj-prod\"} 60",
        "# TYPE aipool_polls_total counter",
        "aipool_normalizations_total{provider=\"aihc\",account=\"bj-prod\",rule=\"memory_gi_is_bytes\"} 0",
        "aipool_pool_info{provider=\"aihc\",account=\"bj-prod\",cloud_region=\"bj\",pool_id=\"cce-1\",pool_name=\"team \\\"a\\\" \\\\ pool\\nx\",pool_type=\"common\",phase=\"running\"} 1",
        "aipool_pool_nodes{provider=\"aihc\",account=\"bj-prod\",cloud_region=\"bj\",pool_id=\"cce-1\"} 6",
        "aipool_queue_info{provider=\"aihc\",account=\"bj-prod\",cloud_region=\"bj\",pool_id=\"cce-1\",queue_id=\"q1\",queue_name=\"default\",queue_type=\"Elastic\",parent_queue=\"root\"} 1",
        "aipool_queue_capability_cpu_cores{provider=\"aihc\",account=\"bj-prod\",cloud_region=\"bj\",pool_id=\"cce-1\",queue_id=\"q1\"} 444",
        "aipool_queue_capability_memory_bytes{provider=\"aihc\",account=\"bj-prod\",cloud_region=\"bj\",pool_id=\"cce-1\",queue_id=\"q1\"} 2220198166528",
        "aipool_queue_capability_accelerators{provider=\"aihc\",account=\"bj-prod\",cloud_region=\"bj\",pool_id=\"cce-1\",queue_id=\"q1\",accelerator=\"baidu.com/rtx_4090_cgpu\"} 16",
        "aipool_accelerator_info{provider=\"aihc\",account=\"bj-prod\",cloud_region=\"bj\",accelerator=\"baidu.com/rtx_4090_cgpu\",model=\"NVIDIA GeForce RTX 4090\"} 1",
    ];
    let lines: Vec<&str> = t.lines().collect();
    for e in expect {
        assert!(lines.contains(&e), "missing line {e}\n---\n{t}");
    }
    // Absent blocks give no families at all.
    assert!(!t.contains("aipool_queue_remaining"), "{t}");
    assert!(!t.contains("# EOF"));
    // Every family's samples are contiguous under its one TYPE line.
    let types = t
        .lines()
        .filter(|l| l.starts_with("# TYPE aipool_queue_capability_cpu_cores "))
        .count();
    assert_eq!(types, 1);
}

#[test]
fn families_stay_grouped_across_accounts() {
    let a = account("a");
    let b = account("b");
    a.publish(published(snapshot()));
    b.publish(published(snapshot()));
    let t = text(&[a, b], Format::Text);
    let mut seen_families = Vec::new();
    for l in t.lines().filter(|l| !l.starts_with('#')) {
        let name = l.split(['{', ' ']).next().unwrap().to_string();
        if seen_families.last() != Some(&name) {
            assert!(
                !seen_families.contains(&name),
                "family {name} split in two\n{t}"
            );
            seen_families.push(name);
        }
    }
}

#[test]
fn openmetrics_headers_and_eof() {
    let a = account("bj-prod");
    a.publish(published(snapshot()));
    let t = text(&[a], Format::OpenMetrics);
    assert!(t.ends_with("# EOF\n"));
    assert!(t.contains("# TYPE aipool_polls counter\n"));
    assert!(t.contains(
        "aipool_polls_total{provider=\"aihc\",account=\"bj-prod\",result=\"success\"} 0\n"
    ));
    assert!(t.contains("# TYPE aipool_pool info\n"));
    assert!(t.contains("# TYPE aipool_queue_capability_cpu_cores gauge\n"));
}

#[test]
fn two_renders_of_one_snapshot_are_identical() {
    let a = account("bj-prod");
    a.publish(published(snapshot()));
    let accounts = [a];
    assert_eq!(text(&accounts, Format::Text), text(&accounts, Format::Text));
}

#[test]
fn before_the_first_poll_only_self_metrics() {
    let a = account("new");
    let t = text(&[a], Format::Text);
    assert!(t.contains("aipool_up{provider=\"aihc\",account=\"new\"} 0\n"));
    assert!(!t.contains("aipool_last_success_timestamp_seconds{"));
    assert!(!t.contains("cloud_region"));
}

#[test]
fn values() {
    let mut b = Vec::new();
    for v in [
        16.0,
        415.14,
        0.5,
        -2.0,
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        1e20,
    ] {
        write_value(&mut b, v);
        b.push(b' ');
    }
    assert_eq!(
        String::from_utf8(b).unwrap(),
        "16 415.14 0.5 -2 NaN +Inf -Inf 100000000000000000000 "
    );
}

#[test]
fn modelarts_pool_labels_ceilings_and_frozen() {
    let mut s = Snapshot::default();
    s.pools.push(Pool {
        id: "pool-sub".into(),
        pool_type: "Logical".into(),
        workspace_id: Some("1d7e".into()),
        parent_pool: Some("pool-phys".into()),
        flavor_max_nodes: [(("f.gpu".to_string(), "available".to_string()), 2.0)].into(),
        frozen: Some(true),
        ..Pool::default()
    });
    s.pools.push(Pool {
        id: "pool-phys".into(),
        workspace_id: Some("0".into()),
        parent_pool: Some(String::new()),
        frozen: Some(false),
        ..Pool::default()
    });
    // A platform without workspaces or pool trees: no such labels at all.
    s.pools.push(Pool {
        id: "cce-1".into(),
        ..Pool::default()
    });
    let lines = render_data(
        "modelarts",
        "ma",
        "cn-north-4",
        &s,
        std::time::UNIX_EPOCH,
        &DEFAULT_SLOT_SIZES,
    );
    let text: String = catalogue()
        .iter()
        .enumerate()
        .map(|(i, _)| String::from_utf8_lossy(&lines.family_bytes(i)).into_owned())
        .collect();
    let base = "provider=\"modelarts\",account=\"ma\",cloud_region=\"cn-north-4\"";
    for want in [
        format!("aipool_pool_info{{{base},pool_id=\"pool-sub\",pool_name=\"\",pool_type=\"Logical\",phase=\"\",workspace_id=\"1d7e\",parent_pool=\"pool-phys\"}} 1\n"),
        format!("aipool_pool_info{{{base},pool_id=\"pool-phys\",pool_name=\"\",pool_type=\"\",phase=\"\",workspace_id=\"0\",parent_pool=\"\"}} 1\n"),
        format!("aipool_pool_info{{{base},pool_id=\"cce-1\",pool_name=\"\",pool_type=\"\",phase=\"\"}} 1\n"),
        format!("aipool_pool_flavor_max_nodes{{{base},pool_id=\"pool-sub\",flavor=\"f.gpu\",state=\"available\"}} 2\n"),
        format!("aipool_pool_frozen{{{base},pool_id=\"pool-sub\"}} 1\n"),
        format!("aipool_pool_frozen{{{base},pool_id=\"pool-phys\"}} 0\n"),
    ] {
        assert!(text.contains(&want), "missing {want}in\n{text}");
    }
    assert!(!text.contains("aipool_pool_frozen{provider=\"modelarts\",account=\"ma\",cloud_region=\"cn-north-4\",pool_id=\"cce-1\"}"));
}

#[test]
fn queue_node_figures() {
    let mut s = Snapshot::default();
    s.queue_nodes.push(crate::model::QueueNodes {
        cloud_region: Some("11250".into()),
        pool_id: "2215".into(),
        queue_id: "xahdnormal".into(),
        nodes: Some(16.0),
        free_nodes: Some(5.0),
        node_cpu_cores: Some(32.0),
        node_accelerators: [("dcu".to_string(), 4.0)].into(),
    });
    // A queue that reports no node figures gives no series.
    s.queue_nodes.push(crate::model::QueueNodes {
        pool_id: "2215".into(),
        queue_id: "empty".into(),
        ..Default::default()
    });
    let a = account("sg");
    a.publish(published(s));
    let t = text(&[a], Format::Text);
    let ids = "provider=\"aihc\",account=\"sg\",cloud_region=\"11250\",pool_id=\"2215\",queue_id=\"xahdnormal\"";
    for e in [
        format!("aipool_queue_nodes{{{ids}}} 16"),
        format!("aipool_queue_free_nodes{{{ids}}} 5"),
        format!("aipool_queue_node_capability_cpu_cores{{{ids}}} 32"),
        format!("aipool_queue_node_capability_accelerators{{{ids},accelerator=\"dcu\"}} 4"),
    ] {
        assert!(t.lines().any(|l| l == e), "missing line {e}\n---\n{t}");
    }
    assert!(!t.contains("queue_id=\"empty\""), "{t}");
}

/// Two pools with a queue each; `nodes` tells the polls apart.
fn two_pools(region: Option<&str>, nodes: f64) -> Snapshot {
    let mut s = Snapshot::default();
    for (pool, queue) in [("cce-1", "q1"), ("cce-2", "q2")] {
        s.pools.push(Pool {
            id: pool.into(),
            cloud_region: region.map(str::to_string),
            nodes: Some(nodes),
            ..Pool::default()
        });
        s.queues.push(Queue {
            pool_id: pool.into(),
            id: queue.into(),
            cloud_region: region.map(str::to_string),
            ..Queue::default()
        });
    }
    s
}

fn publish_at(a: &AccountState, mut s: Snapshot, at: u64, failed: &[Unit]) {
    s.pools
        .retain(|p| !failed.iter().any(|u| u.covers(&pool_unit(p))));
    s.queues.retain(|q| {
        !failed.iter().any(|u| {
            u.covers(&Unit::Pool {
                cloud_region: q.cloud_region.clone(),
                pool_id: q.pool_id.clone(),
            })
        })
    });
    let mut p = published(s);
    p.last_success = Some(UNIX_EPOCH + Duration::from_secs(at));
    p.failed_units = failed
        .iter()
        .map(|u| FailedUnit {
            unit: u.clone(),
            error: PollError {
                api: "v3/queues".into(),
                url: "http://sim/".into(),
                reason: Reason::Http5xx,
                message: "upstream said no".into(),
            },
        })
        .collect();
    a.publish(p);
}

fn pool_unit(p: &Pool) -> Unit {
    Unit::Pool {
        cloud_region: p.cloud_region.clone(),
        pool_id: p.id.clone(),
    }
}

fn cce1() -> Unit {
    Unit::Pool {
        cloud_region: None,
        pool_id: "cce-1".into(),
    }
}

#[test]
fn a_failed_pool_keeps_its_last_good_series_until_stale_after() {
    const T0: u64 = 1_700_000_000;
    let a = account("bj-prod");
    publish_at(&a, two_pools(None, 6.0), T0, &[]);
    // cce-1's queue list fails a minute later; cce-2 is fresh.
    publish_at(&a, two_pools(None, 7.0), T0 + 60, &[cce1()]);
    let t = text_at(std::slice::from_ref(&a), Format::Text, T0 + 70);
    let pool = |id: &str| {
        format!("provider=\"aihc\",account=\"bj-prod\",cloud_region=\"bj\",pool_id=\"{id}\"")
    };
    for line in [
        format!("aipool_pool_nodes{{{}}} 6", pool("cce-1")),
        format!("aipool_pool_nodes{{{}}} 7", pool("cce-2")),
        format!(
            "aipool_pool_last_success_timestamp_seconds{{{}}} {T0}",
            pool("cce-1")
        ),
        format!(
            "aipool_pool_last_success_timestamp_seconds{{{}}} {}",
            pool("cce-2"),
            T0 + 60
        ),
    ] {
        assert!(t.lines().any(|l| l == line), "missing {line}\n{t}");
    }
    // The kept pool's queue is there too, and every family stays in pool order.
    assert!(t.contains("queue_id=\"q1\""), "{t}");
    let order: Vec<&str> = t
        .lines()
        .filter(|l| l.starts_with("aipool_pool_nodes{"))
        .collect();
    assert_eq!(order.len(), 2);
    assert!(order[0].contains("cce-1") && order[1].contains("cce-2"));
    let behind = &a.current().behind;
    assert_eq!(behind.len(), 1);
    assert_eq!(behind[0].unit, cce1());
    assert_eq!(
        behind[0].fetched,
        Some(UNIX_EPOCH + Duration::from_secs(T0))
    );
    assert_eq!(behind[0].error.reason, Reason::Http5xx);
    // The status page counts the kept pool.
    assert_eq!(a.rendered().pools, 2);

    // Still failing once its data is older than stale_after (180 s): gone.
    publish_at(&a, two_pools(None, 8.0), T0 + 200, &[cce1()]);
    let t = text_at(std::slice::from_ref(&a), Format::Text, T0 + 205);
    assert!(!t.contains("pool_id=\"cce-1\""), "{t}");
    assert!(
        t.contains(&format!("aipool_pool_nodes{{{}}} 8", pool("cce-2"))),
        "{t}"
    );
    assert_eq!(a.current().behind[0].fetched, None);

    // Back: fresh again, nothing behind.
    publish_at(&a, two_pools(None, 9.0), T0 + 260, &[]);
    let t = text_at(std::slice::from_ref(&a), Format::Text, T0 + 265);
    assert!(
        t.contains(&format!("aipool_pool_nodes{{{}}} 9", pool("cce-1"))),
        "{t}"
    );
    assert!(a.current().behind.is_empty());
}

#[test]
fn a_failed_region_keeps_every_pool_in_it_and_a_good_poll_keeps_nothing() {
    const T0: u64 = 1_700_000_000;
    let a = account("sg");
    let mut s = two_pools(Some("11112"), 2.0);
    s.pools.extend(two_pools(Some("11250"), 3.0).pools);
    publish_at(&a, s, T0, &[]);
    let region = Unit::Region {
        cloud_region: "11250".into(),
    };
    let mut s = two_pools(Some("11112"), 4.0);
    s.pools.extend(two_pools(Some("11250"), 5.0).pools);
    publish_at(&a, s, T0 + 60, &[region]);
    let t = text_at(std::slice::from_ref(&a), Format::Text, T0 + 70);
    let nodes = |r: &str, id: &str, v: u32| {
        format!("aipool_pool_nodes{{provider=\"aihc\",account=\"sg\",cloud_region=\"{r}\",pool_id=\"{id}\"}} {v}")
    };
    for line in [
        nodes("11112", "cce-1", 4),
        nodes("11112", "cce-2", 4),
        nodes("11250", "cce-1", 3),
        nodes("11250", "cce-2", 3),
    ] {
        assert!(t.lines().any(|l| l == line), "missing {line}\n{t}");
    }
    // A unit that did not fail is never carried over, even if the fresh poll
    // lacks it: a vanished pool vanishes.
    let mut s = two_pools(Some("11112"), 6.0);
    s.pools.retain(|p| p.id == "cce-1");
    s.queues.retain(|q| q.pool_id == "cce-1");
    publish_at(&a, s, T0 + 120, &[]);
    let t = text_at(std::slice::from_ref(&a), Format::Text, T0 + 125);
    assert!(!t.contains("11250") && !t.contains("cce-2"), "{t}");
}

#[test]
fn a_kept_unit_is_spliced_in_at_its_place_and_the_body_stays_one_chunk_per_family() {
    const T0: u64 = 1_700_000_000;
    let pools = |nodes: f64| {
        let mut s = Snapshot::default();
        for id in ["cce-a", "cce-b", "cce-c"] {
            s.pools.push(Pool {
                id: id.into(),
                nodes: Some(nodes),
                ..Pool::default()
            });
        }
        s
    };
    let a = account("bj-prod");
    publish_at(&a, pools(1.0), T0, &[]);
    let middle = Unit::Pool {
        cloud_region: None,
        pool_id: "cce-b".into(),
    };
    let rendered = a.rendered();
    let data = rendered.lines.data.as_deref().unwrap();
    // Fresh data: each family is one chunk, however many pools.
    let mut chunks = Vec::new();
    data.push_chunks(index(Family::PoolNodes), &mut chunks);
    assert_eq!(chunks.len(), 1);

    publish_at(&a, pools(2.0), T0 + 60, &[middle]);
    let t = text_at(std::slice::from_ref(&a), Format::Text, T0 + 70);
    let nodes: Vec<&str> = t
        .lines()
        .filter(|l| l.starts_with("aipool_pool_nodes{"))
        .collect();
    assert_eq!(nodes.len(), 3, "{t}");
    for (line, (id, v)) in nodes.iter().zip([("cce-a", 2), ("cce-b", 1), ("cce-c", 2)]) {
        assert!(
            line.contains(&format!("pool_id=\"{id}\"")) && line.ends_with(&format!(" {v}")),
            "{line}"
        );
    }
    let rendered = a.rendered();
    let data = rendered.lines.data.as_deref().unwrap();
    let mut chunks = Vec::new();
    data.push_chunks(index(Family::PoolNodes), &mut chunks);
    // Before the kept pool, the kept pool, after it.
    assert_eq!(chunks.len(), 3);
}

#[test]
fn a_failed_service_keeps_its_compute_units_on_metrics_and_the_status_page() {
    use crate::model::{ComputeUnit, Service};
    const T0: u64 = 1_700_000_000;
    let snapshot = |replicas: f64, with_b: bool| {
        let cu = |svc: &str, id: &str| ComputeUnit {
            service_id: svc.into(),
            instance_id: id.into(),
            replicas: Some(replicas),
            expiry_timestamp: Some(2e9),
            ..ComputeUnit::default()
        };
        let mut s = Snapshot {
            services: vec![Service {
                id: "svc-a".into(),
                name: "a".into(),
            }],
            compute_units: vec![cu("svc-a", "cu-a")],
            ..Snapshot::default()
        };
        if with_b {
            s.services.push(Service {
                id: "svc-b".into(),
                name: "b".into(),
            });
            s.compute_units.push(cu("svc-b", "cu-b"));
        }
        s
    };
    let a = account("qf");
    let publish = |s: Snapshot, at: u64, failed: &[Unit]| {
        let mut p = published(s);
        p.last_success = Some(UNIX_EPOCH + Duration::from_secs(at));
        p.failed_units = failed
            .iter()
            .map(|u| FailedUnit {
                unit: u.clone(),
                error: PollError {
                    api: "DescribeComputeUnits".into(),
                    url: "http://h/".into(),
                    reason: Reason::Timeout,
                    message: "no answer".into(),
                },
            })
            .collect();
        a.publish(p);
    };
    publish(snapshot(2.0, true), T0, &[]);
    // svc-b's compute units fail a minute later; svc-a is fresh.
    let svc_b = Unit::Service {
        service_id: "svc-b".into(),
    };
    publish(snapshot(3.0, false), T0 + 60, std::slice::from_ref(&svc_b));
    let t = text_at(std::slice::from_ref(&a), Format::Text, T0 + 70);
    let replicas = |svc: &str, id: &str| {
        t.lines()
            .find(|l| {
                l.starts_with("aipool_compute_unit_replicas{")
                    && l.contains(&format!("service_id=\"{svc}\",instance_id=\"{id}\""))
            })
            .and_then(|l| l.rsplit(' ').next())
            .map(str::to_string)
    };
    assert_eq!(replicas("svc-a", "cu-a").as_deref(), Some("3"), "{t}");
    assert_eq!(replicas("svc-b", "cu-b").as_deref(), Some("2"), "{t}");
    // The status page shows the same two units, the kept one with its old
    // figure.
    let current = a.current();
    let units: Vec<(&str, Option<f64>)> = current
        .capacity
        .as_deref()
        .unwrap()
        .compute_units
        .iter()
        .map(|u| (u.instance_id.as_str(), u.replicas))
        .collect();
    assert_eq!(units, [("cu-a", Some(3.0)), ("cu-b", Some(2.0))]);
}

/// The free-slot series: one per configured size and accelerator, plus the
/// largest block, for pools and queues that carry per-node figures; none for
/// those that do not.
#[test]
fn free_slot_series() {
    use crate::model::FreeBlocks;
    let mut frag = FreeBlocks::default();
    for _ in 0..4 {
        frag.add_node(2.0);
    }
    let mut s = Snapshot::default();
    s.pools.push(Pool {
        id: "frag".into(),
        free_blocks: [("nvidia.com/gpu".to_string(), frag)].into(),
        ..Pool::default()
    });
    s.pools.push(Pool {
        id: "plain".into(),
        ..Pool::default()
    });
    s.queues.push(Queue {
        pool_id: "frag".into(),
        id: "q".into(),
        free_blocks: [("gpu".to_string(), FreeBlocks::whole_nodes(2.0, 8.0))].into(),
        ..Queue::default()
    });
    let lines = render_data("p", "a", "r", &s, UNIX_EPOCH, &[4, 1]);
    let text: String = catalogue()
        .iter()
        .enumerate()
        .map(|(i, _)| String::from_utf8_lossy(&lines.family_bytes(i)).into_owned())
        .collect();
    let slot_lines: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("free_slots") || l.contains("largest_free_block"))
        .collect();
    let b = "provider=\"p\",account=\"a\",cloud_region=\"r\"";
    assert_eq!(
        slot_lines,
        vec![
            format!("aipool_pool_free_slots{{{b},pool_id=\"frag\",accelerator=\"nvidia.com/gpu\",cards=\"4\"}} 0"),
            format!("aipool_pool_free_slots{{{b},pool_id=\"frag\",accelerator=\"nvidia.com/gpu\",cards=\"1\"}} 8"),
            format!("aipool_pool_largest_free_block_accelerators{{{b},pool_id=\"frag\",accelerator=\"nvidia.com/gpu\"}} 2"),
            format!("aipool_queue_free_slots{{{b},pool_id=\"frag\",queue_id=\"q\",accelerator=\"gpu\",cards=\"4\"}} 4"),
            format!("aipool_queue_free_slots{{{b},pool_id=\"frag\",queue_id=\"q\",accelerator=\"gpu\",cards=\"1\"}} 16"),
            format!("aipool_queue_largest_free_block_accelerators{{{b},pool_id=\"frag\",queue_id=\"q\",accelerator=\"gpu\"}} 8"),
        ]
    );
}
