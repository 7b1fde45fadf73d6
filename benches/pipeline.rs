//! Per-series costs of the poll pipeline on the generated AIHC fleet
//! (`simulate --scale`): parse (DescribeQueues JSON → DTOs), normalise (DTOs →
//! model, with the quirk rules), render (model → exposition lines, once per
//! poll), and the scrape side (a cache hit, and gzip of a whole body).
//!
//! `cargo bench --bench pipeline` (190 pools × 25 queues, about 100k series;
//! `AIPOOL_BENCH_SCALE=2000,25` for about a million); `bench/quick.sh` runs it
//! with short measurement times. Throughput is in series, so criterion prints
//! series/s.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};

use aipool_exporter::config::{self, Env};
use aipool_exporter::exposition::cache::ScrapeCache;
use aipool_exporter::exposition::{render_data, BuildInfo, Format};
use aipool_exporter::model::Snapshot;
use aipool_exporter::providers::aihc::OpenApiPages;
use aipool_exporter::quantity::slots::DEFAULT_SLOT_SIZES;
use aipool_exporter::runtime::state::{rendered, AccountState, Published};
use aipool_sim::scale::{self, Scale};

/// The fleet: 190 pools × 25 queues (about 100k series) unless
/// `AIPOOL_BENCH_SCALE=POOLS,QUEUES_PER_POOL` says otherwise.
fn fleet() -> Scale {
    std::env::var("AIPOOL_BENCH_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(Scale {
            pools: 190,
            queues_per_pool: 25,
        })
}

/// One DescribeQueues page per pool, as the simulator serves them.
fn pages(fleet: Scale) -> Vec<Vec<u8>> {
    (0..fleet.pools)
        .map(|p| {
            let queues: Vec<_> = (0..fleet.queues_per_pool)
                .map(|q| scale::queue(p, q, 1))
                .collect();
            serde_json::to_vec(&serde_json::json!({
                "requestId": "bench", "queues": queues,
                "totalCount": fleet.queues_per_pool, "pageNumber": 1, "pageSize": 100,
            }))
            .expect("serialisable")
        })
        .collect()
}

fn parse(pools: &[u8], pages: &[Vec<u8>]) -> OpenApiPages {
    OpenApiPages::parse(pools, pages).expect("valid pages")
}

/// The fleet's pools as one DescribeResourcePools page.
fn pools(fleet: Scale) -> Vec<u8> {
    let pools: Vec<_> = (0..fleet.pools).map(scale::pool).collect();
    serde_json::to_vec(&serde_json::json!({
        "requestId": "bench", "resourcePools": pools,
        "totalCount": fleet.pools, "pageNumber": 1, "pageSize": fleet.pools,
    }))
    .expect("serialisable")
}

fn normalise(parsed: &OpenApiPages) -> Snapshot {
    let decoded = parsed.normalise();
    assert!(decoded.log.is_empty(), "the fleet decodes");
    decoded.snapshot
}

fn account() -> Arc<AccountState> {
    let settings = config::from_str(
        "[[accounts]]\nname='bench'\nprovider='aihc'\nregion='bj'\naccess_key_id='k'\nsecret_access_key='s'\n",
        "toml",
        &Env::default(),
    )
    .expect("valid config");
    Arc::new(AccountState::new(&settings.accounts[0], Arc::default()))
}

