//! The view model the page is drawn from: labels and capacity figures as
//! plain values, with no HTML in them.

use super::*;

#[test]
fn the_view_model_holds_the_accounts_labels_without_html() {
    let up = published(aihc());
    let mut down = published(aihc());
    down.up = false;
    down.last_duration = None;
    down.last_error = Some(PollFailure::Request(poll_error(
        Reason::Http5xx,
        "DescribeQueues",
        "http://h/api",
        "upstream said no",
    )));
    down.behind = vec![crate::runtime::state::Behind {
        unit: crate::model::Unit::Service {
            service_id: "svco-2".into(),
        },
        fetched: Some(UNIX_EPOCH + Duration::from_secs(T0 - 7200)),
        error: poll_error(
            Reason::Timeout,
            "DescribeComputeUnits",
            "http://h/",
            "no answer",
        ),
    }];
    let pending = Published::default();
    let info = PageInfo {
        telemetry_path: "/metrics",
        version: "1.2.3",
        revision: "abc",
        now: UNIX_EPOCH + Duration::from_secs(T0 + 200),
    };
    let accounts = [
        view("up-acct", "aihc", &up),
        view("down-acct", "aihc", &down),
        view("new-acct", "qianfan", &pending),
    ];
    let v = page(&accounts, &info, None);
    assert_eq!(v.refresh, 60);
    assert_eq!(v.now, "2023-11-14T22:16:40Z");
    let lines: Vec<_> = v.sections.iter().map(|s| &s.line).collect();
    let [up, down, pending] = &lines[..] else {
        panic!("{lines:?}")
    };
    assert_eq!(
        (up.account.name, up.state, up.up),
        ("up-acct", State::Up, true)
    );
    // 200 s after T0, the data of 0.25 s after T0 is older than stale_after (180 s).
    assert!(up.stale);
    let (secs, at) = up.last_success.as_ref().unwrap();
    assert_eq!(secs, "1700000000.25");
    assert_eq!(at.rfc3339, "2023-11-14T22:13:20Z");
    assert_eq!(at.ago, "3 min ago");
    assert_eq!(up.last_poll, "0.31 s");
    assert_eq!((up.pools, up.queues), (1, 5));
    assert_eq!(up.error, None);
    assert_eq!(down.state, State::Down);
    assert_eq!(down.last_poll, "—");
    assert_eq!(
        down.error,
        Some(ErrorText {
            reason: "http_5xx",
            detail: "DescribeQueues http://h/api: upstream said no".into(),
        })
    );
    assert_eq!(down.behind.len(), 1);
    assert_eq!(down.behind[0].unit, "service svco-2");
    assert_eq!(down.behind[0].reason, "timeout");
    assert_eq!(down.behind[0].fetched.as_ref().unwrap().ago, "2 h ago");
    assert_eq!(pending.state, State::Pending);
    assert!(!pending.up && !pending.stale);
    assert!(pending.last_success.is_none());
    assert_eq!(
        ErrorText::of(&PollFailure::Timeout(Duration::from_secs(180))),
        ErrorText {
            reason: "timeout",
            detail: "poll exceeded 180s".into()
        }
    );
}

#[test]
fn the_page_shows_the_reasons_the_runtime_state_keeps() {
    use crate::providers::FailedUnit;
    use crate::runtime::state::testing::{account, snapshot};
    // Published the runtime's way: the state keeps each error as the provider
    // reported it, and the page shows its reason. A URL holds a `:` of its
    // own, so the reason cannot be read back from the provider's text.
    let error = poll_error(
        Reason::Http5xx,
        "v3/queues",
        "http://127.0.0.1:8080/api/v1/queues",
        "upstream said no",
    );
    let a = account("a");
    a.publish(Published {
        snapshot: Some(Arc::new(snapshot(&["q1"]))),
        last_success: Some(UNIX_EPOCH + Duration::from_secs(T0)),
        up: true,
        attempted: true,
        failed_units: vec![FailedUnit {
            unit: crate::model::Unit::Service {
                service_id: "svco-2".into(),
            },
            error: error.clone(),
        }],
        ..Published::default()
    });
    a.publish_failure(
        Duration::from_secs(1),
        PollFailure::Request(poll_error(
            Reason::Auth,
            "v3/pools",
            "http://h:1/",
            "denied",
        )),
    );
    let p = a.current();
    assert_eq!(p.behind[0].error, error);
    assert_eq!(
        p.last_error.as_ref().map(PollFailure::reason),
        Some(Reason::Auth)
    );
    let info = PageInfo {
        telemetry_path: "/metrics",
        version: "1.2.3",
        revision: "abc",
        now: UNIX_EPOCH + Duration::from_secs(T0 + 10),
    };
    let accounts = [view("a", "aihc", &p)];
    let v = page(&accounts, &info, None);
    let line = &v.sections[0].line;
    assert_eq!(line.behind[0].reason, "http_5xx");
    assert_eq!(
        line.error,
        Some(ErrorText {
            reason: "auth",
            detail: "v3/pools http://h:1/: denied".into(),
        })
    );
    let html = page_at(&accounts, 10);
    assert!(
        html.contains(
            r#"<div class="err"><span class="reason">auth</span>: v3/pools http://h:1/: denied"#
        ),
        "{html}"
    );
    assert!(
        html.contains(r#"service svco-2: no data; <span class="reason">http_5xx</span>"#),
        "{html}"
    );
}

#[test]
fn the_view_model_holds_the_capacity_figures_without_html() {
    let p = published(aihc());
    let info = PageInfo {
        telemetry_path: "/metrics",
        version: "1.2.3",
        revision: "abc",
        now: UNIX_EPOCH + Duration::from_secs(T0 + 10),
    };
    let v = page(&[view("prod", "aihc", &p)], &info, None);
    let v = &v.sections[0];
    assert_eq!((v.not_shown, v.without_accelerators), (0, 1));
    let ids: Vec<_> = v.capacity.iter().map(|l| l.queue.unwrap().id).collect();
    assert_eq!(ids, ["q-diff", "q-rem", "q-both", "q-wa"]);
    let rem = &v.capacity[1];
    assert_eq!(rem.kind(), "queue");
    assert_eq!(
        rem.pool,
        Named {
            id: "p1",
            name: Some("train")
        }
    );
    assert_eq!(rem.queue.unwrap().name, Some("team-a"));
    assert_eq!(
        (rem.pool_title.as_str(), rem.queue_title.as_str()),
        ("train (p1)", "team-a (q-rem)")
    );
    let exact_values = (
        rem.exact_capability.as_deref(),
        rem.exact_allocated.as_deref(),
        rem.exact_free.as_deref(),
    );
    assert_eq!(exact_values, (Some("8"), Some("4.5"), Some("3.5")));
    let labels = (
        rem.capability.as_str(),
        rem.allocated.as_str(),
        rem.free.as_str(),
    );
    assert_eq!(labels, ("8", "4.5", "3.5"));
    assert_eq!(
        (rem.headroom, rem.headroom_label.as_str()),
        (Level::Ok, "44 %")
    );
    assert_eq!(
        rem.bar,
        Some(Bar {
            allocated: 56.25,
            free: 43.75,
            title: "4.5 allocated, 3.5 free of 8".into()
        })
    );
    assert_eq!(v.capacity[0].headroom, Level::Low);
    // Workload-available only: no free figure, so no headroom.
    let wa = &v.capacity[3];
    assert_eq!((wa.exact_free.as_deref(), wa.free.as_str()), (None, "—"));
    assert_eq!(
        (wa.headroom, wa.headroom_label.as_str()),
        (Level::Unknown, "—")
    );
}
