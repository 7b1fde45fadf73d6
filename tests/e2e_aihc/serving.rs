//! What the exporter serves besides the figures: formats and plain paths.

use super::*;

#[test]
fn openmetrics_when_asked_classic_text_otherwise() {
    let (_sim, sim) = simulator(100);
    let (_exp, addr) = exporter(
        &openapi_config(&sim, "open", credentials::BCE_SECRET_ACCESS_KEY),
        &[],
    );
    let (_, h, body) = get(&addr, "/metrics", &[]).unwrap();
    assert_eq!(
        h["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    assert!(body.contains("# TYPE aipool_pool_info gauge\n"));
    assert!(!body.contains("# EOF"));
    let (_, h, om) = get(
        &addr,
        "/metrics",
        &[(
            "Accept",
            "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5",
        )],
    )
    .unwrap();
    assert!(h["content-type"].starts_with("application/openmetrics-text; version=1.0.0"));
    assert!(om.ends_with("# EOF\n"));
    assert!(om.contains("# TYPE aipool_pool info\n"));
    assert!(om.contains("# TYPE aipool_api_requests counter\n"));
    // The same samples in both formats.
    let samples = |t: &str| {
        t.lines()
            .filter(|l| !l.starts_with('#'))
            .map(String::from)
            .collect::<Vec<_>>()
    };
    assert_eq!(samples(&body), samples(&om));
    // Two scrapes of one snapshot are byte-identical.
    let (_, _, again) = get(&addr, "/metrics", &[]).unwrap();
    assert_eq!(body, again);
}

#[test]
fn health_ready_landing_and_unknown_paths() {
    let (_sim, sim) = simulator(100);
    let (_exp, addr) = exporter(
        &openapi_config(&sim, "open", credentials::BCE_SECRET_ACCESS_KEY),
        &[],
    );
    assert_eq!(get(&addr, "/healthz", &[]).unwrap().0, 200);
    assert_eq!(get(&addr, "/ready", &[]).unwrap().0, 200);
    let (status, h, page) = get(&addr, "/", &[]).unwrap();
    assert_eq!(status, 200);
    assert!(h["content-type"].starts_with("text/html"));
    assert!(
        page.contains("href=\"/metrics\"") && page.contains("open"),
        "{page}"
    );
    assert_eq!(get(&addr, "/nope", &[]).unwrap().0, 404);
}
