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
}

impl fmt::Display for RawQuantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RawQuantity::Number(n) => write!(f, "{n}"),
            RawQuantity::Text(s) => write!(f, "{s:?}"),
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

/// A named normalisation rule: one documented upstream quirk and its fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    /// A `memoryGi` value ≥ 2^30 is already in bytes (no pool has an EiB of memory).
    MemoryGiIsBytes,
    /// A capability `milliCPUcores` that, read as milli, is less than the same
    /// queue's remaining or workload-available CPU but, read as cores, is not — is
    /// cores.
    MilliCpuIsCores,
    /// With no remaining or workload-available CPU to compare against (the
    /// OpenAPI reports neither), a capability `milliCPUcores` in a block whose
    /// `memoryGi` is in bytes is cores: every capability block seen with byte
    /// memory also had cores in `milliCPUcores` (the console seed), so both fields
    /// come from one code path that reports base units.
    MilliCpuIsCoresBesideBytes,
    /// An accelerator card entry without `acceleratorDescription` is named by its
    /// `acceleratorType`.
    AcceleratorNameFromType,
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
}

impl Rule {
    pub const ALL: [Rule; 7] = [
        Rule::MemoryGiIsBytes,
        Rule::MilliCpuIsCores,
        Rule::MilliCpuIsCoresBesideBytes,
        Rule::AcceleratorNameFromType,
        Rule::CardsFromNodes,
        Rule::FreeCardsFromFreeNodes,
        Rule::ZeroNodeLimitIsUnset,
    ];

    /// The `rule` label value.
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::MemoryGiIsBytes => "memory_gi_is_bytes",
            Rule::MilliCpuIsCores => "milli_cpu_is_cores",
            Rule::MilliCpuIsCoresBesideBytes => "milli_cpu_is_cores_beside_bytes",
            Rule::AcceleratorNameFromType => "accelerator_name_from_type",
            Rule::CardsFromNodes => "cards_from_nodes",
            Rule::FreeCardsFromFreeNodes => "free_cards_from_free_nodes",
            Rule::ZeroNodeLimitIsUnset => "zero_node_limit_is_unset",
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

/// A value labelled MiB (or MB, as Sugon says), in bytes.
pub fn mib_to_bytes(mib: f64) -> f64 {
    mib * MIB
}

/// A milliCPU value in cores.
pub fn milli_to_cores(milli: f64) -> f64 {
    milli / 1000.0
}

/// Converts a capability `milliCPUcores` value to cores, applying
/// [`Rule::MilliCpuIsCores`] against the same queue's remaining and
/// workload-available CPU in cores (`references`; absent ones are left out), or,
/// when there are no references, [`Rule::MilliCpuIsCoresBesideBytes`] when the
/// same block's memory was reported in bytes.
///
/// Capability can never be below what remains of it, so a literal reading that is
/// smaller than a reference is impossible; if reading the number as cores makes it
/// consistent, cores is what the upstream meant.
pub fn capability_milli_to_cores(
    milli: f64,
    references: &[f64],
    memory_in_bytes: bool,
    fired: &mut Fired,
) -> f64 {
    let literal = milli_to_cores(milli);
    if references.is_empty() {
        if memory_in_bytes {
            fired.fire(Rule::MilliCpuIsCoresBesideBytes);
            return milli;
        }
        return literal;
    }
    let impossible = references.iter().any(|r| literal < *r);
    let consistent_as_cores = references.iter().all(|r| milli >= *r);
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

    #[test]
    fn milli_cpu_rule_uses_the_queue_references() {
        let mut fired = Fired::default();
        // The seed: capability "444" beside remaining 415.14 cores.
        assert_eq!(
            capability_milli_to_cores(444.0, &[415.14, 415.14], true, &mut fired),
            444.0
        );
        assert_eq!(fired.count(Rule::MilliCpuIsCores), 1);
        // A genuine milli value stays milli.
        assert_eq!(
            capability_milli_to_cores(444_000.0, &[415.14], false, &mut fired),
            444.0
        );
        // No references and Gi memory: nothing says it is not milli.
        assert_eq!(
            capability_milli_to_cores(444.0, &[], false, &mut fired),
            0.444
        );
        // No references, but the block's memory was bytes: cores (second rule).
        assert_eq!(
            capability_milli_to_cores(444.0, &[], true, &mut fired),
            444.0
        );
        assert_eq!(fired.count(Rule::MilliCpuIsCoresBesideBytes), 1);
        // Read as cores it is still below a reference: the rule cannot explain the
        // data, so it does not fire.
        assert_eq!(
            capability_milli_to_cores(400.0, &[415.14], true, &mut fired),
            0.4
        );
        assert_eq!(fired.count(Rule::MilliCpuIsCores), 1);
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
