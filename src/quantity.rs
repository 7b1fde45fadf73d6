//! Quantity parsing and unit normalisation, shared by every provider.
//!
//! Upstreams report numbers as JSON numbers or strings (`"8.0"`, `"0.5"`), as
//! Kubernetes quantities (`"3920m"`, `"64Gi"`, `"6270Mi"`), in milliCPU, Gi or MiB.
//! Everything leaves this module in base units: cores, bytes, plain counts.
//!
//! Some real responses contradict their own field names (docs/providers.md §1a). Each
//! such fix is a named [`Rule`]; a provider reports every firing to a [`Fired`]
//! recorder, which the poller turns into `aipool_normalizations_total{rule}` so an
//! operator can see how often the exporter second-guessed the upstream.
//!
//! [`derive`] holds the figures computed from whole queues and pools rather than
//! single values: free where the API reports none, the queue tree by id, pool
//! totals. Providers run it inside their poll, so a [`crate::providers::PollOutput`]
//! is final and every consumer sees the same numbers.

pub mod derive;
pub mod slots;

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;

/// 2^30: one Gi in bytes.
pub const GIB: f64 = 1_073_741_824.0;
/// 2^20: one Mi in bytes.
pub const MIB: f64 = 1_048_576.0;

/// A number as upstreams send it: a JSON number or a string holding one.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum RawQuantity {
    Number(f64),
    Text(String),
    /// Anything else where a number belongs (an object, a list, `true`): kept
    /// so the field alone is refused when it is parsed, instead of the whole
    /// object failing to decode (one bad field never costs its neighbours).
    Other(serde_json::Value),
}

impl fmt::Display for RawQuantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RawQuantity::Number(n) => write!(f, "{n}"),
            RawQuantity::Text(s) => write!(f, "{s:?}"),
            RawQuantity::Other(v) => write!(f, "{v}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum QuantityError {
    #[error("{0:?} is not a number or Kubernetes quantity")]
    Malformed(String),
    #[error("{0} is not a finite number")]
    NotFinite(String),
}

/// Parses a plain number or a Kubernetes quantity into its value in base units
/// (`"3920m"` → 3.92, `"64Gi"` → 68719476736, `"8.0"` → 8, `"1e3"` → 1000).
///
/// Returns `Ok(None)` for an empty string: several upstreams send `""` for "not
/// reported", which must not become a fake 0.
pub fn parse(raw: &RawQuantity) -> Result<Option<f64>, QuantityError> {
    match raw {
        RawQuantity::Number(n) if n.is_finite() => Ok(Some(*n)),
        RawQuantity::Number(n) => Err(QuantityError::NotFinite(n.to_string())),
        RawQuantity::Text(s) => parse_str(s),
        RawQuantity::Other(v) => Err(QuantityError::Malformed(truncate_for_error(&v.to_string()))),
    }
}

/// [`parse`] for a string.
///
/// ```
/// use aipool_exporter::quantity::parse_str;
/// assert_eq!(parse_str("3920m").unwrap(), Some(3.92));
/// assert_eq!(parse_str("64Gi").unwrap(), Some(68_719_476_736.0));
/// assert_eq!(parse_str("0.5").unwrap(), Some(0.5));
/// assert_eq!(parse_str("").unwrap(), None);
/// assert!(parse_str("lots").is_err());
/// ```
pub fn parse_str(s: &str) -> Result<Option<f64>, QuantityError> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let malformed = || QuantityError::Malformed(truncate_for_error(s));
    // Split the numeric part from a suffix. A Kubernetes quantity's suffix is one of
    // the SI or binary multipliers below; an exponent (`1e3`) stays in the number.
    let (number, multiplier) = split_suffix(t).ok_or_else(malformed)?;
    // Rust's float parser accepts "inf" and "NaN"; upstream quantities never mean
    // those, so insist on digits.
    if !number.bytes().any(|b| b.is_ascii_digit())
        || !number
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'))
    {
        return Err(malformed());
    }
    let value: f64 = number.parse().map_err(|_| malformed())?;
    // Divide for the sub-unit suffixes: 3920 / 1000 is exactly 3.92, while
    // 3920 * 0.001 is not.
    let v = if multiplier < 1.0 {
        value / (1.0 / multiplier).round()
    } else {
        value * multiplier
    };
    if !v.is_finite() {
        return Err(QuantityError::NotFinite(truncate_for_error(s)));
    }
    Ok(Some(v))
}

