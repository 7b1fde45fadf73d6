//! The metric family tables (`aipool_model::families`) are the one place a
//! family is declared: the exposition carries exactly the labels they
//! declare, and no family name is spelled anywhere else in the code.

use std::path::{Path, PathBuf};

use aipool_model::families::{catalogue, lookup, Presence};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// A sample line's metric name and label names, in order.
fn name_and_labels(line: &str) -> (&str, Vec<&str>) {
    let end = line.find(['{', ' ']).unwrap_or(line.len());
    let (name, mut rest) = line.split_at(end);
    let mut labels = Vec::new();
    if let Some(r) = rest.strip_prefix('{') {
        rest = r;
        while let Some(eq) = rest.find("=\"") {
            labels.push(rest[..eq].trim_start_matches(','));
            // Skip the quoted value, escapes included.
            let bytes = rest.as_bytes();
            let mut i = eq + 2;
            while i < bytes.len() && bytes[i] != b'"' {
                i += if bytes[i] == b'\\' { 2 } else { 1 };
            }
            rest = &rest[i + 1..];
            if rest.starts_with('}') {
                break;
            }
        }
    }
    (name, labels)
}

/// Whether `have` (a series' label names in order) is what `name`'s
/// declaration allows: every label that is always there, the optional ones
/// only in their place, and open ones (named by the data) only at the end.
fn labels_match(name: &str, have: &[&str]) -> Result<(), String> {
    let fam = lookup(name).ok_or_else(|| format!("{name} is declared nowhere"))?;
    let def = catalogue()
        .iter()
        .find(|d| d.fam == fam)
        .ok_or("not in the catalogue")?;
    let mut at = 0;
    for l in &def.labels {
        match l.presence {
            Presence::Always => {
                if have.get(at) != Some(&l.name) {
                    return Err(format!("{name}: expected `{}` at {at} in {have:?}", l.name));
                }
                at += 1;
            }
            Presence::Optional => {
                if have.get(at) == Some(&l.name) {
                    at += 1;
                }
            }
            Presence::Open => {
                let rest = &have[at..];
                let declared = |n: &&str| def.labels.iter().any(|l| l.name == *n);
                if rest.iter().any(declared) || !rest.is_sorted() {
                    return Err(format!("{name}: open labels {rest:?} out of place"));
                }
                at = have.len();
            }
        }
    }
    if at != have.len() {
        return Err(format!("{name}: undeclared labels {:?}", &have[at..]));
    }
    Ok(())
}

/// Every series of the golden exposition (the demo's four providers and the
/// exporter's own series, `tests/golden.rs`) has exactly its family's
/// declared labels in the declared order; and every family the demo shows is
/// declared.
#[test]
fn golden_series_carry_exactly_their_declared_labels() {
    let dir = Path::new(ROOT).join("tests/fixtures/expected");
    let mut checked = 0;
    let mut families = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(&dir).expect("tests/fixtures/expected") {
        let path = entry.expect("dir entry").path();
        let text = std::fs::read_to_string(&path).expect("golden file");
        for line in text.lines().filter(|l| l.starts_with("aipool_")) {
            let (name, labels) = name_and_labels(line);
            if let Err(e) = labels_match(name, &labels) {
                panic!("{}: {e}\n{line}", path.display());
            }
            families.insert(name.to_string());
            checked += 1;
        }
    }
    // The demo shows most families (not, e.g., the reload status of a
    // process never reloaded): a parse that finds nothing fails here.
    assert!(
        checked > 1000 && families.len() > 60,
        "{checked} series, {families:?}"
    );
}

