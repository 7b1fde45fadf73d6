//! Huawei Cloud API Gateway `SDK-HMAC-SHA256` signing and verification (ModelArts
//! AK/SK authentication).
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
//! The exporter uses [`sign`] to poll ModelArts; the simulator uses [`verify`] to
//! refuse requests the way the gateway does (`APIGW.0301`, HTTP 401). Both are pure:
//! the date and the clock are parameters, so the vectors in `tests/fixtures/vectors/` can be
//! reproduced byte for byte.

use std::collections::BTreeMap;

use hmac::{Hmac, Mac};

use super::{constant_time_eq, UNRESERVED};
pub use crate::dates::{format_sdk_date, parse_sdk_date};
use percent_encoding::{percent_decode_str, utf8_percent_encode};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// Algorithm name, first word of the Authorization header and of the string to sign.
const ALGORITHM: &str = "SDK-HMAC-SHA256";

/// The gateway refuses an `X-Sdk-Date` more than 15 minutes away from its clock.
const MAX_SKEW_SECS: u64 = 15 * 60;

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

/// Why [`verify`] refused a request. `Display` may name the access key, but never a
/// secret key or a signature.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HwVerifyError {
    /// The Authorization header or `X-Sdk-Date` is missing or unparseable.
    #[error("malformed SDK-HMAC-SHA256 authorization: {reason}")]
    Malformed {
        /// Which part was wrong (static text, never echoes the header).
        reason: &'static str,
    },
    /// No secret is known for this access key.
    #[error("access key {access_key} does not exist")]
    InvalidAccessKey {
        /// The access key taken from the header.
        access_key: String,
    },
    /// `X-Sdk-Date` is more than 15 minutes away from the server's clock.
    #[error("X-Sdk-Date of request by {access_key} is epoch {date}, more than 15 minutes from server time {now}")]
    RequestExpired {
        /// The access key taken from the header.
        access_key: String,
        /// The parsed `X-Sdk-Date`, epoch seconds.
        date: u64,
        /// Server time used for the check, epoch seconds.
        now: u64,
    },
    /// The recomputed signature differs from the one sent (or a header listed in
    /// `SignedHeaders` was not received).
    #[error("signature of request by {access_key} does not match")]
    SignatureDoesNotMatch {
        /// The access key taken from the header.
        access_key: String,
    },
}

impl HwVerifyError {
    /// The gateway's `error_code`: every AK/SK failure is reported as `APIGW.0301`
    /// ("Incorrect IAM authentication information").
    pub fn code(&self) -> &'static str {
        "APIGW.0301"
    }

    /// HTTP status the gateway answers with for these failures.
    pub fn http_status(&self) -> u16 {
        401
    }
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
    let canonical = canonical_request(req, &lines, &signed_headers, &headers);
    let signature = signature(sk, x_sdk_date, &canonical);
    format!("{ALGORITHM} Access={ak}, SignedHeaders={signed_headers}, Signature={signature}")
}

/// Checks an `Authorization` header the way the API gateway does. `req.headers` are
/// the headers the server received; the canonical request is rebuilt from exactly
/// the names in `SignedHeaders`, so extra unsigned headers are harmless.
pub fn verify(
    authorization: &str,
    lookup_secret: impl Fn(&str) -> Option<String>,
    req: &HwRequest,
    x_sdk_date: &str,
    now_epoch_secs: u64,
) -> Result<(), HwVerifyError> {
    let parsed = parse_authorization(authorization)?;
    let access_key = parsed.access;
    let date = parse_sdk_date(x_sdk_date.trim()).ok_or(HwVerifyError::Malformed {
        reason: "bad or missing X-Sdk-Date",
    })?;
    let Some(secret) = lookup_secret(access_key) else {
        return Err(HwVerifyError::InvalidAccessKey {
            access_key: access_key.to_owned(),
        });
    };
    if date.abs_diff(now_epoch_secs) > MAX_SKEW_SECS {
        return Err(HwVerifyError::RequestExpired {
            access_key: access_key.to_owned(),
            date,
            now: now_epoch_secs,
        });
    }

    let mismatch = || HwVerifyError::SignatureDoesNotMatch {
        access_key: access_key.to_owned(),
    };
    let headers = header_map(req, x_sdk_date);
    let mut lines = Vec::with_capacity(parsed.signed_headers.len());
    for name in parsed.signed_headers.split(';') {
        // A listed header that did not arrive cannot be reproduced.
        let value = headers
            .get(&name.to_ascii_lowercase())
            .ok_or_else(mismatch)?;
        lines.push((name, value.as_str()));
    }
    let canonical = canonical_request(req, &lines, parsed.signed_headers, &headers);
    let expected = signature(&secret, x_sdk_date, &canonical);
    if constant_time_eq(expected.as_bytes(), parsed.signature.as_bytes()) {
        Ok(())
    } else {
        Err(mismatch())
    }
}

