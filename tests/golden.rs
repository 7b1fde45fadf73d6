//! The golden exposition: what `/metrics` shows for the demo's accounts, line
//! for line, pinned in `tests/fixtures/expected/`.
//!
//! The real binary runs twice, as in the other end-to-end tests: `simulate
//! --no-drift` (the seed numbers, never moving) and the exporter on the demo's
//! own config (`aipool_sim::demo::config_toml`), polling once an hour so the
//! one scrape after `/ready` sees exactly one poll per account. The scrape is
//! split into one file per provider plus `exporter.prom` (every family's HELP
//! and TYPE in order, and the series without a provider label); the split is
//! checked to be lossless, so the files together pin the whole exposition
//! byte for byte, and a refactoring that changes any name, help text, label,
//! value or order fails here.
//!
//! Only values that are facts of this run rather than of the data are
//! replaced, each after checking it is plausible (see [`RUN_VALUES`]).
//!
//! `AIPOOL_UPDATE_GOLDEN=1 cargo test --test golden` rewrites the files;
//! otherwise a difference fails with a diff of the first differing lines.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::*;

/// The environment variable that makes the test write the files instead of
/// comparing them.
const UPDATE_VAR: &str = "AIPOOL_UPDATE_GOLDEN";

/// What a run-dependent value is replaced with.
#[derive(Debug, Clone, Copy, PartialEq)]
enum RunValue {
    /// A Unix time taken during this run: must lie between the test's start
    /// and its scrape.
    Now,
    /// A duration measured during this run: must be at least 0 and at most
    /// the test's own wall time.
    Elapsed,
}

impl RunValue {
    fn placeholder(self) -> &'static str {
        match self {
            RunValue::Now => "<now>",
            RunValue::Elapsed => "<elapsed>",
        }
    }
}

/// The families whose values are readings of this run's clock. Nothing else is
/// replaced: the simulator's own timestamps (Qianfan's compute unit start and
/// expiry) are data and stay pinned.
const RUN_VALUES: &[(&str, RunValue)] = &[
    ("aipool_last_success_timestamp_seconds", RunValue::Now),
    ("aipool_pool_last_success_timestamp_seconds", RunValue::Now),
    (
        "aipool_service_last_success_timestamp_seconds",
        RunValue::Now,
    ),
    (
        "aipool_config_last_reload_success_timestamp_seconds",
        RunValue::Now,
    ),
    ("aipool_poll_duration_seconds", RunValue::Elapsed),
];

/// `aipool_build_info`'s labels that change with every build: the version
/// (bumped at each release), the source revision and the build date.
const BUILD_INFO: &str = "aipool_build_info";

/// The accounts of the demo config, in its order: the exposition lists a
/// family's series in this order, which is what makes the per-provider split
/// lossless.
fn accounts() -> &'static [String] {
    static ACCOUNTS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    ACCOUNTS.get_or_init(|| demo_accounts().into_iter().map(|(name, _)| name).collect())
}

/// The golden files the demo's exposition is split into: one per provider
/// the demo config polls, and the exporter's own, in file name order.
fn expected_files() -> Vec<String> {
    let mut files: Vec<String> = demo_accounts().into_iter().map(|(_, p)| p).collect();
    files.push(EXPORTER_FILE.to_string());
    files.sort();
    files.dedup();
    files
}

/// The file that holds the family list and the exporter's own series.
const EXPORTER_FILE: &str = "exporter";

fn expected_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/expected")
}

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs_f64()
}

