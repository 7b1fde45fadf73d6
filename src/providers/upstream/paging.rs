//! Pagination, the two ways the platforms page: by page number and total
//! ([`collect`]: AIHC pools; [`collect_distinct`] for lists whose pages may
//! repeat earlier ones: AIHC queue trees) and by cursor ([`follow`]: a marker or continue token
//! the server hands out, or the offset of the next entry: Qianfan, ModelArts).
//!
//! Page-number servers cap page sizes and echo the size they used; the next
//! request uses the echoed size so page N lands where the server thinks it
//! does. Both loops stop at a hard page limit (an upstream that always reports
//! more must not keep a poll running forever); a cursor loop also stops when
//! the server hands out a cursor a second time (it would loop forever).

use std::collections::HashSet;
use std::future::Future;
use std::hash::Hash;

use futures_util::stream::{self, StreamExt as _};

use super::{PollCtx, PollError, Reason};

/// One page as the upstream answered it.
#[derive(Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// The total the server reports, if any.
    pub total: Option<u64>,
    /// The page size the server says it used, if it echoes one.
    pub page_size: Option<u64>,
}

/// Upper bound on pages per list (at the default size this is a million items).
pub const MAX_PAGES: u64 = 10_000;

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum PagingError<E> {
    #[error(transparent)]
    Fetch(E),
    #[error("gave up after {MAX_PAGES} pages (total reported: {0:?})")]
    TooManyPages(Option<u64>),
}

impl PagingError<PollError> {
    /// The poll error for a failed listing; a runaway listing counts as an
    /// upstream error of `api`.
    pub fn into_poll_error(self, ctx: &PollCtx, api: &str) -> PollError {
        match self {
            PagingError::Fetch(e) => e,
            other => ctx.fail(api, "", Reason::UpstreamError, other.to_string()),
        }
    }
}

/// Fetches pages `1, 2, …` with `fetch(page_number, page_size)` until every item
/// the server reported is collected.
///
/// Once the first page tells the total and the page size, the pages still
/// needed are fetched up to `window` at a time (the account's semaphore still
/// bounds the requests in flight), so a long list costs about its pages ÷
/// concurrency round trips rather than one per page. Items keep page order. An
/// empty page ends the list early (in-flight pages are dropped); a list still
/// short of its total after that carries on page by page.
pub async fn collect<T, E, F, Fut>(
    requested_size: u64,
    window: usize,
    mut fetch: F,
) -> Result<Vec<T>, PagingError<E>>
where
    F: FnMut(u64, u64) -> Fut,
    Fut: Future<Output = Result<Page<T>, E>>,
{
    let mut size = requested_size.max(1);
    let mut out = Vec::new();
    let mut page_number = 1;
    while page_number <= MAX_PAGES {
        let page = fetch(page_number, size).await.map_err(PagingError::Fetch)?;
        page_number += 1;
        let got = page.items.len() as u64;
        if let Some(echoed) = page.page_size.filter(|s| *s > 0) {
            size = echoed;
        }
        out.extend(page.items);
        let done = match page.total {
            Some(total) => out.len() as u64 >= total || got == 0,
            // Without a total, a short page is the last one.
            None => got < size,
        };
        if done {
            return Ok(out);
        }
        if let (Some(total), true) = (page.total, window > 1) {
            // The rest of the list, at most up to the page limit.
            let missing = total.saturating_sub(out.len() as u64);
            let last = (page_number - 1)
                .saturating_add(missing.div_ceil(size))
                .min(MAX_PAGES);
            let mut pages = stream::iter(page_number..=last)
                .map(|n| fetch(n, size))
                .buffered(window);
            page_number = last + 1;
            while let Some(page) = pages.next().await {
                let page = page.map_err(PagingError::Fetch)?;
                if page.items.is_empty() {
                    return Ok(out);
                }
                out.extend(page.items);
            }
            if out.len() as u64 >= total {
                return Ok(out);
            }
        }
    }
    Err(PagingError::TooManyPages(None))
}

/// [`collect`] of one call `api` of a poll: pages of `requested_size`, the
/// account's fetch window at a time, a runaway list a counted failure.
pub async fn collect_all<T, F, Fut>(
    ctx: &PollCtx,
    api: &str,
    requested_size: u64,
    fetch: F,
) -> Result<Vec<T>, PollError>
where
    F: FnMut(u64, u64) -> Fut,
    Fut: Future<Output = Result<Page<T>, PollError>>,
{
    collect(requested_size, ctx.limits.fetch_window(), fetch)
        .await
        .map_err(|e| e.into_poll_error(ctx, api))
}

