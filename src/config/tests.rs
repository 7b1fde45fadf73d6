use std::io::Write as _;

use super::*;
use crate::config::testing::{self, errors};
use crate::providers::aihc::{Api, Auth};

fn toml(text: &str) -> Result<Settings, ConfigErrors> {
    from_str(text, "toml", &Env::default())
}

fn aihc(settings: &Settings, i: usize) -> &crate::providers::aihc::Config {
    testing::provider_config(settings, i)
}

const OPENAPI: &str = r#"
[web]
listen_address = "127.0.0.1:9999"

[[accounts]]
name = "bj-prod"
provider = "aihc"
region = "bj"
interval = "30s"
timeout = "5s"
pool_types = ["common", "dedicatedV2"]
access_key_id = "AK1"
secret_access_key = "SK-SECRET-1"
"#;

#[test]
fn a_full_openapi_account() {
    let s = toml(OPENAPI).unwrap();
    assert_eq!(s.web.listen_address, "127.0.0.1:9999");
    assert_eq!(s.web.telemetry_path, "/metrics");
    let a = &s.accounts[0];
    assert_eq!((a.name.as_str(), a.region.as_str()), ("bj-prod", "bj"));
    assert_eq!(a.interval, Duration::from_secs(30));
    assert_eq!(a.timeout, Duration::from_secs(5));
    let c = aihc(&s, 0);
    assert_eq!(c.api, Api::OpenApi);
    assert_eq!(c.endpoint.as_str(), "https://aihc.bj.baidubce.com/");
    assert_eq!(c.pool_types, vec!["common", "dedicatedV2"]);
    match &c.auth {
        Auth::AkSk {
            access_key_id,
            secret_access_key,
            security_token,
        } => {
            assert_eq!(access_key_id, "AK1");
            assert_eq!(secret_access_key.expose(), "SK-SECRET-1");
            assert!(security_token.is_none());
        }
        other => panic!("{other:?}"),
    }
    // Debug of the whole settings never shows the secret.
    assert!(!format!("{s:?}").contains("SK-SECRET-1"));
}

#[test]
fn defaults() {
    let s = toml(
        r#"
        [[accounts]]
        name = "a"
        provider = "aihc"
        region = "gz"
        access_key_id = "AK"
        secret_access_key = "SK"
        "#,
    )
    .unwrap();
    assert_eq!(s.web.listen_address, DEFAULT_LISTEN_ADDRESS);
    let a = &s.accounts[0];
    assert_eq!(a.interval, DEFAULT_INTERVAL);
    assert_eq!(a.timeout, DEFAULT_TIMEOUT);
    assert_eq!(a.max_response_bytes, DEFAULT_MAX_RESPONSE_BYTES);
    assert_eq!(aihc(&s, 0).pool_types, vec!["common"]);
    assert_eq!(
        aihc(&s, 0).endpoint.as_str(),
        "https://aihc.gz.baidubce.com/"
    );
}

