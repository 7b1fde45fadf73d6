//! The Sugon config keys: both login styles, defaults, and every refusal with
//! its key path.

use super::*;
use crate::config::testing;
use crate::config::Settings;

fn parse(text: &str) -> Result<Settings, Vec<String>> {
    let env = [("SUGON_PW", "pw-from-env"), ("SCNET_SK", "sk-from-env")];
    testing::parse(text, &env).map_err(|e| testing::messages(&e))
}

fn sugon(s: &Settings) -> &Config {
    testing::provider_config(s, 0)
}

fn account(body: &str) -> String {
    testing::account("sugon", "sg", body)
}

#[test]
fn password_login_with_defaults() {
    let s = parse(&account(
        r#"
endpoint = "https://ac.sugon.com"
user = "alice"
password_env = "SUGON_PW"
org_id = "6048ce7ba15c2af2e8cec12991ec13cf"
"#,
    ))
    .unwrap();
    let c = sugon(&s);
    assert_eq!(c.endpoint.as_str(), "https://ac.sugon.com/");
    assert_eq!(c.user, "alice");
    match &c.auth {
        Auth::Password { password, org_id } => {
            assert_eq!(password.expose(), "pw-from-env");
            assert_eq!(org_id.expose(), "6048ce7ba15c2af2e8cec12991ec13cf");
        }
        other => panic!("{other:?}"),
    }
    assert!(c.cluster_ids.is_empty() && c.resource_groups.is_empty());
    assert!(c.accelerator_types.is_empty());
    // HPC queues are polled unless switched off.
    assert!(c.hpc_queues);
    // Several regions: the account-level cloud_region is "multi".
    assert_eq!(s.accounts[0].region, "multi");
}

