//! Per-account counters (requests, failures, decode errors, rules fired, polls),
//! bumped by the upstream client and the poller, read by the self-metrics.
//!
//! Locks are held only to bump or copy a small map; a scrape copies them out.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use std::collections::HashSet;

use crate::error::{DecodeError, DecodeReason, Reason};
use crate::quantity::{Fired, Rule};

#[derive(Debug, Default)]
pub struct AccountCounters {
    requests: Mutex<BTreeMap<String, u64>>,
    decode_errors: Mutex<BTreeMap<(String, DecodeReason), u64>>,
    /// The decode errors of the last poll that reported any, for logging each
    /// once per change instead of once per poll.
    decode_seen: Mutex<HashSet<DecodeError>>,
    failures: Mutex<BTreeMap<(String, Reason), u64>>,
    normalizations: Mutex<BTreeMap<Rule, u64>>,
    polls_success: AtomicU64,
    polls_failure: AtomicU64,
    overruns: AtomicU64,
}

/// A consistent copy of the counters for rendering.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CountersView {
    pub requests: BTreeMap<String, u64>,
    pub decode_errors: BTreeMap<(String, DecodeReason), u64>,
    pub failures: BTreeMap<(String, Reason), u64>,
    pub normalizations: BTreeMap<Rule, u64>,
    pub polls_success: u64,
    pub polls_failure: u64,
    pub overruns: u64,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding one of these locks cannot leave a counter map in a
    // half-updated state worth refusing to read, so recover from poisoning.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl AccountCounters {
    pub fn count_request(&self, api: &str) {
        *lock(&self.requests).entry(api.to_string()).or_insert(0) += 1;
    }

    pub fn count_failure(&self, api: &str, reason: Reason) {
        *lock(&self.failures)
            .entry((api.to_string(), reason))
            .or_insert(0) += 1;
    }

    pub fn count_fired(&self, fired: &Fired) {
        let mut n = lock(&self.normalizations);
        for (rule, count) in fired.iter() {
            *n.entry(rule).or_insert(0) += count;
        }
    }

    /// Counts one poll's decode errors and returns those the previous poll did
    /// not also have: the ones worth a log line. An error that stays is logged
    /// once; one that goes and comes back is logged again.
    pub fn count_decode_errors<'e>(&self, errors: &'e [DecodeError]) -> Vec<&'e DecodeError> {
        {
            let mut n = lock(&self.decode_errors);
            for e in errors {
                *n.entry((e.api.clone(), e.reason)).or_insert(0) += 1;
            }
        }
        let mut seen = lock(&self.decode_seen);
        let new = errors.iter().filter(|e| !seen.contains(*e)).collect();
        *seen = errors.iter().cloned().collect();
        new
    }

    pub fn count_poll(&self, success: bool) {
        let c = if success {
            &self.polls_success
        } else {
            &self.polls_failure
        };
        c.fetch_add(1, Ordering::Relaxed);
    }

    /// Poll ticks skipped because the previous poll was still running.
    pub fn count_overruns(&self, n: u64) {
        self.overruns.fetch_add(n, Ordering::Relaxed);
    }

    pub fn view(&self) -> CountersView {
        CountersView {
            requests: lock(&self.requests).clone(),
            decode_errors: lock(&self.decode_errors).clone(),
            failures: lock(&self.failures).clone(),
            normalizations: lock(&self.normalizations).clone(),
            polls_success: self.polls_success.load(Ordering::Relaxed),
            polls_failure: self.polls_failure.load(Ordering::Relaxed),
            overruns: self.overruns.load(Ordering::Relaxed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(object: &str, detail: &str) -> DecodeError {
        DecodeError {
            api: "v3/queues".into(),
            object: object.into(),
            field: "remaining.memoryGi".into(),
            reason: DecodeReason::NotANumber,
            detail: detail.into(),
        }
    }

    #[test]
    fn decode_errors_count_every_poll_and_log_once_per_change() {
        let s = AccountCounters::default();
        let a = err("queue q-1", "\"abc\"");
        let b = err("queue q-2", "\"abc\"");
        assert_eq!(s.count_decode_errors(std::slice::from_ref(&a)), [&a]);
        // The same error again: counted, not logged.
        assert!(s.count_decode_errors(std::slice::from_ref(&a)).is_empty());
        // A new one beside it: only the new one is logged.
        assert_eq!(s.count_decode_errors(&[a.clone(), b.clone()]), [&b]);
        // Its value changes: logged again.
        let a2 = err("queue q-1", "\"xyz\"");
        assert_eq!(s.count_decode_errors(&[a2.clone(), b.clone()]), [&a2]);
        // Gone for a poll, then back: logged again.
        assert!(s.count_decode_errors(&[]).is_empty());
        assert_eq!(s.count_decode_errors(std::slice::from_ref(&b)), [&b]);
        assert_eq!(
            s.view().decode_errors[&("v3/queues".to_string(), DecodeReason::NotANumber)],
            7
        );
    }
}
