//! Sugon AC / SCNet authentication: the AK/SK login signature and the JWT tokens
//! the platform hands out (their expiry, and how such a token is encoded).
//!
//! SCNet's `POST /api/user/v3/tokens` takes headers `user`, `accessKey`,
//! `timestamp` (epoch seconds) and `signature`, where the signature is
//! `hex(HMAC-SHA256(sk, {"accessKey":"…","timestamp":"…","user":"…"}))` over that
//! exact compact JSON text. The tokens it returns are JWTs whose payload carries
//! `expireTime` in epoch milliseconds (as a string in real tokens); the exporter
//! reads it to renew tokens before they lapse instead of waiting for error 10008.
//!
//! [`encode_jwt`] lets the simulator mint look-alike tokens.

use base64::alphabet::URL_SAFE;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, URL_SAFE_NO_PAD};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Base64url decoder that accepts the segment with or without `=` padding: JWTs
/// are unpadded by spec, but some issuers pad anyway.
const URL_SAFE_ANY_PAD: GeneralPurpose = GeneralPurpose::new(
    &URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Returns the `signature` header for an SCNet AK/SK login:
/// `hex(HMAC-SHA256(secret_key, {"accessKey":…,"timestamp":…,"user":…}))`.
pub fn login_signature(access_key: &str, secret_key: &str, user: &str, timestamp: &str) -> String {
    let message = login_string_to_sign(access_key, user, timestamp);
    hmac_sha256(secret_key.as_bytes(), message.as_bytes()).map_or_else(String::new, hex::encode)
}

/// The message the login signature covers: compact JSON with the keys in exactly
/// this (alphabetical) order, values escaped as JSON strings.
fn login_string_to_sign(access_key: &str, user: &str, timestamp: &str) -> String {
    // `Value::String`'s Display writes a quoted, escaped JSON string and cannot
    // fail, unlike building the text by hand.
    format!(
        "{{\"accessKey\":{},\"timestamp\":{},\"user\":{}}}",
        Value::from(access_key),
        Value::from(timestamp),
        Value::from(user)
    )
}

/// Reads `expireTime` (epoch milliseconds) from a JWT's payload without checking
/// its signature. Real tokens carry it as a string (`"1686123346568"`); a JSON
/// number is accepted too. `None` for anything that is not such a token.
pub fn jwt_expire_time_ms(token: &str) -> Option<u64> {
    let mut parts = token.trim().split('.');
    let (_header, payload) = (parts.next()?, parts.next()?);
    let bytes = URL_SAFE_ANY_PAD.decode(payload).ok()?;
    let claims: Value = serde_json::from_slice(&bytes).ok()?;
    match claims.get("expireTime")? {
        Value::String(text) => text.trim().parse().ok(),
        Value::Number(n) => n.as_u64().or_else(|| {
            // Tolerate `1.686123346568e12`-style numbers if they are whole and
            // in range; anything else is not a timestamp.
            n.as_f64()
                .filter(|f| f.is_finite() && *f >= 0.0 && f.fract() == 0.0 && *f < u64::MAX as f64)
                .map(|f| f as u64)
        }),
        _ => None,
    }
}

/// Encodes `payload` as an HS256 JWT signed with `key`: header
/// `{"alg":"HS256","typ":"JWT"}`, the payload, and the signature, each base64url
/// without padding.
pub fn encode_jwt(payload: &Value, key: &[u8]) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let body = URL_SAFE_NO_PAD.encode(payload.to_string());
    let signing_input = format!("{header}.{body}");
    let signature = hmac_sha256(key, signing_input.as_bytes())
        .map_or_else(String::new, |mac| URL_SAFE_NO_PAD.encode(mac));
    format!("{signing_input}.{signature}")
}

