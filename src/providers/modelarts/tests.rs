//! Config parsing of ModelArts accounts.

use super::*;
use crate::config::testing;
use crate::config::{ConfigErrors, Env, Settings};

const ENV: [(&str, &str); 2] = [("HW_SK", "sk-from-env"), ("HW_PW", "pw-from-env")];

fn parse(extra: &str) -> Result<Settings, ConfigErrors> {
    testing::parse(&testing::account("modelarts", "ma", extra), &ENV)
}

fn config(extra: &str) -> Config {
    let s = parse(extra).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.accounts[0].region, "cn-north-4");
    testing::provider_config::<Config>(&s, 0).clone()
}

fn errors(extra: &str) -> Vec<String> {
    let text = testing::account("modelarts", "ma", extra);
    testing::errors(&text, &Env::from_pairs(ENV))
}

const AKSK: &str = r#"
region = "cn-north-4"
project_id = "pid"
access_key_id = "AK"
secret_access_key_env = "HW_SK"
"#;

const PASSWORD: &str = r#"
region = "cn-north-4"
project_id = "pid"
username = "alice"
password_env = "HW_PW"
domain = "acme"
"#;

#[test]
fn aksk_with_defaults() {
    let c = config(AKSK);
    assert_eq!(
        c.endpoint.as_str(),
        "https://modelarts.cn-north-4.myhuaweicloud.com/"
    );
    assert_eq!(c.project_id, "pid");
    // Every workspace: none configured.
    assert_eq!(c.workspace_ids, None);
    match &c.auth {
        Auth::AkSk {
            access_key_id,
            secret_access_key,
        } => {
            assert_eq!(access_key_id, "AK");
            assert_eq!(secret_access_key.expose(), "sk-from-env");
        }
        other => panic!("{other:?}"),
    }
    assert!(!format!("{c:?}").contains("sk-from-env"));
}

