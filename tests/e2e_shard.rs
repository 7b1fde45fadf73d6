//! `--shard=i/n`: replicas split the accounts between them, each exactly once.

mod common;

use std::collections::BTreeSet;

use common::*;

#[test]
fn shards_split_the_accounts_exactly() {
    let (_sim, sim) = simulator(100);
    let mut config = String::new();
    let names: Vec<String> = (0..8).map(|i| format!("acct-{i}")).collect();
    for name in &names {
        config.push_str(&aihc_openapi_account(
            &sim,
            name,
            credentials::BCE_SECRET_ACCESS_KEY,
            "interval = \"1h\"",
        ));
    }
    let mut seen: Vec<BTreeSet<String>> = Vec::new();
    let mut procs = Vec::new();
    for i in 0..2 {
        let (p, addr) = exporter(&config, &[&format!("--shard={i}/2")]);
        let m = scrape(&addr);
        let accounts: BTreeSet<String> = m
            .find("aipool_up", &[])
            .iter()
            .map(|(_, l, v)| {
                assert_eq!(*v, 1.0);
                l["account"].clone()
            })
            .collect();
        assert!(!accounts.is_empty(), "shard {i}/2 polls nothing");
        seen.push(accounts);
        procs.push(p);
    }
    assert!(seen[0].is_disjoint(&seen[1]), "{seen:?}");
    let all: BTreeSet<String> = seen.into_iter().flatten().collect();
    assert_eq!(all, names.into_iter().collect::<BTreeSet<_>>());
}

#[test]
fn a_bad_shard_is_a_config_error() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("c.toml");
    std::fs::write(&cfg, "shard = \"2/2\"\n").unwrap();
    let out = std::process::Command::new(BIN)
        .arg("check-config")
        .arg(&cfg)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("shard: shard index must be below the count")
    );
}
