//! `docs/metrics.md`, written from the family catalogue so the reference can never
//! drift from what the exporter emits. What the figures mean, and each family's
//! extra labels, stay hand-written in `docs/metric-meanings.md`.

use std::fmt::Write as _;

use super::families::{catalogue, FamilyDef, Kind};

/// The object a family describes, known by its name's prefix, with the labels
/// every series of that object carries.
struct Object {
    title: &'static str,
    labels: &'static str,
    /// Name prefixes (after `aipool_`) of its families; empty: the account's
    /// own poll health (every family no other object claims).
    prefixes: &'static [&'static str],
}

const OBJECTS: &[Object] = &[
    Object {
        title: "Exporter process",
        labels: "none (`aipool_build_info` carries `version`, `revision`, `build_date`)",
        prefixes: &["build_", "config_"],
    },
    Object {
        title: "Account: poll health",
        labels: "`provider`, `account`",
        prefixes: &[],
    },
    Object {
        title: "Compute region",
        labels: "`provider`, `account`, `cloud_region`",
        prefixes: &["region_"],
    },
    Object {
        title: "Pool",
        labels: "`provider`, `account`, `cloud_region`, `pool_id`",
        prefixes: &["pool_", "node_phase_"],
    },
    Object {
        title: "Queue",
        labels: "`provider`, `account`, `cloud_region`, `pool_id`, `queue_id`",
        prefixes: &["queue_"],
    },
    Object {
        title: "Accelerator",
        labels: "`provider`, `account`, `cloud_region`, `accelerator`",
        prefixes: &["accelerator_"],
    },
    Object {
        title: "Qianfan service",
        labels: "`provider`, `account`, `cloud_region`, `service_id`",
        prefixes: &["service_"],
    },
    Object {
        title: "Qianfan compute unit",
        labels: "`provider`, `account`, `cloud_region`, `service_id`, `instance_id`",
        prefixes: &["compute_unit_"],
    },
];

fn object_of(def: &FamilyDef) -> usize {
    let short = def.name.strip_prefix("aipool_").unwrap_or(&def.name);
    OBJECTS
        .iter()
        .position(|o| o.prefixes.iter().any(|p| short.starts_with(p)))
        .or_else(|| OBJECTS.iter().position(|o| o.prefixes.is_empty()))
        .unwrap_or(0)
}

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Gauge => "gauge",
        Kind::Counter => "counter",
        Kind::Info => "info",
    }
}

/// A table cell: `|` would end the cell early.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

/// The whole of `docs/metrics.md`.
pub fn metrics_markdown() -> String {
    let mut out = String::new();
    out.push_str(
        "# Metrics\n\n\
         <!-- Generated from src/exposition/families.rs; do not edit. Regenerate with\n     \
         AIPOOL_UPDATE_DOCS=1 cargo test --lib docs_metrics -->\n\n\
         Every metric family the exporter can emit, one table per object it describes,\n\
         in the order they are written on `/metrics`, with the help text it serves.\n\
         Units are base units (cores, bytes, seconds); accelerator counts are plain\n\
         numbers. `info` families have the value 1 and are typed `gauge` in the classic\n\
         text format, `info` in OpenMetrics; `counter` names end in `_total`.\n\n\
         Each table's heading names the labels every series of that object carries;\n\
         the extra labels of each family, and what its figures mean, are in\n\
         [metric-meanings.md](metric-meanings.md).\n",
    );
    for (i, object) in OBJECTS.iter().enumerate() {
        let defs: Vec<&FamilyDef> = catalogue().iter().filter(|d| object_of(d) == i).collect();
        if defs.is_empty() {
            continue;
        }
        let _ = write!(
            out,
            "\n## {}\n\nLabels: {}.\n\n| name | type | help |\n|---|---|---|\n",
            object.title, object.labels
        );
        for d in defs {
            let _ = writeln!(
                out,
                "| `{}` | {} | {} |",
                d.name,
                kind_name(d.kind),
                cell(&d.help)
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/metrics.md");

    /// `docs/metrics.md` is what the catalogue says today; with
    /// `AIPOOL_UPDATE_DOCS=1` the test rewrites it instead of failing.
    #[test]
    fn docs_metrics_is_up_to_date() {
        let want = metrics_markdown();
        if std::env::var_os("AIPOOL_UPDATE_DOCS").is_some() {
            std::fs::write(PATH, &want).expect("write docs/metrics.md");
            return;
        }
        let have = std::fs::read_to_string(PATH).unwrap_or_default();
        assert!(
            have == want,
            "docs/metrics.md is stale: run `AIPOOL_UPDATE_DOCS=1 cargo test --lib docs_metrics`"
        );
    }

    #[test]
    fn docs_metrics_lists_every_family_once_under_its_object() {
        let doc = metrics_markdown();
        for d in catalogue() {
            let row = format!("| `{}` | {} |", d.name, kind_name(d.kind));
            assert_eq!(doc.matches(&row).count(), 1, "{}", d.name);
        }
        let pos = |s: &str| doc.find(s).unwrap_or_else(|| panic!("{s} missing"));
        assert!(pos("## Pool\n") < pos("| `aipool_pool_frozen` |"));
        assert!(pos("## Queue\n") < pos("| `aipool_queue_free_slots` |"));
        assert!(pos("| `aipool_queue_free_slots` |") < pos("## Accelerator\n"));
        assert!(pos("## Account: poll health") < pos("| `aipool_up` |"));
        assert!(pos("| `aipool_up` |") < pos("## Compute region"));
        assert!(pos("| `aipool_build_info` | info |") < pos("## Account: poll health"));
        assert!(
            pos("## Qianfan compute unit\n")
                < pos("| `aipool_compute_unit_expiry_timestamp_seconds` |")
        );
    }

    #[test]
    fn a_pipe_in_help_text_stays_inside_its_cell() {
        assert_eq!(cell("a | b"), "a \\| b");
    }
}
