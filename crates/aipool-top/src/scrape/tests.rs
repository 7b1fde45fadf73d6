//! Reading an exposition back: lines, labels, accounts and the same rows as
//! the snapshot they were rendered from.

use super::*;
use aipool_model::model::QuantityKind;

#[test]
fn lines_with_escapes_timestamps_and_garbage() {
    let text = "# HELP x y\n\
        aipool_up{provider=\"aihc\",account=\"a \\\"b\\\"\"} 1\n\
        plain 2.5 1700000000000\n\
        broken{a=\"x} 1\n\
        novalue{a=\"x\"}\n\
        inf +Inf\n";
    let (samples, bad) = parse(text);
    assert_eq!(bad, 2);
    assert_eq!(samples.len(), 3);
    assert_eq!(samples[0].label("account"), "a \"b\"");
    assert_eq!(samples[1].value, 2.5);
    assert!(samples[2].value.is_infinite());
}

#[test]
fn urls_default_to_metrics() {
    let u = |s: &str| metrics_url(s).unwrap().to_string();
    assert_eq!(u("http://h:9877"), "http://h:9877/metrics");
    assert_eq!(u("h:9877"), "http://h:9877/metrics");
    assert_eq!(u("https://h/x/metrics"), "https://h/x/metrics");
    assert!(matches!(metrics_url("ftp://h"), Err(ScrapeError::Setup(_))));
}