#[test]
fn aksk_login_with_filters() {
    let s = parse(&account(
        r#"
endpoint = "https://www.scnet.cn"
user = "bob"
access_key_id = "85f96a42b13f4d2c8b760d2775bbcca8"
secret_access_key_env = "SCNET_SK"
cluster_ids = ["11250"]
resource_groups = ["K100"]
accelerator_types = ["dcu", "gpu"]
hpc_queues = false
"#,
    ))
    .unwrap();
    let c = sugon(&s);
    assert!(!c.hpc_queues);
    match &c.auth {
        Auth::AkSk {
            access_key_id,
            secret_access_key,
            login_endpoint,
        } => {
            assert_eq!(access_key_id, "85f96a42b13f4d2c8b760d2775bbcca8");
            assert_eq!(secret_access_key.expose(), "sk-from-env");
            assert_eq!(login_endpoint.as_str(), "https://api.scnet.cn/");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(c.cluster_ids, ["11250"]);
    assert_eq!(c.resource_groups, ["K100"]);
    assert_eq!(c.accelerator_types, ["dcu", "gpu"]);
    // One selected region names the account-level cloud_region.
    assert_eq!(s.accounts[0].region, "11250");

    let s = parse(&account(
        r#"
endpoint = "https://www.scnet.cn"
login_endpoint = "http://127.0.0.1:8080"
user = "bob"
access_key_id = "ak"
secret_access_key = "sk"
"#,
    ))
    .unwrap();
    match &sugon(&s).auth {
        Auth::AkSk { login_endpoint, .. } => {
            assert_eq!(login_endpoint.as_str(), "http://127.0.0.1:8080/")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn every_problem_is_reported_with_its_key() {
    let errs = parse(&account(
        r#"
region = "bj"
password = "pw"
cluster_ids = ["0", ""]
accelerator_types = ["tpu"]
hpc_queues = "no"
"#,
    ))
    .unwrap_err();
    let want = [
        "accounts[0].region: is not used by provider sugon",
        "accounts[0].endpoint: is required for provider sugon",
        "accounts[0].user: is required",
        "accounts[0].org_id: is required for password login",
        "accounts[0].cluster_ids[0]: \"0\" is the platform's own token",
        "accounts[0].cluster_ids[1]: must not be empty",
        "accounts[0].accelerator_types[0]: \"tpu\" is not one of gpu | dcu | mlu | cpu",
        "accounts[0].hpc_queues: ",
    ];
    for w in want {
        assert!(
            errs.iter().any(|e| e.starts_with(w)),
            "missing {w:?} in {errs:#?}"
        );
    }
    assert_eq!(errs.len(), want.len(), "{errs:#?}");
}

#[test]
fn login_styles_are_exclusive_and_one_is_required() {
    let base = "endpoint = \"https://ac.sugon.com\"\nuser = \"u\"\n";
    let errs = parse(&account(&format!(
        "{base}password = \"p\"\norg_id = \"o\"\naccess_key_id = \"a\"\nsecret_access_key = \"s\"\n"
    )))
    .unwrap_err();
    assert_eq!(
        errs,
        ["accounts[0].access_key_id: give either password + org_id or access_key_id + secret_access_key, not both"]
    );
    let errs = parse(&account(base)).unwrap_err();
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(errs[0].starts_with("accounts[0].password: is required: give password + org_id"));
    let errs = parse(&account(&format!(
        "{base}access_key_id = \"a\"\nlogin_endpoint = \"https://api.scnet.cn\"\n"
    )))
    .unwrap_err();
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(errs[0].starts_with("accounts[0].secret_access_key: is required for AK/SK login"));
    let errs = parse(&account(&format!(
        "{base}password = \"p\"\norg_id = \"o\"\nlogin_endpoint = \"https://api.scnet.cn\"\n"
    )))
    .unwrap_err();
    assert_eq!(
        errs,
        ["accounts[0].login_endpoint: is only used with access_key_id + secret_access_key"]
    );
}

#[test]
fn secrets_never_appear_in_errors() {
    let errs = parse(&account(
        r#"
endpoint = "https://ac.sugon.com"
user = "u"
password = "hunter2-secret"
org_id = "org-secret-77"
unexpected = 1
"#,
    ))
    .unwrap_err();
    assert_eq!(errs, ["accounts[0].unexpected: unknown key"]);
    let s = parse(&account(
        "endpoint = \"https://ac.sugon.com\"\nuser = \"u\"\npassword = \"hunter2-secret\"\norg_id = \"org-secret-77\"\n",
    ))
    .unwrap();
    let shown = format!("{:?}", sugon(&s));
    assert!(
        !shown.contains("hunter2") && !shown.contains("org-secret"),
        "{shown}"
    );
}

/// A failed early renewal falls back on tokens that are still valid; with no
/// valid token left, the failure fails the poll. Runs the client against the
/// in-process simulator, sharing one provider state between a good and a bad
/// password configuration.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_renewal_keeps_polling_with_valid_tokens() {
    use std::sync::Arc;
    use std::time::Duration;

    use crate::counters::AccountCounters;
    use reqwest::Url;

    use crate::fields::Secret;
    use crate::providers::upstream::{build_client, PollCtx, Reason};
    use aipool_sim::{self as simulator, credentials};

    // Without drift, so two polls of one platform state are equal.
    let opts = simulator::Options {
        drift: false,
        ..simulator::Options::default()
    };
    let sim = simulator::start("127.0.0.1:0", &opts).await.unwrap();
    let cfg = |password: &str| Config {
        endpoint: Url::parse(&format!("http://{}", sim.addr)).unwrap(),
        user: credentials::SUGON_USER.into(),
        auth: Auth::Password {
            password: Secret::new(password),
            org_id: Secret::new(credentials::SUGON_ORG_ID),
        },
        cluster_ids: vec![],
        resource_groups: vec![],
        accelerator_types: vec![],
        hpc_queues: true,
    };
    let (good, bad) = (cfg(credentials::SUGON_PASSWORD), cfg("wrong"));
    let stats = Arc::new(AccountCounters::default());
    let ctx = PollCtx::for_tests(
        build_client().unwrap(),
        Duration::from_secs(5),
        stats.clone(),
        &<super::Sugon as crate::providers::Platform>::ERRORS,
    );
    let mut state = State::default();
    let first = client::Client::new(&good, &ctx, &mut state)
        .poll()
        .await
        .unwrap();
    // Four resource groups and the two regions' HPC clusters.
    assert_eq!(first.snapshot.pools.len(), 6);
    assert!(first.partial.is_empty(), "{:?}", first.partial);

    // Renewal due now, but the (10-minute) tokens are still valid: the refused
    // login is counted and the poll goes on with the current tokens.
    for r in &mut state.session.as_mut().unwrap().regions {
        r.renew_at_ms = Some(0);
    }
    let second = client::Client::new(&bad, &ctx, &mut state)
        .poll()
        .await
        .unwrap();
    assert_eq!(second.snapshot, first.snapshot);
    let view = stats.view();
    assert_eq!(view.requests["v2/tokens"], 2);
    assert_eq!(view.failures[&("v2/tokens".to_string(), Reason::Auth)], 1);

    // Once the tokens are past their expiry, the refused login fails the poll.
    for r in &mut state.session.as_mut().unwrap().regions {
        r.expire_at_ms = Some(1);
    }
    let e = client::Client::new(&bad, &ctx, &mut state)
        .poll()
        .await
        .unwrap_err();
    assert_eq!((e.api.as_str(), e.reason), ("v2/tokens", Reason::Auth));
    assert!(e.message.contains("login refused: code 10004"), "{e}");
    sim.stop().await;
}

/// A rejected token (10008) in a non-2xx answer is `auth` whatever the
/// status; the body is Sugon's `{code, msg, data}`.
#[test]
fn error_answers_read_as_sugon_writes_them() {
    use crate::providers::upstream::Reason;
    use reqwest::StatusCode;
    let errors = &<Sugon as crate::providers::Platform>::ERRORS;
    let (code, message) = (errors.read)(br#"{"code":"10008","msg":"token expired","data":null}"#);
    assert_eq!(code.as_deref(), Some("10008"));
    assert_eq!(message.as_deref(), Some("token expired"));
    assert_eq!(
        errors.classify(StatusCode::INTERNAL_SERVER_ERROR, code.as_deref()),
        Reason::Auth
    );
    assert_eq!(
        errors.classify(StatusCode::BAD_REQUEST, Some("404")),
        Reason::Http4xx
    );
}
