//! The scrape cache: the whole `/metrics` response per format, stitched from the
//! accounts' pre-rendered lines once per change and then served as is; its gzip
//! form is compressed once, on the first request that accepts it.
//!
//! A cached response is keyed by every account's publish generation and whether
//! its data is still fresh (`stale_after`), so a publish or an account going
//! stale makes the next scrape build a new one, and nothing else does. Between
//! polls, a scrape costs a few reference-count bumps (plain) or one shared
//! buffer (gzip): no rendering, no compression.
//!
//! Self metrics are part of each account's publish, so their counters are as of
//! the end of the account's latest poll.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::io::Write as _;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::SystemTime;

use hyper::body::{Body, Bytes, Frame, SizeHint};

use super::{build_lines, reload_lines, stitch, BuildInfo, Format, HasLines, Lines, Part};

/// One cached response per format.
pub struct ScrapeCache {
    build: Lines,
    slots: Mutex<[Option<Arc<Cached>>; 2]>,
}

/// What a cached response was built from: the reload status and, per account,
/// its publish generation and whether its data was fresh.
#[derive(PartialEq)]
struct CacheKey {
    reload: Option<(bool, u64)>,
    accounts: Vec<(u64, bool)>,
}

/// A complete response body in one format.
pub struct Cached {
    key: CacheKey,
    chunks: Vec<Bytes>,
    len: usize,
    gzip: tokio::sync::OnceCell<Bytes>,
}

impl ScrapeCache {
    pub fn new(build: &BuildInfo) -> Self {
        ScrapeCache {
            build: build_lines(build),
            slots: Mutex::new([None, None]),
        }
    }

    /// Drops the cached responses (after a publish: they hold the previous
    /// rendering, and the next scrape will not use them).
    pub fn clear(&self) {
        let old = std::mem::take(&mut *self.slots.lock().unwrap_or_else(|p| p.into_inner()));
        drop(old);
    }

    /// The response for `format` as `accounts` and the reload status (see
    /// [`reload_lines`]) stand at `now`: the cached one if no account published
    /// or went stale since it was built.
    pub fn get(
        &self,
        format: Format,
        accounts: &[impl HasLines],
        reload: Option<(bool, f64)>,
        now: SystemTime,
    ) -> Arc<Cached> {
        let (reload, reload_key) = reload_lines(reload);
        let key = CacheKey {
            reload: reload_key,
            accounts: accounts
                .iter()
                .map(|a| (a.lines().generation, a.lines().fresh_data(now).is_some()))
                .collect(),
        };
        let slot = match format {
            Format::Text => 0,
            Format::OpenMetrics => 1,
        };
        // Held while building too: stitching is cheap (it copies no sample
        // bytes), and concurrent scrapes after a publish then share one entry
        // and so one compression.
        let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(c) = &slots[slot] {
            if c.key == key {
                return c.clone();
            }
        }
        let mut parts: Vec<&dyn Part> = vec![&self.build, &reload];
        for a in accounts {
            a.lines().push_parts(&mut parts, now);
        }
        let chunks = stitch(format, &parts);
        let cached = Arc::new(Cached {
            key,
            len: chunks.iter().map(Bytes::len).sum(),
            chunks,
            gzip: tokio::sync::OnceCell::new(),
        });
        slots[slot] = Some(cached.clone());
        cached
    }
}

impl Cached {
    /// Length of the uncompressed body.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The uncompressed body (sharing the cached buffers).
    pub fn body(&self) -> ChunkBody {
        ChunkBody::new(self.chunks.iter().cloned())
    }

    /// The uncompressed body as one buffer.
    pub fn to_vec(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.len);
        for c in &self.chunks {
            out.extend_from_slice(c);
        }
        out
    }

    /// The gzip body, compressed on first use (off the async workers: a large
    /// body takes a while) and kept with this entry. `None` if compression
    /// failed, in which case the caller serves the plain body.
    pub async fn gzip(self: &Arc<Self>) -> Option<Bytes> {
        let me = self.clone();
        self.gzip
            .get_or_try_init(|| async move {
                match tokio::task::spawn_blocking(move || gzip(&me.chunks, me.len)).await {
                    Ok(Ok(b)) => Ok(b),
                    Ok(Err(e)) => Err(e.to_string()),
                    Err(e) => Err(e.to_string()),
                }
            })
            .await
            .map_err(|e| tracing::warn!(error = %e, "gzip of /metrics failed; serving it plain"))
            .ok()
            .cloned()
    }
}

/// Compresses at the fastest level: scrapes of large outputs are bound by
/// compression time, and level 1 already shrinks exposition text about tenfold.
fn gzip(chunks: &[Bytes], len: usize) -> std::io::Result<Bytes> {
    let mut enc = flate2::write::GzEncoder::new(
        Vec::with_capacity(len / 8 + 64),
        flate2::Compression::fast(),
    );
    for c in chunks {
        enc.write_all(c)?;
    }
    let mut out = enc.finish()?;
    out.shrink_to_fit();
    Ok(Bytes::from(out))
}

/// A response body made of shared chunks, sent without copying them together.
#[derive(Debug, Default)]
pub struct ChunkBody {
    chunks: VecDeque<Bytes>,
    remaining: u64,
}

impl ChunkBody {
    pub fn new(chunks: impl IntoIterator<Item = Bytes>) -> Self {
        let chunks: VecDeque<Bytes> = chunks.into_iter().filter(|c| !c.is_empty()).collect();
        let remaining = chunks.iter().map(|c| c.len() as u64).sum();
        ChunkBody { chunks, remaining }
    }

    pub fn empty() -> Self {
        ChunkBody::default()
    }
}

impl From<Bytes> for ChunkBody {
    fn from(b: Bytes) -> Self {
        ChunkBody::new([b])
    }
}

impl Body for ChunkBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        match self.chunks.pop_front() {
            Some(c) => {
                self.remaining -= c.len() as u64;
                Poll::Ready(Some(Ok(Frame::data(c))))
            }
            None => Poll::Ready(None),
        }
    }

    fn is_end_stream(&self) -> bool {
        self.chunks.is_empty()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.remaining)
    }
}

#[cfg(test)]
mod tests;
