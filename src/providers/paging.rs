//! Page-number pagination shared by the providers that page by number and total.
//!
//! Servers cap page sizes and echo the size they used; the next request uses the
//! echoed size so page N lands where the server thinks it does. The loop stops at
//! the reported total, on a short or empty page, or at a hard page limit (an
//! upstream that always reports more must not keep a poll running forever).

use std::future::Future;

use crate::http::{PollCtx, PollError, Reason};

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
pub async fn collect<T, E, F, Fut>(
    requested_size: u64,
    mut fetch: F,
) -> Result<Vec<T>, PagingError<E>>
where
    F: FnMut(u64, u64) -> Fut,
    Fut: Future<Output = Result<Page<T>, E>>,
{
    let mut size = requested_size.max(1);
    let mut out = Vec::new();
    for page_number in 1..=MAX_PAGES {
        let page = fetch(page_number, size).await.map_err(PagingError::Fetch)?;
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
    }
    Err(PagingError::TooManyPages(None))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

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
        let res = rt.block_on(collect(requested, |p, s| {
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
}
