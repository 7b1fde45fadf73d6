use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use super::*;
use crate::config::{self, Env};
use crate::model::{Pool, Queue};
use crate::state::Published;

fn account(name: &str) -> Arc<AccountState> {
    let text = format!(
        r#"
        [[accounts]]
        name = "{name}"
        provider = "aihc"
        region = "bj"
        access_key_id = "ak"
        secret_access_key = "sk"
        "#
    );
    let settings = config::from_str(&text, "toml", &Env::default()).unwrap();
    Arc::new(AccountState::new(&settings.accounts[0]))
}

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
    };
    let now = UNIX_EPOCH + Duration::from_secs(now);
    String::from_utf8(render_at(format, accounts, &build, now)).unwrap()
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
        "# HELP aipool_build_info Version and revision of the running exporter.",
        "# TYPE aipool_build_info gauge",
        "aipool_build_info{version=\"1.2.3\",revision=\"abc\"} 1",
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
    let lines = render_data("modelarts", "ma", "cn-north-4", &s);
    let text: String = catalogue()
        .iter()
        .enumerate()
        .map(|(i, _)| String::from_utf8_lossy(lines.family(i)).into_owned())
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
