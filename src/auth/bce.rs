//! `bce-auth-v1` request signing and verification (Baidu AI Cloud: AIHC OpenAPI and
//! Qianfan).
//!
//! Baidu's gateways authenticate AK/SK requests with an `Authorization` header of the
//! form `bce-auth-v1/{ak}/{timestamp}/{expiration}/{signedHeaders}/{signature}`:
//!
//! 1. `prefix = "bce-auth-v1/{ak}/{yyyy-mm-ddThh:mm:ssZ}/{expiration}"`;
//! 2. `signingKey = hex(HMAC-SHA256(sk, prefix))` (the *hex text* is the next key);
//! 3. `canonical = METHOD \n URI \n QUERY \n HEADERS` (see the private helpers below);
//! 4. `signature = hex(HMAC-SHA256(signingKey, canonical))`.
//!
//! The exporter needs [`sign`] to poll the real APIs, and the simulator needs
//! [`verify`] so that tests exercise the same failure modes as the cloud
//! (`InvalidAccessKeyId`, `RequestExpired`, `SignatureDoesNotMatch`, `AccessDenied`).
//! Everything here is a pure function of its inputs (the clock is a parameter) so it
//! can be checked byte for byte against the vectors in `tests/fixtures/vectors/`.

use hmac::{Hmac, Mac};

use super::{constant_time_eq, UNRESERVED};
use crate::dates;
use percent_encoding::{utf8_percent_encode, AsciiSet};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Authorization scheme name, the first `/`-separated field.
const AUTH_VERSION: &str = "bce-auth-v1";

/// How far in the future a request timestamp may lie before the server refuses it.
/// Baidu tolerates client clocks that run ahead by up to 15 minutes.
const MAX_CLOCK_AHEAD_SECS: u64 = 15 * 60;

/// Headers signed when no explicit list is given (besides every `x-bce-*` header).
const DEFAULT_SIGNED_HEADERS: [&str; 4] = ["host", "content-length", "content-type", "content-md5"];

/// Prefix of Baidu's own headers, always signed in the default mode.
const BCE_HEADER_PREFIX: &str = "x-bce-";

/// Same as [`UNRESERVED`], but keeps `/` so a path's segments stay visible.
const UNRESERVED_AND_SLASH: &AsciiSet = &UNRESERVED.remove(b'/');

/// Which request headers take part in the signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignedHeaders<'a> {
    /// `host`, `content-length`, `content-type`, `content-md5` and every `x-bce-*`
    /// header. The Authorization header's signed-headers field is then left empty,
    /// which tells the server to apply the same default.
    Default,
    /// Exactly these header names (case-insensitive). They are written lowercase,
    /// sorted and `;`-joined into the Authorization header.
    Explicit(&'a [&'a str]),
}

/// The parts of an HTTP request that bce-auth-v1 covers.
#[derive(Debug, Clone, Copy)]
pub struct BceRequest<'a> {
    /// HTTP method; compared in uppercase.
    pub method: &'a str,
    /// Decoded request path (it is percent-encoded here, keeping `/`).
    pub path: &'a str,
    /// Decoded query parameters, in any order.
    pub query: &'a [(String, String)],
    /// Request headers including `host`; names are case-insensitive.
    pub headers: &'a [(String, String)],
}

/// Why [`verify`] refused a request. `Display` may name the access key id, but never
/// a secret key or a signature.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BceVerifyError {
    /// The Authorization header is missing, not bce-auth-v1, or cannot be parsed.
    #[error("malformed bce-auth-v1 authorization: {reason}")]
    Malformed {
        /// Which part was wrong (static text, never echoes the header).
        reason: &'static str,
    },
    /// No secret is known for this access key id.
    #[error("access key id {access_key_id} does not exist")]
    InvalidAccessKeyId {
        /// The access key id taken from the header.
        access_key_id: String,
    },
    /// `now` is outside `[timestamp - 15 min, timestamp + expiration]`.
    #[error(
        "request signed by {access_key_id} at epoch {timestamp} (valid {expiration_secs} s) \
         has expired or is too far in the future; server time is epoch {now}"
    )]
    RequestExpired {
        /// The access key id taken from the header.
        access_key_id: String,
        /// Signing time from the header, epoch seconds.
        timestamp: u64,
        /// Validity from the header, seconds.
        expiration_secs: u32,
        /// Server time used for the check, epoch seconds.
        now: u64,
    },
    /// The recomputed signature differs from the one sent.
    #[error("signature of request by {access_key_id} does not match")]
    SignatureDoesNotMatch {
        /// The access key id taken from the header.
        access_key_id: String,
    },
}

