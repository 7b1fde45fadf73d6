//! aipool-signing: the request-signing algorithms of the platforms aipool-exporter
//! polls, as pure functions of their inputs (the clock is a parameter), each
//! reproducing the official SDKs' test vectors in `vectors/` byte for byte.
//!
//! - [`bce`]: Baidu AI Cloud's `bce-auth-v1` (AIHC OpenAPI, Qianfan);
//! - [`huawei`]: Huawei Cloud API Gateway's `SDK-HMAC-SHA256` (ModelArts);
//! - [`scnet`]: Sugon SCNet's AK/SK login signature and its JWT tokens;
//! - [`dates`]: the fixed UTC date forms these algorithms write and read.
//!
//! Users: the exporter's providers sign their requests with it, and the simulator
//! (`crates/aipool-sim`) checks the same signatures with it, so a request the
//! exporter signs and one the simulator accepts are computed by one piece of code.
//! It depends on neither of them.

pub mod bce;
pub mod dates;
pub mod huawei;
pub mod scnet;
#[cfg(any(test, feature = "test-vectors"))]
pub mod vectors;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC};

/// RFC 3986 unreserved characters (`A-Za-z0-9-_.~`) are the only ones the signers
/// leave unescaped (Python's `quote(s, safe='~')`, as the official SDKs use it).
pub const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');
