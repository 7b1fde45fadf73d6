//! `docs/metrics.md`, written from the family tables so the reference can never
//! drift from what the exporter emits: names, types, labels and help text.
//! What the figures mean stays hand-written in `docs/metric-meanings.md`.

use std::fmt::Write as _;

use super::families::{catalogue, FamilyDef, Object, Presence};

/// A table cell: `|` would end the cell early.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

/// The labels of `def` after its object's identity, in the order written.
fn own_labels(def: &FamilyDef) -> String {
    let own: Vec<String> = def.labels[def.object.identity().len()..]
        .iter()
        .map(|l| match l.presence {
            Presence::Always => format!("`{}`", l.name),
            Presence::Optional => format!("`{}` (optional)", l.name),
            Presence::Open => format!("then {}", l.name),
        })
        .collect();
    if own.is_empty() {
        "–".to_string()
    } else {
        own.join(", ")
    }
}

/// The whole of `docs/metrics.md`.
pub fn metrics_markdown() -> String {
    let mut out = String::new();
    out.push_str(
        "# Metrics\n\n\
         <!-- Generated from crates/aipool-model/src/families/ (one table per object);\n     \
         do not edit. Regenerate with AIPOOL_UPDATE_DOCS=1 cargo test --lib docs_metrics -->\n\n\
         Every metric family the exporter can emit, one table per object it describes,\n\
         in the order they are written on `/metrics`, with the help text it serves.\n\
         Units are base units (cores, bytes, seconds); accelerator counts are plain\n\
         numbers. `info` families have the value 1 and are typed `gauge` in the classic\n\
         text format, `info` in OpenMetrics; `counter` names end in `_total`.\n\n\
         Each table's heading names the labels every series of that object carries,\n\
         first and in that order; the labels column the family's own, which follow\n\
         them in the order given (an optional one only where the platform reports a\n\
         value). What each family's figures mean is in\n\
         [metric-meanings.md](metric-meanings.md).\n",
    );
    for object in Object::ALL {
        let defs: Vec<&FamilyDef> = catalogue().iter().filter(|d| d.object == object).collect();
        if defs.is_empty() {
            continue;
        }
        let identity: Vec<String> = object.identity().iter().map(|l| format!("`{l}`")).collect();
        let identity = if identity.is_empty() {
            "none".to_string()
        } else {
            identity.join(", ")
        };
        let _ = write!(
            out,
            "\n## {}\n\nLabels: {identity}.\n\n| name | type | labels | help |\n|---|---|---|---|\n",
            object.title(),
        );
        for d in defs {
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {} |",
                d.name,
                d.kind.as_str(),
                cell(&own_labels(d)),
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
            let row = format!("| `{}` | {} |", d.name, d.kind.as_str());
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
    fn docs_metrics_lists_each_familys_own_labels_in_order() {
        let doc = metrics_markdown();
        for row in [
            "| `aipool_pool_info` | info | `pool_name`, `pool_type`, `phase`, `workspace_id` (optional), `parent_pool` (optional), then the platform's further facts (Sugon: `max_time`) |",
            "| `aipool_api_request_failures_total` | counter | `api`, `reason` |",
            "| `aipool_pool_free_slots` | gauge | `accelerator`, `cards` |",
            "| `aipool_queue_capability_accelerators` | gauge | `accelerator` |",
            "| `aipool_queue_capability_cpu_cores` | gauge | – |",
        ] {
            assert!(doc.contains(row), "{row}");
        }
        assert!(
            doc.contains("## Pool\n\nLabels: `provider`, `account`, `cloud_region`, `pool_id`.\n")
        );
        assert!(doc.contains("## Exporter process\n\nLabels: none.\n"));
    }

    #[test]
    fn a_pipe_in_help_text_stays_inside_its_cell() {
        assert_eq!(cell("a | b"), "a \\| b");
    }
}
