//! Secrets never leak: every secret field of every provider gets a distinctive
//! value (right ones the simulator accepts, then unique wrong ones), every
//! provider is driven through success and failure (faults, expired
//! credentials, refused logins) with `--log.level=debug`, and everything the
//! exporter shows — stderr in both log formats, `/metrics`, `/`, `/ready`,
//! `POST /-/reload` answers and `check-config` output — is searched for them.
//! Tokens the platforms issue at run time (IAM tokens, Sugon JWTs) are secrets
//! too and are searched for by their shape.
//!
//! Also: a secret file readable by every user is warned about (by path only).

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use common::*;

struct Secrets {
    bce_sk: String,
    bce_sts: String,
    cookie: String,
    qianfan_sts: String,
    huawei_sk: String,
    iam_password: String,
    sugon_password: String,
    sugon_org_id: String,
    scnet_sk: String,
}

impl Secrets {
    fn right() -> Self {
        Secrets {
            bce_sk: credentials::BCE_SECRET_ACCESS_KEY.into(),
            // The simulator takes any STS token that is signed.
            bce_sts: "sts-token-LEAKCHECK-aihc-0001".into(),
            cookie: credentials::AIHC_CONSOLE_COOKIE.into(),
            qianfan_sts: "sts-token-LEAKCHECK-qianfan-0002".into(),
            huawei_sk: credentials::HUAWEI_SECRET_ACCESS_KEY.into(),
            iam_password: credentials::HUAWEI_IAM_PASSWORD.into(),
            sugon_password: credentials::SUGON_PASSWORD.into(),
            sugon_org_id: credentials::SUGON_ORG_ID.into(),
            scnet_sk: credentials::SCNET_SECRET_ACCESS_KEY.into(),
        }
    }

    fn wrong() -> Self {
        Secrets {
            bce_sk: "wrong-LEAKCHECK-bce-sk-0011".into(),
            bce_sts: "wrong-LEAKCHECK-bce-sts-0012".into(),
            cookie: "bce-sessionid=wrong-LEAKCHECK-cookie-0013".into(),
            qianfan_sts: "wrong-LEAKCHECK-qianfan-sts-0014".into(),
            huawei_sk: "wrong-LEAKCHECK-huawei-sk-0015".into(),
            iam_password: "wrong-LEAKCHECK-iam-password-0016".into(),
            sugon_password: "wrong-LEAKCHECK-sugon-password-0017".into(),
            sugon_org_id: "wrong-LEAKCHECK-sugon-org-0018".into(),
            scnet_sk: "wrong-LEAKCHECK-scnet-sk-0019".into(),
        }
    }

    /// What must never be shown: each value, and the distinctive part of
    /// multi-part ones (the session id inside the cookie).
    fn needles(&self) -> Vec<String> {
        let mut v = vec![
            self.bce_sk.clone(),
            self.bce_sts.clone(),
            self.cookie.clone(),
            self.qianfan_sts.clone(),
            self.huawei_sk.clone(),
            self.iam_password.clone(),
            self.sugon_password.clone(),
            self.sugon_org_id.clone(),
            self.scnet_sk.clone(),
        ];
        if let Some(id) = self.cookie.split(';').next() {
            v.push(id.trim_start_matches("bce-sessionid=").to_string());
        }
        v
    }
}

