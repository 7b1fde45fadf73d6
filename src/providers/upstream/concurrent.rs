//! Fetching one list per parent object (e.g. the queues of every pool)
//! concurrently, in order.
//!
//! The account's `max_concurrency` semaphore (in `upstream::Limits`) bounds the
//! requests in flight; this bounds the fetches started ahead of the one being
//! consumed, so memory stays flat however many parents there are.

use std::future::Future;

use futures_util::stream::{self, StreamExt as _};

/// Runs `fetch` for every item, up to `window` at once, and hands the results to
/// `sink` in the items' order. The first error (in that order) from `fetch` or
/// `sink` ends the run: fetches still in flight are dropped (their requests
/// cancelled) and no more are started.
pub async fn for_each_ordered<T, R, E, F, Fut, S>(
    items: impl IntoIterator<Item = T>,
    window: usize,
    fetch: F,
    mut sink: S,
) -> Result<(), E>
where
    F: FnMut(T) -> Fut,
    Fut: Future<Output = Result<R, E>>,
    S: FnMut(R) -> Result<(), E>,
{
    let mut results = stream::iter(items).map(fetch).buffered(window.max(1));
    while let Some(r) = results.next().await {
        sink(r?)?;
    }
    Ok(())
}

/// [`for_each_ordered`] for per-unit fetches that fail alone (issue: one bad
/// pool never blinds an account): `sink` gets every item's outcome, failures
/// included, in the items' order, and only an error from `sink` ends the run.
pub async fn for_each_ordered_settled<T, R, E, F, Fut, S>(
    items: impl IntoIterator<Item = T>,
    window: usize,
    mut fetch: F,
    mut sink: S,
) -> Result<(), E>
where
    F: FnMut(T) -> Fut,
    Fut: Future<Output = Result<R, E>>,
    S: FnMut(Result<R, E>) -> Result<(), E>,
{
    for_each_ordered(
        items,
        window,
        |item| {
            let fut = fetch(item);
            async move { Ok::<_, E>(fut.await) }
        },
        &mut sink,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;
    use std::time::Duration;

    #[tokio::test(start_paused = true)]
    async fn results_keep_the_items_order_whatever_finishes_first() {
        let started = RefCell::new(Vec::new());
        let mut got = Vec::new();
        let t0 = tokio::time::Instant::now();
        // Later items finish first.
        let r: Result<(), ()> = for_each_ordered(
            0..8u64,
            4,
            |i| {
                started.borrow_mut().push(i);
                async move {
                    tokio::time::sleep(Duration::from_millis(100 - i * 10)).await;
                    Ok(i * 10)
                }
            },
            |v| {
                got.push(v);
                Ok(())
            },
        )
        .await;
        assert_eq!(r, Ok(()));
        assert_eq!(got, vec![0, 10, 20, 30, 40, 50, 60, 70]);
        // Four at once: two rounds of at most 100 ms, not eight in a row.
        assert!(
            t0.elapsed() <= Duration::from_millis(200),
            "{:?}",
            t0.elapsed()
        );
    }

    #[tokio::test(start_paused = true)]
    async fn the_first_error_stops_the_run() {
        let started = RefCell::new(Vec::new());
        let mut got = Vec::new();
        let r = for_each_ordered(
            0..100u64,
            3,
            |i| {
                started.borrow_mut().push(i);
                async move {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    if i == 4 {
                        Err(format!("item {i} failed"))
                    } else {
                        Ok(i)
                    }
                }
            },
            |v| {
                got.push(v);
                Ok(())
            },
        )
        .await;
        assert_eq!(r, Err("item 4 failed".to_string()));
        assert_eq!(got, vec![0, 1, 2, 3]);
        // Nothing far beyond the failure was started.
        assert!(started.borrow().len() <= 4 + 3, "{:?}", started.borrow());
    }

    #[tokio::test(start_paused = true)]
    async fn settled_runs_hand_over_failures_and_go_on() {
        let mut got = Vec::new();
        let r = for_each_ordered_settled(
            0..6u64,
            3,
            |i| async move {
                tokio::time::sleep(Duration::from_millis(60 - i * 10)).await;
                if i % 2 == 1 {
                    Err(format!("item {i} failed"))
                } else {
                    Ok(i)
                }
            },
            |r| {
                got.push(r);
                Ok(())
            },
        )
        .await;
        assert_eq!(r, Ok(()));
        let want: Vec<Result<u64, String>> = (0..6u64)
            .map(|i| {
                if i % 2 == 1 {
                    Err(format!("item {i} failed"))
                } else {
                    Ok(i)
                }
            })
            .collect();
        assert_eq!(got, want);
    }

    #[tokio::test]
    async fn a_sink_error_stops_the_run_too() {
        let r = for_each_ordered(
            0..10u64,
            2,
            |i| async move { Ok::<_, String>(i) },
            |v| {
                if v == 2 {
                    Err("bad".to_string())
                } else {
                    Ok(())
                }
            },
        )
        .await;
        assert_eq!(r, Err("bad".to_string()));
    }
}
