//! Request signing and token helpers: pure functions, each reproducing the
//! official SDKs' test vectors in `../shared/vectors/` byte for byte.

pub mod bce;
pub mod huawei;
pub mod scnet;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC};

/// RFC 3986 unreserved characters (`A-Za-z0-9-_.~`) are the only ones the signers
/// leave unescaped (Python's `quote(s, safe='~')`, as the official SDKs use it).
pub(crate) const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Compares without an early exit, so response timing does not reveal how many
/// leading characters of a forged signature were right.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