#[test]
fn the_demo_exposition_matches_the_golden_files() {
    let started = unix_now();
    let (_sim, sim) = simulator_with(&[]);
    let config = aipool_sim::demo::config_toml(&sim, "127.0.0.1:0", Duration::from_secs(3600));
    let (_exp, addr) = exporter(&config, &[]);
    let (status, _, body) = get(&addr, "/metrics", &[]).unwrap();
    assert_eq!(status, 200);
    let window = Window {
        start: started,
        end: unix_now(),
    };

    let text = normalise(&body, window);
    let files = split(&text);
    assert_eq!(
        reassemble(&files),
        text,
        "the golden files must hold the whole exposition"
    );
    assert_eq!(
        files.keys().cloned().collect::<Vec<_>>(),
        expected_files(),
        "one file per provider the demo polls, and the exporter's own"
    );

    let dir = expected_dir();
    if std::env::var_os(UPDATE_VAR).is_some_and(|v| !v.is_empty() && v != "0") {
        write_files(&dir, &files);
        return;
    }
    let mut failures = Vec::new();
    for (name, actual) in &files {
        let path = dir.join(format!("{name}.prom"));
        let Ok(expected) = std::fs::read_to_string(&path) else {
            failures.push(format!("{} is missing", path.display()));
            continue;
        };
        let actual = with_header(name, actual);
        if expected != actual {
            failures.push(format!(
                "{} differs from the exposition:\n{}",
                path.display(),
                first_difference(&expected, &actual)
            ));
        }
    }
    for stale in stale_files(&dir, &files) {
        failures.push(format!("{} is no longer produced", stale.display()));
    }
    assert!(
        failures.is_empty(),
        "{}\nIf the change is intended, run `{UPDATE_VAR}=1 cargo test --test golden` \
         and review the diff of tests/fixtures/expected/.",
        failures.join("\n")
    );
}

/// The test's own wall-clock span, in Unix seconds.
#[derive(Debug, Clone, Copy)]
struct Window {
    start: f64,
    end: f64,
}

/// The scrape with each run-dependent value replaced by its placeholder,
/// after checking it is plausible (a time inside the test's window, a
/// duration no longer than the test).
fn normalise(body: &str, window: Window) -> String {
    let mut out = String::with_capacity(body.len());
    for line in body.lines() {
        out.push_str(&normalise_line(line, window));
        out.push('\n');
    }
    out
}

fn normalise_line(line: &str, window: Window) -> String {
    if line.starts_with('#') {
        return line.to_string();
    }
    let name = sample_name(line);
    if name == BUILD_INFO {
        return normalise_build_info(line);
    }
    let Some((_, kind)) = RUN_VALUES.iter().find(|(n, _)| *n == name) else {
        return line.to_string();
    };
    let (series, value) = line
        .rsplit_once(' ')
        .unwrap_or_else(|| panic!("a sample without a value: {line:?}"));
    let v: f64 = value
        .parse()
        .unwrap_or_else(|_| panic!("not a number in {line:?}"));
    // A second of slack: the exporter's clock reading and the test's are
    // taken at different instants, and some timestamps are rounded.
    let plausible = match kind {
        RunValue::Now => v >= window.start - 1.0 && v <= window.end + 1.0,
        RunValue::Elapsed => v >= 0.0 && v <= window.end - window.start + 1.0,
    };
    assert!(
        plausible,
        "{line:?} is not a {kind:?} reading of this run ({window:?})"
    );
    format!("{series} {}", kind.placeholder())
}

/// `aipool_build_info{version="…",revision="…",build_date="…"} 1` with the
/// version checked against the crate's and all three labels replaced.
fn normalise_build_info(line: &str) -> String {
    let m = Metrics::parse(line);
    let labels = &m.samples[0].1;
    assert_eq!(
        labels.get("version").map(String::as_str),
        Some(env!("CARGO_PKG_VERSION")),
        "{line}"
    );
    assert!(
        labels.get("revision").is_some_and(|r| !r.is_empty()),
        "{line}"
    );
    let date = labels.get("build_date").map(String::as_str).unwrap_or("");
    assert!(
        date == "unknown" || (date.len() == 10 && date.as_bytes()[4] == b'-'),
        "build_date is not a date: {line}"
    );
    assert_eq!(m.samples[0].2, 1.0, "{line}");
    format!("{BUILD_INFO}{{version=\"<version>\",revision=\"<revision>\",build_date=\"<date>\"}} 1")
}

