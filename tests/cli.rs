//! The command line: --version, check-config, startup errors, signals.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::*;

#[test]
fn version_names_the_revision_and_the_build_date() {
    let out = Command::new(BIN).arg("--version").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let prefix = format!("aipool_exporter {} (revision ", env!("CARGO_PKG_VERSION"));
    let rest = text
        .strip_prefix(&prefix)
        .and_then(|r| r.strip_suffix(')'))
        .unwrap_or_else(|| panic!("{text}"));
    let (revision, date) = rest
        .split_once(", built ")
        .unwrap_or_else(|| panic!("{text}"));
    // This test runs from a git checkout: a 12-digit short hash, maybe dirty.
    let hash = revision.strip_suffix("-dirty").unwrap_or(revision);
    assert!(
        hash.len() == 12 && hash.chars().all(|c| c.is_ascii_hexdigit()),
        "{text}"
    );
    let ymd: Vec<&str> = date.split('-').collect();
    assert!(
        ymd.len() == 3 && ymd.iter().all(|p| p.chars().all(|c| c.is_ascii_digit())),
        "{text}"
    );
    assert_eq!(ymd.iter().map(|p| p.len()).collect::<Vec<_>>(), [4, 2, 2]);
}

/// Runs `check-config` on `text` saved as `name`, with extra environment
/// variables; its exit code and output.
fn check_config(name: &str, text: &str, env: &[(&str, &str)]) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    let out = Command::new(BIN)
        .arg("check-config")
        .arg(&path)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).replace(&*path.to_string_lossy(), name);
    (out.status.code(), stdout)
}

#[test]
fn check_config_finds_every_mistake_in_one_run() {
    // A bad region does not hide the missing credentials.
    let (code, out) = check_config(
        "a.toml",
        "[[accounts]]\nname = \"a\"\nprovider = \"aihc\"\nregion = \"bjj\"\n",
        &[],
    );
    assert_eq!(code, Some(1));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert!(
        lines[0].starts_with("a.toml: accounts[0].region: \"bjj\" has no known AIHC endpoint"),
        "{out}"
    );
    assert_eq!(lines[1], "a.toml: accounts[0].access_key_id: is required");
    assert!(
        lines[2].starts_with("a.toml: accounts[0].secret_access_key: is required"),
        "{out}"
    );

    // A misspelt key: what was meant, and no second error for the same mistake.
    let (code, out) = check_config(
        "b.toml",
        "[[accounts]]\nname = \"a\"\nprovider = \"aihc\"\nregion = \"bj\"\n\
         access_key_id = \"AK\"\nsecret_acess_key = \"SK-SECRET-VALUE\"\n",
        &[],
    );
    assert_eq!(code, Some(1));
    assert_eq!(
        out.trim(),
        "b.toml: accounts[0].secret_acess_key: unknown key `secret_acess_key`, \
         did you mean `secret_access_key`?"
    );

    let (code, out) = check_config(
        "c.toml",
        "[[account]]\nname = \"a\"\nprovider = \"aihc\"\n",
        &[],
    );
    assert_eq!(code, Some(1));
    assert_eq!(
        out.trim(),
        "c.toml: account: unknown key `account`, did you mean `accounts`?"
    );

    // A value from the environment is blamed on its variable, not on the file.
    let prod = "[[accounts]]\nname = \"a\"\nprovider = \"aihc\"\nregion = \"bj\"\n\
                access_key_id = \"AK\"\nsecret_access_key = \"SK\"\n";
    let (code, out) = check_config("prod.toml", prod, &[("AIPOOL_ACCOUNTS__0__INTERVAL", "30")]);
    assert_eq!(code, Some(1));
    assert!(
        out.starts_with(
            "environment variable AIPOOL_ACCOUNTS__0__INTERVAL: \"30\" is not a duration"
        ),
        "{out}"
    );
    assert!(!out.contains("prod.toml"), "{out}");
    assert_eq!(out.lines().count(), 1, "{out}");
}