impl BceVerifyError {
    /// Baidu's error code for this failure, as sent in the `code` field of the error
    /// body.
    pub fn code(&self) -> &'static str {
        match self {
            BceVerifyError::Malformed { .. } => "AccessDenied",
            BceVerifyError::InvalidAccessKeyId { .. } => "InvalidAccessKeyId",
            BceVerifyError::RequestExpired { .. } => "RequestExpired",
            BceVerifyError::SignatureDoesNotMatch { .. } => "SignatureDoesNotMatch",
        }
    }

    /// HTTP status Baidu's public error-code table gives for [`Self::code`].
    pub fn http_status(&self) -> u16 {
        match self {
            BceVerifyError::Malformed { .. } | BceVerifyError::InvalidAccessKeyId { .. } => 403,
            BceVerifyError::RequestExpired { .. }
            | BceVerifyError::SignatureDoesNotMatch { .. } => 400,
        }
    }
}

/// Percent-encodes `s` the way bce-auth-v1 wants: bytes of `A-Za-z0-9-_.~` stay,
/// every other byte of the UTF-8 encoding becomes `%XX` (uppercase hex). With
/// `keep_slash`, `/` also stays (for paths).
pub fn uri_encode(s: &str, keep_slash: bool) -> String {
    let set = if keep_slash {
        UNRESERVED_AND_SLASH
    } else {
        UNRESERVED
    };
    utf8_percent_encode(s, set).to_string()
}

/// Signs `req` and returns the complete `Authorization` header value.
///
/// `timestamp_epoch_secs` is the signing time (UTC); `expiration_secs` how long the
/// signature stays valid (the SDKs use 1800).
pub fn sign(
    access_key_id: &str,
    secret_access_key: &str,
    req: &BceRequest,
    signed: SignedHeaders,
    timestamp_epoch_secs: u64,
    expiration_secs: u32,
) -> String {
    let prefix = format!(
        "{AUTH_VERSION}/{access_key_id}/{}/{expiration_secs}",
        dates::format_utc(timestamp_epoch_secs)
    );
    let signed_list = match signed {
        SignedHeaders::Default => String::new(),
        SignedHeaders::Explicit(names) => {
            let mut names: Vec<String> = names
                .iter()
                .map(|n| n.trim().to_ascii_lowercase())
                .collect();
            names.sort();
            names.dedup();
            names.join(";")
        }
    };
    let signature = signature(secret_access_key, &prefix, req, signed);
    format!("{prefix}/{signed_list}/{signature}")
}

/// Checks an `Authorization` header the way Baidu's gateway does.
///
/// `lookup_secret` maps an access key id to its secret key (`None`: unknown key).
/// The signature is recomputed over exactly the headers the Authorization header
/// names (or the default set when it names none), so headers a client did not sign
/// may be present without harm.
pub fn verify(
    authorization: &str,
    lookup_secret: impl Fn(&str) -> Option<String>,
    req: &BceRequest,
    now_epoch_secs: u64,
) -> Result<(), BceVerifyError> {
    let parsed = parse_authorization(authorization)?;
    let access_key_id = parsed.access_key_id;
    let Some(secret) = lookup_secret(access_key_id) else {
        return Err(BceVerifyError::InvalidAccessKeyId {
            access_key_id: access_key_id.to_owned(),
        });
    };

    let earliest = parsed.timestamp.saturating_sub(MAX_CLOCK_AHEAD_SECS);
    let latest = parsed
        .timestamp
        .saturating_add(u64::from(parsed.expiration_secs));
    if now_epoch_secs < earliest || now_epoch_secs > latest {
        return Err(BceVerifyError::RequestExpired {
            access_key_id: access_key_id.to_owned(),
            timestamp: parsed.timestamp,
            expiration_secs: parsed.expiration_secs,
            now: now_epoch_secs,
        });
    }

    let signed = if parsed.signed_headers.is_empty() {
        SignedHeaders::Default
    } else {
        SignedHeaders::Explicit(&parsed.signed_headers)
    };
    // Recompute over the prefix exactly as received: the timestamp text and the
    // expiration digits are part of what the client signed.
    let expected = signature(&secret, parsed.prefix, req, signed);
    if constant_time_eq(expected.as_bytes(), parsed.signature.as_bytes()) {
        Ok(())
    } else {
        Err(BceVerifyError::SignatureDoesNotMatch {
            access_key_id: access_key_id.to_owned(),
        })
    }
}