fn pipeline(c: &mut Criterion) {
    let size = fleet();
    let series = size.series();
    let pages = pages(size);
    let pools = pools(size);
    let parsed = parse(&pools, &pages);
    let snapshot = normalise(&parsed);

    let mut g = c.benchmark_group(format!("pipeline_{series}_series"));
    g.throughput(Throughput::Elements(series));
    g.sample_size(10);
    g.bench_function("parse", |b| {
        b.iter(|| parse(black_box(&pools), black_box(&pages)))
    });
    g.bench_function("normalise", |b| b.iter(|| normalise(black_box(&parsed))));
    g.bench_function("render", |b| {
        b.iter(|| {
            render_data(
                "aihc",
                "bench",
                "bj",
                black_box(&snapshot),
                SystemTime::now(),
                &DEFAULT_SLOT_SIZES,
            )
        })
    });

    // The scrape side: one published account of the same fleet.
    let a = account();
    a.publish(Published {
        snapshot: Some(Arc::new(snapshot.clone())),
        capacity: None,
        up: true,
        attempted: true,
        last_success: Some(SystemTime::now()),
        last_duration: Some(Duration::from_secs(1)),
        last_error: None,
        partial_errors: Vec::new(),
        failed_units: Vec::new(),
        behind: Vec::new(),
    });
    let accounts = [a];
    let cache = ScrapeCache::new(&BuildInfo::default());
    let now = SystemTime::now();
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    g.bench_function("scrape_cache_hit", |b| {
        b.iter(|| {
            black_box(
                cache
                    .get(Format::OpenMetrics, &rendered(&accounts), None, now)
                    .body(),
            )
        })
    });
    g.bench_function("gzip_whole_body", |b| {
        b.iter_batched(
            || {
                // A fresh cache each time, so the body is compressed anew.
                ScrapeCache::new(&BuildInfo::default()).get(
                    Format::OpenMetrics,
                    &rendered(&accounts),
                    None,
                    now,
                )
            },
            |cached| rt.block_on(cached.gzip()),
            BatchSize::PerIteration,
        )
    });
    g.finish();
    let body = cache.get(Format::OpenMetrics, &rendered(&accounts), None, now);
    let gz = rt.block_on(body.gzip()).map(|b| b.len()).unwrap_or(0);
    eprintln!(
        "fleet: {series} series, {} JSON bytes parsed, body {} bytes ({:.1} per series), gzip {} bytes ({:.1} per series)",
        pages.iter().map(Vec::len).sum::<usize>(),
        body.len(),
        body.len() as f64 / series as f64,
        gz,
        gz as f64 / series as f64,
    );
}

/// A ModelArts ListPoolNodes answer of `n` GPU nodes: 8 cards each, free
/// cards cycling 0..=8, every tenth node abnormal.
fn modelarts_nodes(n: usize) -> Vec<u8> {
    let items: Vec<_> = (0..n)
        .map(|i| {
            let phase = if i % 10 == 9 { "Abnormal" } else { "Available" };
            serde_json::json!({
                "metadata": {"name": format!("node-{i}")},
                "status": {
                    "phase": phase,
                    "resources": {"cpu": "192", "memory": "1536Gi", "nvidia.com/gpu": "8"},
                    "availableResources": {"cpu": "100", "memory": "800Gi",
                                           "nvidia.com/gpu": (i % 9).to_string()},
                }
            })
        })
        .collect();
    serde_json::to_vec(&serde_json::json!({"kind": "NodeList", "items": items}))
        .expect("serialisable")
}

/// The free-slot figures of one pool of 10,000 nodes: the whole node list
/// decoded and mapped (pool sums and free blocks), and the slot computation
/// alone (free blocks of every node, then the default sizes).
fn slots(c: &mut Criterion) {
    use aipool_exporter::model::FreeBlocks;
    use aipool_exporter::providers::modelarts::{decode, Body};
    const NODES: usize = 10_000;
    let body = modelarts_nodes(NODES);
    let mut g = c.benchmark_group(format!("slots_{NODES}_nodes"));
    g.throughput(Throughput::Elements(NODES as u64));
    g.sample_size(10);
    g.bench_function("modelarts_node_list", |b| {
        b.iter(|| {
            let d = decode(Body::Nodes { pool: "p" }, black_box(&body)).expect("decodes");
            assert_eq!(d.snapshot.pools[0].free_blocks.len(), 1);
            d
        })
    });
    g.bench_function("free_blocks_and_slots", |b| {
        b.iter(|| {
            let mut blocks = FreeBlocks::default();
            for i in 0..NODES {
                blocks.add_node(black_box((i % 9) as f64));
            }
            DEFAULT_SLOT_SIZES.map(|n| blocks.slots(n))
        })
    });
    g.finish();
}

criterion_group!(benches, pipeline, slots);
criterion_main!(benches);