#[test]
fn the_label_check_rejects_what_the_tables_do_not_declare() {
    let ok = labels_match(
        "aipool_pool_info",
        &[
            "provider",
            "account",
            "cloud_region",
            "pool_id",
            "pool_name",
            "pool_type",
            "phase",
            "parent_pool",
            "max_time",
        ],
    );
    assert_eq!(ok, Ok(()));
    assert!(labels_match("aipool_up", &["account", "provider"]).is_err());
    assert!(labels_match("aipool_up", &["provider", "account", "x"]).is_err());
    assert!(labels_match("aipool_nonesuch", &[]).is_err());
    let (name, labels) = name_and_labels(r#"aipool_up{provider="a\"}",account="b"} 1"#);
    assert_eq!((name, labels), ("aipool_up", vec!["provider", "account"]));
}

/// The Rust sources of the exporter and of `top`, outside the tables.
fn sources() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("source dir") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    for dir in ["src", "crates/aipool-top/src", "crates/aipool-model/src"] {
        walk(&Path::new(ROOT).join(dir), &mut out);
    }
    out.retain(|p| !p.starts_with(Path::new(ROOT).join("crates/aipool-model/src/families")));
    out
}

/// Family names spelled in code outside the tables. The rule: in every Rust
/// source of the exporter, `top` and the model (the tables themselves
/// excepted), every word `aipool_…` in code is neither a declared family's
/// name nor the start of one ending in `_` (a name built from pieces, as
/// `"aipool_pool_"` or `"aipool_{}"`). Not checked: comment lines (`//`,
/// `///`, `//!`: doc comments name families for the reader), test code (a
/// file named `tests.rs` or `*_tests.rs`, anything under a `tests/`
/// directory, and a file's lines from its first `#[cfg(test)]` on, where
/// tests pin the exposition text as a user sees it). Crate and binary names
/// (`aipool_exporter`, `aipool_model`) start no family and pass.
fn spelled_family_names(path: &Path, text: &str) -> Vec<String> {
    let names: Vec<&str> = catalogue().iter().map(|d| d.name.as_str()).collect();
    let mut found = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let code = line.trim_start();
        if code.starts_with("#[cfg(test)]") {
            break;
        }
        if code.starts_with("//") {
            continue;
        }
        let mut rest = code;
        while let Some(at) = rest.find("aipool_") {
            let word_end = rest[at..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .map_or(rest.len(), |e| at + e);
            let word = &rest[at..word_end];
            let names_one = names.contains(&word);
            let starts_one = word.ends_with('_') && names.iter().any(|f| f.starts_with(word));
            if names_one || starts_one {
                found.push(format!("{}:{}: {word}", path.display(), n + 1));
            }
            rest = &rest[word_end..];
        }
    }
    found
}

#[test]
fn no_family_name_is_spelled_outside_the_tables() {
    let mut found = Vec::new();
    let mut scanned = 0;
    for path in sources() {
        let file = path.file_name().and_then(|f| f.to_str()).unwrap_or("");
        let relative = path.strip_prefix(ROOT).unwrap_or(&path);
        let in_tests_dir = relative.components().any(|c| c.as_os_str() == "tests");
        if file == "tests.rs" || file.ends_with("_tests.rs") || in_tests_dir {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("source file");
        found.extend(spelled_family_names(&path, &text));
        scanned += 1;
    }
    assert!(scanned > 50, "only {scanned} files scanned");
    assert!(
        found.is_empty(),
        "family names spelled outside crates/aipool-model/src/families/ \
         (use the tables: aipool_model::families::{{name, lookup, Family}}):\n{}",
        found.join("\n")
    );
}

#[test]
fn the_name_check_finds_names_and_pieces_but_not_crate_names() {
    let p = Path::new("x.rs");
    let code = "let a = \"aipool_up\";\nlet b = s.strip_prefix(\"aipool_pool_\");\n\
                // aipool_up in a comment\nuse aipool_model::x; let c = \"aipool_exporter\";\n\
                let d = format!(\"aipool_{}\", x);\n#[cfg(test)]\nlet e = \"aipool_up\";\n";
    let found = spelled_family_names(p, code);
    assert_eq!(
        found,
        [
            "x.rs:1: aipool_up",
            "x.rs:2: aipool_pool_",
            "x.rs:5: aipool_"
        ]
    );
}
