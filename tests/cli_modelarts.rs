//! `check-config` on ModelArts regions: a region outside the official SDK's
//! table (`huaweicloudsdkmodelarts` `v1/region/modelarts_region.py`) needs an
//! explicit `endpoint`, and is reported at config time, not at run time as a
//! DNS error.

mod common;

use std::process::{Command, Output};

use common::*;

fn check(config: &str) -> (Output, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ma.toml");
    std::fs::write(&path, config).unwrap();
    let out = Command::new(BIN)
        .arg("check-config")
        .arg(&path)
        .env("HW_SK", "TOP-SECRET-VALUE")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out, text)
}

fn account(region: &str, extra: &str) -> String {
    format!(
        r#"
[[accounts]]
name = "hw"
provider = "modelarts"
region = "{region}"
project_id = "0b5f7c1e3a2d4c6e8f9a1b2c3d4e5f60"
access_key_id = "AK"
secret_access_key_env = "HW_SK"
{extra}
"#
    )
}

#[test]
fn a_misspelt_region_without_endpoint_is_an_error_naming_the_known_regions() {
    let (out, text) = check(&account("cn-noth-4", ""));
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("accounts[0].region: \"cn-noth-4\" is not a ModelArts region"),
        "{text}"
    );
    assert!(text.contains("did you mean \"cn-north-4\"?"), "{text}");
    // Every region of the SDK's table, sorted; ap-southeast-1 among them.
    assert!(
        text.contains(
            "known regions: af-north-1, af-south-1, ap-southeast-1, ap-southeast-2, \
             ap-southeast-3, ap-southeast-4, cn-east-3, cn-east-4, cn-north-1, cn-north-11, \
             cn-north-12, cn-north-2, cn-north-4, cn-north-9, cn-south-1, cn-southwest-2, \
             cn-southwest-3, la-north-2, la-south-2, me-east-1, sa-brazil-1, tr-west-1."
        ),
        "{text}"
    );
    assert!(!text.contains("TOP-SECRET-VALUE"), "{text}");
    assert!(!text.contains("OK ("), "{text}");
}

#[test]
fn a_region_outside_the_table_with_an_explicit_endpoint_is_ok() {
    let (out, text) = check(&account(
        "eu-de",
        "endpoint = \"https://modelarts.eu-de.otc.t-systems.com\"",
    ));
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("OK (1 account)"), "{text}");
}

#[test]
fn a_region_of_the_table_needs_no_endpoint() {
    let (out, text) = check(&account("ap-southeast-1", ""));
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("OK (1 account)"), "{text}");
}