/// The exporter's own rendering of a snapshot, read back, gives the same
/// capacity rows as the snapshot itself.
#[test]
fn an_exposition_reads_back_into_the_same_rows() {
    let cards = |v: f64| Resources {
        accelerators: [("nvidia.com/gpu".to_string(), v)].into(),
        cpu_cores: Some(4.0),
        ..Resources::default()
    };
    let snapshot = Snapshot {
        pools: vec![
            Pool {
                id: "p".into(),
                name: "pool \"one\"".into(),
                pool_type: "common".into(),
                // Slot series of an accelerator without a row show nowhere.
                free_blocks: [(
                    "nvidia.com/gpu".to_string(),
                    aipool_model::model::FreeBlocks::whole_nodes(1.0, 8.0),
                )]
                .into(),
                ..Pool::default()
            },
            Pool {
                id: "A800".into(),
                name: "A800".into(),
                cloud_region: Some("11112".into()),
                nodes: Some(4.0),
                node_capability: Some(Resources {
                    accelerators: [("gpu".to_string(), 8.0)].into(),
                    ..Resources::default()
                }),
                extra_info: [("max_time".to_string(), "72:00:00".to_string())].into(),
                // The hardware families are read beside the quota ones.
                physical: [
                    (QuantityKind::Capability, cards(16.0)),
                    (QuantityKind::Remaining, cards(1.0)),
                ]
                .into(),
                ..Pool::default()
            },
        ],
        queues: vec![
            Queue {
                pool_id: "p".into(),
                id: "q".into(),
                name: "q-name".into(),
                parent: "root".into(),
                quantities: [
                    (QuantityKind::Capability, cards(8.0)),
                    (QuantityKind::Allocated, cards(8.0)),
                    (QuantityKind::Remaining, cards(0.0)),
                ]
                .into(),
                // Read back onto the queue's row, as the exporter has them.
                free_blocks: [(
                    "nvidia.com/gpu".to_string(),
                    aipool_model::model::FreeBlocks::whole_nodes(2.0, 8.0),
                )]
                .into(),
                ..Queue::default()
            },
            Queue {
                pool_id: "p".into(),
                id: "root".into(),
                quantities: [
                    (QuantityKind::Capability, cards(16.0)),
                    (QuantityKind::Remaining, cards(4.5)),
                ]
                .into(),
                ..Queue::default()
            },
        ],
        services: vec![Service {
            id: "svc".into(),
            name: "bot".into(),
        }],
        compute_units: vec![ComputeUnit {
            service_id: "svc".into(),
            instance_id: "cu".into(),
            payment_timing: "Prepaid".into(),
            status: "Running".into(),
            replicas: Some(2.0),
            start_timestamp: None,
            expiry_timestamp: Some(1.9e9),
        }],
        ..Snapshot::default()
    };
    let mut sorted = snapshot.clone();
    sorted.sort();
    // Rendered as the daemon renders it, self metrics included.
    let settings = aipool_exporter::config::from_str(
        "[[accounts]]\nname='acct'\nprovider='aihc'\nregion='bj'\ninterval='30s'\naccess_key_id='k'\nsecret_access_key='s'\n",
        "toml",
        &aipool_exporter::config::Env::default(),
    )
    .unwrap();
    let state = std::sync::Arc::new(aipool_exporter::runtime::state::AccountState::new(
        &settings.accounts[0],
        std::sync::Arc::default(),
    ));
    state.publish(aipool_exporter::runtime::state::Published {
        snapshot: Some(std::sync::Arc::new(sorted.clone())),
        up: true,
        attempted: true,
        last_success: Some(std::time::SystemTime::now()),
        ..Default::default()
    });
    let text = String::from_utf8(aipool_exporter::runtime::state::render_accounts_at(
        aipool_exporter::exposition::Format::Text,
        std::slice::from_ref(&state),
        &aipool_exporter::exposition::BuildInfo::default(),
        std::time::SystemTime::now(),
    ))
    .unwrap();
    assert!(text.contains("aipool_pool_free_slots{"), "{text}");
    let (samples, bad) = parse(&text);
    assert_eq!(bad, 0, "{text}");
    let e = accounts(&samples);
    assert_eq!(e.interval, Some(Duration::from_secs(30)));
    assert_eq!(e.accounts.len(), 1);
    let a = &e.accounts[0];
    assert_eq!((a.name.as_str(), a.provider.as_str()), ("acct", "aihc"));
    assert!(a.ok());
    let from_metrics = a.data.as_deref().unwrap();
    let direct = AccountData::of(&sorted, "bj", &settings.accounts[0].slot_sizes);
    assert_eq!(from_metrics.capacity.rows, direct.capacity.rows);
    assert_eq!(from_metrics.compute_units, direct.compute_units);
    assert_eq!(from_metrics.others, direct.others);
    assert!(text.contains("aipool_pool_physical_remaining_accelerators{"));
    let q = from_metrics
        .capacity
        .rows
        .iter()
        .find(|r| r.queue.as_ref().is_some_and(|q| q.0 == "q"))
        .unwrap();
    assert_eq!(from_metrics.parent(q), Some("root"));
    assert_eq!(
        (q.largest_free_block, q.slots.clone()),
        (
            Some(8.0),
            Some(vec![(1, 16.0), (2, 8.0), (4, 4.0), (8, 2.0)])
        )
    );
    let root = from_metrics
        .capacity
        .rows
        .iter()
        .find(|r| r.queue.as_ref().is_some_and(|q| q.0 == "root"))
        .unwrap();
    assert_eq!((root.largest_free_block, root.slots.clone()), (None, None));
}

#[test]
fn a_down_account_without_data_is_a_failure_with_no_rows() {
    let (samples, _) = parse(
        "aipool_up{provider=\"sugon\",account=\"s\"} 0\n\
         aipool_api_request_failures_total{provider=\"sugon\",account=\"s\",api=\"login\",reason=\"auth\"} 3\n\
         aipool_api_request_failures_total{provider=\"sugon\",account=\"s\",api=\"center\",reason=\"timeout\"} 0\n",
    );
    let e = accounts(&samples);
    let Status::Failed(f) = &e.accounts[0].status else {
        panic!("{:?}", e.accounts[0].status)
    };
    assert_eq!(f.reason, "down");
    assert!(
        f.message.contains("no fresh data")
            && f.message
                .contains("failed requests since it started: auth login ×3 ("),
        "{}",
        f.message
    );
    assert!(e.accounts[0].data.is_none());
}
