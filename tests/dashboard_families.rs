//! Every series the Grafana dashboards query exists: each `aipool_*` family named
//! in a panel or variable query of `grafana/*.json` is a family of
//! `docs/metrics.md` (generated from the family catalogue), and each `aipool:*`
//! series is recorded by `deploy/prometheus/rules.yml`. Without this a renamed
//! family or rule leaves a panel blank, which only a run against a real
//! Prometheus (`tests/e2e/dashboard_queries.py`) would notice. The JSON files are
//! what `grafana/generate.py` writes (that script checks it), so this covers the
//! generator's PromQL too.

use std::collections::BTreeSet;
use std::path::PathBuf;

use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The dashboards: (file name, parsed JSON), sorted by name.
fn dashboards() -> Vec<(String, Value)> {
    let dir = root().join("grafana");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let name = p
                .file_name()
                .expect("file name")
                .to_string_lossy()
                .into_owned();
            let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{name}: {e}"));
            let json = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
            (name, json)
        })
        .collect()
}

/// The PromQL of a dashboard: every panel query (the panels of collapsed rows
/// included) and the query of every query variable. Descriptions and the job
/// textbox (whose value is the binary's name) are prose, not queries.
fn queries(dash: &Value) -> Vec<String> {
    fn panels(list: &Value, out: &mut Vec<String>) {
        for p in list.as_array().into_iter().flatten() {
            for t in p["targets"].as_array().into_iter().flatten() {
                if let Some(e) = t["expr"].as_str() {
                    out.push(e.to_owned());
                }
            }
            panels(&p["panels"], out);
        }
    }
    let mut out = Vec::new();
    panels(&dash["panels"], &mut out);
    for v in dash["templating"]["list"].as_array().into_iter().flatten() {
        if v["type"] == "query" {
            let q = v["query"]["query"].as_str().or(v["definition"].as_str());
            out.extend(q.map(str::to_owned));
        }
    }
    out
}

fn name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == ':'
}

/// The metric names `__name__=~"re"` can match, for the alternations of plain
/// names the dashboards use (`aipool_(pool|queue)_info|aipool_up`). Any other
/// regex syntax fails the test: it could hide a family this check cannot see.
fn expand_name_regex(re: &str) -> Vec<String> {
    assert!(
        !re.contains(['.', '*', '+', '?', '[', '\\', '^', '$', '{']),
        "__name__ regex {re:?} is more than an alternation of names; list the names instead"
    );
    // Split on top-level `|`, then expand each group `(a|b)` of an alternative.
    let mut alternatives = vec![String::new()];
    let mut depth = 0;
    for c in re.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            '|' if depth == 0 => {
                alternatives.push(String::new());
                continue;
            }
            _ => {}
        }
        alternatives.last_mut().expect("one alternative").push(c);
    }
    let mut out = Vec::new();
    for alt in alternatives {
        let mut names = vec![String::new()];
        let mut rest = alt.as_str();
        while let Some(open) = rest.find('(') {
            let close = open + rest[open..].find(')').expect("closed group");
            let options: Vec<&str> = rest[open + 1..close].split('|').collect();
            assert!(
                !rest[open + 1..close].contains('('),
                "nested group in {re:?}"
            );
            names = names
                .iter()
                .flat_map(|n| {
                    options
                        .iter()
                        .map(move |o| format!("{n}{}{o}", &rest[..open]))
                })
                .collect();
            rest = &rest[close + 1..];
        }
        out.extend(names.into_iter().map(|n| n + rest));
    }
    out
}

/// The metric names of `expr` that start with `prefix` (`aipool_` or `aipool:`):
/// whole identifiers outside string literals, and the names a `__name__`
/// matcher selects. Other strings (label values, `label_replace` arguments) are
/// not names.
fn metric_names(expr: &str, prefix: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let chars: Vec<char> = expr.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if matches!(c, '"' | '\'' | '`') {
            let start = i + 1;
            let mut j = start;
            while j < chars.len() && chars[j] != c {
                j += if chars[j] == '\\' { 2 } else { 1 };
            }
            let literal: String = chars[start..j.min(chars.len())].iter().collect();
            let before: String = chars[..i].iter().collect();
            let before = before.trim_end();
            if before.ends_with("__name__=~") {
                out.extend(expand_name_regex(&literal));
            } else if before.ends_with("__name__=") {
                out.insert(literal);
            }
            i = j + 1;
            continue;
        }
        if name_char(c) {
            let start = i;
            while i < chars.len() && name_char(chars[i]) {
                i += 1;
            }
            out.insert(chars[start..i].iter().collect());
            continue;
        }
        i += 1;
    }
    out.retain(|n: &String| n.starts_with(prefix));
    out
}

/// The families of `docs/metrics.md`: the first backticked `aipool_` name of
/// each table row, whatever columns the table has.
fn documented_families(doc: &str) -> BTreeSet<String> {
    doc.lines()
        .filter(|l| l.trim_start().starts_with('|'))
        .filter_map(|l| {
            l.split('`')
                .skip(1)
                .step_by(2)
                .find(|span| span.starts_with("aipool_"))
                .map(str::to_owned)
        })
        .collect()
}

