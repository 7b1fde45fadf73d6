//! What every provider's mapping shares: the error naming the field that did not
//! fit.

/// A mapping failure with the object and field it concerns; the poll fails with
/// reason `decode` and this text in the log.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{context}: {reason}")]
pub struct MapError {
    pub context: String,
    pub reason: String,
}
