//! Every relative link of the documentation leads somewhere: the file exists,
//! and a `#fragment` names a heading of that file (as GitHub makes anchors from
//! headings). Covers README.md, docs/**/*.md, deploy/README.md and
//! grafana/README.md, so moving a section cannot leave a reader at a dead end.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn markdown_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.expect("directory entry").path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "md") {
                out.push(p);
            }
        }
    }
    let r = root();
    let mut files = vec![
        r.join("README.md"),
        r.join("deploy/README.md"),
        r.join("grafana/README.md"),
    ];
    walk(&r.join("docs"), &mut files);
    files
}

/// The lines of `text` outside fenced code blocks.
fn prose_lines(text: &str) -> Vec<&str> {
    let mut fence = false;
    let mut out = Vec::new();
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fence = !fence;
            continue;
        }
        if !fence {
            out.push(line);
        }
    }
    out
}

/// GitHub's anchor for a heading: lower case, punctuation dropped (letters of
/// any script, digits, `-` and `_` stay), spaces become `-`; a repeated heading
/// gets `-1`, `-2`, … appended.
fn anchors(text: &str) -> HashSet<String> {
    let mut seen = HashSet::new();
    for line in prose_lines(text) {
        let hashes = line.chars().take_while(|c| *c == '#').count();
        if hashes == 0 || hashes > 6 || !line[hashes..].starts_with(' ') {
            continue;
        }
        let slug: String = line[hashes..]
            .trim()
            .to_lowercase()
            .chars()
            .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
            .map(|c| if c == ' ' { '-' } else { c })
            .collect();
        let mut candidate = slug.clone();
        let mut n = 0;
        while seen.contains(&candidate) {
            n += 1;
            candidate = format!("{slug}-{n}");
        }
        seen.insert(candidate);
    }
    seen
}

/// The targets of `[text](target)` links in prose, code spans left out.
fn links(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in prose_lines(text) {
        // Drop inline code: a `[x](y)` inside backticks is not a link.
        let mut plain = String::new();
        for (i, part) in line.split('`').enumerate() {
            if i % 2 == 0 {
                plain.push_str(part);
            }
        }
        let mut rest = plain.as_str();
        while let Some(pos) = rest.find("](") {
            let after = &rest[pos + 2..];
            let Some(end) = after.find(')') else { break };
            out.push(after[..end].trim().to_string());
            rest = &after[end..];
        }
    }
    out
}

#[test]
fn every_relative_link_resolves_to_a_file_and_heading() {
    let mut broken = Vec::new();
    for file in markdown_files() {
        let text =
            std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        for target in links(&text) {
            if target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            let (path, fragment) = match target.split_once('#') {
                Some((p, f)) => (p, Some(f)),
                None => (target.as_str(), None),
            };
            let dest = if path.is_empty() {
                file.clone()
            } else {
                file.parent().expect("a file has a folder").join(path)
            };
            if !dest.exists() {
                broken.push(format!("{}: {target}: no such file", file.display()));
                continue;
            }
            if let Some(fragment) = fragment {
                let dest_text = std::fs::read_to_string(&dest).unwrap_or_default();
                if !anchors(&dest_text).contains(fragment) {
                    broken.push(format!("{}: {target}: no such heading", file.display()));
                }
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

#[test]
fn anchors_follow_github() {
    let a = anchors("# Web config: TLS and basic auth\n## A\n## A\n```\n# not a heading\n```\n");
    assert!(a.contains("web-config-tls-and-basic-auth"));
    assert!(a.contains("a") && a.contains("a-1"));
    assert!(!a.contains("not-a-heading"));
    assert_eq!(
        links("see [x](a.md#b) and `[y](not.md)` [z](#c)"),
        vec!["a.md#b".to_string(), "#c".to_string()]
    );
}

/// The README stays an entry point: short, with the two quick-start commands,
/// the reason for its own exposition writer, and a link to every page of docs/.
#[test]
fn readme_is_short_and_links_every_doc() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let lines = readme.lines().count();
    assert!(
        lines <= 400,
        "README.md has {lines} lines; move detail to docs/"
    );
    for must in [
        "cargo run --release -- demo",
        "cargo test",
        "prometheus-client's encoder",
        "does not escape label values",
    ] {
        assert!(readme.contains(must), "README.md lost {must:?}");
    }
    let targets = links(&readme);
    for file in markdown_files() {
        let rel = file.strip_prefix(root()).expect("under the root");
        let rel = rel.to_string_lossy();
        if !rel.starts_with("docs/") || rel.starts_with("docs/runbooks/") {
            continue;
        }
        assert!(
            targets.iter().any(|t| t == rel.as_ref()),
            "README's table of contents does not link {rel}"
        );
    }
}

/// The README's one config example is a config `check-config` accepts.
#[test]
fn readme_config_example_is_valid() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let start = readme.find("```toml\n").expect("README has a TOML example") + "```toml\n".len();
    let len = readme[start..].find("```").expect("the TOML example ends");
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("readme.toml");
    std::fs::write(&path, &readme[start..start + len]).expect("write the example");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_aipool_exporter"))
        .arg("check-config")
        .arg(&path)
        .env("BCE_SECRET_ACCESS_KEY", "example-secret")
        .output()
        .expect("run check-config");
    assert!(
        out.status.success(),
        "check-config refused README's example: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