/// The metric name of a sample line.
fn sample_name(line: &str) -> &str {
    let end = line.find(['{', ' ']).unwrap_or(line.len());
    &line[..end]
}

/// The labels of a sample line, whatever its value (a placeholder is not a
/// number).
fn labels_of(line: &str) -> BTreeMap<String, String> {
    let series = line.rsplit_once(' ').map_or(line, |(s, _)| s);
    Metrics::parse(&format!("{series} 0")).samples.remove(0).1
}

/// The `provider` label of a sample line, if it has one.
fn provider_of(line: &str) -> Option<String> {
    labels_of(line).remove("provider")
}

/// The position of a sample's account in the demo config; series without an
/// account come first.
fn account_rank(line: &str) -> usize {
    match labels_of(line).get("account") {
        None => 0,
        Some(a) => {
            1 + accounts()
                .iter()
                .position(|x| x == a)
                .unwrap_or_else(|| panic!("an account the demo does not configure: {line}"))
        }
    }
}

/// One family as exposed: its HELP and TYPE lines and its samples.
struct Family {
    help: String,
    kind: String,
    samples: Vec<String>,
}

/// The exposition as families, checking it is well formed: each family opens
/// with HELP then TYPE, appears once, and holds only its own samples, in the
/// config's account order.
fn families(text: &str) -> Vec<Family> {
    let mut out: Vec<Family> = Vec::new();
    let mut lines = text.lines().peekable();
    while let Some(help) = lines.next() {
        let name = help
            .strip_prefix("# HELP ")
            .and_then(|rest| rest.split(' ').next())
            .unwrap_or_else(|| panic!("expected a HELP line, got {help:?}"));
        let kind = lines.next().unwrap_or_default();
        assert!(
            kind.starts_with(&format!("# TYPE {name} ")),
            "HELP {name} is not followed by its TYPE: {kind:?}"
        );
        assert!(
            out.iter()
                .all(|f| !f.help.starts_with(&format!("# HELP {name} "))),
            "family {name} appears twice"
        );
        let mut samples = Vec::new();
        while let Some(line) = lines.next_if(|l| !l.starts_with('#')) {
            assert_eq!(sample_name(line), name, "a sample outside its family");
            samples.push(line.to_string());
        }
        let ranks: Vec<usize> = samples.iter().map(|s| account_rank(s)).collect();
        assert!(
            ranks.windows(2).all(|w| w[0] <= w[1]),
            "{name}'s series are not in the config's account order"
        );
        out.push(Family {
            help: help.to_string(),
            kind: kind.to_string(),
            samples,
        });
    }
    out
}

/// The exposition split into files: per provider, the families with series
/// of that provider and those series; `exporter`, every family's HELP and
/// TYPE (the family order) and the series without a provider label.
fn split(text: &str) -> BTreeMap<String, String> {
    let mut files: BTreeMap<String, String> = BTreeMap::new();
    files.insert(EXPORTER_FILE.to_string(), String::new());
    for fam in families(text) {
        let head = format!("{}\n{}\n", fam.help, fam.kind);
        let mut by_file: Vec<(String, String)> = Vec::new();
        for s in &fam.samples {
            let file = match provider_of(s) {
                Some(p) => {
                    assert_ne!(
                        p, EXPORTER_FILE,
                        "a provider named like the exporter's file"
                    );
                    p
                }
                None => EXPORTER_FILE.to_string(),
            };
            match by_file.iter_mut().find(|(f, _)| *f == file) {
                Some((_, body)) => body.push_str(&format!("{s}\n")),
                None => by_file.push((file, format!("{s}\n"))),
            }
        }
        let own = by_file
            .iter()
            .position(|(f, _)| f == EXPORTER_FILE)
            .map(|i| by_file.remove(i).1)
            .unwrap_or_default();
        let exporter = files.entry(EXPORTER_FILE.to_string()).or_default();
        exporter.push_str(&head);
        exporter.push_str(&own);
        for (file, body) in by_file {
            let out = files.entry(file).or_default();
            out.push_str(&head);
            out.push_str(&body);
        }
    }
    files
}