#[test]
fn console_account_in_yaml_with_cookie_file() {
    let mut f = tempfile::Builder::new()
        .suffix(".cookie")
        .tempfile()
        .unwrap();
    writeln!(f, "bce-sessionid=abc; x=y").unwrap();
    let yaml = format!(
        "accounts:\n  - name: console\n    provider: aihc\n    api: console\n    region: bj\n    pool_types: [common, serverless]\n    cookie_file: {}\n",
        f.path().display()
    );
    let s = from_str(&yaml, "yaml", &Env::default()).unwrap();
    let c = aihc(&s, 0);
    assert_eq!(c.api, Api::Console);
    assert_eq!(
        c.endpoint.as_str(),
        crate::providers::aihc::CONSOLE_ENDPOINT
    );
    match &c.auth {
        // The trailing newline of the file is trimmed.
        Auth::Cookie(cookie) => assert_eq!(cookie.expose(), "bce-sessionid=abc; x=y"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn secret_from_env_reference() {
    let text = OPENAPI.replace(
        "secret_access_key = \"SK-SECRET-1\"",
        "secret_access_key_env = \"MY_BCE_SK\"",
    );
    let s = from_str(&text, "toml", &Env::from_pairs([("MY_BCE_SK", "from-env")])).unwrap();
    match &aihc(&s, 0).auth {
        Auth::AkSk {
            secret_access_key, ..
        } => assert_eq!(secret_access_key.expose(), "from-env"),
        other => panic!("{other:?}"),
    }
    let errs = errors(&text, &Env::default());
    assert_eq!(
        errs,
        vec!["accounts[0].secret_access_key_env: environment variable MY_BCE_SK is not set"]
    );
}

#[test]
fn every_problem_is_reported_with_its_key_path() {
    let text = r#"
        bogus = 1
        [web]
        telemetry_path = "metrics"
        [[accounts]]
        name = "a"
        provider = "aihc"
        region = "bj"
        interval = "5 parsecs"
        timeout = "0s"
        pool_types = ["common", "weird"]
        access_key_id = "AK"
        colour = "blue"
        [[accounts]]
        name = "a"
        provider = "aihc"
        region = "bj"
        access_key_id = "AK"
        secret_access_key = "SK"
        [[accounts]]
        name = "c"
        provider = "azure"
    "#;
    let errs = errors(text, &Env::default());
    let expect = [
        "bogus: unknown key",
        "web.telemetry_path: must start with / and not be / itself",
        "accounts[0].interval: \"5 parsecs\" is not a duration",
        "accounts[0].timeout: must be greater than zero",
        "accounts[0].pool_types[1]: \"weird\" is not one of common | dedicatedV2 | bhcmp for api = \"openapi\"",
        "accounts[0].secret_access_key: is required for api = \"openapi\"",
        "accounts[0].colour: unknown key",
        "accounts[1].name: duplicate account name \"a\"",
        "accounts[2].provider: \"azure\" is not one of aihc | qianfan | modelarts | sugon",
    ];
    for e in expect {
        assert!(
            errs.iter().any(|x| x.starts_with(e)),
            "missing {e:?} in {errs:#?}"
        );
    }
    assert_eq!(errs.len(), expect.len(), "{errs:#?}");
}

#[test]
fn errors_never_show_secret_values() {
    let text = r#"
        [[accounts]]
        name = "a"
        provider = "aihc"
        api = "console"
        region = "bj"
        cookie = "COOKIE-VALUE-XYZ"
        cookie_env = "X"
        secret_access_key = "SK-VALUE-XYZ"
        [[accounts]]
        name = "b"
        provider = "aihc"
        region = "bj"
        access_key_id = "AK"
        secret_access_key = 12345
    "#;
    let errs = errors(text, &Env::default());
    let all = errs.join("\n");
    assert!(!all.contains("XYZ") && !all.contains("12345"), "{all}");
    assert!(
        all.contains("accounts[0].cookie: give only one of cookie, cookie_env"),
        "{all}"
    );
    assert!(
        all.contains("accounts[0].secret_access_key: is only used with api = \"openapi\""),
        "{all}"
    );
    assert!(
        all.contains("accounts[1].secret_access_key: expected a string"),
        "{all}"
    );
}

#[test]
fn missing_file_and_bad_extension() {
    let e = load(Path::new("/nonexistent/aipool.toml"), &Env::default()).unwrap_err();
    assert!(e.to_string().contains("cannot read config file"), "{e}");
    let f = tempfile::Builder::new().suffix(".ini").tempfile().unwrap();
    let e = load(f.path(), &Env::default()).unwrap_err();
    assert!(
        e.to_string().contains("must end in .toml, .yaml or .yml"),
        "{e}"
    );
}

#[test]
fn syntax_errors_name_the_problem() {
    let e = toml("[[accounts]\nname = ").unwrap_err();
    assert_eq!(e.0.len(), 1);
    assert!(!e.0[0].reason.is_empty());
}

#[test]
fn environment_overrides() {
    let env = Env::from_pairs([
        ("AIPOOL_WEB__LISTEN_ADDRESS", "127.0.0.1:1234"),
        ("AIPOOL_ACCOUNTS__0__INTERVAL", "2m"),
        // Not under a known section: a secret the config refers to, left alone.
        ("AIPOOL_BCE_SK", "whatever"),
        ("OTHER", "x"),
    ]);
    let s = from_str(OPENAPI, "toml", &env).unwrap();
    assert_eq!(s.web.listen_address, "127.0.0.1:1234");
    assert_eq!(s.accounts[0].interval, Duration::from_secs(120));

    let env = Env::from_pairs([("AIPOOL_ACCOUNTS__3__INTERVAL", "2m")]);
    let errs = errors(OPENAPI, &env);
    assert_eq!(
        errs,
        vec!["environment variable AIPOOL_ACCOUNTS__3__INTERVAL: index 3 is past the end of a list of 1"]
    );
}

#[test]
fn unknown_region_needs_an_endpoint() {
    let text = OPENAPI.replace("region = \"bj\"", "region = \"mars\"");
    let errs = errors(&text, &Env::default());
    assert!(
        errs[0].starts_with("accounts[0].region: \"mars\" has no known AIHC endpoint"),
        "{errs:?}"
    );
    let with_endpoint = text.replace(
        "interval = \"30s\"",
        "interval = \"30s\"\nendpoint = \"https://aihc.mars.example\"",
    );
    let s = toml(&with_endpoint).unwrap();
    assert_eq!(s.accounts[0].region, "mars");
}

#[test]
fn endpoint_must_not_carry_credentials() {
    let text = OPENAPI.replace(
        "interval = \"30s\"",
        "interval = \"30s\"\nendpoint = \"https://user:hunter2@aihc.example\"",
    );
    let errs = errors(&text, &Env::default());
    assert_eq!(
        errs,
        vec!["accounts[0].endpoint: must not contain a user name or password"]
    );
}

#[test]
fn no_accounts_is_valid() {
    let s = toml("").unwrap();
    assert!(s.accounts.is_empty());
}

/// `Debug` of the settings of every provider mode shows no secret, whichever
/// way it was given.
#[test]
fn debug_of_every_providers_settings_redacts_every_secret() {
    let env = Env::from_pairs([("DBG_IAM_PW", "dbg-SECRET-iam-password")]);
    let text = r#"
[[accounts]]
name = "o"
provider = "aihc"
region = "bj"
access_key_id = "AK"
secret_access_key = "dbg-SECRET-bce-sk"
security_token = "dbg-SECRET-sts"
[[accounts]]
name = "c"
provider = "aihc"
api = "console"
region = "bj"
cookie = "bce-sessionid=dbg-SECRET-cookie"
[[accounts]]
name = "q"
provider = "qianfan"
access_key_id = "AK"
secret_access_key = "dbg-SECRET-qianfan-sk"
security_token = "dbg-SECRET-qianfan-sts"
[[accounts]]
name = "ma"
provider = "modelarts"
region = "cn-north-4"
project_id = "p"
access_key_id = "AK"
secret_access_key = "dbg-SECRET-huawei-sk"
[[accounts]]
name = "mi"
provider = "modelarts"
region = "cn-north-4"
project_id = "p"
username = "u"
password_env = "DBG_IAM_PW"
domain = "d"
[[accounts]]
name = "sp"
provider = "sugon"
endpoint = "https://ac.example"
user = "u"
password = "dbg-SECRET-sugon-password"
org_id = "dbg-SECRET-sugon-org"
[[accounts]]
name = "sk"
provider = "sugon"
endpoint = "https://ac.example"
user = "u"
access_key_id = "AK"
secret_access_key = "dbg-SECRET-scnet-sk"
"#;
    let s = from_str(text, "toml", &env).unwrap();
    let shown = format!("{s:?} {s:#?}");
    assert!(!shown.contains("dbg-SECRET"), "{shown}");
    assert_eq!(shown.matches("Secret(<redacted>)").count() % 2, 0);
    assert!(shown.matches("Secret(<redacted>)").count() >= 20, "{shown}");
}

#[test]
fn a_bad_region_does_not_hide_the_missing_credentials() {
    let text = "[[accounts]]\nname = \"a\"\nprovider = \"aihc\"\nregion = \"bjj\"\n";
    let errs = errors(text, &Env::default());
    assert_eq!(
        errs,
        vec![
            "accounts[0].region: \"bjj\" has no known AIHC endpoint (bj, gz, su, bd, fwh, yq); \
             did you mean \"bj\", or set endpoint",
            "accounts[0].access_key_id: is required",
            "accounts[0].secret_access_key: is required for api = \"openapi\" \
             (give secret_access_key, secret_access_key_file or secret_access_key_env)",
        ]
    );
}

#[test]
fn a_misspelt_key_is_named_with_what_was_meant() {
    let text = "[[accounts]]\nname = \"a\"\nprovider = \"aihc\"\nregion = \"bj\"\n\
                access_key_id = \"AK\"\nsecret_acess_key = \"SK-VALUE\"\n";
    let errs = errors(text, &Env::default());
    // One mistake, one error: not also "secret_access_key is required".
    assert_eq!(
        errs,
        vec![
            "accounts[0].secret_acess_key: unknown key `secret_acess_key`, \
             did you mean `secret_access_key`?"
        ]
    );

    let errs = errors(
        "[[account]]\nname = \"a\"\nprovider = \"aihc\"\n",
        &Env::default(),
    );
    assert_eq!(
        errs,
        vec!["account: unknown key `account`, did you mean `accounts`?"]
    );

    // Each table suggests from its own keys.
    let text = "[web]\nlisten_adress = \"x\"\n[[accounts]]\nname = \"a\"\nprovider = \"aihcc\"\n";
    let errs = errors(text, &Env::default());
    // The names are the registry's, in its order (`aihc | qianfan | …`).
    assert!(ProviderKind::NAMES.starts_with(&["aihc", "qianfan", "modelarts", "sugon"]));
    assert_eq!(
        errs,
        vec![
            "web.listen_adress: unknown key `listen_adress`, did you mean `listen_address`?"
                .to_string(),
            format!(
                "accounts[0].provider: \"aihcc\" is not one of {}; did you mean \"aihc\"?",
                ProviderKind::NAMES.join(" | ")
            ),
        ]
    );

    // A key held back as misspelt is still reported when the provider is unknown
    // and the rest of the table is not judged.
    let text = "[[accounts]]\nnmae = \"a\"\nprovider = \"azure\"\n";
    let errs = errors(text, &Env::default());
    assert_eq!(
        errs,
        vec![
            format!(
                "accounts[0].provider: \"azure\" is not one of {}",
                ProviderKind::NAMES.join(" | ")
            ),
            "accounts[0].name: is required (is `nmae` a misspelling?)".to_string(),
        ]
    );
}

#[test]
fn errors_come_in_file_order() {
    let text = r#"
bogus = 1
[[accounts]]
colour = "blue"
name = "a"
provider = "aihc"
pool_types = ["weird"]
region = "bjj"
interval = "soon"
[[accounts]]
name = "b"
provider = "qianfan"
region = ""
retries = 11
[web]
telemetry_path = "/"
"#;
    assert_eq!(errors(text, &Env::default()), IN_FILE_ORDER);
}

/// The errors of the config of `errors_come_in_file_order` (TOML) and
/// `yaml_errors_come_in_file_order` (the same config in YAML), in file order.
const IN_FILE_ORDER: [&str; 12] = [
    "bogus: unknown key",
    "accounts[0].colour: unknown key",
    "accounts[0].pool_types[0]: \"weird\" is not one of common | dedicatedV2 | bhcmp for api = \"openapi\"",
    "accounts[0].region: \"bjj\" has no known AIHC endpoint (bj, gz, su, bd, fwh, yq); \
     did you mean \"bj\", or set endpoint",
    "accounts[0].interval: \"soon\" is not a duration (expected number at 0); use e.g. \"60s\"",
    // Missing keys sort after the keys their table has.
    "accounts[0].access_key_id: is required",
    "accounts[0].secret_access_key: is required for api = \"openapi\" \
     (give secret_access_key, secret_access_key_file or secret_access_key_env)",
    "accounts[1].region: must not be empty (leave it out for \"bj\")",
    "accounts[1].retries: must be at most 10",
    "accounts[1].access_key_id: is required",
    "accounts[1].secret_access_key: is required for provider qianfan \
     (give secret_access_key, secret_access_key_file or secret_access_key_env)",
    "web.telemetry_path: must start with / and not be / itself",
];

fn yaml_errors(text: &str) -> Vec<String> {
    match from_str(text, "yaml", &Env::default()) {
        Ok(_) => panic!("config should be invalid:\n{text}"),
        Err(e) => testing::messages(&e),
    }
}

#[test]
fn yaml_errors_come_in_file_order() {
    // The config of `errors_come_in_file_order`, in block style.
    let text = r#"
bogus: 1
accounts:
  - colour: blue
    name: a
    provider: aihc
    pool_types:
      - weird
    region: bjj
    interval: soon
  - name: b
    provider: qianfan
    region: ""
    retries: 11
web:
  telemetry_path: /
"#;
    assert_eq!(yaml_errors(text), IN_FILE_ORDER);
}

#[test]
fn yaml_bad_region_and_missing_credentials_in_file_order() {
    // Checked in another order: region, the credentials, then unknown keys.
    let text = "accounts:\n- name: a\n  provider: aihc\n  region: bjj\n  colour: blue\n";
    assert_eq!(
        yaml_errors(text),
        vec![
            "accounts[0].region: \"bjj\" has no known AIHC endpoint (bj, gz, su, bd, fwh, yq); \
             did you mean \"bj\", or set endpoint",
            "accounts[0].colour: unknown key",
            "accounts[0].access_key_id: is required",
            "accounts[0].secret_access_key: is required for api = \"openapi\" \
             (give secret_access_key, secret_access_key_file or secret_access_key_env)",
        ]
    );
}

#[test]
fn yaml_flow_style_errors_come_in_file_order() {
    // The reverse of the checking order (top-level keys, web, accounts).
    let text = r#"{web: {telemetry_path: "/"},
 accounts: [{colour: blue, name: a, provider: aihc,
             pool_types: [common, weird], region: bjj}],
 bogus: 1}"#;
    assert_eq!(
        yaml_errors(text),
        vec![
            "web.telemetry_path: must start with / and not be / itself",
            "accounts[0].colour: unknown key",
            "accounts[0].pool_types[1]: \"weird\" is not one of common | dedicatedV2 | bhcmp for api = \"openapi\"",
            "accounts[0].region: \"bjj\" has no known AIHC endpoint (bj, gz, su, bd, fwh, yq); \
             did you mean \"bj\", or set endpoint",
            "accounts[0].access_key_id: is required",
            "accounts[0].secret_access_key: is required for api = \"openapi\" \
             (give secret_access_key, secret_access_key_file or secret_access_key_env)",
            "bogus: unknown key",
        ]
    );
}

#[test]
fn a_value_from_the_environment_is_blamed_on_its_variable() {
    let env = Env::from_pairs([
        ("AIPOOL_ACCOUNTS__0__INTERVAL", "30"),
        ("AIPOOL_ACCOUNTS__0__POOL_TYPES", "weird"),
        (
            "AIPOOL_ACCOUNTS__0__SECRET_ACCESS_KEY_ENV",
            "NOT_SET_ANYWHERE",
        ),
    ]);
    let e = from_str(OPENAPI, "toml", &env).unwrap_err();
    let errs = testing::messages(&e);
    assert_eq!(
        errs,
        vec![
            // In the order of the keys they replace in the file.
            "environment variable AIPOOL_ACCOUNTS__0__INTERVAL: \"30\" is not a duration \
             (time unit needed, for example 30sec or 30ms); use e.g. \"60s\"",
            "environment variable AIPOOL_ACCOUNTS__0__POOL_TYPES: \"weird\" is not one of \
             common | dedicatedV2 | bhcmp for api = \"openapi\"",
            // The file gives secret_access_key too: that part is the file's.
            "accounts[0].secret_access_key: give only one of secret_access_key, \
             secret_access_key_env",
        ]
    );
    assert!(e.0.iter().take(2).all(|e| e.env_var.is_some()));
    assert_eq!(e.0[2].env_var, None);
}