/// HMAC-SHA256; `None` only if the key were rejected, which HMAC never does.
fn hmac_sha256(key: &[u8], data: &[u8]) -> Option<Vec<u8>> {
    let mut mac = HmacSha256::new_from_slice(key).ok()?;
    mac.update(data);
    Some(mac.finalize().into_bytes().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The exporter's Sugon seed, two folders up in this repository (the exporter's
    /// map tests read it too, so it stays with the other seeds).
    const SEED: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/seeds/003_d0e4d640251e6587.txt"
    );

    /// The token in the seed's cURL example (Sugon's public API documentation).
    const SEED_TOKEN: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJjb21wdXRlVXNlciI6InNsdXJtdGVzdCIsImFjY291bnRTdGF0dXMiOiJUcmlhbCIsImNyZWF0b3IiOiJhYyIsInJvbGUiOiIxIiwiZXhwaXJlVGltZSI6IjE2ODYxMjMzNDY1NjgiLCJjbHVzdGVySWQiOiIxMTExMiIsImludm9rZXIiOiI2MDQ4Y2U3YmExNWMyYWYyZThjZWMxMjk5MWVjMTNjZiIsInVzZXIiOiJzbHVybXRlc3QiLCJ1c2VySWQiOiIxMTY1NTA0ODU0MSJ9.iQUBzN32jiCeeFuJ9lFS_XjBpxenEEupQRiyA3Ef334";

    #[test]
    fn reproduces_every_scnet_login_vector() {
        let mut checked = 0;
        for (file, v) in crate::vectors::of_scheme("scnet-token-signature") {
            let field = |k: &str| {
                v[k].as_str()
                    .unwrap_or_else(|| panic!("{}: missing {k}", v["case"]))
            };
            let (ak, sk, user, ts) = (
                field("access_key"),
                field("secret_key"),
                field("user"),
                field("timestamp"),
            );
            assert_eq!(
                login_string_to_sign(ak, user, ts),
                field("string_to_sign"),
                "{file}: {}",
                v["case"]
            );
            assert_eq!(
                login_signature(ak, sk, user, ts),
                field("signature"),
                "{file}: {}",
                v["case"]
            );
            checked += 1;
        }
        assert!(checked > 0, "no scnet-token-signature vector was checked");
    }

    #[test]
    fn string_to_sign_escapes_values() {
        assert_eq!(
            login_string_to_sign("a\"k", "us\\er\n", "1"),
            r#"{"accessKey":"a\"k","timestamp":"1","user":"us\\er\n"}"#
        );
        assert_eq!(
            login_string_to_sign("ak", "张三", "1"),
            "{\"accessKey\":\"ak\",\"timestamp\":\"1\",\"user\":\"张三\"}"
        );
    }

    #[test]
    fn seed_token_expire_time() {
        assert_eq!(jwt_expire_time_ms(SEED_TOKEN), Some(1_686_123_346_568));
        // The constant above is the one in the seed, not a transcription error.
        let seed = std::fs::read_to_string(SEED).unwrap_or_else(|e| panic!("read {SEED}: {e}"));
        assert!(seed.contains(SEED_TOKEN));
        // Every token in the seed decodes (the Java example carries a second one).
        let tokens: Vec<&str> = seed
            .split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
            .filter(|w| w.starts_with("eyJ") && w.matches('.').count() == 2)
            .collect();
        assert!(tokens.len() >= 2, "{tokens:?}");
        for t in tokens {
            assert!(jwt_expire_time_ms(t).is_some(), "{t}");
        }
    }

    #[test]
    fn expire_time_shapes_and_padding() {
        fn padded(payload: &str) -> String {
            format!(
                "e30.{}.sig",
                base64::engine::general_purpose::URL_SAFE.encode(payload)
            )
        }
        fn unpadded(payload: &str) -> String {
            format!("e30.{}.sig", URL_SAFE_NO_PAD.encode(payload))
        }
        for make in [padded as fn(&str) -> String, unpadded] {
            assert_eq!(
                jwt_expire_time_ms(&make(r#"{"expireTime":"1686123346568"}"#)),
                Some(1_686_123_346_568)
            );
            assert_eq!(
                jwt_expire_time_ms(&make(r#"{"expireTime":1686123346568}"#)),
                Some(1_686_123_346_568)
            );
            assert_eq!(
                jwt_expire_time_ms(&make(r#"{"expireTime":1.686123346568e12}"#)),
                Some(1_686_123_346_568)
            );
            assert_eq!(
                jwt_expire_time_ms(&make(r#"{"expireTime":" 42 "}"#)),
                Some(42)
            );
        }
        // A padded segment needing two '=' (payload length 1 mod 3).
        assert_eq!(
            jwt_expire_time_ms(&padded(r#"{"expireTime":"7"}"#)),
            Some(7)
        );
    }

    #[test]
    fn garbage_never_panics() {
        let long = "a.".repeat(10_000);
        let cases = [
            "",
            ".",
            "..",
            "abc",
            "a.b.c",
            "e30",
            "e30.e30.x",
            "e30.!!!.x",
            "e30.e30=.x",
            "e30.W10.x",
            "e30.bnVsbA.x",
            "e30.eyJleHBpcmVUaW1lIjpudWxsfQ.x",
            "e30.eyJleHBpcmVUaW1lIjoiIn0.x",
            "e30.eyJleHBpcmVUaW1lIjoiLTEifQ.x",
            "e30.eyJleHBpcmVUaW1lIjotMX0.x",
            "e30.eyJleHBpcmVUaW1lIjoxLjV9.x",
            "e30.eyJleHBpcmVUaW1lIjoxZTMwMH0.x",
            "e30.eyJleHBpcmVUaW1lIjoiOTk5OTk5OTk5OTk5OTk5OTk5OTk5OSJ9.x",
            "e30./w==.x",
            "✓.✓.✓",
            &long,
        ];
        for token in cases {
            assert_eq!(jwt_expire_time_ms(token), None, "{token}");
        }
    }
}
