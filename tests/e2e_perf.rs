//! End to end: the performance features as a scraper sees them — the generated
//! fleet of `simulate --scale` polled with concurrent per-pool fetches, gzip
//! answers that decompress to exactly the plain body, and a response cache that
//! a poll replaces.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use common::*;

fn scaled_account(sim: &str, extra: &str) -> String {
    format!(
        r#"
[[accounts]]
name = "fleet"
provider = "aihc"
region = "bj"
endpoint = "http://{sim}"
timeout = "5s"
requests_per_second = 0
access_key_id = "{ak}"
secret_access_key = "{sk}"
{extra}
"#,
        ak = credentials::BCE_ACCESS_KEY_ID,
        sk = credentials::BCE_SECRET_ACCESS_KEY,
    )
}

/// GET returning the raw body bytes (the shared helper reads text).
fn get_raw(
    addr: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("response has a header end");
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let body = raw[split + 4..].to_vec();
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect::<Vec<_>>();
    assert!(
        !headers
            .iter()
            .any(|(k, v)| k == "transfer-encoding" && v == "chunked"),
        "/metrics has a known length"
    );
    (status, headers, body)
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn gunzip(b: &[u8]) -> String {
    let mut out = String::new();
    flate2::read::GzDecoder::new(b)
        .read_to_string(&mut out)
        .expect("a valid gzip stream");
    out
}

const OPENMETRICS: &str =
    "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5";

#[test]
fn a_scaled_fleet_is_paged_and_polled_completely() {
    // 12 pools of 4 queues; pages capped at 5 so both lists page.
    let (_sim, sim) = simulator_with(&["--scale", "12,4", "--page-cap", "5"]);
    let (_exp, addr) = exporter(
        &scaled_account(&sim, "interval = \"1h\"\nmax_concurrency = 3"),
        &[],
    );
    let m = scrape(&addr);
    let fleet = ("account", "fleet");
    assert_eq!(m.value("aipool_up", &[fleet]), 1.0);
    assert_eq!(m.find("aipool_pool_info", &[fleet]).len(), 12);
    assert_eq!(m.find("aipool_queue_info", &[fleet]).len(), 48);
    // Every data series the generator promises (scale::Scale::series), no more.
    let data = m
        .samples
        .iter()
        .filter(|(_, l, _)| l.contains_key("cloud_region"))
        .count();
    // Per pool: info, nodes, 15 totals and its last success; per queue 21;
    // 3 accelerator infos.
    assert_eq!(data, 12 * (18 + 4 * 21) + 3);
    // Pools in 3 pages of 5; one DescribeQueues page per pool.
    assert_eq!(
        m.value(
            "aipool_api_requests_total",
            &[fleet, ("api", "DescribeResourcePools")]
        ),
        3.0
    );
    assert_eq!(
        m.value(
            "aipool_api_requests_total",
            &[fleet, ("api", "DescribeQueues")]
        ),
        12.0
    );
    // Queue 3 of pool 7: allocation step (7 + 3) % 9 = 1, i.e. 12 cores, 64 Gi
    // and 1, 2, 1 cards; remaining is derived.
    let q = [
        fleet,
        ("pool_id", "cce-s000007"),
        ("queue_id", "q-000007-003"),
    ];
    let gpu = [q[0], q[1], q[2], ("accelerator", "nvidia.com/gpu")];
    assert_eq!(m.value("aipool_queue_capability_accelerators", &gpu), 16.0);
    assert_eq!(m.value("aipool_queue_allocated_accelerators", &gpu), 2.0);
    assert_eq!(m.value("aipool_queue_remaining_accelerators", &gpu), 14.0);
    assert_eq!(m.value("aipool_queue_allocated_cpu_cores", &q), 12.0);
    assert_eq!(m.value("aipool_queue_remaining_cpu_cores", &q), 180.0);
    assert_eq!(
        m.value("aipool_queue_allocated_memory_bytes", &q),
        64.0 * GIB
    );
}

#[test]
fn gzip_is_answered_and_decompresses_to_exactly_the_plain_body() {
    let (_sim, sim) = simulator_with(&["--scale", "20,5"]);
    let (_exp, addr) = exporter(&scaled_account(&sim, "interval = \"1h\""), &[]);
    for accept in [None, Some(OPENMETRICS)] {
        let mut hs = vec![];
        if let Some(a) = accept {
            hs.push(("Accept", a));
        }
        let (status, plain_headers, plain) = get_raw(&addr, "/metrics", &hs);
        assert_eq!(status, 200);
        assert_eq!(header(&plain_headers, "content-encoding"), None);
        hs.push(("Accept-Encoding", "gzip"));
        let (status, gz_headers, gz) = get_raw(&addr, "/metrics", &hs);
        assert_eq!(status, 200);
        assert_eq!(header(&gz_headers, "content-encoding"), Some("gzip"));
        assert_eq!(header(&gz_headers, "vary"), Some("Accept-Encoding"));
        assert_eq!(
            header(&gz_headers, "content-type"),
            header(&plain_headers, "content-type")
        );
        assert_eq!(
            header(&gz_headers, "content-length"),
            Some(gz.len().to_string().as_str())
        );
        assert!(
            gz.len() * 4 < plain.len(),
            "{} vs {}",
            gz.len(),
            plain.len()
        );
        let plain = String::from_utf8(plain).unwrap();
        assert_eq!(gunzip(&gz), plain);
        assert_eq!(plain.ends_with("# EOF\n"), accept.is_some());
        assert!(plain.contains("aipool_queue_info{"));
    }
    // A client that refuses gzip gets the plain body.
    let (_, hs, body) = get_raw(&addr, "/metrics", &[("Accept-Encoding", "gzip;q=0")]);
    assert_eq!(header(&hs, "content-encoding"), None);
    assert!(String::from_utf8(body).unwrap().contains("aipool_up{"));
}

/// `aipool_polls_total{result="success"}` of the fleet account in a body.
fn polls(text: &str) -> f64 {
    Metrics::parse(text).value(
        "aipool_polls_total",
        &[("account", "fleet"), ("result", "success")],
    )
}

#[test]
fn each_poll_replaces_the_cached_response_in_both_encodings() {
    let (_sim, sim) = simulator_with(&["--scale", "3,2"]);
    let (_exp, addr) = exporter(&scaled_account(&sim, "interval = \"1s\""), &[]);
    let gz_scrape = || {
        let (_, hs, body) = get_raw(&addr, "/metrics", &[("Accept-Encoding", "gzip")]);
        assert_eq!(header(&hs, "content-encoding"), Some("gzip"));
        gunzip(&body)
    };
    let first = polls(&gz_scrape());
    // Scrapes between polls are served from the cache: same bytes.
    let m = scrape_until(&addr, 10, "a later poll", |m| {
        m.value(
            "aipool_polls_total",
            &[("account", "fleet"), ("result", "success")],
        ) > first
    });
    let later = polls(&m.text);
    let gz = gz_scrape();
    assert!(
        polls(&gz) >= later,
        "the gzip answer is from before the last poll"
    );
    // Both encodings of one publish are the same text (retry if a poll lands
    // between the two scrapes).
    for attempt in 0.. {
        let gz = gz_scrape();
        let (_, _, plain) = get_raw(&addr, "/metrics", &[]);
        if gz.as_bytes() == plain.as_slice() {
            break;
        }
        assert!(attempt < 5, "gzip and plain bodies keep differing");
    }
}

#[test]
fn a_failed_queue_fetch_leaves_out_its_pool_then_it_recovers() {
    // The first DescribeQueues answer is a 503; the account does not retry.
    // Was: the whole poll failed (aipool_up 0, nothing published). Now
    // only that pool is left out, the other 19 are published and up stays 1.
    let (_sim, sim) = simulator_with(&[
        "--scale",
        "20,2",
        "--latency",
        "20ms",
        "--faults",
        "DescribeQueues=5xx*1",
    ]);
    let (_exp, addr) = exporter(&scaled_account(&sim, "interval = \"3s\"\nretries = 0"), &[]);
    let m = scrape(&addr);
    let fleet = ("account", "fleet");
    assert_eq!(m.value("aipool_up", &[fleet]), 1.0);
    assert_eq!(m.find("aipool_pool_info", &[fleet]).len(), 19);
    assert_eq!(m.find("aipool_queue_info", &[fleet]).len(), 38);
    assert_eq!(
        m.value(
            "aipool_api_request_failures_total",
            &[fleet, ("api", "DescribeQueues"), ("reason", "http_5xx")]
        ),
        1.0
    );
    // Every pool's queues were asked for, the failed one once.
    assert_eq!(
        m.value(
            "aipool_api_requests_total",
            &[fleet, ("api", "DescribeQueues")],
        ),
        20.0
    );
    // The next poll has no fault and publishes the whole fleet.
    let m = scrape_until(&addr, 15, "a complete poll", |m| {
        m.find("aipool_queue_info", &[("account", "fleet")]).len() == 40
    });
    assert_eq!(m.find("aipool_pool_info", &[fleet]).len(), 20);
    assert_eq!(m.value("aipool_up", &[fleet]), 1.0);
}