#[test]
fn password_with_defaults_and_overrides() {
    let c = config(PASSWORD);
    match &c.auth {
        Auth::Password(p) => {
            assert_eq!(
                p.iam_endpoint.as_str(),
                "https://iam.cn-north-4.myhuaweicloud.com/"
            );
            assert_eq!((p.username.as_str(), p.domain.as_str()), ("alice", "acme"));
            assert_eq!(p.password.expose(), "pw-from-env");
            assert_eq!(p.project_name, None);
        }
        other => panic!("{other:?}"),
    }
    assert!(!format!("{c:?}").contains("pw-from-env"));

    let c = config(&format!(
        "{PASSWORD}endpoint = \"https://modelarts.eu-de.otc.t-systems.com\"\n\
         iam_endpoint = \"https://iam.eu-de.otc.t-systems.com/v3\"\n\
         project_name = \"eu-de_ai\"\nworkspace_id = \"ws1\"\n"
    ));
    assert_eq!(
        c.endpoint.as_str(),
        "https://modelarts.eu-de.otc.t-systems.com/"
    );
    // The older single key is a one-workspace list.
    assert_eq!(c.workspace_ids, Some(vec!["ws1".to_string()]));
    match &c.auth {
        Auth::Password(p) => {
            assert_eq!(
                p.iam_endpoint.as_str(),
                "https://iam.eu-de.otc.t-systems.com/v3"
            );
            assert_eq!(p.project_name.as_deref(), Some("eu-de_ai"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn both_auth_modes_is_an_error_with_the_key_path() {
    let e = errors(&format!(
        "{AKSK}username = \"alice\"\npassword = \"pw-inline\"\n"
    ));
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(
        e[0].starts_with("accounts[0].username: cannot be combined with access_key_id"),
        "{e:?}"
    );
    assert!(!e[0].contains("pw-inline"));
}

#[test]
fn no_auth_mode_is_an_error_with_the_key_path() {
    let e = errors("region = \"cn-north-4\"\nproject_id = \"pid\"\n");
    assert_eq!(
        e,
        vec![
            "accounts[0].access_key_id: no credentials for provider modelarts: give \
              access_key_id and secret_access_key (AK/SK), or username, password and \
              domain (IAM token)"
                .to_string()
        ]
    );
}

#[test]
fn incomplete_modes_name_the_missing_keys() {
    let e = errors("region = \"cn-north-4\"\nproject_id = \"pid\"\naccess_key_id = \"AK\"\n");
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(
        e[0].starts_with("accounts[0].secret_access_key: is required for AK/SK"),
        "{e:?}"
    );
    let e = errors("region = \"cn-north-4\"\nproject_id = \"pid\"\nusername = \"u\"\n");
    assert!(
        e.iter()
            .any(|e| e.starts_with("accounts[0].password: is required")),
        "{e:?}"
    );
    assert!(
        e.iter().any(|e| e == "accounts[0].domain: is required"),
        "{e:?}"
    );
}

#[test]
fn password_only_keys_are_refused_with_aksk() {
    let e = errors(&format!("{AKSK}project_name = \"cn-north-4\"\n"));
    assert_eq!(
        e,
        vec![
            "accounts[0].project_name: is only used with IAM password authentication \
              (username, password, domain)"
                .to_string()
        ]
    );
}

#[test]
fn project_id_and_region_are_required() {
    let e = errors("access_key_id = \"AK\"\nsecret_access_key = \"SK\"\n");
    assert!(
        e.contains(&"accounts[0].project_id: is required".to_string()),
        "{e:?}"
    );
    assert!(
        e.iter()
            .any(|e| e.starts_with("accounts[0].region: is required")),
        "{e:?}"
    );
    let e = errors(&AKSK.replace("cn-north-4", "cn-north-4.evil.example/"));
    assert!(
        e.iter()
            .any(|e| e.starts_with("accounts[0].region: ") && e.contains("not a region id")),
        "{e:?}"
    );
}

#[test]
fn an_empty_workspace_is_refused() {
    let e = errors(&format!("{AKSK}workspace_id = \"\"\n"));
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(e[0].starts_with("accounts[0].workspace_id: must not be empty"));
}

#[test]
fn workspace_ids_restrict_the_poll() {
    let ws = "1d7e4f0c9b2a4e6f8a3b5c7d9e1f2a3b";
    // The default workspace may be written as the number 0, as one API doc
    // example gives it; ids are trimmed.
    let c = config(&format!("{AKSK}workspace_ids = [0, \" {ws} \"]\n"));
    assert_eq!(c.workspace_ids, Some(vec!["0".to_string(), ws.to_string()]));
    // A single string is a one-element list.
    let c = config(&format!("{AKSK}workspace_ids = \"{ws}\"\n"));
    assert_eq!(c.workspace_ids, Some(vec![ws.to_string()]));
    let c = config(&format!("{AKSK}workspace_id = 0\n"));
    assert_eq!(c.workspace_ids, Some(vec!["0".to_string()]));
}

#[test]
fn bad_workspace_ids_name_the_key_path() {
    let cases: [(&str, &[&str]); 8] = [
        (
            "workspace_ids = []",
            &["accounts[0].workspace_ids: must list at least one workspace id (leave it out for every workspace)"],
        ),
        (
            "workspace_ids = [\"0\", \" \"]",
            &["accounts[0].workspace_ids[1]: must not be empty (leave the key out for every workspace)"],
        ),
        (
            "workspace_ids = [\"0\", \"ab\", 0]",
            &["accounts[0].workspace_ids[2]: \"0\" is listed twice"],
        ),
        (
            "workspace_ids = [-1, 1.5, true]",
            &[
                "accounts[0].workspace_ids[0]: -1 is not a workspace id (0 or the id as a string)",
                "accounts[0].workspace_ids[1]: 1.5 is not a workspace id (0 or the id as a string)",
                "accounts[0].workspace_ids[2]: expected a workspace id, found a boolean",
            ],
        ),
        (
            "workspace_ids = [\"a b\"]",
            &["accounts[0].workspace_ids[0]: \"a b\" is not a workspace id (spaces or control characters)"],
        ),
        (
            "workspace_ids = { id = \"0\" }",
            &["accounts[0].workspace_ids: expected a list of workspace ids, found a table"],
        ),
        (
            "workspace_ids = [\"0\"]\nworkspace_id = \"0\"",
            &["accounts[0].workspace_id: cannot be combined with workspace_ids: list every workspace in workspace_ids"],
        ),
        (
            "workspace_id = [\"0\"]",
            &["accounts[0].workspace_id: expected one workspace id; use workspace_ids for a list"],
        ),
    ];
    for (extra, want) in cases {
        let e = errors(&format!("{AKSK}{extra}\n"));
        assert_eq!(
            e,
            want.iter().map(|w| w.to_string()).collect::<Vec<_>>(),
            "{extra}"
        );
    }
    let long = "a".repeat(65);
    let e = errors(&format!("{AKSK}workspace_ids = [\"{long}\"]\n"));
    assert_eq!(
        e,
        vec!["accounts[0].workspace_ids[0]: is 65 characters long; workspace ids are 0 or 32-character UUIDs".to_string()]
    );
}

fn settings_region(extra: &str) -> (String, Config) {
    let s = parse(extra).unwrap_or_else(|e| panic!("{e}"));
    let region = s.accounts[0].region.clone();
    (region, testing::provider_config::<Config>(&s, 0).clone())
}

// Endpoints from the official SDK's region tables (regions.rs names them).
#[test]
fn endpoints_come_from_the_official_region_tables() {
    // ap-southeast-1: ModelArts on myhuaweicloud.cn, IAM on .com.
    let (region, c) = settings_region(&PASSWORD.replace("cn-north-4", "ap-southeast-1"));
    assert_eq!(region, "ap-southeast-1");
    assert_eq!(
        c.endpoint.as_str(),
        "https://modelarts.ap-southeast-1.myhuaweicloud.cn/"
    );
    match &c.auth {
        Auth::Password(p) => assert_eq!(
            p.iam_endpoint.as_str(),
            "https://iam.ap-southeast-1.myhuaweicloud.com/"
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_region_outside_the_table_needs_an_endpoint() {
    let errs = errors(&AKSK.replace("cn-north-4", "cn-noth-4"));
    assert_eq!(errs.len(), 1, "{errs:?}");
    let e = &errs[0];
    assert!(
        e.starts_with("accounts[0].region: \"cn-noth-4\" is not a ModelArts region"),
        "{e}"
    );
    assert!(e.contains("did you mean \"cn-north-4\"?"), "{e}");
    assert!(e.contains("known regions: af-north-1, af-south-1,"), "{e}");
    assert!(e.contains("cn-southwest-3"), "{e}");
    assert!(e.contains("set endpoint"), "{e}");

    // With password auth the same single error: its message asks for both
    // endpoints, so a missing iam_endpoint is not reported again.
    let errs = errors(&PASSWORD.replace("cn-north-4", "cn-noth-4"));
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(errs[0].starts_with("accounts[0].region: "), "{errs:?}");

    // Far from every known region: no suggestion, still the list.
    let errs = errors(&AKSK.replace("cn-north-4", "eu-de"));
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(!errs[0].contains("did you mean"), "{errs:?}");
    assert!(errs[0].contains("known regions: "), "{errs:?}");
}

#[test]
fn a_region_outside_the_table_with_an_endpoint_is_fine() {
    let (region, c) = settings_region(&format!(
        "{}endpoint = \"https://modelarts.eu-de.otc.t-systems.com\"\n",
        AKSK.replace("cn-north-4", "eu-de")
    ));
    assert_eq!(region, "eu-de");
    assert_eq!(
        c.endpoint.as_str(),
        "https://modelarts.eu-de.otc.t-systems.com/"
    );
}

#[test]
fn password_auth_outside_the_iam_table_needs_an_iam_endpoint() {
    // A ModelArts region the SDK's IAM table does not list: IAM's global
    // endpoint.
    let (_, c) = settings_region(&PASSWORD.replace("cn-north-4", "cn-southwest-3"));
    match &c.auth {
        Auth::Password(p) => {
            assert_eq!(p.iam_endpoint.as_str(), "https://iam.myhuaweicloud.com/")
        }
        other => panic!("{other:?}"),
    }
    // An explicit endpoint and a region outside both tables: iam_endpoint
    // is required too.
    let otc = format!(
        "{}endpoint = \"https://modelarts.eu-de.otc.t-systems.com\"\n",
        PASSWORD.replace("cn-north-4", "eu-de")
    );
    let errs = errors(&otc);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(
        errs[0].starts_with(
            "accounts[0].iam_endpoint: is required: region \"eu-de\" is in neither of \
             the official SDK's ModelArts and IAM region tables"
        ),
        "{errs:?}"
    );
    // Given, both are fine.
    let (_, c) = settings_region(&format!(
        "{otc}iam_endpoint = \"https://iam.eu-de.otc.t-systems.com\"\n"
    ));
    match &c.auth {
        Auth::Password(p) => {
            assert_eq!(
                p.iam_endpoint.as_str(),
                "https://iam.eu-de.otc.t-systems.com/"
            )
        }
        other => panic!("{other:?}"),
    }
}

/// The gateway's and ModelArts' auth codes are `auth` whatever status carries
/// them; the body is Huawei's `{error_code, error_msg}`.
#[test]
fn error_answers_read_as_huawei_writes_them() {
    use crate::providers::upstream::Reason;
    use reqwest::StatusCode;
    let errors = &<ModelArts as crate::providers::Platform>::ERRORS;
    let (code, message) = (errors.read)(
        br#"{"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication information"}"#,
    );
    assert_eq!(code.as_deref(), Some("APIGW.0301"));
    assert_eq!(
        message.as_deref(),
        Some("Incorrect IAM authentication information")
    );
    assert_eq!(
        errors.classify(StatusCode::BAD_REQUEST, code.as_deref()),
        Reason::Auth
    );
    assert_eq!(
        errors.classify(StatusCode::INTERNAL_SERVER_ERROR, Some("ModelArts.0103")),
        Reason::Auth
    );
    assert_eq!(
        errors.classify(StatusCode::BAD_REQUEST, Some("ModelArts.0104")),
        Reason::Http4xx
    );
}
