//! Huawei Cloud API Gateway `SDK-HMAC-SHA256` signing (ModelArts AK/SK
//! authentication).
//!
//! The algorithm follows the official `huaweicloudsdkcore` signer:
//!
//! ```text
//! canonical = METHOD \n URI/ \n QUERY \n name:value\n... \n signed;names \n hex(sha256(body))
//! sts       = "SDK-HMAC-SHA256" \n X-Sdk-Date \n hex(sha256(canonical))
//! signature = hex(HMAC-SHA256(sk, sts))
//! Authorization: SDK-HMAC-SHA256 Access={ak}, SignedHeaders={a;b}, Signature={sig}
//! ```
//!
//! The exporter uses [`sign`] to poll ModelArts; the simulator's verifier uses
//! [`signature_over`] (the signature over the headers a request says it signed) to
//! refuse requests the way the gateway does. Both are pure: the date is a
//! parameter, so the vectors in `vectors/` can be reproduced byte for byte.

use std::collections::BTreeMap;

use hmac::{Hmac, Mac};

pub use crate::dates::{format_sdk_date, parse_sdk_date};
use crate::UNRESERVED;
use percent_encoding::{percent_decode_str, utf8_percent_encode};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// Algorithm name, first word of the Authorization header and of the string to sign.
pub const ALGORITHM: &str = "SDK-HMAC-SHA256";

/// The SDK sends this hash instead of the body's when it streams a non-JSON body;
/// when present (and the body non-empty) its value stands for the payload hash.
const CONTENT_SHA256_HEADER: &str = "x-sdk-content-sha256";

/// `hex(sha256(""))`, the payload hash of every bodiless request.
const EMPTY_BODY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// The parts of an HTTP request that SDK-HMAC-SHA256 covers.
#[derive(Debug, Clone, Copy)]
pub struct HwRequest<'a> {
    /// HTTP method; compared in uppercase.
    pub method: &'a str,
    /// Host as sent in the `Host` header (always signed).
    pub host: &'a str,
    /// Request path; percent-escapes in it are decoded before segment encoding.
    pub path: &'a str,
    /// Decoded query parameters, in any order.
    pub query: &'a [(String, String)],
    /// Other request headers (names case-insensitive). `Host`, `X-Sdk-Date` and
    /// `Authorization` entries here are ignored: the first two come from
    /// [`HwRequest::host`] and the date argument, the last cannot sign itself.
    pub headers: &'a [(String, String)],
    /// Raw request body.
    pub body: &'a [u8],
}

/// Signs `req` and returns the `Authorization` header value. `x_sdk_date` must be
/// the `X-Sdk-Date` header sent with the request (see [`format_sdk_date`]).
///
/// Signed headers are every header of `req.headers` plus `host` and `x-sdk-date`,
/// lowercase and sorted, except names containing `_` (gateways in front of the API
/// may drop those, which would break the signature).
pub fn sign(ak: &str, sk: &str, req: &HwRequest, x_sdk_date: &str) -> String {
    let headers = header_map(req, x_sdk_date);
    // The map is keyed by lowercase name, so iterating it yields the sorted order
    // the gateway expects.
    let lines: Vec<(&str, &str)> = headers
        .iter()
        .filter(|(name, _)| !name.contains('_'))
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    let signed_headers = lines
        .iter()
        .map(|(name, _)| *name)
        .collect::<Vec<_>>()
        .join(";");
    let signature = signature_of_lines(sk, req, x_sdk_date, &lines, &signed_headers, &headers);
    format!("{ALGORITHM} Access={ak}, SignedHeaders={signed_headers}, Signature={signature}")
}

/// The signature of `req` over exactly the headers `signed_headers` names (`;`-joined,
/// as an Authorization header lists them), taken from the headers received, so that
/// extra unsigned headers are harmless. `None` when a listed header is not in
/// `req` (a signature over it cannot be reproduced).
pub fn signature_over(
    sk: &str,
    req: &HwRequest,
    x_sdk_date: &str,
    signed_headers: &str,
) -> Option<String> {
    let headers = header_map(req, x_sdk_date);
    let mut lines = Vec::new();
    for name in signed_headers.split(';') {
        let value = headers.get(&name.to_ascii_lowercase())?;
        lines.push((name, value.as_str()));
    }
    Some(signature_of_lines(
        sk,
        req,
        x_sdk_date,
        &lines,
        signed_headers,
        &headers,
    ))
}

