//! Request signing and token helpers: pure functions, each reproducing the
//! official SDKs' test vectors in `../shared/vectors/` byte for byte.

pub mod bce;
pub mod huawei;
pub mod scnet;
