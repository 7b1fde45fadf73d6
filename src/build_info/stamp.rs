//! How `build.rs` words the source revision and the build date. Kept free of
//! dependencies (std only) because the build script compiles this file on its
//! own; the library compiles it too, to test it.

/// The placeholder for a fact the build could not learn (no git, no clock).
pub const UNKNOWN: &str = "unknown";

/// The revision as `git rev-parse --short=12 HEAD` printed it, with `-dirty`
/// when tracked files differ from that commit; [`UNKNOWN`] outside git.
/// `porcelain` is the output of `git status --porcelain --untracked-files=no`
/// (empty when clean), or `None` when it could not be run.
pub fn revision(head: Option<&str>, porcelain: Option<&str>) -> String {
    match head.map(str::trim).filter(|h| !h.is_empty()) {
        None => UNKNOWN.to_string(),
        Some(hash) if porcelain.is_some_and(|p| !p.trim().is_empty()) => format!("{hash}-dirty"),
        Some(hash) => hash.to_string(),
    }
}

/// The UTC calendar date (`YYYY-MM-DD`) of a Unix time in seconds.
pub fn date(unix_seconds: u64) -> String {
    // Days to civil date, after Howard Hinnant's public-domain algorithm
    // (proleptic Gregorian calendar, eras of 400 years).
    let days = (unix_seconds / 86_400) as i64 + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// The build date: `SOURCE_DATE_EPOCH` when set (reproducible builds), else
/// the clock's; [`UNKNOWN`] when neither makes sense.
pub fn build_date(source_date_epoch: Option<&str>, now_unix_seconds: Option<u64>) -> String {
    match source_date_epoch {
        Some(s) => s
            .trim()
            .parse::<u64>()
            .map(date)
            .unwrap_or_else(|_| UNKNOWN.to_string()),
        None => now_unix_seconds.map_or_else(|| UNKNOWN.to_string(), date),
    }
}
