//! The simulator's ModelArts tests that drive it with the exporter's own request
//! code (the IAM request and expiry parser), so that what the simulator accepts is what the exporter
//! sends. They live on the exporter's side because the simulator crate does not
//! depend on the exporter.

use super::{iam, PasswordAuth};
use crate::config::Secret;
use aipool_sim::modelarts::ModelArts;
use aipool_sim::{credentials, now_secs, Options, Platform, SimRequest, SimResponse};
use serde_json::Value;

const PID: &str = credentials::MODELARTS_PROJECT_ID;

fn sim(cap: u64) -> ModelArts {
    ModelArts::new(Options::fixed(cap))
}

fn body(r: &SimResponse) -> Value {
    serde_json::from_slice(&r.body).unwrap()
}

/// A token request as the exporter sends it (its IAM request body).
fn token_for(s: &ModelArts, user: &str, password: &str) -> SimResponse {
    let auth = PasswordAuth {
        iam_endpoint: "http://sim:1".parse().unwrap(),
        username: user.into(),
        password: Secret::new(password),
        domain: credentials::HUAWEI_IAM_DOMAIN.into(),
        project_name: Some(credentials::MODELARTS_PROJECT_NAME.into()),
    };
    let b = iam::request_body(&auth, PID);
    s.handle(
        &SimRequest::new(
            "POST",
            "/v3/auth/tokens",
            &[],
            &[],
            b.to_string().as_bytes(),
        )
        .unwrap(),
    )
    .unwrap()
}

fn with_token(path: &str, query: &[(&str, &str)], token: &str) -> SimRequest {
    SimRequest::new("GET", path, query, &[("x-auth-token", token)], b"").unwrap()
}

#[test]
fn iam_issues_tokens_that_modelarts_accepts() {
    let s = sim(10);
    let r = token_for(
        &s,
        credentials::HUAWEI_IAM_USER,
        credentials::HUAWEI_IAM_PASSWORD,
    );
    assert_eq!(r.status, 201);
    let token = r
        .headers
        .iter()
        .find(|(k, _)| k == "x-subject-token")
        .map(|(_, v)| v.clone())
        .unwrap();
    let expires = body(&r)["token"]["expires_at"]
        .as_str()
        .unwrap()
        .to_string();
    let left = iam::parse_expires_at(&expires).unwrap() - now_secs();
    assert!((86_390..=86_400).contains(&left), "{expires}");
    let path = format!("/v2/{PID}/pools");
    assert_eq!(
        s.handle(&with_token(&path, &[], &token)).unwrap().status,
        200
    );
    assert_eq!(
        s.handle(&with_token(&path, &[], &token)).unwrap().status,
        200
    );
    assert_eq!(
        s.handle(&with_token(&path, &[], "MIIforged"))
            .unwrap()
            .status,
        401
    );
    // Another project's URL is out of the token's scope.
    assert_eq!(
        s.handle(&with_token("/v2/other/pools", &[], &token))
            .unwrap()
            .status,
        401
    );
}
