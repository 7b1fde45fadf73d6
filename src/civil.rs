//! Calendar arithmetic and RFC 3339 timestamps, both ways, without a date crate:
//! the one place the exporter turns dates into Unix seconds and back.
//!
//! Users: the request signers (bce-auth-v1 and `x-bce-date` timestamps, Huawei's
//! `X-Sdk-Date`), Qianfan's `startTime` / `expiredTime` and ModelArts' IAM
//! `expires_at`. `humantime` only reads the UTC forms, but Baidu's APIs also answer
//! in China time (`+08:00`), and reading such a value as UTC would shift every
//! expiry by eight hours.

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
    let b = s.as_bytes();
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return Err(err());
    }
    let year = digits(&b[0..4]).ok_or_else(err)?;
    let month = digits(&b[5..7]).ok_or_else(err)?;
    let day = digits(&b[8..10]).ok_or_else(err)?;
    let hour = digits(&b[11..13]).ok_or_else(err)?;
    let minute = digits(&b[14..16]).ok_or_else(err)?;
    let second = digits(&b[17..19]).ok_or_else(err)?;
    if !(1..=12).contains(&month)
        || day == 0
        || day > i64::from(days_in_month(year, month as u32))
        || hour > 23
        || minute > 59
        || second > 60
    {
        return Err(err());
    }

    let mut rest = &b[19..];
    let mut fraction = 0.0;
    if let Some(after_dot) = rest.strip_prefix(b".") {
        let n = after_dot.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return Err(err());
        }
        // Only ASCII digits were taken, so this is valid UTF-8 and a valid float.
        let text = std::str::from_utf8(&after_dot[..n]).map_err(|_| err())?;
        fraction = format!("0.{text}").parse::<f64>().map_err(|_| err())?;
        rest = &after_dot[n..];
    }

    let offset_secs: i64 = match rest {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let oh = digits(&[*h1, *h2]).ok_or_else(err)?;
            let om = digits(&[*m1, *m2]).ok_or_else(err)?;
            if oh > 23 || om > 59 {
                return Err(err());
            }
            let secs = oh * 3600 + om * 60;
            if *sign == b'+' {
                secs
            } else {
                -secs
            }
        }
        _ => return Err(err()),
    };

    // month is 1..=12 and day 1..=31 here (checked above), so the casts are exact.
    let days = days_from_civil(year, month as u32, day as u32);
    // Local time minus its offset is UTC.
    let epoch = days * 86_400 + hour * 3600 + minute * 60 + second - offset_secs;
    Ok(epoch as f64 + fraction)
}

/// Formats Unix seconds as UTC `yyyy-mm-ddThh:mm:ssZ` (the `x-bce-date` header and
/// the timestamp inside a bce-auth-v1 Authorization).
pub fn format_utc(epoch_secs: u64) -> String {
    let (year, month, day, h, m, s) = utc_parts(epoch_secs);
    format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}Z")
}

fn digits(b: &[u8]) -> Option<i64> {
    b.iter().try_fold(0i64, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0'))
    })
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// Days in `month` (1..=12) of `year`.
pub fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// public-domain `days_from_civil`).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = i64::from(if month > 2 { month - 3 } else { month + 9 });
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Inverse of [`days_from_civil`]: (year, month, day).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // day of era, [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365], year starts 1 March
    let mp = (5 * doy + 2) / 153; // [0, 11], March = 0
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// Unix seconds → (year, month, day, hour, minute, second) in UTC.
pub fn utc_parts(epoch_secs: u64) -> (i64, u32, u32, u64, u64, u64) {
    let (days, secs) = (epoch_secs / 86_400, epoch_secs % 86_400);
    // u64::MAX / 86_400 fits in i64, so the cast cannot wrap.
    let (year, month, day) = civil_from_days(days as i64);
    (year, month, day, secs / 3600, secs % 3600 / 60, secs % 60)
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
        // One instant, four spellings.
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
        }
    }
}
