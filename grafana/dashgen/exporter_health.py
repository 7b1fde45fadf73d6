"""The exporter health dashboard: scrape targets, polls, upstream API failures,
data age and normalisation rules."""

from __future__ import annotations

from .dashboard import Dashboard
from .panels import NEUTRAL_STEPS, USAGE_STEPS, field_config, only, panel, stat, table, target, thresholds, timeseries
from .platforms import CAPACITY, NONE, QIANFAN
from .promql import SELF
from .variables import V_ACCOUNT, V_PROVIDER, job_var


def exporter_health() -> Dashboard:
    d = Dashboard(
        "aipool-exporter",
        "AI pools / Exporter health",
        "Is aipool_exporter itself healthy: scrape targets, poll results and durations, partial poll errors, "
        "upstream API failures by reason, data age against the staleness threshold, poll overruns and "
        "normalisation rules.",
        [job_var(), V_PROVIDER, V_ACCOUNT],
    )
    d.row("Status")
    d.add(stat("Targets up", "Exporter targets (shards) Prometheus can scrape, of all in the job.",
               [target('sum(up{job="$job"})', "up"), target('count(up{job="$job"})', "targets")],
               color_mode="none"), 4, 5)
    d.add(stat("Accounts failing", "Accounts whose last poll failed (AiPoolPollingFailing after 10 min).",
               [target(f"count(aipool_up{SELF} == 0) or vector(0)")],
               steps=thresholds((None, "green"), (1, "red"))), 4, 5)
    d.add(stat("Oldest data", "Age of the oldest last successful poll among the selected accounts.",
               [target(f"max(time() - aipool_last_success_timestamp_seconds{SELF})")], "s",
               steps=NEUTRAL_STEPS), 4, 5)
    d.add(table("Build", "Version and revision per target.", [target('aipool_build_info{job="$job"}')],
                {}, hide=["Value", "job"]), 12, 5)
    d.add(panel("state-timeline", "Account poll state", "aipool_up per account: 1 = last poll fully succeeded.",
                [target(f"aipool_up{SELF}", "{{account}}")],
                field_config("short", thresholds((None, "red"), (1, "green")), 0, 1, color_mode="thresholds",
                             custom={"fillOpacity": 70, "lineWidth": 0}),
                {"showValue": "never", "mergeValues": True, "alignValue": "left", "rowHeight": 0.9,
                 "legend": {"showLegend": False, "displayMode": "list", "placement": "bottom"},
                 "tooltip": {"mode": "single", "sort": "none"}}), 24, 6)

    d.row("Polls")
    d.add(timeseries("Poll duration", "Wall time of each account's last poll.",
                     [target(f"aipool_poll_duration_seconds{SELF}", "{{account}}")], "s"), 12, 8)
    d.add(timeseries("Poll duration / interval", "Above 1 a poll outlasts its interval and ticks are skipped "
                     "(overruns).",
                     [target(f"aipool_poll_duration_seconds{SELF} / aipool_poll_interval_seconds{SELF}",
                             "{{account}}")], "percentunit", lo=0, steps=USAGE_STEPS, threshold_line=True), 12, 8)
    d.add(timeseries("Polls by result", "Finished polls per second.",
                     [target(f"sum by (account, result) (rate(aipool_polls_total{SELF}[$__rate_interval]))",
                             "{{account}} {{result}}")], "ops"), 6, 8)
    d.add(timeseries("Partial poll errors", "Requests of the last successful poll that failed without failing it "
                     "(a ModelArts workspace, a Sugon region's HPC side): that part of the account is missing "
                     "(AiPoolPollPartiallyFailing after 30 min).",
                     [target(f"aipool_poll_partial_errors{SELF}", "{{account}}")], draw="bars"), 6, 8)
    d.add(timeseries("Data age (poll intervals)", "Time since the last successful poll, in poll intervals; "
                     "AiPoolDataStale fires above the threshold (dashed series).",
                     [target(f"(time() - aipool_last_success_timestamp_seconds{SELF}) / "
                             f"aipool_poll_interval_seconds{SELF}", "{{account}}"),
                      target("aipool:threshold:stale_poll_intervals", "threshold")], lo=0), 6, 8)
    d.add(timeseries("Poll overruns", "Poll ticks skipped because the previous poll was still running.",
                     [target(f"sum by (account) (increase(aipool_poll_overruns_total{SELF}[$__rate_interval]))",
                             "{{account}}")], draw="bars"), 6, 8)

    d.row("Upstream APIs")
    d.add(timeseries("API failures by reason", "Failed upstream requests per second (every failed attempt, "
                     "retries included) by reason: timeout, connect, http_4xx, http_5xx, throttled, auth, decode, "
                     "upstream_error.",
                     [target(f"sum by (reason) (rate(aipool_api_request_failures_total{SELF}[$__rate_interval]))",
                             "{{reason}}")], "reqps", stack=True), 12, 8)
    d.add(timeseries("API requests by API", "Upstream requests per second.",
                     [target(f"sum by (account, api) (rate(aipool_api_requests_total{SELF}[$__rate_interval]))",
                             "{{account}} {{api}}")], "reqps"), 12, 8)
    # Empty while nothing failed, which is the healthy state.
    d.add(only(table("API failures since exporter start", "Failed requests counted since each exporter started, "
                     "per account, API and reason; combinations without failures are left out.",
                     [target(f"sum by (provider, account, api, reason) "
                             f"(aipool_api_request_failures_total{SELF}) > 0")],
                     {"Value": "Failures"}, sort_by="Failures", desc=True), *NONE), 12, 8)
    d.add(timeseries("Decode errors", "Objects and fields left out because they did not decode, per second, by "
                     "account, API and reason (not_a_number, not_finite, negative, malformed_object); the rest of "
                     "each answer is published. The exporter's warn log names the object and field.",
                     [target(f"sum by (account, api, reason) "
                             f"(rate(aipool_decode_errors_total{SELF}[$__rate_interval]))",
                             "{{account}} {{api}} {{reason}}")], "ops"), 12, 8)
    # Pools on the platforms with pools; Qianfan accounts have services only.
    d.add(only(timeseries("Pools behind their account (poll intervals)", "How much older each pool's own data "
                          "is than its account's last successful poll, in poll intervals: above 0 its calls fail and "
                          "its last good series are kept until stale_after (AiPoolPoolDataBehind above the dashed "
                          "threshold).",
                          [target(f"(aipool_last_success_timestamp_seconds{SELF} - on (job, instance, provider, "
                                  f"account) group_right () aipool_pool_last_success_timestamp_seconds{SELF}) / on "
                                  f"(job, instance, provider, account) group_left () "
                                  f"aipool_poll_interval_seconds{SELF}", "{{account}} {{pool_id}}"),
                           target("aipool:threshold:unit_behind_poll_intervals", "threshold")], lo=0),
                *CAPACITY), 12, 8)
    d.add(only(timeseries("Services behind their account (poll intervals)", "The same for Qianfan services: how "
                          "much older a service's compute units are than its account's last successful poll "
                          "(AiPoolServiceDataBehind above the dashed threshold).",
                          [target(f"(aipool_last_success_timestamp_seconds{SELF} - on (job, instance, provider, "
                                  f"account) group_right () aipool_service_last_success_timestamp_seconds{SELF}) / "
                                  f"on (job, instance, provider, account) group_left () "
                                  f"aipool_poll_interval_seconds{SELF}", "{{account}} {{service_id}}"),
                           target("aipool:threshold:unit_behind_poll_intervals", "threshold")], lo=0),
                QIANFAN), 12, 8)
    d.add(timeseries("Normalisations", "Upstream quirks fixed by a named rule, per second (normal; no alert).",
                     [target(f"sum by (account, rule) (rate(aipool_normalizations_total{SELF}[$__rate_interval]))",
                             "{{account}} {{rule}}")], "ops"), 12, 8)

    d.row("Scrapes")
    d.add(timeseries("Scrape duration", "How long Prometheus takes to scrape each target.",
                     [target('scrape_duration_seconds{job="$job"}', "{{instance}}")], "s"), 12, 7)
    d.add(timeseries("Samples per scrape", "Series per target: grows with pools, queues and accelerator types.",
                     [target('scrape_samples_scraped{job="$job"}', "{{instance}}")]), 12, 7)
    return d