fn split_suffix(t: &str) -> Option<(&str, f64)> {
    const SUFFIXES: [(&str, f64); 13] = [
        ("Ki", 1024.0),
        ("Mi", MIB),
        ("Gi", GIB),
        ("Ti", GIB * 1024.0),
        ("Pi", GIB * 1024.0 * 1024.0),
        ("Ei", GIB * GIB),
        ("n", 1e-9),
        ("u", 1e-6),
        ("m", 1e-3),
        ("k", 1e3),
        ("M", 1e6),
        ("G", 1e9),
        ("T", 1e12),
    ];
    // "P" and "E" are SI suffixes too, but "E" collides with an exponent ("1E3");
    // like Kubernetes, treat a trailing "E"/"P" after digits as the suffix.
    for (suffix, mult) in SUFFIXES.iter().chain([("P", 1e15), ("E", 1e18)].iter()) {
        if let Some(num) = t.strip_suffix(suffix) {
            if num.ends_with(|c: char| c.is_ascii_digit() || c == '.') {
                return Some((num, *mult));
            }
            return None;
        }
    }
    Some((t, 1.0))
}

fn truncate_for_error(s: &str) -> String {
    // Upstream garbage can be huge; an error message only needs its start.
    s.chars().take(64).collect()
}

/// A named normalisation rule: one documented upstream quirk and its fix, or one
/// figure the exporter derives where the upstream does not report it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    /// A `memoryGi` value ≥ 2^30 is already in bytes (no pool has an EiB of memory).
    MemoryGiIsBytes,
    /// A capability `milliCPUcores` is cores: the same block's rounded `cpuCores`
    /// agrees with the value read as cores and not as milli, or (with no
    /// `cpuCores` and no memory in bytes) read as milli it is below a tenth of the
    /// same queue's allocated or workload-available CPU while read as cores it is
    /// at least both. Never compared with `remaining`, which falls as the queue
    /// fills.
    MilliCpuIsCores,
    /// A capability `milliCPUcores` in a block whose `memoryGi` is in bytes is
    /// cores: every capability block seen with byte memory also had cores in
    /// `milliCPUcores` (the console seed), so both fields come from one code path
    /// that reports base units. The block's own evidence, so it holds however full
    /// the queue is.
    MilliCpuIsCoresBesideBytes,
    /// An accelerator card entry without `acceleratorDescription` is named by its
    /// `acceleratorType`.
    AcceleratorNameFromType,
    /// A resource the API reports no `remaining` for: `workloadAvailable −
    /// allocated` (an absent allocated entry or block counts 0).
    RemainingFromWorkloadAvailable,
    /// A resource with neither `remaining` nor `workloadAvailable`, where the
    /// provider allows it (AIHC OpenAPI): `capability − allocated`, an upper bound
    /// (it ignores the platform's reserve).
    RemainingFromCapability,
    /// A remaining below 0 (an oversold queue, or allocated above what it is
    /// taken from) is 0: nothing is free.
    RemainingClampedAtZero,
    /// A `parentQueue` that names a queue of the same pool by its name, not its
    /// id: the parent is that queue's id.
    ParentQueueByName,
    /// A queue that names itself as its parent (by id or name; AIHC's root queue
    /// does): a top-level queue.
    ParentQueueIsSelf,
    /// A `parentQueue` that is no listed queue of the same pool (a pseudo-root, or
    /// a queue of another pool): a top-level queue.
    ParentQueueNotListed,
    /// Parents that form a loop: the queue of the loop with the smallest id
    /// becomes top-level, so every tree has a root and nothing is summed twice.
    ParentQueueCycle,
    /// A queue whose name repeats the name of another queue of its pool; a parent
    /// named by that name is the one with the smallest id.
    DuplicateQueueName,
    /// A pool's capability, allocated and remaining are the sums over its
    /// top-level queues (a root queue's capability is the pool's total; nested
    /// queues are inside their parent and never counted twice).
    PoolTotalsFromTopLevelQueues,
    /// A pool total left out (no series) because a top-level queue that reports
    /// the resource does not report it for that quantity: the sum would be short.
    PoolTotalIncomplete,
    /// A pool only a queue names (AIHC serverless `resourcePoolIds[0]`, not in the
    /// serverless pool list): created with the queue's `resourcePoolNames[0]`.
    PoolNamedByQueue,
    /// A Sugon HPC queue's cards = its nodes × cards per node (`queNodes` ×
    /// `queMaxGpuPN` / `queMaxDcuPN`): the queue list reports no card total.
    CardsFromNodes,
    /// A Sugon HPC queue's free cards = its free nodes × cards per node
    /// (`queFreeNodes` × `queMaxGpuPN` / `queMaxDcuPN`): cards free on a partly
    /// used node are not counted, so this is what a job can still get in whole
    /// nodes.
    FreeCardsFromFreeNodes,
    /// A Sugon per-node card quota (`nvLimits`, `dcuLimits`, `mluLimits`) of 0
    /// means no quota is set (the seed: `nvLimits` 0 beside 2 GPUs per node), not
    /// a limit of 0 cards: no limit series.
    ZeroNodeLimitIsUnset,
    /// A ModelArts node `memory` given as a bare number is GiB: the official
    /// SDK's `NodeResource.memory` says "以Gi为单位" (in Gi). One with a unit
    /// suffix (`"6270Mi"`, as in the API reference's example) is a Kubernetes
    /// quantity and does not fire this rule.
    NodeMemoryBareIsGi,
    /// A free figure above what the pool's hardware has free (capability −
    /// allocated of its nodes, AIHC `DescribeResourcePoolOverview`; never its
    /// `idle`) is lowered to it: quota can promise cards that other queues
    /// hold. Fires only when it lowers a figure.
    RemainingBoundedByPoolIdle,
    /// A pool with several accelerator types whose hardware figures cannot be
    /// told apart by type: its queues' free cards are left as the quotas say
    /// (an upper bound), once per pool and poll.
    RemainingNotBoundedMixedAccelerators,
    /// A polled pool the hardware overview does not list: its free figures
    /// are left as the quotas say (an upper bound).
    PoolMissingFromOverview,
    /// A pool the hardware overview lists that is not among the polled pools
    /// of its type: ignored.
    OverviewPoolNotPolled,
    /// A queue listed again on a later page (AIHC pages self-managed queue
    /// trees by repeating the whole tree) with figures other than its first
    /// listing: the first is kept. Identical repeats are dropped silently.
    QueueRepeatedKeptFirst,
    /// A schedulable node that reports more of an accelerator free than it has
    /// (ModelArts `availableResources` above `resources`): its free cards for
    /// the slot figures are its total.
    NodeFreeClampedAtTotal,
}