/// The signature over the canonical request with these signed header `lines`.
fn signature_of_lines(
    sk: &str,
    req: &HwRequest,
    x_sdk_date: &str,
    lines: &[(&str, &str)],
    signed_headers: &str,
    headers: &BTreeMap<String, String>,
) -> String {
    let canonical = canonical_request(req, lines, signed_headers, headers);
    signature(sk, x_sdk_date, &canonical)
}

/// Lowercase name -> trimmed value. `host` and `x-sdk-date` come from the request
/// fields, overriding same-named entries; a repeated name keeps its last value, as
/// the SDK's dict does.
fn header_map(req: &HwRequest, x_sdk_date: &str) -> BTreeMap<String, String> {
    let mut map: BTreeMap<String, String> = req
        .headers
        .iter()
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .filter(|(k, _)| !matches!(k.as_str(), "host" | "x-sdk-date" | "authorization"))
        .collect();
    map.insert("host".to_owned(), req.host.trim().to_owned());
    map.insert("x-sdk-date".to_owned(), x_sdk_date.trim().to_owned());
    map
}

/// Builds the canonical request. `lines` are the signed headers in signing order
/// (name as listed, value), `signed_headers` their `;`-joined list, and `headers`
/// the full map (for `X-Sdk-Content-Sha256`).
fn canonical_request(
    req: &HwRequest,
    lines: &[(&str, &str)],
    signed_headers: &str,
    headers: &BTreeMap<String, String>,
) -> String {
    // Each header line ends in "\n", so with the separator below an empty line
    // precedes the signed-headers list.
    let header_block: String = lines.iter().map(|(n, v)| format!("{n}:{v}\n")).collect();
    format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        req.method.trim().to_ascii_uppercase(),
        canonical_uri(req.path),
        canonical_query(req.query),
        header_block,
        signed_headers,
        payload_hash(req.body, headers)
    )
}

fn canonical_uri(path: &str) -> String {
    // The SDK decodes the path first, then encodes each segment on its own, so an
    // escaped `/` inside a segment is treated like a separator.
    let decoded = percent_decode_str(path).decode_utf8_lossy();
    let mut uri = decoded
        .split('/')
        .map(|segment| utf8_percent_encode(segment, UNRESERVED).to_string())
        .collect::<Vec<_>>()
        .join("/");
    // The canonical URI always ends with '/', even for "/v2/x/pools".
    if !uri.ends_with('/') {
        uri.push('/');
    }
    uri
}

fn canonical_query(query: &[(String, String)]) -> String {
    // Sort by raw key, then raw value (the SDK sorts (key, value) tuples), and only
    // then encode.
    let mut pairs: Vec<&(String, String)> = query.iter().collect();
    pairs.sort();
    encode_query(pairs)
}