/// The exposition rebuilt from the files: families in `exporter`'s order,
/// each with the exporter's own series and then every provider's, in the
/// config's account order. Equal to the scrape exactly when the split lost
/// nothing.
fn reassemble(files: &BTreeMap<String, String>) -> String {
    let mut samples: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (file, text) in files {
        if file == EXPORTER_FILE {
            continue;
        }
        for fam in families(text) {
            samples.entry(fam.help).or_default().extend(fam.samples);
        }
    }
    let mut out = String::new();
    for fam in families(&files[EXPORTER_FILE]) {
        out.push_str(&format!("{}\n{}\n", fam.help, fam.kind));
        let mut all = fam.samples;
        all.extend(samples.remove(&fam.help).unwrap_or_default());
        // Stable: series of one account keep their order.
        all.sort_by_key(|s| account_rank(s));
        for s in all {
            out.push_str(&s);
            out.push('\n');
        }
    }
    assert!(
        samples.is_empty(),
        "families in a provider file but not in the exporter's: {:?}",
        samples.keys().collect::<Vec<_>>()
    );
    out
}

/// A golden file's text: a comment saying what it is and how it is made,
/// then the exposition lines.
fn with_header(name: &str, body: &str) -> String {
    let what = if name == EXPORTER_FILE {
        "every family's HELP and TYPE, in order, and the series without a provider label"
            .to_string()
    } else {
        format!("the series with provider=\"{name}\"")
    };
    format!(
        "# Golden exposition of the demo config against `simulate --no-drift`: {what}.\n\
         # Written by `{UPDATE_VAR}=1 cargo test --test golden`; do not edit.\n\
         # <now>, <elapsed> and build_info's labels stand for this run's values \
         (tests/fixtures/README.md).\n{body}"
    )
}

fn write_files(dir: &Path, files: &BTreeMap<String, String>) {
    std::fs::create_dir_all(dir).unwrap();
    for stale in stale_files(dir, files) {
        std::fs::remove_file(&stale).unwrap();
    }
    for (name, body) in files {
        std::fs::write(dir.join(format!("{name}.prom")), with_header(name, body)).unwrap();
    }
}

/// `.prom` files in `dir` that the exposition no longer produces.
fn stale_files(dir: &Path, files: &BTreeMap<String, String>) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().is_some_and(|x| x == "prom")
                && p.file_stem()
                    .and_then(|s| s.to_str())
                    .is_some_and(|s| !files.contains_key(s))
        })
        .collect();
    out.sort();
    out
}

/// Lines of context a difference is shown with, and the most lines shown on
/// each side.
const CONTEXT: usize = 3;
const SHOWN: usize = 20;

