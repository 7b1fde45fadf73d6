use crate::config::testing;
use crate::config::{ConfigErrors, Env, Settings};

const ENV: [(&str, &str); 1] = [("QF_SK", "sk-from-env")];

fn parse(keys: &str) -> Result<Settings, ConfigErrors> {
    testing::parse(
        &testing::account("qianfan", "qf", &format!("{keys}\n")),
        &ENV,
    )
}

fn errors(keys: &str) -> Vec<String> {
    let text = testing::account("qianfan", "qf", &format!("{keys}\n"));
    testing::errors(&text, &Env::from_pairs(ENV))
}

fn qianfan(s: &Settings) -> &super::Config {
    testing::provider_config(s, 0)
}

#[test]
fn defaults_for_a_minimal_account() {
    let s = parse("access_key_id = \"AK\"\nsecret_access_key_env = \"QF_SK\"").unwrap();
    assert_eq!(s.accounts[0].region, "bj");
    let c = qianfan(&s);
    assert_eq!(c.endpoint.as_str(), "https://qianfan.baidubce.com/");
    assert_eq!(c.access_key_id, "AK");
    assert_eq!(c.secret_access_key.expose(), "sk-from-env");
    assert!(c.security_token.is_none());
    assert_eq!(c.service_ids, None);
    assert_eq!(c.payment_timing, None);
}

#[test]
fn every_key_given() {
    let s = parse(
        r#"access_key_id = "AK"
secret_access_key = "SK"
security_token = "STS"
region = "gz"
endpoint = "http://127.0.0.1:9"
service_ids = ["svco-a", " svco-b "]
payment_timing = "Postpaid""#,
    )
    .unwrap();
    assert_eq!(s.accounts[0].region, "gz");
    let c = qianfan(&s);
    assert_eq!(c.endpoint.as_str(), "http://127.0.0.1:9/");
    assert_eq!(c.security_token.as_ref().map(|t| t.expose()), Some("STS"));
    assert_eq!(
        c.service_ids.as_deref(),
        Some(&["svco-a".to_string(), "svco-b".to_string()][..])
    );
    assert_eq!(c.payment_timing.as_deref(), Some("Postpaid"));
}

#[test]
fn mistakes_are_reported_by_key() {
    let e = errors(
        r#"secret_access_key = "SK"
service_ids = ["svco-a", "", "svco-a"]
payment_timing = "Monthly"
pool_types = ["common"]"#,
    );
    let want = [
        "accounts[0].access_key_id: is required",
        "accounts[0].service_ids[1]: must not be empty",
        "accounts[0].service_ids[2]: \"svco-a\" is listed twice",
        "accounts[0].payment_timing: \"Monthly\" is not one of Prepaid | Postpaid",
        "accounts[0].pool_types: unknown key",
    ];
    for w in want {
        assert!(e.iter().any(|x| x == w), "missing {w:?} in {e:#?}");
    }
    let e = errors("access_key_id = \"AK\"\nservice_ids = []");
    assert!(
        e.iter()
            .any(|x| x.starts_with("accounts[0].secret_access_key: is required")),
        "{e:#?}"
    );
    assert!(
        e.iter()
            .any(|x| x.starts_with("accounts[0].service_ids: must list at least one")),
        "{e:#?}"
    );
    let e = errors("access_key_id = \"AK\"\nsecret_access_key = \"SK\"\nregion = \"\"");
    assert!(
        e.iter()
            .any(|x| x.starts_with("accounts[0].region: must not be empty")),
        "{e:#?}"
    );
}
