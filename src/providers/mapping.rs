//! What every provider's mapping shares: the error naming the field that did not
//! fit, and quantity parsing that says which field it was parsing.

use crate::quantity::{self, RawQuantity};

/// A mapping failure with the object and field it concerns; the poll fails with
/// reason `decode` and this text in the log.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{context}: {reason}")]
pub struct MapError {
    pub context: String,
    pub reason: String,
}

/// Parses an upstream number or quantity (`None` for an empty string); a bad
/// value is an error naming `context()`, built only when needed.
pub fn num(raw: &RawQuantity, context: impl FnOnce() -> String) -> Result<Option<f64>, MapError> {
    quantity::parse(raw).map_err(|e| MapError {
        context: context(),
        reason: e.to_string(),
    })
}

/// [`num`] for an optional field: absent is `None`, never 0.
pub fn num_opt(
    raw: &Option<RawQuantity>,
    context: impl FnOnce() -> String,
) -> Result<Option<f64>, MapError> {
    match raw {
        None => Ok(None),
        Some(r) => num(r, context),
    }
}
