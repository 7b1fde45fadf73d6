//! The simulator's check of Huawei Cloud's `SDK-HMAC-SHA256` (ModelArts AK/SK):
//! parses an `Authorization` header and verifies it the way the API gateway does
//! (`APIGW.0301`, HTTP 401). The signature itself is recomputed by
//! [`aipool_signing::huawei`], the code the exporter signs with.

use aipool_signing::huawei::{self, parse_sdk_date, HwRequest, ALGORITHM};

use super::constant_time_eq;

/// The gateway refuses an `X-Sdk-Date` more than 15 minutes away from its clock.
const MAX_SKEW_SECS: u64 = 15 * 60;

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
    // A listed header that did not arrive cannot be reproduced: a mismatch.
    let expected = huawei::signature_over(&secret, req, x_sdk_date, parsed.signed_headers)
        .ok_or_else(mismatch)?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use aipool_signing::huawei::sign;
    use aipool_signing::vectors;

    #[test]
    fn accepts_every_huawei_vector() {
        let mut checked = 0;
        for v in vectors::huawei() {
            let (file, case) = (v.file, &v.case);
            let date = v.x_sdk_date.as_str();
            let (ak, sk) = (v.ak.as_str(), v.sk.as_str());
            // The verifier must accept what the reference signer produced.
            let now = parse_sdk_date(date).expect("vector date");
            let lookup = |id: &str| (id == ak).then(|| sk.to_owned());
            assert_eq!(
                verify(&v.authorization, lookup, &v.request(), date, now),
                Ok(()),
                "{file}: {case} verify"
            );
            checked += 1;
        }
        assert!(checked > 0, "no SDK-HMAC-SHA256 vector was checked");
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
