//! The status page at `/`: a live HTML view of what the exporter last
//! published, one section per account: its state (up, last success, last error
//! reason), then per pool and queue the accelerators' capability, allocated and
//! free as small bars, least headroom first, with the largest free block and
//! the slots by job size beside free, then its Qianfan compute units,
//! soonest expiry first. `/?account=NAME` shows one account. Plain HTML and
//! CSS, no script; the page reloads itself with `<meta http-equiv=refresh>`.
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
#[cfg(test)]
mod seed_rows;
mod view;

use std::time::SystemTime;

use crate::exposition::BuildInfo;
use crate::runtime::state::Shared;

pub use view::{rows, short, AccountView, CapabilitySource, FreeSource, PageInfo, Row};

/// The response to `GET /` with this query: 200 and the page, or 404 and a
/// page that lists the accounts when `?account=` names none of them.
pub fn respond(shared: &Shared, build: &BuildInfo, query: Option<&str>) -> (u16, String) {
    let filter = query.and_then(account_param);
    let html = render(shared, build, filter.as_deref());
    let known = filter
        .as_deref()
        .is_none_or(|f| shared.accounts().iter().any(|a| a.name == f));
    (if known { 200 } else { 404 }, html)
}

/// The value of `account=` in a query string (`+` and `%XX` decoded as a form
/// sends them); the first one wins. An empty value is no filter.
pub fn account_param(query: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (k == "account" && !v.is_empty()).then(|| {
            let v = v.replace('+', " ");
            percent_encoding::percent_decode_str(&v)
                .decode_utf8_lossy()
                .into_owned()
        })
    })
}

/// The page, from the live state: every account, or the one named `filter`.
pub fn render(shared: &Shared, build: &BuildInfo, filter: Option<&str>) -> String {
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
        filter,
    )
}

/// The page for these accounts (all, or the one named `filter`) as of
/// `page.now`.
pub fn render_at(accounts: &[AccountView], page: &PageInfo, filter: Option<&str>) -> String {
    html::page(&view::page(accounts, page, filter))
}

#[cfg(test)]
mod sections_tests;
#[cfg(test)]
mod tests;