impl Rule {
    pub const ALL: [Rule; 25] = [
        Rule::MemoryGiIsBytes,
        Rule::MilliCpuIsCores,
        Rule::MilliCpuIsCoresBesideBytes,
        Rule::AcceleratorNameFromType,
        Rule::RemainingFromWorkloadAvailable,
        Rule::RemainingFromCapability,
        Rule::RemainingClampedAtZero,
        Rule::ParentQueueByName,
        Rule::ParentQueueIsSelf,
        Rule::ParentQueueNotListed,
        Rule::ParentQueueCycle,
        Rule::DuplicateQueueName,
        Rule::PoolTotalsFromTopLevelQueues,
        Rule::PoolTotalIncomplete,
        Rule::PoolNamedByQueue,
        Rule::CardsFromNodes,
        Rule::FreeCardsFromFreeNodes,
        Rule::ZeroNodeLimitIsUnset,
        Rule::NodeMemoryBareIsGi,
        Rule::RemainingBoundedByPoolIdle,
        Rule::RemainingNotBoundedMixedAccelerators,
        Rule::PoolMissingFromOverview,
        Rule::OverviewPoolNotPolled,
        Rule::QueueRepeatedKeptFirst,
        Rule::NodeFreeClampedAtTotal,
    ];

    /// The `rule` label value.
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::MemoryGiIsBytes => "memory_gi_is_bytes",
            Rule::MilliCpuIsCores => "milli_cpu_is_cores",
            Rule::MilliCpuIsCoresBesideBytes => "milli_cpu_is_cores_beside_bytes",
            Rule::AcceleratorNameFromType => "accelerator_name_from_type",
            Rule::RemainingFromWorkloadAvailable => "remaining_from_workload_available",
            Rule::RemainingFromCapability => "remaining_from_capability",
            Rule::RemainingClampedAtZero => "remaining_clamped_at_zero",
            Rule::ParentQueueByName => "parent_queue_by_name",
            Rule::ParentQueueIsSelf => "parent_queue_is_self",
            Rule::ParentQueueNotListed => "parent_queue_not_listed",
            Rule::ParentQueueCycle => "parent_queue_cycle",
            Rule::DuplicateQueueName => "duplicate_queue_name",
            Rule::PoolTotalsFromTopLevelQueues => "pool_totals_from_top_level_queues",
            Rule::PoolTotalIncomplete => "pool_total_incomplete",
            Rule::PoolNamedByQueue => "pool_named_by_queue",
            Rule::CardsFromNodes => "cards_from_nodes",
            Rule::FreeCardsFromFreeNodes => "free_cards_from_free_nodes",
            Rule::ZeroNodeLimitIsUnset => "zero_node_limit_is_unset",
            Rule::NodeMemoryBareIsGi => "node_memory_bare_is_gi",
            Rule::RemainingBoundedByPoolIdle => "remaining_bounded_by_pool_idle",
            Rule::RemainingNotBoundedMixedAccelerators => {
                "remaining_not_bounded_mixed_accelerators"
            }
            Rule::PoolMissingFromOverview => "pool_missing_from_overview",
            Rule::OverviewPoolNotPolled => "overview_pool_not_polled",
            Rule::QueueRepeatedKeptFirst => "queue_repeated_kept_first",
            Rule::NodeFreeClampedAtTotal => "node_free_clamped_at_total",
        }
    }
}