/// What [`collect_distinct`] gathered.
#[derive(Debug, PartialEq)]
pub struct Distinct<T> {
    /// Each item the first time its own key came, in page order.
    pub items: Vec<T>,
    /// Items whose own key an earlier item had (as its own key or nested in
    /// it): the index in `items` of the item it repeats, where that was its
    /// own key, and the repeat.
    pub repeats: Vec<(Option<usize>, T)>,
}

/// Fetches pages `1, 2, …` of a list whose pages may repeat what earlier
/// pages had: AIHC ignores paging for self-managed queues and answers every
/// page with the whole tree, with a `totalCount` that may count the nested
/// queues. `keys(item)` names an item: its own key first, then the keys
/// nested in it (a tree's queues); an item without keys is kept and never
/// counts as new.
///
/// Page by page, one at a time (a repeating server must not be asked for a
/// window of pages it will repeat): the list ends at an empty page, at a page
/// that adds no key not seen before, when as many items as the total came,
/// when as many keys as the total came on a short page (a tree counted with
/// its nested queues), or without a total at a short page.
pub async fn collect_distinct<T, K, E, F, Fut, KF>(
    requested_size: u64,
    keys: KF,
    mut fetch: F,
) -> Result<Distinct<T>, PagingError<E>>
where
    K: Eq + Hash + Clone,
    KF: Fn(&T) -> Vec<K>,
    F: FnMut(u64, u64) -> Fut,
    Fut: Future<Output = Result<Page<T>, E>>,
{
    let mut size = requested_size.max(1);
    let mut seen: HashSet<K> = HashSet::new();
    let mut first: std::collections::HashMap<K, usize> = std::collections::HashMap::new();
    let mut out = Distinct {
        items: Vec::new(),
        repeats: Vec::new(),
    };
    for page_number in 1..=MAX_PAGES {
        let page = fetch(page_number, size).await.map_err(PagingError::Fetch)?;
        let got = page.items.len() as u64;
        if let Some(echoed) = page.page_size.filter(|s| *s > 0) {
            size = echoed;
        }
        let mut fresh = false;
        for item in page.items {
            let mut ks = keys(&item).into_iter();
            let Some(own) = ks.next() else {
                out.items.push(item);
                continue;
            };
            let own_new = seen.insert(own.clone());
            let mut nested_new = false;
            for k in ks {
                nested_new |= seen.insert(k);
            }
            fresh |= own_new || nested_new;
            if own_new {
                first.insert(own, out.items.len());
                out.items.push(item);
            } else {
                out.repeats.push((first.get(&own).copied(), item));
            }
        }
        let done = got == 0
            || !fresh
            || match page.total {
                Some(total) => {
                    out.items.len() as u64 >= total || (seen.len() as u64 >= total && got < size)
                }
                None => got < size,
            };
        if done {
            return Ok(out);
        }
    }
    Err(PagingError::TooManyPages(None))
}

/// [`collect_distinct`] of one call `api` of a poll, a runaway list a
/// counted failure.
pub async fn collect_distinct_all<T, K, KF, F, Fut>(
    ctx: &PollCtx,
    api: &str,
    requested_size: u64,
    keys: KF,
    fetch: F,
) -> Result<Distinct<T>, PollError>
where
    K: Eq + Hash + Clone,
    KF: Fn(&T) -> Vec<K>,
    F: FnMut(u64, u64) -> Fut,
    Fut: Future<Output = Result<Page<T>, PollError>>,
{
    collect_distinct(requested_size, keys, fetch)
        .await
        .map_err(|e| e.into_poll_error(ctx, api))
}

/// Why a cursor-paged list ended without its last page.
#[derive(Debug, PartialEq, Eq)]
pub enum CursorError<C, E> {
    /// A page could not be fetched or made sense of.
    Fetch(E),
    /// The server handed out this cursor a second time.
    Repeated(C),
    /// This many pages were fetched and the server still had more.
    TooManyPages(u64),
}

