use std::io::Read as _;
use std::time::{Duration, UNIX_EPOCH};

use super::*;
use crate::runtime::failure::PollFailure;
use crate::runtime::state::testing::{account, snapshot};
use crate::runtime::state::{render_accounts_at, rendered, AccountState, Published};

const T0: u64 = 1_700_000_000;

/// The cache's response for `accounts` as a server scrape asks for it.
fn get(
    cache: &ScrapeCache,
    format: Format,
    accounts: &[Arc<AccountState>],
    now: SystemTime,
) -> Arc<Cached> {
    cache.get(format, &rendered(accounts), None, now)
}

fn published(queues: &[&str]) -> Published {
    let snapshot = snapshot(queues);
    Published {
        snapshot: Some(Arc::new(snapshot)),
        capacity: None,
        up: true,
        attempted: true,
        last_success: Some(UNIX_EPOCH + Duration::from_secs(T0)),
        last_duration: Some(Duration::from_millis(5)),
        last_error: None,
        partial_errors: Vec::new(),
        failed_units: Vec::new(),
        behind: Vec::new(),
    }
}

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

fn gunzip(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(b)
        .read_to_end(&mut out)
        .unwrap();
    out
}

#[tokio::test]
async fn gzip_decompresses_to_exactly_the_plain_body() {
    let a = account("a");
    a.publish(published(&["q1", "q2"]));
    let cache = ScrapeCache::new(&BuildInfo::default());
    for format in [Format::Text, Format::OpenMetrics] {
        let c = get(&cache, format, std::slice::from_ref(&a), at(T0 + 1));
        let plain = c.to_vec();
        assert_eq!(plain.len(), c.len());
        let gz = c.gzip().await.expect("gzip");
        assert!(gz.len() < plain.len(), "{} vs {}", gz.len(), plain.len());
        assert_eq!(gunzip(&gz), plain);
        // The cached body is what the uncached renderer produces.
        assert_eq!(
            plain,
            render_accounts_at(
                format,
                std::slice::from_ref(&a),
                &BuildInfo::default(),
                at(T0 + 1)
            )
        );
    }
}

#[tokio::test]
async fn the_cache_serves_one_entry_until_a_publish() {
    let a = account("a");
    a.publish(published(&["q1"]));
    let accounts = [a.clone()];
    let cache = ScrapeCache::new(&BuildInfo::default());
    let first = get(&cache, Format::Text, &accounts, at(T0 + 1));
    let gz1 = first.gzip().await.unwrap();
    let again = get(&cache, Format::Text, &accounts, at(T0 + 2));
    assert!(
        Arc::ptr_eq(&first, &again),
        "a scrape between polls rebuilt"
    );
    // The compressed form is kept too: the same buffer comes back.
    assert_eq!(again.gzip().await.unwrap().as_ptr(), gz1.as_ptr());
    // The other format has an entry of its own.
    let om = get(&cache, Format::OpenMetrics, &accounts, at(T0 + 2));
    assert!(om.to_vec().ends_with(b"# EOF\n"));
    assert!(Arc::ptr_eq(
        &first,
        &get(&cache, Format::Text, &accounts, at(T0 + 3))
    ));

    // A poll publishes: the next scrape sees the new data, plain and gzip.
    a.publish(published(&["q2"]));
    let after = get(&cache, Format::Text, &accounts, at(T0 + 3));
    assert!(!Arc::ptr_eq(&first, &after));
    let text = String::from_utf8(after.to_vec()).unwrap();
    assert!(text.contains("queue_id=\"q2\"") && !text.contains("queue_id=\"q1\""));
    let gz = String::from_utf8(gunzip(&after.gzip().await.unwrap())).unwrap();
    assert_eq!(gz, text);
}

#[tokio::test]
async fn data_going_stale_invalidates_without_a_publish() {
    let a = account("a");
    a.publish(published(&["q1"]));
    let accounts = [a];
    let cache = ScrapeCache::new(&BuildInfo::default());
    // Default stale_after: 3 × 60 s.
    let fresh = get(&cache, Format::Text, &accounts, at(T0 + 180));
    assert!(String::from_utf8(fresh.to_vec())
        .unwrap()
        .contains("aipool_queue_info{"));
    let stale = get(&cache, Format::Text, &accounts, at(T0 + 181));
    let text = String::from_utf8(stale.to_vec()).unwrap();
    assert!(!text.contains("aipool_queue_info{"), "{text}");
    assert!(text.contains("aipool_up{provider=\"aihc\",account=\"a\"} 1\n"));
}

#[test]
fn a_failed_poll_reuses_the_rendered_snapshot() {
    let a = account("a");
    a.publish(published(&["q1"]));
    let before = a.rendered();
    a.publish_failure(
        Duration::from_secs(1),
        PollFailure::Timeout(Duration::from_secs(1)),
    );
    let after = a.rendered();
    assert!(!after.published.up);
    assert_eq!(after.published.last_success, before.published.last_success);
    assert_eq!(after.queues, 1);
    assert!(after.lines.generation > before.lines.generation);
    assert!(Arc::ptr_eq(
        before.lines.data.as_ref().unwrap(),
        after.lines.data.as_ref().unwrap()
    ));
}

#[test]
fn the_snapshot_is_dropped_and_its_capacity_survives_a_failed_poll() {
    // Publishing renders the snapshot and keeps only what the status page shows
    // of it; the snapshot itself is freed, and a failed poll keeps the same
    // capacity (not a copy).
    let a = account("a");
    let p = published(&["q1"]);
    let snapshot = Arc::downgrade(p.snapshot.as_ref().unwrap());
    a.publish(p);
    assert!(snapshot.upgrade().is_none(), "the snapshot is still held");
    let current = a.current();
    assert!(current.snapshot.is_none());
    let capacity = current.capacity.clone().unwrap();
    assert_eq!((capacity.pools, capacity.queues), (1, 1));
    a.publish_failure(
        Duration::from_secs(1),
        PollFailure::Timeout(Duration::from_secs(1)),
    );
    assert!(Arc::ptr_eq(
        a.current().capacity.as_ref().unwrap(),
        &capacity
    ));
    assert_eq!((a.rendered().pools, a.rendered().queues), (1, 1));
}

#[test]
fn chunk_body_reports_its_exact_size() {
    let b = ChunkBody::new([
        Bytes::from_static(b"ab"),
        Bytes::new(),
        Bytes::from_static(b"cde"),
    ]);
    assert_eq!(b.size_hint().exact(), Some(5));
    assert!(!b.is_end_stream());
    assert!(ChunkBody::empty().is_end_stream());
}
