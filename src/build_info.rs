//! What this binary was built from: the version, the source revision and the
//! build date, which `--version` prints and `aipool_build_info` carries, so a
//! bug report can name the exact build. `build.rs` records them with the
//! wording of [`stamp`].

pub mod stamp;

pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// The short commit hash, `-dirty` when built from a modified tree, or
/// `unknown` outside a git checkout.
pub const REVISION: &str = match option_env!("AIPOOL_BUILD_REVISION") {
    Some(r) => r,
    None => stamp::UNKNOWN,
};
/// `YYYY-MM-DD` (UTC), or `unknown`.
pub const BUILD_DATE: &str = match option_env!("AIPOOL_BUILD_DATE") {
    Some(d) => d,
    None => stamp::UNKNOWN,
};

/// What `--version` prints after the program name.
pub const LONG_VERSION: &str = match (
    option_env!("AIPOOL_BUILD_REVISION"),
    option_env!("AIPOOL_BUILD_DATE"),
) {
    (Some(_), Some(_)) => concat!(
        env!("CARGO_PKG_VERSION"),
        " (revision ",
        env!("AIPOOL_BUILD_REVISION"),
        ", built ",
        env!("AIPOOL_BUILD_DATE"),
        ")"
    ),
    _ => concat!(
        env!("CARGO_PKG_VERSION"),
        " (revision unknown, built unknown)"
    ),
};

#[cfg(test)]
mod tests {
    use super::stamp::{build_date, date, revision};

    #[test]
    fn revisions() {
        assert_eq!(revision(Some("0123456789ab\n"), Some("")), "0123456789ab");
        assert_eq!(
            revision(Some("0123456789ab"), Some(" M src/main.rs\n")),
            "0123456789ab-dirty"
        );
        // Status unknown: say the hash, claim nothing about the tree.
        assert_eq!(revision(Some("0123456789ab"), None), "0123456789ab");
        // Outside git (a crate tarball, a copy without .git).
        assert_eq!(revision(None, None), "unknown");
        assert_eq!(revision(Some("  "), Some("")), "unknown");
    }

    #[test]
    fn dates() {
        assert_eq!(date(0), "1970-01-01");
        // 2000-02-29T12:00:00Z: a leap day in a year divisible by 400.
        assert_eq!(date(951_825_600), "2000-02-29");
        assert_eq!(date(1_700_000_000), "2023-11-14");
        assert_eq!(date(4_102_444_799), "2099-12-31");
        assert_eq!(build_date(Some("1700000000"), Some(0)), "2023-11-14");
        assert_eq!(build_date(Some("yesterday"), Some(0)), "unknown");
        assert_eq!(build_date(None, Some(86_400)), "1970-01-02");
        assert_eq!(build_date(None, None), "unknown");
    }

    #[test]
    fn the_long_version_names_all_three() {
        assert_eq!(
            super::LONG_VERSION,
            format!(
                "{} (revision {}, built {})",
                super::VERSION,
                super::REVISION,
                super::BUILD_DATE
            )
        );
    }
}
