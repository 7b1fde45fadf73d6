//! How the simulated gateways check a request's signature: parse the
//! `Authorization` header, refuse it with the platform's own error, or recompute
//! the signature with [`aipool_signing`] (the exporter's signer) and compare.

pub mod bce;
pub mod huawei;

/// Compares without an early exit, so response timing does not reveal how many
/// leading characters of a forged signature were right.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
