//! A secret value that cannot be formatted.
//!
//! `Secret` implements `Debug` as a fixed placeholder and has no `Display`, so a
//! secret cannot reach a log line, an error message or a label by accident: the
//! only way to the value is [`Secret::expose`], which call sites use to sign or send
//! a request and nothing else.

use std::fmt;
use std::sync::Arc;

#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Arc<str>);

impl Secret {
    pub fn new(value: impl Into<Arc<str>>) -> Self {
        Secret(value.into())
    }

    /// The value, for signing or sending. Never format it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts() {
        let s = Secret::new("hunter2-very-secret");
        let shown = format!("{s:?} {:?}", Some(&s));
        assert!(!shown.contains("hunter2"), "{shown}");
        assert_eq!(s.expose(), "hunter2-very-secret");
    }
}