/// A unified-style view of where `expected` and `actual` first differ: the
/// changed block between their common head and tail, with a few lines of
/// context, `-` for the golden file and `+` for the exposition.
fn first_difference(expected: &str, actual: &str) -> String {
    let e: Vec<&str> = expected.lines().collect();
    let a: Vec<&str> = actual.lines().collect();
    let head = e.iter().zip(&a).take_while(|(x, y)| x == y).count();
    let tail = e[head..]
        .iter()
        .rev()
        .zip(a[head..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (e_mid, a_mid) = (&e[head..e.len() - tail], &a[head..a.len() - tail]);
    let from = head.saturating_sub(CONTEXT);
    let mut out = format!(
        "@@ -{},{} +{},{} @@\n",
        from + 1,
        head - from + e_mid.len(),
        from + 1,
        head - from + a_mid.len()
    );
    for l in &e[from..head] {
        out.push_str(&format!(" {l}\n"));
    }
    for (sign, mid) in [('-', e_mid), ('+', a_mid)] {
        for l in mid.iter().take(SHOWN) {
            out.push_str(&format!("{sign}{l}\n"));
        }
        if mid.len() > SHOWN {
            out.push_str(&format!("{sign}… {} more lines\n", mid.len() - SHOWN));
        }
    }
    for l in e[e.len() - tail..].iter().take(CONTEXT) {
        out.push_str(&format!(" {l}\n"));
    }
    out
}

#[test]
fn a_difference_shows_the_changed_lines_between_context() {
    let expected = "a\nb\nc\nd\ne\nf\ng\n";
    let actual = "a\nb\nc\nd\nE\nf\ng\n";
    assert_eq!(
        first_difference(expected, actual),
        "@@ -2,4 +2,4 @@\n b\n c\n d\n-e\n+E\n f\n g\n"
    );
    // A missing file reads as empty: every line is new.
    assert_eq!(first_difference("", "x\n"), "@@ -1,0 +1,1 @@\n+x\n");
}

#[test]
fn only_this_runs_clock_readings_are_replaced() {
    let w = Window {
        start: 1000.0,
        end: 1010.0,
    };
    let text = "# HELP aipool_poll_duration_seconds x\n\
                aipool_poll_duration_seconds{provider=\"p\",account=\"a\"} 0.25\n\
                aipool_last_success_timestamp_seconds{provider=\"p\",account=\"a\"} 1005.5\n\
                aipool_compute_unit_start_timestamp_seconds{provider=\"p\"} 1005.5\n";
    assert_eq!(
        normalise(text, w),
        "# HELP aipool_poll_duration_seconds x\n\
         aipool_poll_duration_seconds{provider=\"p\",account=\"a\"} <elapsed>\n\
         aipool_last_success_timestamp_seconds{provider=\"p\",account=\"a\"} <now>\n\
         aipool_compute_unit_start_timestamp_seconds{provider=\"p\"} 1005.5\n"
    );
}

#[test]
#[should_panic(expected = "is not a Now reading of this run")]
fn a_timestamp_outside_the_run_is_not_hidden() {
    let w = Window {
        start: 1000.0,
        end: 1010.0,
    };
    normalise_line(
        "aipool_last_success_timestamp_seconds{provider=\"p\",account=\"a\"} 0",
        w,
    );
}

#[test]
fn the_split_is_lossless_and_keeps_the_family_order() {
    let text = "# HELP aipool_up x\n# TYPE aipool_up gauge\n\
                aipool_up{provider=\"aihc\",account=\"aihc-console-demo\"} 1\n\
                aipool_up{provider=\"sugon\",account=\"sugon-demo\"} 0\n\
                # HELP aipool_build_info y\n# TYPE aipool_build_info gauge\n\
                aipool_build_info{version=\"1\"} 1\n\
                # HELP aipool_pool_nodes z\n# TYPE aipool_pool_nodes gauge\n\
                aipool_pool_nodes{provider=\"sugon\",account=\"sugon-demo\"} 3\n";
    let files = split(text);
    assert_eq!(
        files["sugon"],
        "# HELP aipool_up x\n# TYPE aipool_up gauge\n\
         aipool_up{provider=\"sugon\",account=\"sugon-demo\"} 0\n\
         # HELP aipool_pool_nodes z\n# TYPE aipool_pool_nodes gauge\n\
         aipool_pool_nodes{provider=\"sugon\",account=\"sugon-demo\"} 3\n"
    );
    assert_eq!(
        files["exporter"],
        "# HELP aipool_up x\n# TYPE aipool_up gauge\n\
         # HELP aipool_build_info y\n# TYPE aipool_build_info gauge\n\
         aipool_build_info{version=\"1\"} 1\n\
         # HELP aipool_pool_nodes z\n# TYPE aipool_pool_nodes gauge\n"
    );
    assert_eq!(reassemble(&files), text);
}

#[test]
#[should_panic(expected = "not in the config's account order")]
fn series_out_of_account_order_are_refused() {
    families(
        "# HELP aipool_up x\n# TYPE aipool_up gauge\n\
         aipool_up{provider=\"sugon\",account=\"sugon-demo\"} 0\n\
         aipool_up{provider=\"aihc\",account=\"aihc-console-demo\"} 1\n",
    );
}