/// `k=v&k=v` in the given order, each key and value percent-encoded as the
/// signature encodes them, so a URL built with it carries exactly the bytes the
/// canonical request signed.
pub fn encode_query<'a>(pairs: impl IntoIterator<Item = &'a (String, String)>) -> String {
    pairs
        .into_iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                utf8_percent_encode(k, UNRESERVED),
                utf8_percent_encode(v, UNRESERVED)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn payload_hash(body: &[u8], headers: &BTreeMap<String, String>) -> String {
    if body.is_empty() {
        return EMPTY_BODY_SHA256.to_owned();
    }
    match headers.get(CONTENT_SHA256_HEADER) {
        Some(declared) if !declared.is_empty() => declared.clone(),
        _ => hex::encode(Sha256::digest(body)),
    }
}

/// `hex(sha256(canonical))`, the last line of the string to sign; the published
/// vector gives this intermediate.
fn hashed_canonical_request(canonical: &str) -> String {
    hex::encode(Sha256::digest(canonical.as_bytes()))
}

fn signature(sk: &str, x_sdk_date: &str, canonical: &str) -> String {
    let string_to_sign = format!(
        "{ALGORITHM}\n{}\n{}",
        x_sdk_date.trim(),
        hashed_canonical_request(canonical)
    );
    // HMAC is defined for keys of any length, so this constructor cannot fail.
    let mut mac =
        HmacSha256::new_from_slice(sk.as_bytes()).expect("HMAC-SHA256 accepts keys of any length");
    mac.update(string_to_sign.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vectors;

    /// Full canonical request when every header in `req` is signed (what [`sign`]
    /// builds), for asserting intermediates.
    fn full_canonical(req: &HwRequest, date: &str) -> String {
        let map = header_map(req, date);
        let lines: Vec<(&str, &str)> = map
            .iter()
            .filter(|(k, _)| !k.contains('_'))
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let names = lines.iter().map(|(k, _)| *k).collect::<Vec<_>>().join(";");
        canonical_request(req, &lines, &names, &map)
    }

    #[test]
    fn reproduces_every_huawei_vector() {
        let mut checked = 0;
        for v in vectors::huawei() {
            let (file, case) = (v.file, &v.case);
            let req = v.request();
            let date = v.x_sdk_date.as_str();
            assert_eq!(
                sign(&v.ak, &v.sk, &req, date),
                v.authorization,
                "{file}: {case}"
            );

            if let Some(hashed) = &v.hashed_canonical_request {
                let canonical = full_canonical(&req, date);
                assert_eq!(
                    &hashed_canonical_request(&canonical),
                    hashed,
                    "{file}: {case} hashed canonical"
                );
            }
            checked += 1;
        }
        assert!(checked > 0, "no SDK-HMAC-SHA256 vector was checked");
    }

    #[test]
    fn canonical_request_shape() {
        let query = vec![
            ("b".to_owned(), "x y".to_owned()),
            ("a".to_owned(), "2".to_owned()),
            ("a".to_owned(), "1".to_owned()),
            ("c".to_owned(), String::new()),
        ];
        let headers = vec![
            ("Content-Type".to_owned(), " application/json ".to_owned()),
            ("X_Custom".to_owned(), "unsigned".to_owned()),
        ];
        let req = HwRequest {
            method: "get",
            host: "h.example.com",
            path: "/v1/a%20b/c d",
            query: &query,
            headers: &headers,
            body: b"",
        };
        assert_eq!(
            full_canonical(&req, "20250927T153752Z"),
            "GET\n/v1/a%20b/c%20d/\na=1&a=2&b=x%20y&c=\n\
             content-type:application/json\nhost:h.example.com\nx-sdk-date:20250927T153752Z\n\n\
             content-type;host;x-sdk-date\n\
             e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(canonical_uri(""), "/");
        assert_eq!(canonical_uri("/"), "/");
        assert_eq!(canonical_uri("/a/"), "/a/");
        assert_eq!(canonical_uri("/%E4%B8%AD~*"), "/%E4%B8%AD~%2A/");
        assert_eq!(canonical_uri("/%zz"), "/%25zz/");
    }

    #[test]
    fn payload_hash_rules() {
        let mut map = BTreeMap::new();
        assert_eq!(payload_hash(b"", &map), EMPTY_BODY_SHA256);
        assert_eq!(
            payload_hash(b"abc", &map),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        map.insert(
            CONTENT_SHA256_HEADER.to_owned(),
            "UNSIGNED-PAYLOAD".to_owned(),
        );
        assert_eq!(payload_hash(b"abc", &map), "UNSIGNED-PAYLOAD");
        assert_eq!(payload_hash(b"", &map), EMPTY_BODY_SHA256);
    }

    #[test]
    fn sdk_dates_round_trip() {
        for (epoch, text) in [
            (0, "19700101T000000Z"),
            (1_573_789_015, "20191115T033655Z"),
            (1_709_251_199, "20240229T235959Z"),
            (1_758_987_472, "20250927T153752Z"),
        ] {
            assert_eq!(format_sdk_date(epoch), text);
            assert_eq!(parse_sdk_date(text), Some(epoch), "{text}");
        }
        for bad in [
            "",
            "20250229T000000Z",
            "20250931T000000Z",
            "20250001T000000Z",
            "20250927T240000Z",
            "20250927T156000Z",
            "20250927T153760Z",
            "20250927 153752Z",
            "20250927T153752",
            "2025-09-27T15:37:52Z",
            "19691231T235959Z",
            "２0250927T15375Z",
            "+0250927T153752Z",
        ] {
            assert_eq!(parse_sdk_date(bad), None, "{bad}");
        }
    }
}
