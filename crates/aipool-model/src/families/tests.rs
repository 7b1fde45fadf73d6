use std::collections::BTreeMap;

use super::catalogue::{declared, ordered_families};
use super::*;

#[test]
fn order_lists_every_declared_family_exactly_once() {
    let declared: Vec<Family> = declared().iter().map(|d| d.fam).collect();
    let ordered = ordered_families();
    let mut counts: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for f in &declared {
        counts.entry(format!("{f:?}")).or_default().0 += 1;
    }
    for f in &ordered {
        counts.entry(format!("{f:?}")).or_default().1 += 1;
    }
    let wrong: Vec<_> = counts.iter().filter(|(_, n)| **n != (1, 1)).collect();
    assert!(
        wrong.is_empty(),
        "(declared, ordered) counts differ from (1, 1): {wrong:?}"
    );
    assert_eq!(catalogue().len(), declared.len());
}

#[test]
fn names_are_unique_and_follow_conventions() {
    let cat = catalogue();
    let mut names: Vec<&str> = cat.iter().map(|d| d.name.as_str()).collect();
    for d in cat {
        assert!(d.name.starts_with("aipool_"), "{}", d.name);
        assert!(!d.name.ends_with("_count"), "{}", d.name);
        assert!(!d.name.contains('{'), "template left in {}", d.name);
        assert_eq!(
            d.kind == Kind::Counter,
            d.name.ends_with("_total"),
            "{}",
            d.name
        );
        assert_eq!(
            d.kind == Kind::Info,
            d.name.ends_with("_info"),
            "{}",
            d.name
        );
        assert!(!d.help.is_empty() && !d.help.contains('{'), "{}", d.name);
    }
    names.sort();
    let n = names.len();
    names.dedup();
    assert_eq!(names.len(), n);
}

#[test]
fn labels_start_with_the_object_identity_and_are_unique() {
    for d in catalogue() {
        let names: Vec<&str> = d.labels.iter().map(|l| l.name).collect();
        assert!(names.starts_with(d.object.identity()), "{}", d.name);
        let mut sorted = names.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), names.len(), "{}: {names:?}", d.name);
        // An open set of labels can only come last.
        let open = d.labels.iter().position(|l| l.presence == Presence::Open);
        assert!(open.is_none_or(|i| i == names.len() - 1), "{}", d.name);
    }
}

#[test]
fn generated_families_keep_their_names_help_and_labels() {
    let def = |f| &catalogue()[index(f)];
    let d = def(Family::QueueQuantity(
        QuantityKind::WorkloadAvailable,
        Resource::Accelerators,
    ));
    assert_eq!(d.name, "aipool_queue_workload_available_accelerators");
    assert_eq!(
        d.help,
        "Queue workload-available: accelerator cards by accelerator resource name."
    );
    let labels: Vec<&str> = d.labels.iter().map(|l| l.name).collect();
    assert_eq!(
        labels,
        [
            "provider",
            "account",
            "cloud_region",
            "pool_id",
            "queue_id",
            "accelerator"
        ]
    );
    let d = def(Family::PoolPhysical(
        QuantityKind::Remaining,
        Resource::Memory,
    ));
    assert_eq!(d.name, "aipool_pool_physical_remaining_memory_bytes");
    assert_eq!(
        d.help,
        "Pool hardware remaining, whatever the queues' quotas say: memory in bytes."
    );
    let d = def(Family::PoolNodeCapability(Resource::Cpu));
    assert_eq!(d.name, "aipool_pool_node_capability_cpu_cores");
    assert_eq!(d.help, "Capability of one node of the pool: CPU in cores.");
}

#[test]
fn pool_info_labels_in_order_with_optional_and_open_ones() {
    let d = &catalogue()[index(Family::PoolInfo)];
    let got: Vec<(&str, Presence)> = d
        .labels
        .iter()
        .filter(|l| l.presence != Presence::Open)
        .map(|l| (l.name, l.presence))
        .collect();
    let a = Presence::Always;
    assert_eq!(
        got,
        [
            ("provider", a),
            ("account", a),
            ("cloud_region", a),
            ("pool_id", a),
            ("pool_name", a),
            ("pool_type", a),
            ("phase", a),
            ("workspace_id", Presence::Optional),
            ("parent_pool", Presence::Optional),
        ]
    );
    assert_eq!(d.labels.last().map(|l| l.presence), Some(Presence::Open));
}

#[test]
fn group_index_agrees_with_index() {
    for g in Group::ALL {
        for (fam, kind, r) in g.members() {
            let kind = kind.unwrap_or(QuantityKind::Capability);
            assert_eq!(group_index(g, kind, r), Some(index(fam)), "{fam:?}");
        }
    }
    assert_eq!(
        group_index(Group::PoolPhysical, QuantityKind::Deserved, Resource::Cpu),
        None
    );
}

#[test]
fn lookup_finds_every_name_and_nothing_else() {
    for d in catalogue() {
        assert_eq!(lookup(&d.name), Some(d.fam));
        assert_eq!(name(d.fam), d.name);
    }
    assert_eq!(lookup("aipool_pool_"), None);
    assert_eq!(lookup("aipool_pool_physical_deserved_cpu_cores"), None);
}
