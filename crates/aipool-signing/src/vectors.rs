//! The signing test vectors in this crate's `vectors/` folder, produced by the
//! providers' official SDKs, read into the requests they sign: for this crate's
//! signer tests and, through the `test-vectors` feature, the simulator's verifier
//! tests (one reader, so both check the very same requests).
//!
//! Test support only: a missing or malformed vector panics, so that it fails the
//! test that reads it instead of being skipped.

use serde_json::Value;

use crate::bce::{BceRequest, SignedHeaders};
use crate::huawei::HwRequest;

const FILES: [&str; 2] = [
    concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/vectors/signing-official-sdk.json"
    ),
    concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/vectors/signing-published.json"
    ),
];

/// Every vector of `scheme` in both files, tagged with its file.
pub fn of_scheme(scheme: &str) -> Vec<(&'static str, Value)> {
    let mut out = Vec::new();
    for file in FILES {
        let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("read {file}: {e}"));
        let all: Vec<Value> =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("parse {file}: {e}"));
        out.extend(
            all.into_iter()
                .filter(|v| v["scheme"] == scheme)
                .map(|v| (file, v)),
        );
    }
    out
}

/// The string field `key` of vector `v`.
fn s<'v>(v: &'v Value, key: &str) -> &'v str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("{}: missing string {key}", v["case"]))
}

fn pairs(v: &Value) -> Vec<(String, String)> {
    v.as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().expect("string value").to_owned()))
                .collect()
        })
        .unwrap_or_default()
}

/// A bce-auth-v1 vector: the request, the keys and time it was signed with, and
/// the Authorization header the SDK produced.
#[derive(Debug)]
pub struct BceVector {
    pub file: &'static str,
    pub case: String,
    method: String,
    path: String,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    /// `None`: the default signed set.
    signed: Option<Vec<String>>,
    pub timestamp: u64,
    pub expiration_secs: u32,
    pub access_key_id: String,
    pub secret_access_key: String,
    pub authorization: String,
    /// The intermediate signing key, where the vector gives it.
    pub signing_key: Option<String>,
}

impl BceVector {
    pub fn request(&self) -> BceRequest<'_> {
        BceRequest {
            method: &self.method,
            path: &self.path,
            query: &self.query,
            headers: &self.headers,
        }
    }

    /// The explicit signed-header names, for [`SignedHeaders::Explicit`] (`None`:
    /// [`SignedHeaders::Default`]); see [`Self::signed_headers`].
    pub fn signed_names(&self) -> Option<Vec<&str>> {
        self.signed
            .as_ref()
            .map(|l| l.iter().map(String::as_str).collect())
    }

    /// Which headers the vector signs, over `names` from [`Self::signed_names`].
    pub fn signed_headers<'a>(names: &'a Option<Vec<&'a str>>) -> SignedHeaders<'a> {
        match names {
            Some(names) => SignedHeaders::Explicit(names),
            None => SignedHeaders::Default,
        }
    }
}

/// The signed-header list a vector asks for: an explicit `signed_headers` array
/// (published vectors), or `signed_headers_mode` (official-SDK vectors), else the
/// default set.
fn signed_list(v: &Value) -> Option<Vec<String>> {
    if let Some(list) = v["signed_headers"].as_array() {
        return Some(
            list.iter()
                .map(|h| h.as_str().expect("header name").to_owned())
                .collect(),
        );
    }
    match v["signed_headers_mode"].as_str() {
        None => None,
        Some("host-only") => Some(vec!["host".to_owned()]),
        Some(mode) if mode.starts_with("default") => None,
        Some(mode) => panic!("{}: unknown signed_headers_mode {mode}", v["case"]),
    }
}

/// Every bce-auth-v1 vector of both files.
pub fn bce() -> Vec<BceVector> {
    of_scheme("bce-auth-v1")
        .into_iter()
        .map(|(file, v)| {
            let mut headers = pairs(&v["headers"]);
            // Official-SDK vectors carry the host beside the headers.
            if let Some(host) = v["host"].as_str() {
                headers.push(("host".to_owned(), host.to_owned()));
            }
            BceVector {
                file,
                case: s(&v, "case").to_owned(),
                method: s(&v, "method").to_owned(),
                path: s(&v, "path").to_owned(),
                query: pairs(&v["query"]),
                headers,
                signed: signed_list(&v),
                timestamp: v["timestamp_epoch"].as_u64().expect("timestamp_epoch"),
                expiration_secs: u32::try_from(
                    v["expiration_seconds"]
                        .as_u64()
                        .expect("expiration_seconds"),
                )
                .expect("u32"),
                access_key_id: s(&v, "access_key_id").to_owned(),
                secret_access_key: s(&v, "secret_access_key").to_owned(),
                authorization: s(&v, "authorization").to_owned(),
                signing_key: v["signing_key"].as_str().map(str::to_owned),
            }
        })
        .collect()
}

/// An SDK-HMAC-SHA256 vector: the request, keys and `X-Sdk-Date` it was signed
/// with, and the Authorization header the SDK produced.
#[derive(Debug)]
pub struct HwVector {
    pub file: &'static str,
    pub case: String,
    method: String,
    host: String,
    path: String,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    body: String,
    pub x_sdk_date: String,
    pub ak: String,
    pub sk: String,
    pub authorization: String,
    /// The intermediate `hex(sha256(canonical request))`, where the vector gives it.
    pub hashed_canonical_request: Option<String>,
}

impl HwVector {
    pub fn request(&self) -> HwRequest<'_> {
        HwRequest {
            method: &self.method,
            host: &self.host,
            path: &self.path,
            query: &self.query,
            headers: &self.headers,
            body: self.body.as_bytes(),
        }
    }
}

/// Every SDK-HMAC-SHA256 vector of both files.
pub fn huawei() -> Vec<HwVector> {
    of_scheme("SDK-HMAC-SHA256")
        .into_iter()
        .map(|(file, v)| {
            // Query is a list of [key, value] pairs (keys may repeat).
            let query: Vec<(String, String)> = v["query"]
                .as_array()
                .expect("query array")
                .iter()
                .map(|p| {
                    (
                        p[0].as_str().expect("query key").to_owned(),
                        p[1].as_str().expect("query value").to_owned(),
                    )
                })
                .collect();
            let headers: Vec<(String, String)> = v["headers"]
                .as_object()
                .expect("headers object")
                .iter()
                .map(|(k, val)| (k.clone(), val.as_str().expect("header value").to_owned()))
                .collect();
            HwVector {
                file,
                case: s(&v, "case").to_owned(),
                method: s(&v, "method").to_owned(),
                host: s(&v, "host").to_owned(),
                path: s(&v, "path").to_owned(),
                query,
                headers,
                body: s(&v, "body").to_owned(),
                x_sdk_date: s(&v, "x_sdk_date").to_owned(),
                ak: s(&v, "ak").to_owned(),
                sk: s(&v, "sk").to_owned(),
                authorization: s(&v, "authorization").to_owned(),
                hashed_canonical_request: v["hashed_canonical_request"].as_str().map(str::to_owned),
            }
        })
        .collect()
}