/// The fields of a parsed Authorization header, borrowing from it.
struct ParsedAuthorization<'h> {
    /// `bce-auth-v1/{ak}/{ts}/{exp}`, verbatim.
    prefix: &'h str,
    access_key_id: &'h str,
    timestamp: u64,
    expiration_secs: u32,
    /// Empty for the default set.
    signed_headers: Vec<&'h str>,
    signature: &'h str,
}

fn parse_authorization(header: &str) -> Result<ParsedAuthorization<'_>, BceVerifyError> {
    let malformed = |reason| BceVerifyError::Malformed { reason };
    let header = header.trim();
    if header.is_empty() {
        return Err(malformed("missing Authorization header"));
    }
    let fields: Vec<&str> = header.split('/').collect();
    let [version, access_key_id, timestamp, expiration, signed_headers, signature] = fields[..]
    else {
        return Err(malformed("expected 6 '/'-separated fields"));
    };
    if version != AUTH_VERSION {
        return Err(malformed("unsupported authorization version"));
    }
    if access_key_id.is_empty() {
        return Err(malformed("empty access key id"));
    }
    let timestamp = dates::parse_utc(timestamp).ok_or(malformed("bad timestamp"))?;
    // `u32::from_str` accepts a leading '+', which no signer writes: insist on digits.
    if expiration.is_empty() || !expiration.bytes().all(|b| b.is_ascii_digit()) {
        return Err(malformed("bad expiration"));
    }
    let expiration_secs: u32 = expiration
        .parse()
        .map_err(|_| malformed("bad expiration"))?;
    let signed_headers: Vec<&str> = if signed_headers.is_empty() {
        Vec::new()
    } else {
        signed_headers.split(';').collect()
    };
    if signed_headers.iter().any(|h| h.is_empty()) {
        return Err(malformed("empty name in signed headers"));
    }
    if signature.is_empty() {
        return Err(malformed("empty signature"));
    }
    // The prefix is the first four fields; its length is the sum of theirs plus the
    // three separators, so it can be sliced out of the header without reformatting.
    let prefix_len = version.len() + access_key_id.len() + fields[2].len() + fields[3].len() + 3;
    Ok(ParsedAuthorization {
        prefix: &header[..prefix_len],
        access_key_id,
        timestamp,
        expiration_secs,
        signed_headers,
        signature,
    })
}

/// Steps 2-4 of the algorithm: derive the signing key from `prefix`, then sign the
/// canonical request with it.
fn signature(
    secret_access_key: &str,
    prefix: &str,
    req: &BceRequest,
    signed: SignedHeaders,
) -> String {
    let signing_key = signing_key(secret_access_key, prefix);
    hmac_sha256_hex(
        signing_key.as_bytes(),
        canonical_request(req, signed).as_bytes(),
    )
}

/// `hex(HMAC-SHA256(sk, prefix))`; the published vectors give this intermediate.
fn signing_key(secret_access_key: &str, prefix: &str) -> String {
    hmac_sha256_hex(secret_access_key.as_bytes(), prefix.as_bytes())
}

fn canonical_request(req: &BceRequest, signed: SignedHeaders) -> String {
    format!(
        "{}\n{}\n{}\n{}",
        req.method.trim().to_ascii_uppercase(),
        canonical_uri(req.path),
        canonical_query(req.query),
        canonical_headers(req.headers, signed)
    )
}

fn canonical_uri(path: &str) -> String {
    // The SDKs sign "/" for an empty path and always sign an absolute path.
    if path.starts_with('/') {
        uri_encode(path, true)
    } else {
        uri_encode(&format!("/{path}"), true)
    }
}

fn canonical_query(query: &[(String, String)]) -> String {
    let mut pairs: Vec<String> = query
        .iter()
        // A presigned URL carries the signature itself as `authorization`; the SDKs
        // leave it out of what is signed.
        .filter(|(k, _)| !k.eq_ignore_ascii_case("authorization"))
        .map(|(k, v)| format!("{}={}", uri_encode(k, false), uri_encode(v, false)))
        .collect();
    // Sorting the *encoded* pairs (not the raw keys) is what the servers do.
    pairs.sort();
    pairs.join("&")
}

