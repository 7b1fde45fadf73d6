//! Per-account runtime: the supervisor that starts, reloads and stops the
//! pollers, one polling loop per account, and the published state each loop
//! swaps in and the server reads.
//!
//! Data flows down through it: config (settings) → [`supervisor`] → [`poller`]
//! → provider → model → exposition (rendered on publish, in [`state`]).

pub mod failure;
pub mod poller;
pub mod state;
pub mod supervisor;