/// Fetches a list page by page, sequentially, the first page with `None`
/// and each next one with the cursor the previous page's `sink` returned.
///
/// `sink` takes each page in order and says where the next page starts
/// (`None`: that was the last). At most `max_pages` pages are fetched; a
/// cursor that comes back a second time ends the list with
/// [`CursorError::Repeated`] (after its page went to `sink`).
pub async fn follow<C, P, E, F, Fut, S>(
    max_pages: u64,
    mut fetch: F,
    mut sink: S,
) -> Result<(), CursorError<C, E>>
where
    C: Eq + Hash + Clone,
    F: FnMut(Option<&C>) -> Fut,
    Fut: Future<Output = Result<P, E>>,
    S: FnMut(P) -> Result<Option<C>, E>,
{
    let mut seen = HashSet::new();
    let mut cursor: Option<C> = None;
    for _ in 0..max_pages {
        let page = fetch(cursor.as_ref()).await.map_err(CursorError::Fetch)?;
        match sink(page).map_err(CursorError::Fetch)? {
            None => return Ok(()),
            Some(next) => {
                if !seen.insert(next.clone()) {
                    return Err(CursorError::Repeated(next));
                }
                cursor = Some(next);
            }
        }
    }
    Err(CursorError::TooManyPages(max_pages))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;
    use std::time::Duration;

    /// A server holding `n` items that caps page size at `cap` and echoes it.
    fn server(n: u64, cap: u64, echo: bool) -> impl Fn(u64, u64) -> Result<Page<u64>, ()> {
        move |page, size| {
            let size = size.min(cap);
            let start = (page - 1) * size;
            let items: Vec<u64> = (start..(start + size).min(n)).collect();
            Ok(Page {
                items,
                total: Some(n),
                page_size: echo.then_some(size),
            })
        }
    }

    type Outcome = (Result<Vec<u64>, PagingError<()>>, Vec<(u64, u64)>);

    fn run<F: Fn(u64, u64) -> Result<Page<u64>, ()>>(requested: u64, f: F) -> Outcome {
        let calls = RefCell::new(Vec::new());
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let res = rt.block_on(collect(requested, 1, |p, s| {
            calls.borrow_mut().push((p, s));
            let r = f(p, s);
            async move { r }
        }));
        (res, calls.into_inner())
    }

    #[test]
    fn follows_the_echoed_capped_size_to_the_total() {
        let (res, calls) = run(100, server(5, 2, true));
        assert_eq!(res.unwrap(), vec![0, 1, 2, 3, 4]);
        assert_eq!(calls, vec![(1, 100), (2, 2), (3, 2)]);
    }

    #[test]
    fn single_page_when_everything_fits() {
        let (res, calls) = run(100, server(2, 100, true));
        assert_eq!(res.unwrap(), vec![0, 1]);
        assert_eq!(calls.len(), 1);
    }

    #[test]
    fn stops_on_an_empty_page_even_if_total_lies() {
        let (res, _) = run(10, |page, _| {
            Ok(Page {
                items: if page == 1 { vec![1, 2] } else { vec![] },
                total: Some(50),
                page_size: None,
            })
        });
        assert_eq!(res.unwrap(), vec![1, 2]);
    }

    #[test]
    fn without_total_a_short_page_ends() {
        let (res, calls) = run(2, |page, _| {
            Ok(Page {
                items: if page == 1 { vec![1, 2] } else { vec![3] },
                total: None,
                page_size: None,
            })
        });
        assert_eq!(res.unwrap(), vec![1, 2, 3]);
        assert_eq!(calls.len(), 2);
    }

    #[test]
    fn an_endless_upstream_is_cut_off() {
        let (res, calls) = run(1, |_, _| {
            Ok(Page {
                items: vec![1],
                total: None,
                page_size: None,
            })
        });
        assert_eq!(res.unwrap_err(), PagingError::TooManyPages(None));
        assert_eq!(calls.len() as u64, MAX_PAGES);
    }

    #[test]
    fn fetch_errors_pass_through() {
        let (res, _) = run(1, |_, _| Err(()));
        assert_eq!(res.unwrap_err(), PagingError::Fetch(()));
    }

    /// `collect` with `window` pages at once against a server of `n` items with
    /// page size `cap`, each page taking 100 ms: the items, the pages asked for,
    /// and the (paused-clock) time it took.
    async fn timed(n: u64, cap: u64, window: usize) -> (Vec<u64>, Vec<u64>, Duration) {
        let asked = RefCell::new(Vec::new());
        let t0 = tokio::time::Instant::now();
        let items = collect(cap, window, |page, size| {
            asked.borrow_mut().push(page);
            let r = server(n, cap, true)(page, size);
            async move {
                tokio::time::sleep(Duration::from_millis(100)).await;
                r
            }
        })
        .await
        .unwrap();
        (items, asked.into_inner(), t0.elapsed())
    }

    #[tokio::test(start_paused = true)]
    async fn pages_after_the_first_are_fetched_a_window_at_a_time_in_order() {
        // 95 items in pages of 10: page 1, then pages 2..=10 four at a time.
        let (items, asked, took) = timed(95, 10, 4).await;
        assert_eq!(items, (0..95).collect::<Vec<_>>());
        assert_eq!(asked, (1..=10).collect::<Vec<_>>());
        // 1 + ceil(9 / 4) = 4 round trips, not 10.
        assert_eq!(took, Duration::from_millis(400));
        let (_, _, one_at_a_time) = timed(95, 10, 1).await;
        assert_eq!(one_at_a_time, Duration::from_millis(1000));
    }

    #[tokio::test(start_paused = true)]
    async fn an_empty_page_in_a_window_ends_the_list() {
        let asked = RefCell::new(Vec::new());
        let items = collect(10, 4, |page, _| {
            asked.borrow_mut().push(page);
            // The total claims 1,000 items; only pages 1 and 2 have any.
            let items = if page <= 2 { vec![page; 10] } else { vec![] };
            async move {
                Ok::<_, ()>(Page {
                    items,
                    total: Some(1000),
                    page_size: Some(10),
                })
            }
        })
        .await
        .unwrap();
        assert_eq!(items.len(), 20);
        // No more than a window past the empty page was ever asked for.
        assert!(asked.borrow().len() <= 1 + 4 + 1, "{asked:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_list_short_of_its_total_carries_on_page_by_page() {
        // Pages 2..=3 come back with 5 of their 10 items: after the window the
        // list is short of its total, so it goes on from page 4.
        let asked = RefCell::new(Vec::new());
        let items = collect(10, 8, |page, _| {
            asked.borrow_mut().push(page);
            let items: Vec<u64> = match page {
                1 => (0..10).collect(),
                2 | 3 => (0..5).map(|i| page * 100 + i).collect(),
                4 | 5 => (0..10).map(|i| page * 100 + i).collect(),
                _ => vec![],
            };
            async move {
                Ok::<_, ()>(Page {
                    items,
                    total: Some(30),
                    page_size: Some(10),
                })
            }
        })
        .await
        .unwrap();
        assert_eq!(items.len(), 30);
        assert_eq!(&items[20..], &(400..410).collect::<Vec<_>>()[..]);
        assert_eq!(asked.into_inner(), vec![1, 2, 3, 4]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_failed_page_in_a_window_fails_the_list() {
        let r = collect(10, 4, |page, _| async move {
            if page == 3 {
                Err("boom")
            } else {
                Ok(Page {
                    items: vec![page; 10],
                    total: Some(100),
                    page_size: Some(10),
                })
            }
        })
        .await;
        assert_eq!(r.unwrap_err(), PagingError::Fetch("boom"));
    }

    /// A tree item: its own id and its nested ids.
    type Tree = (u64, Vec<u64>);

    fn tree_keys(t: &Tree) -> Vec<u64> {
        std::iter::once(t.0).chain(t.1.iter().copied()).collect()
    }

    /// `collect_distinct` against `server`, recording the pages asked for.
    fn distinct<F: Fn(u64, u64) -> Page<Tree>>(size: u64, server: F) -> (Distinct<Tree>, Vec<u64>) {
        let asked = RefCell::new(Vec::new());
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let r = rt.block_on(collect_distinct(size, tree_keys, |p, s| {
            asked.borrow_mut().push(p);
            let page = server(p, s);
            async move { Ok::<_, ()>(page) }
        }));
        (r.unwrap(), asked.into_inner())
    }

    /// bce-sdk-go `services/aihc/v2/api/queue.go` (DescribeResourceQueuesRequest):
    /// paging has no effect on self-managed queues, which come back as a tree.
    /// Here every page is the whole tree (one root with 2 children, and a
    /// second root) and `totalCount` counts the nested queues (4).
    #[test]
    fn a_whole_tree_on_every_page_is_taken_once() {
        let tree = vec![(1, vec![2, 3]), (4, vec![])];
        // Page size 1 (a server cap, echoed): the page is not short, so the
        // second page is asked for; it adds nothing new and ends the list.
        let (d, asked) = distinct(1, |_, _| Page {
            items: tree.clone(),
            total: Some(4),
            page_size: Some(1),
        });
        assert_eq!(d.items, tree);
        assert_eq!(
            d.repeats,
            vec![(Some(0), tree[0].clone()), (Some(1), tree[1].clone())]
        );
        assert_eq!(asked, vec![1, 2]);
        // Page size 100: a short page with all 4 queues ends it at once.
        let (d, asked) = distinct(100, |_, _| Page {
            items: tree.clone(),
            total: Some(4),
            page_size: Some(100),
        });
        assert_eq!((d.items.len(), d.repeats.len(), asked), (2, 0, vec![1]));
    }

    #[test]
    fn a_flat_list_pages_to_its_total() {
        let (d, asked) = distinct(2, |p, _| Page {
            items: match p {
                1 => vec![(1, vec![]), (2, vec![])],
                2 => vec![(3, vec![]), (4, vec![])],
                3 => vec![(5, vec![])],
                _ => vec![],
            },
            total: Some(5),
            page_size: None,
        });
        assert_eq!(
            d.items.iter().map(|t| t.0).collect::<Vec<_>>(),
            vec![1, 2, 3, 4, 5]
        );
        assert!(d.repeats.is_empty());
        assert_eq!(asked, vec![1, 2, 3]);
    }

    /// A total that counts top-level items only, with trees on full pages:
    /// the keys reach the total early, but full pages carry on.
    #[test]
    fn nested_keys_never_end_a_full_page_early() {
        let (d, asked) = distinct(1, |p, _| Page {
            items: match p {
                1 => vec![(1, vec![10, 11])],
                2 => vec![(2, vec![])],
                3 => vec![(3, vec![])],
                _ => vec![],
            },
            total: Some(3),
            page_size: Some(1),
        });
        assert_eq!(d.items.len(), 3);
        assert_eq!(asked, vec![1, 2, 3]);
    }

    /// A page that shifts (an item moved while paging) repeats one item and
    /// adds another: the repeat is set apart, the list goes on.
    #[test]
    fn a_shifted_page_repeats_one_and_goes_on() {
        let (d, _) = distinct(2, |p, _| Page {
            items: match p {
                1 => vec![(1, vec![]), (2, vec![])],
                2 => vec![(2, vec![]), (3, vec![])],
                _ => vec![],
            },
            total: Some(3),
            page_size: None,
        });
        assert_eq!(
            d.items.iter().map(|t| t.0).collect::<Vec<_>>(),
            vec![1, 2, 3]
        );
        assert_eq!(d.repeats, vec![(Some(1), (2, vec![]))]);
    }

    /// A child listed on its own after it came nested: a repeat of no
    /// top-level item.
    #[test]
    fn a_nested_key_listed_again_is_a_repeat_without_a_first() {
        let (d, _) = distinct(1, |p, _| Page {
            items: match p {
                1 => vec![(1, vec![2])],
                2 => vec![(2, vec![])],
                _ => vec![],
            },
            total: Some(2),
            page_size: Some(1),
        });
        assert_eq!(d.items, vec![(1, vec![2])]);
        assert_eq!(d.repeats, vec![(None, (2, vec![]))]);
    }

    /// What `follow` returned, the items it took in, and the cursors it asked with.
    type Followed = (Result<(), CursorError<u64, ()>>, Vec<u64>, Vec<Option<u64>>);

    /// `follow` over pages given as (items, next cursor), recording what was
    /// asked for.
    fn follow_pages(pages: &[(Vec<u64>, Option<u64>)], max_pages: u64) -> Followed {
        let asked = RefCell::new(Vec::new());
        let mut got = Vec::new();
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let r = rt.block_on(follow(
            max_pages,
            |c: Option<&u64>| {
                asked.borrow_mut().push(c.copied());
                let i = asked.borrow().len() - 1;
                let page = pages.get(i).cloned().ok_or(());
                async move { page }
            },
            |(items, next): (Vec<u64>, Option<u64>)| {
                got.extend(items);
                Ok(next)
            },
        ));
        (r, got, asked.into_inner())
    }

    #[test]
    fn a_cursor_list_follows_each_cursor_to_the_end() {
        let (r, got, asked) = follow_pages(
            &[(vec![1, 2], Some(10)), (vec![3], Some(20)), (vec![4], None)],
            10,
        );
        assert_eq!(r, Ok(()));
        assert_eq!(got, vec![1, 2, 3, 4]);
        assert_eq!(asked, vec![None, Some(10), Some(20)]);
    }

    #[test]
    fn a_repeated_cursor_ends_the_list() {
        let (r, got, _) = follow_pages(&[(vec![1], Some(7)), (vec![2], Some(7))], 10);
        assert_eq!(r, Err(CursorError::Repeated(7)));
        assert_eq!(got, vec![1, 2]);
    }

    #[test]
    fn an_endless_cursor_list_is_cut_off() {
        let pages: Vec<_> = (0..5).map(|i| (vec![i], Some(i + 1))).collect();
        let (r, got, asked) = follow_pages(&pages, 3);
        assert_eq!(r, Err(CursorError::TooManyPages(3)));
        assert_eq!(got, vec![0, 1, 2]);
        assert_eq!(asked.len(), 3);
    }
}
