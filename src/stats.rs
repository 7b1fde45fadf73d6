//! Per-account self-metric counters, updated by the HTTP layer and the poller.
//!
//! Locks are held only to bump or copy a small map; a scrape copies them out.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use crate::error::Reason;
use crate::quantity::{Fired, Rule};

#[derive(Debug, Default)]
pub struct AccountStats {
    requests: Mutex<BTreeMap<String, u64>>,
    failures: Mutex<BTreeMap<(String, Reason), u64>>,
    normalizations: Mutex<BTreeMap<Rule, u64>>,
    polls_success: AtomicU64,
    polls_failure: AtomicU64,
    overruns: AtomicU64,
}

/// A consistent copy of the counters for rendering.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StatsView {
    pub requests: BTreeMap<String, u64>,
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

impl AccountStats {
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

    pub fn view(&self) -> StatsView {
        StatsView {
            requests: lock(&self.requests).clone(),
            failures: lock(&self.failures).clone(),
            normalizations: lock(&self.normalizations).clone(),
            polls_success: self.polls_success.load(Ordering::Relaxed),
            polls_failure: self.polls_failure.load(Ordering::Relaxed),
            overruns: self.overruns.load(Ordering::Relaxed),
        }
    }
}
