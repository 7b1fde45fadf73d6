//! The errors every layer may name: why an upstream request failed ([`Reason`],
//! the `reason` label), a failed poll ([`PollError`]) and an object or field
//! a poll left out ([`DecodeError`], see `providers::upstream::decode`). A leaf module: it
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

/// Why an object or field was left out: the `reason` label of
/// `aipool_decode_errors_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DecodeReason {
    /// Not a number or quantity (`"abc"`, `"NaN"`, an object where a number
    /// belongs).
    NotANumber,
    /// Out of range: infinite after parsing (`"1e400"`).
    NotFinite,
    /// Below 0 where only a count or an amount (cards, cores, bytes) makes sense.
    Negative,
    /// A list element that is not the expected object, or one whose identity
    /// (id) cannot be read: the whole object is dropped.
    MalformedObject,
}

impl DecodeReason {
    pub const ALL: [DecodeReason; 4] = [
        DecodeReason::NotANumber,
        DecodeReason::NotFinite,
        DecodeReason::Negative,
        DecodeReason::MalformedObject,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DecodeReason::NotANumber => "not_a_number",
            DecodeReason::NotFinite => "not_finite",
            DecodeReason::Negative => "negative",
            DecodeReason::MalformedObject => "malformed_object",
        }
    }
}

impl fmt::Display for DecodeReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One object or field left out of a poll's snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DecodeError {
    /// The API whose answer held it (`v3/queues`, `DescribeQueues`, …).
    pub api: String,
    /// The object, as a person would look it up (`queue q-1`, `pool p-2`, or the
    /// list position when the id itself is unreadable).
    pub object: String,
    /// The field within the object (`capability.memoryGi`), empty for a
    /// dropped object.
    pub field: String,
    pub reason: DecodeReason,
    /// What the upstream sent, shortened (upstream garbage can be huge). Never a
    /// secret: these are list payloads, not credentials.
    pub detail: String,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            write!(
                f,
                "{} {}: {}: {}",
                self.api, self.object, self.reason, self.detail
            )
        } else {
            write!(
                f,
                "{} {} {}: {}: {}",
                self.api, self.object, self.field, self.reason, self.detail
            )
        }
    }
}
