//! Dates as the platforms write them, both ways, on the `time` crate: the one
//! place the exporter turns date strings into Unix seconds and back.
//!
//! Users: the request signers (bce-auth-v1 and `x-bce-date` timestamps, Huawei's
//! `X-Sdk-Date`), Qianfan's `startTime` / `expiredTime` and ModelArts' IAM
//! `expires_at`. Baidu's APIs also answer in China time (`+08:00`): reading such
//! a value as UTC would shift every expiry by eight hours, so offsets are honoured.

use std::sync::OnceLock;

use time::format_description::well_known::Rfc3339;
use time::format_description::OwnedFormatItem;
use time::{OffsetDateTime, PrimitiveDateTime};

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

/// Formats Unix seconds as UTC `yyyy-mm-ddThh:mm:ssZ` (the `x-bce-date` header and
/// the timestamp inside a bce-auth-v1 Authorization).
pub fn format_utc(epoch_secs: u64) -> String {
    let (y, mo, d, h, mi, se) = parts(epoch_secs);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{se:02}Z")
}

/// Parses exactly `yyyy-mm-ddThh:mm:ssZ` (UTC, no fraction, no offset) into epoch
/// seconds; `None` for anything else, including impossible dates and years
/// before 1970.
pub fn parse_utc(s: &str) -> Option<u64> {
    static FORMAT: OnceLock<Option<OwnedFormatItem>> = OnceLock::new();
    parse_exact(s, &FORMAT, "[year]-[month]-[day]T[hour]:[minute]:[second]Z")
}

/// Formats epoch seconds as Huawei's `X-Sdk-Date` value, `YYYYMMDDTHHMMSSZ` (UTC).
pub fn format_sdk_date(epoch_secs: u64) -> String {
    let (y, mo, d, h, mi, se) = parts(epoch_secs);
    format!("{y:04}{mo:02}{d:02}T{h:02}{mi:02}{se:02}Z")
}

/// Parses exactly `YYYYMMDDTHHMMSSZ` (UTC) into epoch seconds; `None` for anything
/// else, including impossible dates and years before 1970.
pub fn parse_sdk_date(s: &str) -> Option<u64> {
    static FORMAT: OnceLock<Option<OwnedFormatItem>> = OnceLock::new();
    parse_exact(s, &FORMAT, "[year][month][day]T[hour][minute][second]Z")
}

/// Year, month, day, hour, minute, second of `epoch_secs` in UTC.
fn parts(epoch_secs: u64) -> (i32, u8, u8, u8, u8, u8) {
    let t = utc(epoch_secs);
    (
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
    )
}

fn utc(epoch_secs: u64) -> OffsetDateTime {
    // Every u64 the signers see is a present-day clock; a value past the year
    // 9999 (which `time` cannot represent) is clamped rather than panicking.
    i64::try_from(epoch_secs)
        .ok()
        .and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok())
        .unwrap_or_else(|| {
            OffsetDateTime::new_utc(
                time::Date::MAX,
                time::Time::from_hms(23, 59, 59).unwrap_or(time::Time::MIDNIGHT),
            )
        })
}

fn parse_exact(
    s: &str,
    cell: &'static OnceLock<Option<OwnedFormatItem>>,
    description: &str,
) -> Option<u64> {
    // The descriptions are constants of this file: parsing them cannot fail, and
    // if it did every date would be refused rather than the process aborting.
    let format = cell
        .get_or_init(|| time::format_description::parse_owned::<2>(description).ok())
        .as_ref()?;
    // `[year]` also takes a sign and more digits; the platforms' forms have
    // exactly four, which the fixed lengths below pin down.
    if !s.is_ascii() || s.starts_with(['+', '-']) {
        return None;
    }
    let t = PrimitiveDateTime::parse(s, format).ok()?.assume_utc();
    u64::try_from(t.unix_timestamp()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn exact_forms_refuse_everything_else() {
        for s in [
            "2024-05-01T10:00:00+08:00",
            "2024-05-01T10:00:00.5Z",
            "2024-05-01 10:00:00Z",
            "2024-02-30T10:00:00Z",
            "1969-12-31T23:59:59Z",
            "+2024-05-01T10:00:00Z",
            "12024-05-01T10:00:00Z",
        ] {
            assert_eq!(parse_utc(s), None, "{s}");
        }
        assert_eq!(parse_sdk_date("20240501T100000Z"), Some(1_714_557_600));
        assert_eq!(format_sdk_date(1_714_557_600), "20240501T100000Z");
        for s in [
            "20240230T100000Z",
            "2024051T100000Z",
            "20240501T100000",
            "19691231T235959Z",
        ] {
            assert_eq!(parse_sdk_date(s), None, "{s}");
        }
    }
}