/// Counts rule firings during one poll.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fired(BTreeMap<Rule, u64>);

impl Fired {
    pub fn fire(&mut self, rule: Rule) {
        *self.0.entry(rule).or_insert(0) += 1;
    }

    pub fn count(&self, rule: Rule) -> u64 {
        self.0.get(&rule).copied().unwrap_or(0)
    }

    pub fn iter(&self) -> impl Iterator<Item = (Rule, u64)> + '_ {
        self.0.iter().map(|(r, n)| (*r, *n))
    }
}

/// A value labelled Gi, in bytes; applies [`Rule::MemoryGiIsBytes`].
pub fn gi_to_bytes(gi: f64, fired: &mut Fired) -> f64 {
    if gi >= GIB {
        fired.fire(Rule::MemoryGiIsBytes);
        gi
    } else {
        gi * GIB
    }
}

/// Whether a quantity carries a unit suffix (`"6270Mi"`, `"3920m"`, `"1k"`);
/// a JSON number or a plain numeric string (`"768"`, `"1e3"`) does not.
/// Malformed values carry none: they are refused by [`parse`] anyway.
pub fn has_unit_suffix(raw: &RawQuantity) -> bool {
    match raw {
        RawQuantity::Text(s) => {
            let t = s.trim();
            split_suffix(t).is_some_and(|(number, _)| number.len() != t.len())
        }
        RawQuantity::Number(_) | RawQuantity::Other(_) => false,
    }
}

/// A ModelArts node `memory` value in bytes, from its raw form and its value
/// as [`parse`] read it: a bare number is GiB ([`Rule::NodeMemoryBareIsGi`],
/// fired), a quantity with a suffix is already in bytes. `None` when the bytes
/// overflow (a bare `"1e300"`): the caller records that as not finite.
pub fn node_memory_bytes(raw: &RawQuantity, parsed: f64, fired: &mut Fired) -> Option<f64> {
    if has_unit_suffix(raw) {
        return Some(parsed);
    }
    let bytes = parsed * GIB;
    if !bytes.is_finite() {
        return None;
    }
    fired.fire(Rule::NodeMemoryBareIsGi);
    Some(bytes)
}

