//! The fixed UTC date forms the signing algorithms write and read, on the `time`
//! crate: bce-auth-v1's `yyyy-mm-ddThh:mm:ssZ` (also the `x-bce-date` header) and
//! Huawei's `X-Sdk-Date` `YYYYMMDDTHHMMSSZ`. The exporter's other dates (RFC 3339
//! with offsets, as the platforms answer) are in its own `dates` module.

use std::sync::OnceLock;

use time::format_description::OwnedFormatItem;
use time::{OffsetDateTime, PrimitiveDateTime};

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
