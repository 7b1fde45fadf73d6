//! The errors every layer may name: why an upstream request failed ([`Reason`],
//! the `reason` label) and a failed poll ([`PollError`]). A leaf module: it
//! imports nothing of the crate, so the HTTP layer, the counters and the
//! providers can all use it without importing each other.

use std::fmt;

/// Why a request failed: the `reason` label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reason {
    Timeout,
    Connect,
    Http4xx,
    Http5xx,
    Throttled,
    Auth,
    Decode,
    UpstreamError,
}

impl Reason {
    pub const ALL: [Reason; 8] = [
        Reason::Timeout,
        Reason::Connect,
        Reason::Http4xx,
        Reason::Http5xx,
        Reason::Throttled,
        Reason::Auth,
        Reason::Decode,
        Reason::UpstreamError,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Timeout => "timeout",
            Reason::Connect => "connect",
            Reason::Http4xx => "http_4xx",
            Reason::Http5xx => "http_5xx",
            Reason::Throttled => "throttled",
            Reason::Auth => "auth",
            Reason::Decode => "decode",
            Reason::UpstreamError => "upstream_error",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A failed poll: which call, where (URL without secrets), why, and the upstream's
/// own message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{api} {url}: {reason}: {message}")]
pub struct PollError {
    pub api: String,
    pub url: String,
    pub reason: Reason,
    pub message: String,
}
