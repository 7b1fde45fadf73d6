//! The errors the runtime keeps in an account's published state, typed until
//! they are shown: a failed poll ([`PollFailure`]) and a request that failed
//! without failing its poll ([`PartialError`]). The logs write their fields;
//! the status page shows a failure's reason and [`PollFailure::detail`], and
//! `top --config.file` the `Display` of each partial error. No text made here
//! holds a secret: URLs are redacted where requests are sent, and nothing here
//! adds one.

use std::fmt;
use std::time::Duration;

use crate::providers::{FailedUnit, PollError, PollOutput, Reason};

/// Why a poll produced no snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PollFailure {
    /// A request failed and failed the poll (already counted by the HTTP layer).
    Request(PollError),
    /// The poll had not finished at its deadline and was abandoned.
    Timeout(Duration),
}

impl PollFailure {
    /// Why the poll failed: the request's reason, or `timeout` for a poll
    /// abandoned at its deadline.
    pub fn reason(&self) -> Reason {
        match self {
            PollFailure::Request(e) => e.reason,
            PollFailure::Timeout(_) => Reason::Timeout,
        }
    }

    /// What the text says after the reason: the call and the upstream's
    /// message, or the deadline the poll exceeded.
    pub fn detail(&self) -> String {
        match self {
            PollFailure::Request(e) => format!("{} {}: {}", e.api, e.url, e.message),
            PollFailure::Timeout(deadline) => format!("poll exceeded {deadline:?}"),
        }
    }
}

impl fmt::Display for PollFailure {
    /// `reason: detail`, reason first, as the status page shows it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.reason(), self.detail())
    }
}

/// A request that failed without failing its poll: the gauge
/// `aipool_poll_partial_errors` counts both kinds.
#[derive(Debug, Clone, PartialEq)]
pub enum PartialError {
    /// A part of the account the credentials may not read (a ModelArts
    /// workspace, a Sugon region's HPC side): see `PollOutput::partial`.
    Request(PollError),
    /// A unit whose own calls failed; its last good series are kept until
    /// `stale_after` (see `PollOutput::failed`).
    Unit(FailedUnit),
}

impl PartialError {
    /// Every request of `output` that failed without failing the poll: the
    /// partial errors, then the failed units.
    pub fn all_of(output: &PollOutput) -> Vec<PartialError> {
        output
            .partial
            .iter()
            .cloned()
            .map(PartialError::Request)
            .chain(output.failed.iter().cloned().map(PartialError::Unit))
            .collect()
    }

    /// The failed request.
    pub fn error(&self) -> &PollError {
        match self {
            PartialError::Request(e) => e,
            PartialError::Unit(f) => &f.error,
        }
    }
}

impl fmt::Display for PartialError {
    /// `api url: reason: message`, preceded by the unit it belongs to.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PartialError::Request(e) => write!(f, "{e}"),
            PartialError::Unit(u) => write!(f, "{}: {}", u.unit, u.error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Unit;

    fn error(reason: Reason) -> PollError {
        PollError {
            api: "v3/queues".into(),
            url: "http://h:8080/api?sig=<redacted>".into(),
            reason,
            message: "upstream said no".into(),
        }
    }

    #[test]
    fn a_failed_poll_keeps_its_reason_and_reads_as_before() {
        let request = PollFailure::Request(error(Reason::Http5xx));
        assert_eq!(request.reason(), Reason::Http5xx);
        assert_eq!(
            request.to_string(),
            "http_5xx: v3/queues http://h:8080/api?sig=<redacted>: upstream said no"
        );
        let timeout = PollFailure::Timeout(Duration::from_secs(180));
        assert_eq!(timeout.reason(), Reason::Timeout);
        assert_eq!(timeout.to_string(), "timeout: poll exceeded 180s");
    }

    #[test]
    fn partial_errors_keep_their_unit_and_read_as_before() {
        let output = PollOutput {
            partial: vec![error(Reason::Auth)],
            failed: vec![FailedUnit {
                unit: Unit::Service {
                    service_id: "svco-2".into(),
                },
                error: error(Reason::Timeout),
            }],
            ..PollOutput::default()
        };
        let all = PartialError::all_of(&output);
        let reasons: Vec<Reason> = all.iter().map(|e| e.error().reason).collect();
        assert_eq!(reasons, [Reason::Auth, Reason::Timeout]);
        let texts: Vec<String> = all.iter().map(ToString::to_string).collect();
        assert_eq!(
            texts,
            [
                "v3/queues http://h:8080/api?sig=<redacted>: auth: upstream said no",
                "service svco-2: v3/queues http://h:8080/api?sig=<redacted>: timeout: upstream said no",
            ]
        );
    }
}