#[test]
fn check_config_lists_yaml_errors_in_file_order() {
    // Checked in another order: top-level keys, then `web`, then accounts.
    let text = "accounts:\n  - name: a\n    provider: aihc\n    colour: blue\n    region: bjj\n\
                web: {telemetry_path: \"/\"}\n";
    let (code, out) = check_config("a.yml", text, &[]);
    assert_eq!(code, Some(1));
    let keys: Vec<&str> = out
        .lines()
        .map(|l| l.split(": ").nth(1).unwrap_or(l))
        .collect();
    assert_eq!(
        keys,
        [
            "accounts[0].colour",
            "accounts[0].region",
            "accounts[0].access_key_id",
            "accounts[0].secret_access_key",
            "web.telemetry_path",
        ],
        "{out}"
    );
    assert!(out.lines().all(|l| l.starts_with("a.yml: ")), "{out}");
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
        let text = std::fs::read_to_string(&path).unwrap();
        let mut cmd = Command::new(BIN);
        cmd.arg("check-config").arg(&path);
        // The examples read secrets from the variables their `X_env` keys
        // name, as a user's would: each set, so only the config is checked.
        for var in secret_env_vars(&text) {
            cmd.env(var, "x");
        }
        let out = cmd.output().unwrap();
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

/// The variables a config's `X_env` keys name (TOML `x_env = "VAR"` or YAML
/// `x_env: VAR`), comments aside.
fn secret_env_vars(text: &str) -> Vec<&str> {
    text.lines()
        .filter_map(|l| {
            let l = l.split('#').next().unwrap_or_default();
            let (key, value) = l.split_once(['=', ':'])?;
            let key = key.trim().trim_start_matches("- ");
            key.ends_with("_env")
                .then(|| value.trim().trim_matches('"'))
                .filter(|v| !v.is_empty())
        })
        .collect()
}

#[test]
fn the_secret_variables_of_a_config_are_read_from_its_env_keys() {
    let toml = "name = \"a\"\nsecret_access_key_env = \"BCE_SK\"  # or _file\n\
                # password_env = \"COMMENTED\"\npassword_file = \"/run/x\"\n";
    assert_eq!(secret_env_vars(toml), ["BCE_SK"]);
    let yaml = "accounts:\n  - name: a\n    cookie_env: AIHC_COOKIE\n  - token_env: \"T\"\n";
    assert_eq!(secret_env_vars(yaml), ["AIHC_COOKIE", "T"]);
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

/// A comment says why, not where the reason was once discussed: a tracker or
/// invariant number means nothing to a reader of the code, so no
/// source, script or config file may carry one. `bench/RESULTS.md` is a dated
/// record and keeps its words.
#[test]
fn no_source_comment_points_at_a_tracker_number() {
    /// "issue" or "invariant", then at most one of ` -_#`, then a digit.
    fn tracker_number(line: &str) -> bool {
        let line = line.to_ascii_lowercase();
        ["issue", "invariant"].iter().any(|word| {
            line.match_indices(word).any(|(at, _)| {
                let mut rest = line[at + word.len()..].chars();
                match rest.next() {
                    Some(c) if c.is_ascii_digit() => true,
                    Some(' ' | '-' | '_' | '#') => rest.next().is_some_and(|c| c.is_ascii_digit()),
                    _ => false,
                }
            })
        })
    }
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
                continue;
            }
            let source = ["rs", "py", "sh", "toml", "yml", "yaml", "md"]
                .iter()
                .any(|ext| name.ends_with(&format!(".{ext}")))
                || name == "Dockerfile";
            if !source || path.ends_with("bench/RESULTS.md") {
                continue;
            }
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            for (n, line) in text.lines().enumerate() {
                if tracker_number(line) {
                    hits.push(format!("{}:{}: {}", path.display(), n + 1, line.trim()));
                }
            }
        }
    }
    // Spelled in two halves so this file does not match itself.
    assert!(tracker_number(concat!("// see Issue", " 15")));
    assert!(tracker_number(concat!("# issue", "-14 and more")));
    assert!(tracker_number(concat!(
        "//! (architecture invariant",
        " 3)"
    )));
    assert!(!tracker_number("// queue #3 and the issue of sums"));
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut hits = Vec::new();
    for dir in [
        "src", "crates", "tests", "deploy", "grafana", "bench", "benches", "fuzz", "config",
    ] {
        walk(&root.join(dir), &mut hits);
    }
    assert!(
        hits.is_empty(),
        "say the reason instead of a tracker number:\n{}",
        hits.join("\n")
    );
}

#[test]
fn the_demo_starts_quietly_and_says_what_to_open() {
    let listen = format!("127.0.0.1:{}", free_port());
    let mut child = Command::new(BIN)
        .args(["demo", "--web.listen-address", &listen, "--interval", "2s"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Its first 10 s: the start and four or five polls of every account.
    std::thread::sleep(Duration::from_secs(9));
    // The quiet is not a silent failure: every account polled fine.
    let m = scrape(&listen);
    let up: Vec<f64> = m
        .samples
        .iter()
        .filter(|(name, ..)| name == "aipool_up")
        .map(|(.., v)| *v)
        .collect();
    assert_eq!(up, vec![1.0; demo_accounts().len()], "{}", m.text);
    std::thread::sleep(Duration::from_secs(1));
    child.kill().unwrap();
    let out = child.wait_with_output().unwrap();
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    for line in log.lines() {
        assert!(
            !line.contains("level=warn") && !line.contains("level=error"),
            "{log}"
        );
    }
    let open = log
        .lines()
        .find(|l| l.contains("demo running"))
        .unwrap_or_else(|| panic!("{log}"));
    let addr = open
        .split("status page at http://")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .unwrap_or_else(|| panic!("{open}"));
    assert_eq!(addr, listen, "{open}");
    for what in [
        format!("status page at http://{addr}/ "),
        format!("metrics at http://{addr}/metrics"),
        format!("aipool_exporter top --url http://{addr}/metrics"),
    ] {
        assert!(open.contains(&what), "{what:?} not in {open}");
    }
}
