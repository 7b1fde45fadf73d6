//! Whatever an upstream or a config names comes out escaped on the page.

use super::*;

#[test]
fn a_hostile_name_in_every_user_controlled_field_comes_out_escaped() {
    use crate::model::Unit;
    use crate::runtime::state::Behind;
    use QuantityKind::*;
    // Each field gets its own marker, so that every place a field lands can be
    // found; each marker is followed by the same hostile text.
    let hostile = r#"<script>"&'"#;
    let escaped = "&lt;script&gt;&quot;&amp;&#39;";
    let f = |marker: &str| format!("{marker}~{hostile}");
    let mut s = Snapshot::default();
    s.pools.push(Pool {
        id: f("poolid"),
        name: f("poolname"),
        cloud_region: Some(f("cloud")),
        quantities: quantities(&[
            (Capability, &[(&f("accel"), 4.0)]),
            (Remaining, &[(&f("accel"), 1.0)]),
        ]),
        // The largest block and slots of a hostile accelerator: numbers only.
        free_blocks: [(f("accel"), crate::model::FreeBlocks::whole_nodes(1.0, 1.0))].into(),
        ..Pool::default()
    });
    s.queues.push(queue(
        &f("poolid"),
        &f("qid"),
        &f("qname"),
        quantities(&[
            (Capability, &[(&f("qaccel"), 2.0)]),
            (Allocated, &[(&f("qaccel"), 1.0)]),
        ]),
    ));
    s.services.push(crate::model::Service {
        id: f("svcid"),
        name: f("svcname"),
    });
    s.compute_units.push(crate::model::ComputeUnit {
        service_id: f("svcid"),
        instance_id: f("instance"),
        payment_timing: f("payment"),
        status: f("custatus"),
        replicas: Some(2.0),
        start_timestamp: None,
        expiry_timestamp: Some(T0 as f64),
    });
    let mut p = published(s);
    p.up = false;
    p.last_error = Some(PollFailure::Request(poll_error(
        Reason::Auth,
        &f("api"),
        &f("url"),
        &f("detail"),
    )));
    p.behind = vec![
        Behind {
            unit: Unit::Pool {
                cloud_region: Some(f("unitregion")),
                pool_id: f("unitpool"),
            },
            fetched: Some(UNIX_EPOCH + Duration::from_secs(T0)),
            error: poll_error(
                Reason::Http5xx,
                &f("behindapi"),
                &f("behindurl"),
                &f("behinddetail"),
            ),
        },
        Behind {
            unit: Unit::Service {
                service_id: f("unitservice"),
            },
            fetched: None,
            error: poll_error(
                Reason::Timeout,
                &f("behindapi"),
                &f("behindurl"),
                &f("behinddetail"),
            ),
        },
    ];
    let (name, provider, region) = (f("acct"), f("prov"), f("reg"));
    let mut a = view(&name, &provider, &p);
    a.region = &region;
    let (path, version, revision) = (f("path"), f("ver"), f("rev"));
    let html = render_at(
        &[a],
        &PageInfo {
            telemetry_path: &path,
            version: &version,
            revision: &revision,
            now: UNIX_EPOCH + Duration::from_secs(T0 + 10),
        },
        None,
    );
    // The same account alone, and a filter that names no account.
    let page_with = |filter: &str| {
        render_at(
            &[a],
            &PageInfo {
                telemetry_path: &path,
                version: &version,
                revision: &revision,
                now: UNIX_EPOCH + Duration::from_secs(T0 + 10),
            },
            Some(filter),
        )
    };
    let alone = page_with(&name);
    assert!(alone.contains(r#"<section class="account""#), "{alone}");
    let filter = f("filter");
    let html = format!("{html}{alone}{}", page_with(&filter));
    assert!(!html.contains("<script>"), "{html}");
    // In links the account's name is percent-encoded, which is safe too.
    let encoded = "acct~%3Cscript%3E%22%26%27";
    assert!(
        html.contains(&format!("href=\"/?account={encoded}\"")),
        "{html}"
    );
    let html = html.replace(encoded, &format!("acct~{escaped}"));
    for marker in [
        "filter",
        "svcid",
        "svcname",
        "instance",
        "payment",
        "custatus",
        "acct",
        "prov",
        "reg",
        "cloud",
        "poolid",
        "poolname",
        "qid",
        "qname",
        "accel",
        "qaccel",
        "api",
        "url",
        "detail",
        "unitregion",
        "unitpool",
        "unitservice",
        "path",
        "ver",
        "rev",
    ] {
        let at = format!("{marker}~");
        let shown = html.matches(&at).count();
        let safe = html.matches(&format!("{at}{escaped}")).count();
        assert!(shown > 0, "{marker} is not on the page: {html}");
        assert_eq!(shown, safe, "{marker} is not escaped everywhere: {html}");
    }
    // Of a unit's error only the reason is shown.
    for hidden in ["behindapi", "behindurl", "behinddetail"] {
        assert!(!html.contains(hidden), "{html}");
    }
}
