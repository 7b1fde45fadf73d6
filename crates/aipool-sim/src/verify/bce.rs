//! The simulator's check of `bce-auth-v1` (AIHC OpenAPI, Qianfan): parses an
//! `Authorization` header and verifies it the way Baidu's gateway does, so that
//! tests exercise the same failure modes as the cloud (`InvalidAccessKeyId`,
//! `RequestExpired`, `SignatureDoesNotMatch`, `AccessDenied`). The signature itself
//! is recomputed by [`aipool_signing::bce`], the code the exporter signs with.

use aipool_signing::bce::{self, BceRequest, SignedHeaders, AUTH_VERSION};
use aipool_signing::dates;

use super::constant_time_eq;

/// How far in the future a request timestamp may lie before the server refuses it.
/// Baidu tolerates client clocks that run ahead by up to 15 minutes.
const MAX_CLOCK_AHEAD_SECS: u64 = 15 * 60;

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
    let expected = bce::signature(&secret, parsed.prefix, req, signed);
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

#[cfg(test)]
mod tests {
    use super::*;
    use aipool_signing::bce::sign;
    use aipool_signing::vectors;

    #[test]
    fn accepts_every_bce_vector() {
        let mut checked = 0;
        for v in vectors::bce() {
            let (file, case) = (v.file, &v.case);
            let (ak, sk) = (v.access_key_id.as_str(), v.secret_access_key.as_str());
            // The verifier must accept what the reference signer produced.
            let lookup = |id: &str| (id == ak).then(|| sk.to_owned());
            assert_eq!(
                verify(&v.authorization, lookup, &v.request(), v.timestamp),
                Ok(()),
                "{file}: {case} verify"
            );
            checked += 1;
        }
        assert!(checked > 0, "no bce-auth-v1 vector was checked");
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
}