/// The recording rules of a Prometheus rules file (`- record: name`), commented
/// examples left out.
fn recorded_rules(rules: &str) -> BTreeSet<String> {
    rules
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("- record:"))
        .map(|n| n.trim().to_owned())
        .collect()
}

/// `used` (name -> where) minus `known`, one line each.
fn missing(used: &[(String, String)], known: &BTreeSet<String>) -> Vec<String> {
    used.iter()
        .filter(|(name, _)| !known.contains(name))
        .map(|(name, at)| format!("{name} (in {at})"))
        .collect()
}

/// (name, dashboard file) for every name with `prefix` the dashboards query.
fn used_by_dashboards(prefix: &str) -> Vec<(String, String)> {
    let mut used = BTreeSet::new();
    for (file, dash) in dashboards() {
        for q in queries(&dash) {
            for n in metric_names(&q, prefix) {
                used.insert((n, file.clone()));
            }
        }
    }
    used.into_iter().collect()
}

#[test]
fn every_family_a_dashboard_queries_is_in_docs_metrics_md() {
    let documented = documented_families(&read("docs/metrics.md"));
    assert!(
        documented.len() >= 50 && documented.contains("aipool_up"),
        "docs/metrics.md lists {} families; its tables were not read",
        documented.len()
    );
    let used = used_by_dashboards("aipool_");
    let families: BTreeSet<&String> = used.iter().map(|(n, _)| n).collect();
    // The four dashboards read far more than this; fewer means the queries
    // were not found, and the check below would pass on nothing.
    assert!(
        families.len() >= 30,
        "only {} families found in the dashboards' queries: {families:?}",
        families.len()
    );
    let gone = missing(&used, &documented);
    assert!(
        gone.is_empty(),
        "dashboards query families that docs/metrics.md does not list (renamed or removed? \
         fix grafana/dashgen/ and run python3 grafana/generate.py):\n{}",
        gone.join("\n")
    );
}

#[test]
fn every_recording_rule_a_dashboard_queries_is_in_rules_yml() {
    let recorded = recorded_rules(&read("deploy/prometheus/rules.yml"));
    let used = used_by_dashboards("aipool:");
    assert!(
        used.len() >= 5,
        "only {} recording rules found in the dashboards",
        used.len()
    );
    let gone = missing(&used, &recorded);
    assert!(
        gone.is_empty(),
        "dashboards query series that deploy/prometheus/rules.yml does not record:\n{}",
        gone.join("\n")
    );
}

#[test]
fn names_are_read_from_queries_not_from_strings() {
    let expr = r#"sum(rate(aipool_polls_total{account=~"aipool_not_a_family", job="$job"}[1m])) / on (job)
        label_replace(aipool:threshold:stale_poll_intervals, "x", "$1", "y", "(aipool_nor_this)")
        + count({__name__=~"aipool_(pool|queue)_info|aipool_pool_node_capability_accelerators", a="b"})
        + count({__name__="aipool_up"})"#;
    let want: BTreeSet<String> = [
        "aipool_polls_total",
        "aipool_pool_info",
        "aipool_queue_info",
        "aipool_pool_node_capability_accelerators",
        "aipool_up",
    ]
    .map(String::from)
    .into();
    assert_eq!(metric_names(expr, "aipool_"), want);
    assert_eq!(
        metric_names(expr, "aipool:"),
        BTreeSet::from(["aipool:threshold:stale_poll_intervals".to_owned()])
    );
    assert_eq!(
        expand_name_regex("aipool_(a|b)_x_(c|d)"),
        [
            "aipool_a_x_c",
            "aipool_a_x_d",
            "aipool_b_x_c",
            "aipool_b_x_d"
        ]
    );
}

#[test]
fn a_renamed_family_is_reported() {
    // A table with an extra column before `name`, and backticked labels after it:
    // the family is the first backticked aipool_ name of the row.
    let doc = "| object | name | labels | help |\n|---|---|---|---|\n\
               | pool | `aipool_pool_info` | `pool_name` | Pool. |\n\
               | `x` | `aipool_up` | | `aipool_not_first` too |\n\
               Not a row: `aipool_prose`.\n";
    let documented = documented_families(doc);
    assert_eq!(
        documented,
        BTreeSet::from(["aipool_pool_info".to_owned(), "aipool_up".to_owned()])
    );
    let used = vec![
        ("aipool_up".to_owned(), "a.json".to_owned()),
        ("aipool_pool_infos".to_owned(), "b.json".to_owned()),
    ];
    assert_eq!(
        missing(&used, &documented),
        ["aipool_pool_infos (in b.json)"]
    );
    assert_eq!(
        recorded_rules("  - record: aipool:a:ratio\n  #  - record: aipool:b:ratio\n"),
        BTreeSet::from(["aipool:a:ratio".to_owned()])
    );
}
