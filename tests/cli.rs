//! The command line: --version, check-config, startup errors, signals.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::*;

#[test]
fn version() {
    let out = Command::new(BIN).arg("--version").output().unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("aipool_exporter {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn check_config_reports_every_problem_and_no_secret() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        r#"
[[accounts]]
name = "a"
provider = "aihc"
region = "bj"
interval = "soon"
access_key_id = "AK"
secret_access_key = "TOP-SECRET-VALUE"
secret_access_key_file = "/run/secrets/x"
extra = 1
"#,
    )
    .unwrap();
    let out = Command::new(BIN)
        .arg("check-config")
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("accounts[0].interval: \"soon\" is not a duration"),
        "{text}"
    );
    assert!(
        text.contains("accounts[0].secret_access_key: give only one of"),
        "{text}"
    );
    assert!(text.contains("accounts[0].extra: unknown key"), "{text}");
    assert!(!text.contains("TOP-SECRET-VALUE"), "{text}");

    let good = dir.path().join("good.yaml");
    std::fs::write(
        &good,
        "accounts:\n  - name: a\n    provider: aihc\n    region: bj\n    access_key_id: AK\n    secret_access_key_env: SOME_SK\n",
    )
    .unwrap();
    let out = Command::new(BIN)
        .arg("check-config")
        .arg(&good)
        .env("SOME_SK", "x")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("OK (1 account)"));
}

#[test]
fn the_example_configs_are_valid() {
    let examples = concat!(env!("CARGO_MANIFEST_DIR"), "/config");
    let mut checked = 0;
    for entry in std::fs::read_dir(examples).unwrap() {
        let path = entry.unwrap().path();
        let out = Command::new(BIN)
            .arg("check-config")
            .arg(&path)
            // The examples read secrets from these variables.
            .env("BCE_SECRET_ACCESS_KEY", "x")
            .env("AIHC_CONSOLE_COOKIE", "x")
            .env("HUAWEI_SECRET_ACCESS_KEY", "x")
            .env("HUAWEI_IAM_PASSWORD", "x")
            .env("SUGON_PASSWORD", "x")
            .env("SUGON_ORG_ID", "x")
            .env("SCNET_SECRET_ACCESS_KEY", "x")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}: {}",
            path.display(),
            String::from_utf8_lossy(&out.stdout)
        );
        checked += 1;
    }
    assert!(checked >= 2, "expected example configs in {examples}");
}

#[test]
fn an_invalid_config_stops_startup_with_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("c.toml");
    std::fs::write(&cfg, "[[accounts]]\nname = \"x\"\n").unwrap();
    let out = Command::new(BIN)
        .arg(format!("--config.file={}", cfg.display()))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("accounts[0].provider: is required"));
}

#[test]
fn sigterm_stops_within_a_second() {
    let (_sim, sim) = simulator(100);
    let config = format!(
        r#"
[[accounts]]
name = "a"
provider = "aihc"
region = "bj"
endpoint = "http://{sim}"
interval = "1h"
access_key_id = "{}"
secret_access_key = "{}"
"#,
        credentials::BCE_ACCESS_KEY_ID,
        credentials::BCE_SECRET_ACCESS_KEY
    );
    let (mut exp, _addr) = exporter(&config, &[]);
    let pid = exp.child.id().to_string();
    let sent = Instant::now();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    loop {
        if let Some(status) = exp.child.try_wait().unwrap() {
            assert!(status.success(), "exit status {status:?}");
            break;
        }
        // Generous against CI noise; the exporter itself allows one second.
        assert!(
            sent.elapsed() < Duration::from_secs(3),
            "still running after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The repository stands alone: no file a build or test reads refers to a folder
/// outside it (a clone in an empty directory must pass `cargo test`).
#[test]
fn no_file_refers_outside_the_repository() {
    fn walk(dir: &std::path::Path, hits: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let path = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            if path.is_dir() {
                if !matches!(name.as_str(), "target" | ".git") {
                    walk(&path, hits);
                }
            } else if let Ok(text) = std::fs::read_to_string(&path) {
                // Spelled in two halves so this file does not match itself.
                if text.contains(concat!("../", "shared")) {
                    hits.push(path.display().to_string());
                }
            }
        }
    }
    let mut hits = Vec::new();
    walk(std::path::Path::new(env!("CARGO_MANIFEST_DIR")), &mut hits);
    assert!(
        hits.is_empty(),
        "files refer outside the repository: {hits:?}"
    );
}