fn canonical_headers(headers: &[(String, String)], signed: SignedHeaders) -> String {
    let mut lines: Vec<String> = headers
        .iter()
        .filter_map(|(name, value)| {
            let name = name.trim().to_ascii_lowercase();
            let value = value.trim();
            // Empty values are never signed: proxies may drop such headers.
            if value.is_empty() || !is_signed(&name, signed) {
                return None;
            }
            Some(format!(
                "{}:{}",
                uri_encode(&name, false),
                uri_encode(value, false)
            ))
        })
        .collect();
    lines.sort();
    lines.join("\n")
}

fn is_signed(lowercase_name: &str, signed: SignedHeaders) -> bool {
    match signed {
        SignedHeaders::Default => {
            DEFAULT_SIGNED_HEADERS.contains(&lowercase_name)
                || lowercase_name.starts_with(BCE_HEADER_PREFIX)
        }
        SignedHeaders::Explicit(names) => names
            .iter()
            .any(|n| n.trim().eq_ignore_ascii_case(lowercase_name)),
    }
}

fn hmac_sha256_hex(key: &[u8], data: &[u8]) -> String {
    // HMAC is defined for keys of any length, so this constructor cannot fail.
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC-SHA256 accepts keys of any length");
    mac.update(data);
    hex::encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    /// Every bce-auth-v1 vector of both files, tagged with its file.
    fn bce_vectors() -> Vec<(&'static str, Value)> {
        crate::auth::vectors::of_scheme("bce-auth-v1")
    }

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

    #[test]
    fn reproduces_every_bce_vector() {
        let mut checked = 0;
        for (file, v) in bce_vectors() {
            let case = s(&v, "case");
            let query = pairs(&v["query"]);
            let mut headers = pairs(&v["headers"]);
            // Official-SDK vectors carry the host beside the headers.
            if let Some(host) = v["host"].as_str() {
                headers.push(("host".to_owned(), host.to_owned()));
            }
            let req = BceRequest {
                method: s(&v, "method"),
                path: s(&v, "path"),
                query: &query,
                headers: &headers,
            };
            let list = signed_list(&v);
            let names: Vec<&str> = list.iter().flatten().map(String::as_str).collect();
            let signed = if list.is_some() {
                SignedHeaders::Explicit(&names)
            } else {
                SignedHeaders::Default
            };
            let ts = v["timestamp_epoch"].as_u64().expect("timestamp_epoch");
            let exp = u32::try_from(
                v["expiration_seconds"]
                    .as_u64()
                    .expect("expiration_seconds"),
            )
            .expect("u32");
            let (ak, sk) = (s(&v, "access_key_id"), s(&v, "secret_access_key"));

            let got = sign(ak, sk, &req, signed, ts, exp);
            assert_eq!(got, s(&v, "authorization"), "{file}: {case}");

            if let Some(key) = v["signing_key"].as_str() {
                let prefix = format!("bce-auth-v1/{ak}/{}/{exp}", dates::format_utc(ts));
                assert_eq!(signing_key(sk, &prefix), key, "{file}: {case} signing key");
            }
            // The verifier must accept what the reference signer produced.
            let lookup = |id: &str| (id == ak).then(|| sk.to_owned());
            assert_eq!(
                verify(s(&v, "authorization"), lookup, &req, ts),
                Ok(()),
                "{file}: {case} verify"
            );
            checked += 1;
        }
        assert!(checked > 0, "no bce-auth-v1 vector was checked");
    }

    #[test]
    fn uri_encode_edges() {
        assert_eq!(uri_encode("a b/c~d-e_f.g", false), "a%20b%2Fc~d-e_f.g");
        assert_eq!(uri_encode("a b/c", true), "a%20b/c");
        assert_eq!(uri_encode("*+=&%", false), "%2A%2B%3D%26%25");
        assert_eq!(uri_encode("中", false), "%E4%B8%AD");
        assert_eq!(uri_encode("", false), "");
    }

    #[test]
    fn timestamps_round_trip() {
        for (epoch, text) in [
            (0, "1970-01-01T00:00:00Z"),
            (951_782_400, "2000-02-29T00:00:00Z"),
            (1_709_208_000, "2024-02-29T12:00:00Z"),
            (1_430_123_029, "2015-04-27T08:23:49Z"),
            (1_758_987_472, "2025-09-27T15:37:52Z"),
            (4_102_444_799, "2099-12-31T23:59:59Z"),
        ] {
            assert_eq!(dates::format_utc(epoch), text);
            assert_eq!(dates::parse_utc(text), Some(epoch), "{text}");
        }
        for bad in [
            "",
            "2025-02-29T00:00:00Z",
            "2025-04-31T00:00:00Z",
            "2025-13-01T00:00:00Z",
            "2025-09-27T24:00:00Z",
            "2025-09-27 15:37:52Z",
            "2025-09-27T15:37:52",
            "1969-12-31T23:59:59Z",
            "２025-09-27T15:37:5Z",
        ] {
            assert_eq!(dates::parse_utc(bad), None, "{bad}");
        }
    }

    const AK: &str = "AKIDTEST";
    const SK: &str = "SKTESTSECRETVALUE";
    const NOW: u64 = 1_758_987_472;

    fn lookup(id: &str) -> Option<String> {
        (id == AK).then(|| SK.to_owned())
    }

    type Pairs = Vec<(String, String)>;

    /// `GET /` with these query parameters and headers.
    fn get_root<'a>(query: &'a Pairs, headers: &'a Pairs) -> BceRequest<'a> {
        BceRequest {
            method: "GET",
            path: "/",
            query,
            headers,
        }
    }

    /// (query, headers) of a typical request.
    fn sample() -> (Pairs, Pairs) {
        let query = vec![
            ("action".to_owned(), "DescribeQueues".to_owned()),
            ("resourcePoolId".to_owned(), "cce-abc 123".to_owned()),
            ("empty".to_owned(), String::new()),
        ];
        let headers = vec![
            ("Host".to_owned(), "aihc.bj.baidubce.com".to_owned()),
            ("Content-Type".to_owned(), "application/json".to_owned()),
            ("version".to_owned(), "v2".to_owned()),
            ("X-Bce-Date".to_owned(), "2025-09-27T15:37:52Z".to_owned()),
        ];
        (query, headers)
    }

    #[test]
    fn sign_verify_round_trip_both_modes() {
        let (query, headers) = sample();
        let req = get_root(&query, &headers);
        for signed in [
            SignedHeaders::Default,
            SignedHeaders::Explicit(&["Host", "version"]),
        ] {
            let auth = sign(AK, SK, &req, signed, NOW, 1800);
            assert_eq!(verify(&auth, lookup, &req, NOW), Ok(()), "{auth}");
            // Window edges are inclusive.
            assert_eq!(verify(&auth, lookup, &req, NOW - 900), Ok(()));
            assert_eq!(verify(&auth, lookup, &req, NOW + 1800), Ok(()));
        }
        let explicit = sign(
            AK,
            SK,
            &req,
            SignedHeaders::Explicit(&["version", "Host", "host"]),
            NOW,
            1800,
        );
        assert!(explicit.contains("/1800/host;version/"), "{explicit}");
        let default = sign(AK, SK, &req, SignedHeaders::Default, NOW, 1800);
        assert!(default.contains("/1800//"), "{default}");
    }

    #[test]
    fn unsigned_headers_may_change_but_signed_ones_may_not() {
        let (query, headers) = sample();
        let req = get_root(&query, &headers);
        let auth = sign(AK, SK, &req, SignedHeaders::Explicit(&["host"]), NOW, 1800);
        let mut changed = headers.clone();
        changed.push(("User-Agent".to_owned(), "proxy-added".to_owned()));
        changed[2].1 = "v3".to_owned(); // `version`, not signed here
        let req2 = BceRequest {
            headers: &changed,
            ..req
        };
        assert_eq!(verify(&auth, lookup, &req2, NOW), Ok(()));
        changed[0].1 = "evil.example.com".to_owned();
        let req3 = BceRequest {
            headers: &changed,
            ..req
        };
        let err = verify(&auth, lookup, &req3, NOW).expect_err("host is signed");
        assert_eq!(err.code(), "SignatureDoesNotMatch");
    }

    #[test]
    fn tampered_query_is_rejected() {
        let (query, headers) = sample();
        let req = get_root(&query, &headers);
        let auth = sign(AK, SK, &req, SignedHeaders::Default, NOW, 1800);
        let mut tampered = query.clone();
        tampered[1].1 = "cce-other".to_owned();
        let req2 = BceRequest {
            query: &tampered,
            ..req
        };
        let err = verify(&auth, lookup, &req2, NOW).expect_err("tampered");
        assert_eq!(
            err,
            BceVerifyError::SignatureDoesNotMatch {
                access_key_id: AK.to_owned()
            }
        );
        assert_eq!(
            (err.code(), err.http_status()),
            ("SignatureDoesNotMatch", 400)
        );
        // Neither the secret nor any signature may leak through Display.
        let shown = err.to_string();
        assert!(!shown.contains(SK) && !shown.contains(auth.rsplit('/').next().unwrap_or("-")));

        let wrong_method = BceRequest {
            method: "POST",
            ..req
        };
        assert!(verify(&auth, lookup, &wrong_method, NOW).is_err());
        let wrong_path = BceRequest { path: "/x", ..req };
        assert!(verify(&auth, lookup, &wrong_path, NOW).is_err());
    }

    #[test]
    fn old_or_future_timestamps_are_expired() {
        let (query, headers) = sample();
        let req = get_root(&query, &headers);
        let auth = sign(AK, SK, &req, SignedHeaders::Default, NOW, 1800);
        for now in [NOW + 1801, NOW + 86_400, NOW - 901] {
            let err = verify(&auth, lookup, &req, now).expect_err("expired");
            assert_eq!(err.code(), "RequestExpired", "now={now}");
            assert_eq!(err.http_status(), 400);
        }
    }

    #[test]
    fn unknown_access_key_is_rejected() {
        let (query, headers) = sample();
        let req = get_root(&query, &headers);
        let auth = sign("AKIDOTHER", SK, &req, SignedHeaders::Default, NOW, 1800);
        let err = verify(&auth, lookup, &req, NOW).expect_err("unknown");
        assert_eq!(
            err,
            BceVerifyError::InvalidAccessKeyId {
                access_key_id: "AKIDOTHER".to_owned()
            }
        );
        assert_eq!((err.code(), err.http_status()), ("InvalidAccessKeyId", 403));
    }

    #[test]
    fn malformed_headers_are_access_denied() {
        let (query, headers) = sample();
        let req = get_root(&query, &headers);
        let good = sign(AK, SK, &req, SignedHeaders::Default, NOW, 1800);
        let sig = good.rsplit('/').next().unwrap_or_default();
        let cases = [
            String::new(),
            "   ".to_owned(),
            "Bearer abc".to_owned(),
            good.replace("bce-auth-v1", "bce-auth-v2"),
            format!("bce-auth-v1/{AK}/2025-09-27T15:37:52Z/1800/{sig}"),
            format!("bce-auth-v1/{AK}/2025-09-27T15:37:52Z/1800//{sig}/extra"),
            format!("bce-auth-v1//2025-09-27T15:37:52Z/1800//{sig}"),
            format!("bce-auth-v1/{AK}/2025-02-30T15:37:52Z/1800//{sig}"),
            format!("bce-auth-v1/{AK}/1758987472/1800//{sig}"),
            format!("bce-auth-v1/{AK}/2025-09-27T15:37:52Z/+1800//{sig}"),
            format!("bce-auth-v1/{AK}/2025-09-27T15:37:52Z/99999999999//{sig}"),
            format!("bce-auth-v1/{AK}/2025-09-27T15:37:52Z/1800/host;;date/{sig}"),
            format!("bce-auth-v1/{AK}/2025-09-27T15:37:52Z/1800//"),
            "bce-auth-v1/✓/✓/✓/✓/✓".to_owned(),
        ];
        for auth in cases {
            let err = verify(&auth, lookup, &req, NOW).expect_err(&auth);
            assert!(
                matches!(err, BceVerifyError::Malformed { .. }),
                "{auth}: {err:?}"
            );
            assert_eq!((err.code(), err.http_status()), ("AccessDenied", 403));
        }
        // A signature of the wrong length is a mismatch, not a parse error.
        let short = format!("{}abc", &good[..good.len() - sig.len()]);
        assert_eq!(
            verify(&short, lookup, &req, NOW).map_err(|e| e.code()),
            Err("SignatureDoesNotMatch")
        );
    }

    #[test]
    fn empty_header_values_and_authorization_query_are_not_signed() {
        let query = vec![("a".to_owned(), "1".to_owned())];
        let with_auth = vec![
            ("a".to_owned(), "1".to_owned()),
            ("authorization".to_owned(), "x".to_owned()),
        ];
        let headers = vec![("host".to_owned(), "h".to_owned())];
        let with_empty = vec![
            ("host".to_owned(), "h".to_owned()),
            ("x-bce-empty".to_owned(), "  ".to_owned()),
        ];
        let base = BceRequest {
            method: "get",
            path: "",
            query: &query,
            headers: &headers,
        };
        let a = canonical_request(&base, SignedHeaders::Default);
        assert_eq!(a, "GET\n/\na=1\nhost:h");
        let b = canonical_request(
            &BceRequest {
                query: &with_auth,
                headers: &with_empty,
                ..base
            },
            SignedHeaders::Default,
        );
        assert_eq!(a, b);
    }
}
