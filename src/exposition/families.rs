//! The metric families, declared in `aipool_model::families` (one table per
//! object, where `top` can read them too) and re-exported here for the
//! renderer. `docs/metrics.md` is generated from them (`metrics_doc`);
//! `docs/metric-meanings.md` explains every family (a test checks that none
//! is missing there).

pub use aipool_model::families::*;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docs_document_every_family() {
        let readme = include_str!("../../docs/metric-meanings.md");
        let pool_pattern =
            "aipool_pool_{capability,allocated,remaining,workload_available,deserved,guarantee}_";
        for d in catalogue() {
            let documented = match d.fam {
                Family::QueueQuantity(q, _) => {
                    readme.contains(&format!("aipool_queue_{}_", q.as_str()))
                }
                Family::PoolQuantity(..) => readme.contains(pool_pattern),
                Family::PoolPhysical(..) => readme.contains(
                    "aipool_pool_physical_{capability,allocated,remaining}_{cpu_cores,memory_bytes,accelerators}",
                ),
                _ => readme.contains(&format!("`{}`", d.name)),
            };
            assert!(
                documented,
                "docs/metric-meanings.md does not mention {}",
                d.name
            );
        }
    }
}
