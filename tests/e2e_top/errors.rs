//! Wrong keys (exit 1) and bad command lines or configs (exit 2).

use super::*;

/// Wrong secrets in three providers, given inline, as `_file` and as `_env`:
/// each account fails with its reason and the upstream URL, the others still
/// poll, exit 1, and no secret is in anything printed, at debug level.
#[test]
fn wrong_keys_fail_with_their_reason_and_no_secret_anywhere() {
    let (_sim, sim) = simulator(100);
    let dir = tempfile::tempdir().unwrap();
    let sk_file = write(dir.path(), "sk", "WRONG-top-bce-sk-file-0042\n");
    let config = format!(
        r#"
[[accounts]]
name = "good"
provider = "aihc"
region = "bj"
endpoint = "http://{sim}"
access_key_id = "{ak}"
secret_access_key_env = "TOP_GOOD_SK"

[[accounts]]
name = "bad-key"
provider = "aihc"
region = "bj"
endpoint = "http://{sim}"
access_key_id = "{ak}"
secret_access_key_file = "{sk_file}"

[[accounts]]
name = "bad-password"
provider = "sugon"
endpoint = "http://{sim}"
user = "{sugon_user}"
password_env = "TOP_BAD_SUGON_PASSWORD"
org_id = "{sugon_org}"

[[accounts]]
name = "bad-huawei"
provider = "modelarts"
region = "{ma_region}"
endpoint = "http://{sim}"
project_id = "{ma_project}"
access_key_id = "{hw_ak}"
secret_access_key = "WRONG-top-huawei-sk-inline-0044"
"#,
        ak = credentials::BCE_ACCESS_KEY_ID,
        sugon_user = credentials::SUGON_USER,
        sugon_org = credentials::SUGON_ORG_ID,
        ma_region = credentials::MODELARTS_REGION,
        ma_project = credentials::MODELARTS_PROJECT_ID,
        hw_ak = credentials::HUAWEI_ACCESS_KEY_ID,
    );
    let cfg = write(dir.path(), "c.toml", &config);
    let secrets = [
        "WRONG-top-bce-sk-file-0042",
        "WRONG-top-sugon-password-0043",
        "WRONG-top-huawei-sk-inline-0044",
        credentials::BCE_SECRET_ACCESS_KEY,
        credentials::SUGON_ORG_ID,
    ];
    for output in ["table", "json"] {
        let out = Command::new(BIN)
            .args(["top", "--once", "--log.level=debug"])
            .arg(format!("--output={output}"))
            .arg(format!("--config.file={cfg}"))
            .env("TOP_GOOD_SK", credentials::BCE_SECRET_ACCESS_KEY)
            .env("TOP_BAD_SUGON_PASSWORD", "WRONG-top-sugon-password-0043")
            .output()
            .unwrap();
        let (stdout, stderr) = text(&out);
        assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
        for s in secrets {
            assert!(
                !stdout.contains(s) && !stderr.contains(s),
                "{s} shown ({output}):\n{stdout}\n{stderr}"
            );
        }
        if output == "table" {
            let line = |name: &str| {
                stdout
                    .lines()
                    .find(|l| l.starts_with(&format!("{name} ")))
                    .unwrap_or_else(|| panic!("no line for {name}:\n{stdout}"))
                    .to_string()
            };
            assert!(line("good").contains(" ok "), "{stdout}");
            let bad = line("bad-key");
            assert!(
                bad.contains("FAILED  auth: HTTP 400 Bad Request: SignatureDoesNotMatch")
                    && bad.contains(&format!(
                        " from http://{sim}/?action=DescribeResourcePools&"
                    )),
                "{bad}"
            );
            assert!(line("bad-password").contains("FAILED  auth: "), "{stdout}");
            assert!(line("bad-huawei").contains("FAILED  auth: "), "{stdout}");
            // The good account's rows are still shown.
            assert!(stdout.contains("queue-team-a"), "{stdout}");
        } else {
            let doc = json(&out);
            let a: Vec<(String, bool, String)> = doc["accounts"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| {
                    (
                        a["name"].as_str().unwrap().to_string(),
                        a["ok"].as_bool().unwrap(),
                        a["reason"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect();
            let want = [
                ("good", true, ""),
                ("bad-key", false, "auth"),
                ("bad-password", false, "auth"),
                ("bad-huawei", false, "auth"),
            ];
            assert_eq!(
                a,
                want.map(|(n, ok, r)| (n.to_string(), ok, r.to_string())),
                "{doc:#}"
            );
            let bad = &doc["accounts"][1];
            assert_eq!(bad["api"], "DescribeResourcePools");
            assert!(bad["url"]
                .as_str()
                .unwrap()
                .starts_with(&format!("http://{sim}/")));
            assert!(bad["pools"].is_null());
        }
    }
}

/// A bad command line or config: exit 2, with the same messages as
/// `check-config`.
#[test]
fn bad_command_lines_and_configs_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let bad = write(
        dir.path(),
        "bad.toml",
        "[[accounts]]\nname = \"x\"\nsecret_access_key = \"TOP-SECRET-in-bad-config\"\n",
    );
    let out = top(&["--once", &format!("--config.file={bad}")]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stdout}\n{stderr}");
    let check = Command::new(BIN)
        .args(["check-config", &bad])
        .output()
        .unwrap();
    let (check_out, _) = text(&check);
    assert!(check_out.contains(&format!("{bad}: accounts[0].provider: is required")));
    assert_eq!(stderr, check_out, "the same messages as check-config");
    assert!(!stderr.contains("TOP-SECRET"), "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");

    let good = write(
        dir.path(),
        "good.toml",
        "[[accounts]]\nname = \"a\"\nprovider = \"aihc\"\nregion = \"bj\"\naccess_key_id = \"k\"\nsecret_access_key = \"s\"\n",
    );
    let g = format!("--config.file={good}");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["--once", "--config.file=/nonexistent/c.toml"],
            "cannot read config file",
        ),
        (
            vec!["--once", &g, "--account=nope"],
            "--account \"nope\": no such account",
        ),
        (vec!["--once", &g, "--provider=sugon"], "no account matches"),
        (
            vec!["--once", &g, "--provider=azure"],
            "invalid value 'azure'",
        ),
        (
            vec!["--once", &g, "--interval=0s"],
            "--interval must be greater than zero",
        ),
        (
            vec!["--once", &g, "--url=http://127.0.0.1:1"],
            "cannot be used with",
        ),
        (vec!["--once"], "required arguments were not provided"),
        (vec!["--once", &g, "--user=x:y"], "--user: only for --url"),
        (
            vec!["--once", "--url=http://127.0.0.1:1", "--user=x"],
            "--user USER needs a password",
        ),
        (
            vec!["--once", "--url=ftp://h"],
            "scheme must be http or https",
        ),
    ];
    for (args, want) in cases {
        let out = top(&args);
        let (stdout, stderr) = text(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stdout}\n{stderr}");
        assert!(stderr.contains(want), "{args:?}: {stderr}");
    }
    // An exporter that is not there is not a usage error: exit 1.
    let port = free_port();
    let out = top(&["--once", &format!("--url=http://127.0.0.1:{port}")]);
    let (stdout, _) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("cannot read the exporter: connect: "),
        "{stdout}"
    );
}