/// The config for every provider mode, with secrets given inline, as `_file`
/// and as `_env` (the returned environment), files written into `dir`.
fn config(sim: &str, s: &Secrets, dir: &Path) -> (String, Vec<(String, String)>) {
    let file = |name: &str, value: &str| {
        let p = dir.join(name);
        std::fs::write(&p, format!("{value}\n")).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
        p.display().to_string()
    };
    let cookie_file = file("cookie", &s.cookie);
    let huawei_file = file("huawei_sk", &s.huawei_sk);
    let scnet_file = file("scnet_sk", &s.scnet_sk);
    let env = vec![
        ("LEAKCHECK_QF_SK".to_string(), s.bce_sk.clone()),
        ("LEAKCHECK_IAM_PW".to_string(), s.iam_password.clone()),
    ];
    let common = "interval = \"1s\"\ntimeout = \"1s\"\nretries = 1\n";
    let text = format!(
        r#"
[[accounts]]
name = "aihc-openapi"
provider = "aihc"
region = "bj"
endpoint = "http://{sim}"
{common}
access_key_id = "{bce_ak}"
secret_access_key = "{bce_sk}"
security_token = "{bce_sts}"

[[accounts]]
name = "aihc-console"
provider = "aihc"
api = "console"
region = "bj"
endpoint = "http://{sim}/api/aihc/aihc-service"
pool_types = ["common", "serverless"]
{common}
cookie_file = "{cookie_file}"

[[accounts]]
name = "qianfan"
provider = "qianfan"
endpoint = "http://{sim}"
{common}
access_key_id = "{bce_ak}"
secret_access_key_env = "LEAKCHECK_QF_SK"
security_token = "{qianfan_sts}"

[[accounts]]
name = "modelarts-aksk"
provider = "modelarts"
region = "{region}"
endpoint = "http://{sim}"
project_id = "{project}"
{common}
access_key_id = "{hw_ak}"
secret_access_key_file = "{huawei_file}"

[[accounts]]
name = "modelarts-iam"
provider = "modelarts"
region = "{region}"
endpoint = "http://{sim}"
project_id = "{project}"
iam_endpoint = "http://{sim}"
{common}
username = "{iam_user}"
password_env = "LEAKCHECK_IAM_PW"
domain = "{iam_domain}"

[[accounts]]
name = "sugon-password"
provider = "sugon"
endpoint = "http://{sim}"
{common}
user = "{sugon_user}"
password = "{sugon_password}"
org_id = "{sugon_org_id}"

[[accounts]]
name = "sugon-aksk"
provider = "sugon"
endpoint = "http://{sim}"
login_endpoint = "http://{sim}"
{common}
user = "{sugon_user}"
access_key_id = "{scnet_ak}"
secret_access_key_file = "{scnet_file}"
"#,
        bce_ak = credentials::BCE_ACCESS_KEY_ID,
        bce_sk = s.bce_sk,
        bce_sts = s.bce_sts,
        qianfan_sts = s.qianfan_sts,
        region = credentials::MODELARTS_REGION,
        project = credentials::MODELARTS_PROJECT_ID,
        hw_ak = credentials::HUAWEI_ACCESS_KEY_ID,
        iam_user = credentials::HUAWEI_IAM_USER,
        iam_domain = credentials::HUAWEI_IAM_DOMAIN,
        sugon_user = credentials::SUGON_USER,
        sugon_password = s.sugon_password,
        sugon_org_id = s.sugon_org_id,
        scnet_ak = credentials::SCNET_ACCESS_KEY_ID,
    );
    (text, env)
}

const ACCOUNTS: &[&str] = &[
    "aihc-openapi",
    "aihc-console",
    "qianfan",
    "modelarts-aksk",
    "modelarts-iam",
    "sugon-password",
    "sugon-aksk",
];

/// Runs the exporter with `env` set, waiting until `/ready`.
fn exporter_env(cfg: &Path, env: &[(String, String)], extra: &[&str]) -> (Proc, String) {
    let dir = tempfile::tempdir().unwrap();
    let stderr_path = dir.path().join("exporter.stderr");
    let addr = format!("127.0.0.1:{}", free_port());
    let child = Command::new(BIN)
        .arg(format!("--config.file={}", cfg.display()))
        .arg(format!("--web.listen-address={addr}"))
        .args(extra)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(&stderr_path).unwrap())
        .spawn()
        .unwrap();
    let p = Proc::new(child, stderr_path, dir);
    wait_ready(&addr, &p);
    (p, addr)
}

