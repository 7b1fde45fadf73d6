//! Dates as the platforms answer them, on the `time` crate: RFC 3339 date-times
//! into Unix seconds, and the clock. The fixed UTC forms the request signers write
//! (bce-auth-v1 and `x-bce-date`, Huawei's `X-Sdk-Date`) are in
//! [`aipool_signing::dates`], shared with the simulator.
//!
//! Users: Qianfan's `startTime` / `expiredTime` and ModelArts' IAM `expires_at`,
//! and the signers' callers (the clock). Baidu's APIs also answer in China time
//! (`+08:00`): reading such a value as UTC would shift every expiry by eight hours,
//! so offsets are honoured.

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// A value that is not an RFC 3339 date-time. Shows at most the start of the value:
/// upstream garbage can be long.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{0:?} is not an RFC 3339 date-time (e.g. 2024-05-01T10:00:00Z or 2024-05-01T18:00:00+08:00)"
)]
pub struct TimeError(String);

/// Parses an RFC 3339 `date-time` into Unix seconds (fraction kept):
/// `yyyy-mm-ddThh:mm:ss[.frac](Z|±hh:mm)`. `T`/`Z` may be lowercase and, as RFC 3339
/// §5.6 allows, a space may separate date and time. A leap second (`:60`) counts as
/// the first second of the next minute.
pub fn parse_rfc3339(s: &str) -> Result<f64, TimeError> {
    let err = || TimeError(s.chars().take(64).collect());
    // RFC 3339 §5.6 allows a space for `T`; the parser wants the `T`. Only the
    // separator position is touched, so "…10:00:00 +08:00" stays an error.
    let normalised;
    let text =
        if s.len() > 10 && s.is_char_boundary(10) && s.is_char_boundary(11) && &s[10..11] == " " {
            normalised = format!("{}T{}", &s[..10], &s[11..]);
            normalised.as_str()
        } else {
            s
        };
    let t = OffsetDateTime::parse(text, &Rfc3339).map_err(|_| err())?;
    // `time` reads a leap second as 23:59:59.999999999; the nanosecond short of
    // the next minute vanishes in the f64 sum below, as it should.
    Ok(t.unix_timestamp() as f64 + f64::from(t.nanosecond()) / 1e9)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aipool_signing::dates::{format_utc, parse_utc};

    #[test]
    fn utc_forms_agree_with_humantime() {
        for s in [
            "2024-05-01T10:00:00Z",
            "2024-04-01T10:00:00Z",
            "2024-02-29T23:59:59Z",
            "1970-01-01T00:00:00Z",
            "2099-12-31T23:59:59Z",
        ] {
            let want = humantime::parse_rfc3339_weak(s)
                .expect("humantime reads UTC forms")
                .duration_since(std::time::UNIX_EPOCH)
                .expect("after the epoch")
                .as_secs() as f64;
            assert_eq!(parse_rfc3339(s), Ok(want), "{s}");
        }
        // The seed's expiry, by hand: 19844 days + 10 h.
        assert_eq!(parse_rfc3339("2024-05-01T10:00:00Z"), Ok(1_714_557_600.0));
    }

    #[test]
    fn offsets_are_subtracted() {
        // One instant, five spellings.
        for s in [
            "2024-05-01T18:00:00+08:00",
            "2024-05-01T10:00:00+00:00",
            "2024-05-01T04:30:00-05:30",
            "2024-05-01t10:00:00z",
            "2024-05-01 10:00:00Z",
        ] {
            assert_eq!(parse_rfc3339(s), Ok(1_714_557_600.0), "{s}");
        }
        // An offset can move the date across midnight and a year boundary.
        assert_eq!(
            parse_rfc3339("2025-01-01T07:59:59+08:00"),
            parse_rfc3339("2024-12-31T23:59:59Z")
        );
        assert_eq!(
            parse_rfc3339("2024-12-31T20:00:00-05:00"),
            parse_rfc3339("2025-01-01T01:00:00Z")
        );
    }

    #[test]
    fn fractions_and_leap_seconds() {
        assert_eq!(parse_rfc3339("2024-05-01T10:00:00.5Z"), Ok(1_714_557_600.5));
        assert_eq!(
            parse_rfc3339("2024-05-01T18:00:00.250+08:00"),
            Ok(1_714_557_600.25)
        );
        assert_eq!(
            parse_rfc3339("2016-12-31T23:59:60Z"),
            parse_rfc3339("2017-01-01T00:00:00Z")
        );
    }

    #[test]
    fn malformed_values_are_refused() {
        for s in [
            "",
            "2024-05-01",
            "2024-05-01T10:00:00",
            "2024-05-01T10:00Z",
            "2024-05-01T10:00:00+0800",
            "2024-05-01T10:00:00+08",
            "2024-05-01T10:00:00.Z",
            "2024-05-01T10:00:00ZZ",
            "2024-05-01T10:00:00 +08:00",
            "2024-13-01T10:00:00Z",
            "2024-00-01T10:00:00Z",
            "2023-02-29T10:00:00Z",
            "2024-04-31T10:00:00Z",
            "2024-05-01T24:00:00Z",
            "2024-05-01T10:60:00Z",
            "2024-05-01T10:00:61Z",
            "2024-05-01T10:00:00+24:00",
            "2024-05-01T10:00:00+08:60",
            "2024/05/01T10:00:00Z",
            "１024-05-01T10:00:00Z",
            "1714557600",
        ] {
            let e = parse_rfc3339(s).expect_err(s);
            assert!(e.to_string().contains("RFC 3339"), "{e}");
        }
        // Long garbage is cut in the message.
        let long = "x".repeat(500);
        assert!(parse_rfc3339(&long).unwrap_err().to_string().len() < 200);
    }

    #[test]
    fn leap_years() {
        assert!(parse_rfc3339("2000-02-29T00:00:00Z").is_ok());
        assert!(parse_rfc3339("1900-02-29T00:00:00Z").is_err());
        assert_eq!(parse_rfc3339("2000-02-29T00:00:00Z"), Ok(951_782_400.0));
    }

    #[test]
    fn utc_formatting_round_trips() {
        for (epoch, text) in [
            (0, "1970-01-01T00:00:00Z"),
            (951_782_400, "2000-02-29T00:00:00Z"),
            (1_714_557_600, "2024-05-01T10:00:00Z"),
            (1_758_987_472, "2025-09-27T15:37:52Z"),
            (4_102_444_799, "2099-12-31T23:59:59Z"),
        ] {
            assert_eq!(format_utc(epoch), text);
            assert_eq!(parse_rfc3339(text), Ok(epoch as f64));
            assert_eq!(parse_utc(text), Some(epoch));
        }
    }
}
