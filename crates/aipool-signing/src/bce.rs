//! `bce-auth-v1` request signing (Baidu AI Cloud: AIHC OpenAPI and Qianfan).
//!
//! Baidu's gateways authenticate AK/SK requests with an `Authorization` header of the
//! form `bce-auth-v1/{ak}/{timestamp}/{expiration}/{signedHeaders}/{signature}`:
//!
//! 1. `prefix = "bce-auth-v1/{ak}/{yyyy-mm-ddThh:mm:ssZ}/{expiration}"`;
//! 2. `signingKey = hex(HMAC-SHA256(sk, prefix))` (the *hex text* is the next key);
//! 3. `canonical = METHOD \n URI \n QUERY \n HEADERS` (see the private helpers below);
//! 4. `signature = hex(HMAC-SHA256(signingKey, canonical))`.
//!
//! The exporter needs [`sign`] to poll the real APIs; the simulator's verifier
//! recomputes [`signature`] over the prefix it received, so that tests exercise the
//! same failure modes as the cloud. Everything here is a pure function of its
//! inputs (the clock is a parameter) so it can be checked byte for byte against the
//! vectors in `vectors/`.

use hmac::{Hmac, Mac};

use crate::{dates, UNRESERVED};
use percent_encoding::{utf8_percent_encode, AsciiSet};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Authorization scheme name, the first `/`-separated field.
pub const AUTH_VERSION: &str = "bce-auth-v1";

/// The error codes with which Baidu's gateways refuse the credentials or the
/// signature; the exporter takes them for `auth` whatever HTTP status carries
/// them.
pub const AUTH_ERROR_CODES: &[&str] = &[
    "AccessDenied",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    REQUEST_EXPIRED,
    "InvalidSessionToken",
];

/// The refusal of a signature whose timestamp the gateway finds too old
/// (clock skew): a request signed anew may pass.
pub const REQUEST_EXPIRED: &str = "RequestExpired";

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

/// Steps 2-4 of the algorithm: derive the signing key from `prefix`, then sign the
/// canonical request with it. A verifier passes the prefix exactly as received: the
/// timestamp text and the expiration digits are part of what the client signed.
pub fn signature(
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
    use crate::vectors::{self, BceVector};

    #[test]
    fn reproduces_every_bce_vector() {
        let mut checked = 0;
        for v in vectors::bce() {
            let (file, case) = (v.file, &v.case);
            let names = v.signed_names();
            let signed = BceVector::signed_headers(&names);
            let (ts, exp) = (v.timestamp, v.expiration_secs);
            let (ak, sk) = (v.access_key_id.as_str(), v.secret_access_key.as_str());

            let got = sign(ak, sk, &v.request(), signed, ts, exp);
            assert_eq!(got, v.authorization, "{file}: {case}");

            if let Some(key) = &v.signing_key {
                let prefix = format!("bce-auth-v1/{ak}/{}/{exp}", dates::format_utc(ts));
                assert_eq!(&signing_key(sk, &prefix), key, "{file}: {case} signing key");
            }
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