fn check_config(cfg: &Path, env: &[(String, String)]) -> String {
    let out = Command::new(BIN)
        .args(["check-config", "--log.level=debug"])
        .arg(cfg)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .output()
        .unwrap();
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Everything the exporter shows over HTTP, concatenated.
fn pages(addr: &str) -> String {
    let mut all = String::new();
    for path in ["/metrics", "/", "/ready", "/healthz"] {
        let (_, _, body) = get(addr, path, &[]).unwrap();
        all.push_str(&body);
    }
    all
}

fn assert_clean(what: &str, text: &str, needles: &[String]) {
    for n in needles {
        assert!(!text.contains(n.as_str()), "{what} shows the secret {n:?}");
    }
    // Run-time tokens: simulated IAM tokens start "MIIsim", Sugon's are JWTs.
    for shape in ["MIIsim", "eyJhbGci"] {
        assert!(!text.contains(shape), "{what} shows a token ({shape}…)");
    }
    assert!(!text.contains("panicked"), "{what} shows a panic:\n{text}");
}

#[test]
fn no_secret_reaches_logs_pages_errors_or_check_config() {
    let (_sim, sim) = simulator(100);
    let dir = tempfile::tempdir().unwrap();

    // Right secrets: every provider succeeds, then fails through faults and
    // expired credentials (re-login, token refresh, re-signing paths).
    let right = Secrets::right();
    let (text, env) = config(&sim, &right, dir.path());
    let cfg = dir.path().join("config.toml");
    std::fs::write(&cfg, text).unwrap();
    let cc = check_config(&cfg, &env);
    // One per name below: the config and the list agree.
    let ok = format!("OK ({} accounts)", ACCOUNTS.len());
    assert!(cc.contains(&ok), "{cc}");
    assert_clean("check-config", &cc, &right.needles());

    let (exp, addr) = exporter_env(&cfg, &env, &["--log.level=debug"]);
    let m = scrape_until(&addr, 20, "every provider up", |m| {
        ACCOUNTS.iter().all(|a| {
            m.find("aipool_up", &[("account", a)])
                .first()
                .is_some_and(|s| s.2 == 1.0)
        })
    });
    let mut shown = pages(&addr);
    for spec in ["*=expire", "*=malformed", "*=5xx", ""] {
        assert_eq!(post(&sim, "/-/faults", spec).unwrap(), 200);
        let m0 = scrape(&addr);
        let failed = |m: &Metrics| {
            m.find("aipool_polls_total", &[("result", "failure")])
                .iter()
                .map(|s| s.2)
                .sum::<f64>()
        };
        let before = failed(&m0);
        if !spec.is_empty() {
            scrape_until(&addr, 20, spec, |m| {
                failed(m) >= before + ACCOUNTS.len() as f64
            });
        }
        shown.push_str(&pages(&addr));
    }
    // A reload with a broken config: the answer and the log name the problem,
    // not the secrets around it.
    std::fs::write(
        &cfg,
        format!(
            "{}\n[[accounts]]\nname = \"broken\"\nprovider = \"sugon\"\npassword = \"{}\"\npassword_env = \"X\"\n",
            std::fs::read_to_string(&cfg).unwrap(),
            right.sugon_password
        ),
    )
    .unwrap();
    let (status, body) = post_full(&addr, "/-/reload", "").unwrap();
    assert_eq!(status, 500, "{body}");
    assert!(body.contains("give only one of"), "{body}");
    shown.push_str(&body);
    let cc = check_config(&cfg, &env);
    assert!(cc.contains("give only one of"), "{cc}");
    assert_clean("check-config of a broken config", &cc, &right.needles());
    drop(m);
    let log = exp.stderr();
    assert!(
        log.contains("poll failed"),
        "no failures were logged:\n{log}"
    );
    assert!(log.contains("level=debug"), "debug logging was not on");
    assert_clean("pages (right secrets)", &shown, &right.needles());
    assert_clean("stderr (right secrets)", &log, &right.needles());
    drop(exp);

    // Wrong secrets, unique per field: every login and signature is refused;
    // JSON logs this time.
    let wrong = Secrets::wrong();
    let (text, env) = config(&sim, &wrong, dir.path());
    std::fs::write(&cfg, text).unwrap();
    let cc = check_config(&cfg, &env);
    assert_clean("check-config (wrong secrets)", &cc, &wrong.needles());
    let (exp, addr) = exporter_env(&cfg, &env, &["--log.level=debug", "--log.format=json"]);
    let m = scrape_until(&addr, 20, "every provider refused", |m| {
        ACCOUNTS.iter().all(|a| {
            m.find(
                "aipool_api_request_failures_total",
                &[("account", a), ("reason", "auth")],
            )
            .iter()
            .any(|s| s.2 >= 1.0)
        })
    });
    for &a in ACCOUNTS {
        assert_eq!(m.value("aipool_up", &[("account", a)]), 0.0, "{a}");
    }
    let shown = pages(&addr);
    let log = exp.stderr();
    assert!(log.contains("\"reason\":\"auth\""), "{log}");
    assert_clean("pages (wrong secrets)", &shown, &wrong.needles());
    assert_clean("stderr (wrong secrets)", &log, &wrong.needles());
}

#[test]
fn a_world_readable_secret_file_is_warned_about_by_path() {
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("sk");
    std::fs::write(&secret, "LEAKCHECK-world-readable-0031\n").unwrap();
    let cfg = dir.path().join("config.toml");
    std::fs::write(
        &cfg,
        format!(
            "[[accounts]]\nname = \"a\"\nprovider = \"aihc\"\nregion = \"bj\"\naccess_key_id = \"AK\"\nsecret_access_key_file = \"{}\"\n",
            secret.display()
        ),
    )
    .unwrap();
    let warning = "secret file is readable by every user";
    for (mode, warned) in [(0o644, true), (0o640, false), (0o600, false)] {
        std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(mode)).unwrap();
        let out = check_config(&cfg, &[]);
        assert!(out.contains("OK (1 account)"), "{out}");
        assert_eq!(out.contains(warning), warned, "mode {mode:o}: {out}");
        if warned {
            assert!(out.contains(&secret.display().to_string()), "{out}");
        }
        assert!(!out.contains("LEAKCHECK-world-readable-0031"), "{out}");
    }
}