/// The fields of a parsed Authorization header, borrowing from it.
struct ParsedAuthorization<'h> {
    access: &'h str,
    signed_headers: &'h str,
    signature: &'h str,
}

fn parse_authorization(header: &str) -> Result<ParsedAuthorization<'_>, HwVerifyError> {
    let malformed = |reason| HwVerifyError::Malformed { reason };
    let header = header.trim();
    if header.is_empty() {
        return Err(malformed("missing Authorization header"));
    }
    let rest = header
        .strip_prefix(ALGORITHM)
        .filter(|r| r.starts_with(' '))
        .ok_or(malformed("unsupported algorithm"))?;
    let (mut access, mut signed_headers, mut signature) = (None, None, None);
    for part in rest.split(',') {
        let (key, value) = part
            .trim()
            .split_once('=')
            .ok_or(malformed("expected key=value"))?;
        let slot = match key {
            "Access" => &mut access,
            "SignedHeaders" => &mut signed_headers,
            "Signature" => &mut signature,
            _ => return Err(malformed("unknown field")),
        };
        if slot.replace(value).is_some() {
            return Err(malformed("repeated field"));
        }
    }
    let (Some(access), Some(signed_headers), Some(signature)) = (access, signed_headers, signature)
    else {
        return Err(malformed(
            "Access, SignedHeaders and Signature are all required",
        ));
    };
    if access.is_empty() {
        return Err(malformed("empty Access"));
    }
    if signed_headers.is_empty() || signed_headers.split(';').any(str::is_empty) {
        return Err(malformed("empty name in SignedHeaders"));
    }
    if signature.is_empty() {
        return Err(malformed("empty Signature"));
    }
    Ok(ParsedAuthorization {
        access,
        signed_headers,
        signature,
    })
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
    pairs
        .iter()
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
    use serde_json::Value;

    /// Every SDK-HMAC-SHA256 vector of both files, tagged with its file.
    fn hw_vectors() -> Vec<(&'static str, Value)> {
        crate::auth::vectors::of_scheme("SDK-HMAC-SHA256")
    }

    fn s<'v>(v: &'v Value, key: &str) -> &'v str {
        v[key]
            .as_str()
            .unwrap_or_else(|| panic!("{}: missing string {key}", v["case"]))
    }

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
        for (file, v) in hw_vectors() {
            let case = s(&v, "case");
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
            let req = HwRequest {
                method: s(&v, "method"),
                host: s(&v, "host"),
                path: s(&v, "path"),
                query: &query,
                headers: &headers,
                body: s(&v, "body").as_bytes(),
            };
            let date = s(&v, "x_sdk_date");
            let (ak, sk) = (s(&v, "ak"), s(&v, "sk"));
            assert_eq!(
                sign(ak, sk, &req, date),
                s(&v, "authorization"),
                "{file}: {case}"
            );

            if let Some(hashed) = v["hashed_canonical_request"].as_str() {
                let canonical = full_canonical(&req, date);
                assert_eq!(
                    hashed_canonical_request(&canonical),
                    hashed,
                    "{file}: {case} hashed canonical"
                );
            }
            // The verifier must accept what the reference signer produced.
            let now = parse_sdk_date(date).expect("vector date");
            let lookup = |id: &str| (id == ak).then(|| sk.to_owned());
            assert_eq!(
                verify(s(&v, "authorization"), lookup, &req, date, now),
                Ok(()),
                "{file}: {case} verify"
            );
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

    const AK: &str = "HWAKTEST";
    const SK: &str = "HWSKTESTSECRET";
    const DATE: &str = "20250927T153752Z";
    const NOW: u64 = 1_758_987_472;

    fn lookup(id: &str) -> Option<String> {
        (id == AK).then(|| SK.to_owned())
    }

    type Pairs = Vec<(String, String)>;

    /// (query, headers) of a typical request.
    fn sample() -> (Pairs, Pairs) {
        let query = vec![
            ("limit".to_owned(), "50".to_owned()),
            ("continue".to_owned(), "eyJvZmZzZXQiOjUwfQ==".to_owned()),
        ];
        let headers = vec![
            ("Content-Type".to_owned(), "application/json".to_owned()),
            ("X-Project-Id".to_owned(), "0123456789abcdef".to_owned()),
        ];
        (query, headers)
    }

    fn req<'a>(
        query: &'a [(String, String)],
        headers: &'a [(String, String)],
        body: &'a [u8],
    ) -> HwRequest<'a> {
        HwRequest {
            method: "POST",
            host: "modelarts.cn-north-4.myhuaweicloud.com",
            path: "/v2/0123456789abcdef/pools",
            query,
            headers,
            body,
        }
    }

    #[test]
    fn sign_verify_round_trip_with_received_headers() {
        let (query, headers) = sample();
        let sent = req(&query, &headers, b"{\"a\":1}");
        let auth = sign(AK, SK, &sent, DATE);
        assert!(auth.starts_with("SDK-HMAC-SHA256 Access=HWAKTEST, SignedHeaders=content-type;host;x-project-id;x-sdk-date, Signature="));

        // What the server sees: other casing, Host/X-Sdk-Date/Authorization repeated
        // as headers, and headers added on the way that were never signed.
        let mut received: Vec<(String, String)> = headers
            .iter()
            .map(|(k, v)| (k.to_ascii_uppercase(), v.clone()))
            .collect();
        received.push(("Host".to_owned(), "ignored.example.com".to_owned()));
        received.push(("X-Sdk-Date".to_owned(), DATE.to_owned()));
        received.push(("Authorization".to_owned(), auth.clone()));
        received.push(("User-Agent".to_owned(), "proxy".to_owned()));
        received.push(("X_Forwarded".to_owned(), "1".to_owned()));
        let got = req(&query, &received, b"{\"a\":1}");
        for now in [NOW, NOW - 900, NOW + 900] {
            assert_eq!(verify(&auth, lookup, &got, DATE, now), Ok(()), "now={now}");
        }
    }

    #[test]
    fn underscore_headers_are_not_signed() {
        let (query, mut headers) = sample();
        headers.push(("X_Custom".to_owned(), "a".to_owned()));
        let auth = sign(AK, SK, &req(&query, &headers, b""), DATE);
        assert!(!auth.to_ascii_lowercase().contains("x_custom"), "{auth}");
        let last = headers.len() - 1;
        headers[last].1 = "b".to_owned();
        assert_eq!(
            verify(&auth, lookup, &req(&query, &headers, b""), DATE, NOW),
            Ok(())
        );
    }

    #[test]
    fn tampering_is_rejected() {
        let (query, headers) = sample();
        let body = b"{\"a\":1}";
        let auth = sign(AK, SK, &req(&query, &headers, body), DATE);
        let mismatch = Err(HwVerifyError::SignatureDoesNotMatch {
            access_key: AK.to_owned(),
        });

        let mut q2 = query.clone();
        q2[0].1 = "500".to_owned();
        assert_eq!(
            verify(&auth, lookup, &req(&q2, &headers, body), DATE, NOW),
            mismatch
        );

        let mut h2 = headers.clone();
        h2[1].1 = "another-project".to_owned();
        assert_eq!(
            verify(&auth, lookup, &req(&query, &h2, body), DATE, NOW),
            mismatch
        );

        // A signed header that did not arrive.
        assert_eq!(
            verify(&auth, lookup, &req(&query, &headers[..1], body), DATE, NOW),
            mismatch
        );

        assert_eq!(
            verify(
                &auth,
                lookup,
                &req(&query, &headers, b"{\"a\":2}"),
                DATE,
                NOW
            ),
            mismatch
        );

        let other_host = HwRequest {
            host: "evil.example.com",
            ..req(&query, &headers, body)
        };
        assert_eq!(verify(&auth, lookup, &other_host, DATE, NOW), mismatch);

        // Same instant, different date text is still a different string to sign.
        assert_eq!(
            verify(
                &auth,
                lookup,
                &req(&query, &headers, body),
                "20250927T153753Z",
                NOW
            ),
            mismatch
        );

        let err = HwVerifyError::SignatureDoesNotMatch {
            access_key: AK.to_owned(),
        };
        assert_eq!((err.code(), err.http_status()), ("APIGW.0301", 401));
        let shown = err.to_string();
        let sig = auth.rsplit('=').next().unwrap_or("-");
        assert!(!shown.contains(SK) && !shown.contains(sig), "{shown}");
    }

    #[test]
    fn clock_skew_is_rejected() {
        let (query, headers) = sample();
        let r = req(&query, &headers, b"");
        let auth = sign(AK, SK, &r, DATE);
        for now in [NOW + 901, NOW - 901, NOW + 86_400, 0] {
            let err = verify(&auth, lookup, &r, DATE, now).expect_err("skewed");
            assert_eq!(
                err,
                HwVerifyError::RequestExpired {
                    access_key: AK.to_owned(),
                    date: NOW,
                    now
                }
            );
        }
    }

    #[test]
    fn unknown_access_key_is_rejected() {
        let (query, headers) = sample();
        let r = req(&query, &headers, b"");
        let auth = sign("HWAKOTHER", SK, &r, DATE);
        assert_eq!(
            verify(&auth, lookup, &r, DATE, NOW),
            Err(HwVerifyError::InvalidAccessKey {
                access_key: "HWAKOTHER".to_owned()
            })
        );
    }

    #[test]
    fn malformed_input_is_rejected() {
        let (query, headers) = sample();
        let r = req(&query, &headers, b"");
        let good = sign(AK, SK, &r, DATE);
        let sig = good.rsplit('=').next().unwrap_or_default().to_owned();
        let cases = [
            String::new(),
            "SDK-HMAC-SHA256".to_owned(),
            "SDK-HMAC-SHA256X Access=a, SignedHeaders=host, Signature=b".to_owned(),
            good.replace("SDK-HMAC-SHA256", "SDK-HMAC-SM3"),
            format!("SDK-HMAC-SHA256 Access={AK}, SignedHeaders=host"),
            format!(
                "SDK-HMAC-SHA256 Access={AK}, Access={AK}, SignedHeaders=host, Signature={sig}"
            ),
            format!("SDK-HMAC-SHA256 Access={AK}, SignedHeaders=host;;x-sdk-date, Signature={sig}"),
            format!("SDK-HMAC-SHA256 Access={AK}, SignedHeaders=, Signature={sig}"),
            format!("SDK-HMAC-SHA256 Access=, SignedHeaders=host, Signature={sig}"),
            format!("SDK-HMAC-SHA256 Access={AK}, SignedHeaders=host, Signature="),
            format!("SDK-HMAC-SHA256 Access={AK}, SignedHeaders=host, Signature={sig}, Extra=1"),
            format!("SDK-HMAC-SHA256 Access={AK} SignedHeaders=host Signature={sig}"),
            "SDK-HMAC-SHA256 ✓=✓, ✓".to_owned(),
        ];
        for auth in &cases {
            let err = verify(auth, lookup, &r, DATE, NOW).expect_err(auth);
            assert!(
                matches!(err, HwVerifyError::Malformed { .. }),
                "{auth}: {err:?}"
            );
        }
        for date in ["", "2025-09-27T15:37:52Z", "20250230T000000Z"] {
            let err = verify(&good, lookup, &r, date, NOW).expect_err(date);
            assert!(
                matches!(err, HwVerifyError::Malformed { .. }),
                "{date}: {err:?}"
            );
        }
    }
}
