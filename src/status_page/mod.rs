//! The status page at `/`: a live HTML view of what the exporter last
//! published. Per account its state (up, last success, last error reason); per
//! pool and queue the accelerators' capability, allocated and free as small
//! bars, least headroom first. Plain HTML and CSS, no script; the page reloads
//! itself with `<meta http-equiv=refresh>`.
//!
//! Data flows one way: [`render`] reads the live state into [`AccountView`]s,
//! `view` turns them into the page as data (rows, figures, labels; no HTML) and
//! `html` writes that into a maud template, which escapes every value (pool and
//! queue names are chosen by users, error messages quote upstreams).
//! [`render_at`] is a pure function of the published state, so the page is
//! unit-tested (`tests.rs`) without a server. Each capacity row carries its
//! identity and numbers as `data-*` attributes with the exact values `/metrics`
//! shows, which the browser test (tests/e2e/status_page.sh) compares against
//! `/metrics`.

mod html;
mod view;

use std::time::SystemTime;

use crate::exposition::BuildInfo;
use crate::runtime::state::Shared;

pub use view::{rows, short, AccountView, CapabilitySource, FreeSource, PageInfo, Row};

/// The page, from the live state.
pub fn render(shared: &Shared, build: &BuildInfo) -> String {
    // One consistent read per account for the whole page.
    let accounts = shared.accounts();
    let current: Vec<_> = accounts.iter().map(|a| (a, a.current())).collect();
    let views: Vec<AccountView> = current
        .iter()
        .map(|(a, p)| AccountView {
            name: &a.name,
            provider: a.provider.as_str(),
            region: &a.region,
            interval: a.interval,
            stale_after: a.stale_after,
            published: p,
        })
        .collect();
    render_at(
        &views,
        &PageInfo {
            telemetry_path: &shared.telemetry_path,
            version: build.version,
            revision: build.revision,
            now: SystemTime::now(),
        },
    )
}

/// The page for these accounts as of `page.now`.
pub fn render_at(accounts: &[AccountView], page: &PageInfo) -> String {
    html::page(&view::page(accounts, page))
}

#[cfg(test)]
mod tests;
