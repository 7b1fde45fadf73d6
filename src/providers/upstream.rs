//! The upstream toolkit every provider builds its calls from, so that no
//! provider hand-writes what another already does:
//!
//! - [`client`]: [`PollCtx`], the one HTTP client with the account's retry,
//!   rate and concurrency [`limits`], and the counting of every failure;
//! - [`response`]: what a response says (status and error-body
//!   classification) and the redaction of URLs for logs;
//! - [`signing`]: the Host header a signature covers and the signer's clock
//!   (each signed request is built anew per attempt: [`PollCtx::send_signed`]);
//! - [`paging`]: paging by page number and by cursor (marker, continue token);
//! - [`concurrent`]: the per-parent fan-out (one pool's queues, one service's
//!   compute units) in order, a window at a time;
//! - [`decode`]: decoding per object ([`decode::Lenient`]) and the poll's
//!   [`decode::DecodeLog`] of what was left out.
//!
//! It knows nothing of any one platform; the providers use it, never the
//! other way round.

pub mod client;
pub mod concurrent;
pub mod decode;
pub mod limits;
pub mod paging;
pub mod response;
pub mod signing;

pub use crate::error::{PollError, Reason};
pub use client::{build_client, PollCtx};
pub use limits::Limits;
pub use response::Response;