/// A value labelled MiB (or MB, as Sugon says), in bytes.
pub fn mib_to_bytes(mib: f64) -> f64 {
    mib * MIB
}

/// A milliCPU value in cores.
pub fn milli_to_cores(milli: f64) -> f64 {
    milli / 1000.0
}

/// What a capability block itself says about the unit of its `milliCPUcores`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CpuEvidence<'a> {
    /// The same block's `cpuCores` (the upstream rounds it), if reported.
    pub cpu_cores: Option<f64>,
    /// The same block's `memoryGi` was in bytes ([`Rule::MemoryGiIsBytes`]).
    pub memory_in_bytes: bool,
    /// The same queue's allocated and workload-available CPU in cores (absent
    /// ones left out). Neither falls as the queue fills, unlike `remaining`,
    /// so the reading does not depend on how full the queue is.
    pub floors: &'a [f64],
}

/// Converts a capability `milliCPUcores` value to cores, deciding from the
/// block's own evidence whether the upstream meant cores, in this order:
///
/// 1. the block's rounded `cpuCores` agrees with one reading: that one (cores
///    counts [`Rule::MilliCpuIsCores`]);
/// 2. the block's memory was in bytes: cores ([`Rule::MilliCpuIsCoresBesideBytes`]);
/// 3. read as milli it is below a tenth of an allocated or workload-available CPU
///    of the queue (capability bounds both; a little below is an oversold queue,
///    ten times below is a unit) while read as cores it is at least all of them:
///    cores ([`Rule::MilliCpuIsCores`]);
/// 4. otherwise milli, as the field name says.
pub fn capability_milli_to_cores(milli: f64, evidence: CpuEvidence<'_>, fired: &mut Fired) -> f64 {
    let literal = milli_to_cores(milli);
    if let Some(c) = evidence.cpu_cores {
        let agrees = |v: f64| v.floor() == c || v.round() == c;
        if agrees(literal) {
            return literal;
        }
        if agrees(milli) {
            fired.fire(Rule::MilliCpuIsCores);
            return milli;
        }
    }
    if evidence.memory_in_bytes {
        fired.fire(Rule::MilliCpuIsCoresBesideBytes);
        return milli;
    }
    let floors = evidence.floors;
    // Ten times over: an oversold queue may have allocated a little above its
    // capability, which says nothing about units; a capability a thousand times
    // below what the queue hands out does.
    let impossible = floors.iter().any(|r| literal * 10.0 < *r);
    let consistent_as_cores = floors.iter().all(|r| milli >= *r);
    if impossible && consistent_as_cores {
        fired.fire(Rule::MilliCpuIsCores);
        milli
    } else {
        literal
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> f64 {
        parse_str(s).unwrap().unwrap()
    }

    #[test]
    fn plain_numbers_and_fractions() {
        assert_eq!(p("8"), 8.0);
        assert_eq!(p("8.0"), 8.0);
        assert_eq!(p("0.5"), 0.5);
        assert_eq!(p(" 16 "), 16.0);
        assert_eq!(p("1e3"), 1000.0);
        assert_eq!(p("1E3"), 1000.0);
        assert_eq!(p("-2"), -2.0);
        assert_eq!(parse(&RawQuantity::Number(2.5)).unwrap(), Some(2.5));
        assert_eq!(
            parse(&RawQuantity::Text("415140".into())).unwrap(),
            Some(415140.0)
        );
    }

    #[test]
    fn kubernetes_quantities() {
        assert_eq!(p("3920m"), 3.92);
        assert_eq!(p("64Gi"), 64.0 * GIB);
        assert_eq!(p("6270Mi"), 6270.0 * MIB);
        assert_eq!(p("768Gi"), 768.0 * GIB);
        assert_eq!(p("1Ki"), 1024.0);
        assert_eq!(p("2k"), 2000.0);
        assert_eq!(p("1.5G"), 1.5e9);
        assert_eq!(p("1P"), 1e15);
        assert_eq!(p("1E"), 1e18);
        assert_eq!(p("100n"), 100.0 / 1e9);
        assert_eq!(p("250u"), 0.00025);
    }

    #[test]
    fn empty_is_absent_not_zero() {
        assert_eq!(parse_str("").unwrap(), None);
        assert_eq!(parse_str("   ").unwrap(), None);
    }

    #[test]
    fn garbage_is_an_error() {
        for bad in [
            "abc", "Gi", "inf", "NaN", "1..2", "12Xi", "m", "0x10", "1 2",
        ] {
            assert!(parse_str(bad).is_err(), "{bad:?} should not parse");
        }
        assert!(parse(&RawQuantity::Number(f64::NAN)).is_err());
        assert!(parse_str("1e999").is_err());
    }

    #[test]
    fn error_message_is_short() {
        let long = "x".repeat(10_000);
        let msg = parse_str(&long).unwrap_err().to_string();
        assert!(msg.len() < 120, "{msg}");
    }

    #[test]
    fn gi_rule_fires_only_for_byte_sized_values() {
        let mut fired = Fired::default();
        assert_eq!(gi_to_bytes(2041.0, &mut fired), 2041.0 * GIB);
        assert_eq!(fired.count(Rule::MemoryGiIsBytes), 0);
        assert_eq!(gi_to_bytes(2220198166528.0, &mut fired), 2220198166528.0);
        assert_eq!(fired.count(Rule::MemoryGiIsBytes), 1);
        // Just below the threshold is still Gi: 2^30 - 1 Gi would be ~1 EiB.
        assert_eq!(gi_to_bytes(GIB - 1.0, &mut fired), (GIB - 1.0) * GIB);
        assert_eq!(fired.count(Rule::MemoryGiIsBytes), 1);
    }

    fn cores(milli: f64, evidence: CpuEvidence<'_>) -> (f64, Fired) {
        let mut fired = Fired::default();
        (
            capability_milli_to_cores(milli, evidence, &mut fired),
            fired,
        )
    }

    #[test]
    fn milli_cpu_beside_bytes_is_cores_however_full_the_queue() {
        // The console seed's capability block: "444" beside memory in bytes.
        let bytes = |floors| CpuEvidence {
            memory_in_bytes: true,
            floors,
            ..CpuEvidence::default()
        };
        // As seeded (allocated 0, workloadAvailable 415.14), used up (allocated =
        // workloadAvailable = 415.14) and without workloadAvailable: all 444.
        for floors in [&[0.0, 415.14][..], &[415.14, 415.14], &[0.0], &[]] {
            let (v, fired) = cores(444.0, bytes(floors));
            assert_eq!(v, 444.0, "{floors:?}");
            assert_eq!(fired.count(Rule::MilliCpuIsCoresBesideBytes), 1);
            assert_eq!(fired.count(Rule::MilliCpuIsCores), 0);
        }
    }

    #[test]
    fn milli_cpu_against_allocated_and_workload_available() {
        let gi = |floors| CpuEvidence {
            floors,
            ..CpuEvidence::default()
        };
        // Below workloadAvailable read as milli, at least it read as cores.
        let (v, fired) = cores(444.0, gi(&[0.0, 415.14]));
        assert_eq!((v, fired.count(Rule::MilliCpuIsCores)), (444.0, 1));
        // Used up: allocated = workloadAvailable, still cores.
        assert_eq!(cores(444.0, gi(&[415.14, 415.14])).0, 444.0);
        // A genuine milli value stays milli.
        let (v, fired) = cores(444_000.0, gi(&[0.0, 415.14]));
        assert_eq!((v, fired), (444.0, Fired::default()));
        // Nothing to compare with and Gi memory: nothing says it is not milli.
        assert_eq!(cores(444.0, gi(&[])).0, 0.444);
        assert_eq!(cores(444.0, gi(&[0.0])).0, 0.444);
        // Read as cores it is still below a floor: the rule cannot explain the
        // data, so it does not fire.
        let (v, fired) = cores(400.0, gi(&[0.0, 415.14]));
        assert_eq!((v, fired), (0.4, Fired::default()));
        // Allocated a little above capability is an oversold queue, not a unit.
        let (v, fired) = cores(8_000.0, gi(&[9.0]));
        assert_eq!((v, fired), (8.0, Fired::default()));
    }

    #[test]
    fn milli_cpu_against_the_blocks_own_cpu_cores() {
        // The upstream's rounded cores beside milli: "415" beside "415140".
        let with = |c, memory_in_bytes| CpuEvidence {
            cpu_cores: Some(c),
            memory_in_bytes,
            floors: &[],
        };
        let (v, fired) = cores(415_140.0, with(415.0, true));
        assert_eq!(
            (v, fired),
            (415.14, Fired::default()),
            "cpuCores outranks bytes"
        );
        let (v, fired) = cores(444.0, with(444.0, false));
        assert_eq!((v, fired.count(Rule::MilliCpuIsCores)), (444.0, 1));
        // cpuCores that fits neither reading is no evidence.
        assert_eq!(cores(444.0, with(7.0, false)).0, 0.444);
        assert_eq!(cores(444.0, with(7.0, true)).0, 444.0);
    }

    #[test]
    fn unit_suffixes() {
        let t = |s: &str| has_unit_suffix(&RawQuantity::Text(s.into()));
        for with in ["6270Mi", "768Gi", "3920m", "1k", "1E", " 64Gi "] {
            assert!(t(with), "{with:?}");
        }
        for bare in ["768", "1e3", "1E3", "0.5", " 8 ", "", "abc"] {
            assert!(!t(bare), "{bare:?}");
        }
        assert!(!has_unit_suffix(&RawQuantity::Number(768.0)));
    }

    // huaweicloudsdkmodelarts (PyPI 3.1.219) v1/model/node_resource.py,
    // NodeResource.memory: "节点的内存大小。以Gi为单位" — a bare number is Gi.
    // The API reference's ListPoolNodes example ("Obtaining Nodes",
    // opentelekomcloud-docs/modelarts) sends "6270Mi": a quantity as it says.
    #[test]
    fn node_memory_bare_is_gi_suffixed_is_a_quantity() {
        let mut fired = Fired::default();
        let text = |s: &str| RawQuantity::Text(s.into());
        let bytes = |raw: RawQuantity, fired: &mut Fired| {
            let parsed = parse(&raw).unwrap().unwrap();
            node_memory_bytes(&raw, parsed, fired)
        };
        assert_eq!(bytes(text("768"), &mut fired), Some(768.0 * GIB));
        assert_eq!(
            bytes(RawQuantity::Number(768.0), &mut fired),
            Some(768.0 * GIB)
        );
        assert_eq!(bytes(text("0.5"), &mut fired), Some(0.5 * GIB));
        assert_eq!(fired.count(Rule::NodeMemoryBareIsGi), 3);
        assert_eq!(bytes(text("768Gi"), &mut fired), Some(768.0 * GIB));
        assert_eq!(bytes(text("6270Mi"), &mut fired), Some(6270.0 * MIB));
        assert_eq!(bytes(text("8G"), &mut fired), Some(8e9));
        assert_eq!(bytes(text("1024Ki"), &mut fired), Some(1024.0 * 1024.0));
        assert_eq!(fired.count(Rule::NodeMemoryBareIsGi), 3);
        // Overflow is refused, not fired.
        assert_eq!(bytes(text("1e300"), &mut fired), None);
        assert_eq!(fired.count(Rule::NodeMemoryBareIsGi), 3);
    }

    #[test]
    fn unit_helpers() {
        assert_eq!(milli_to_cores(415140.0), 415.14);
        assert_eq!(mib_to_bytes(31888.0), 31888.0 * 1048576.0);
    }

    #[test]
    fn rule_names_are_unique_snake_case() {
        let mut names: Vec<_> = Rule::ALL.iter().map(|r| r.as_str()).collect();
        assert!(names
            .iter()
            .all(|n| n.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')));
        names.sort();
        names.dedup();
        assert_eq!(names.len(), Rule::ALL.len());
    }
}
