"""The Qianfan compute units dashboard: expiry, replicas per service, status
and payment timing."""

from __future__ import annotations

from .dashboard import Dashboard
from .panels import NEUTRAL_STEPS, bargauge, only, stat, table, target, thresholds, timeseries
from .platforms import QIANFAN
from .promql import ACCT, K_CU, K_SVC, named, service_named
from .variables import V_ACCOUNT, V_PROVIDER, V_REGION


def compute_units() -> Dashboard:
    d = Dashboard(
        "aipool-compute-units",
        "AI pools / Qianfan compute units",
        "Baidu Qianfan compute units: time left until expiry, replicas per service, status and payment timing. "
        "Thresholds are the aipool:threshold:compute_unit_expiry_* series of rules.yml. Service names come from "
        "aipool_service_info where it exists (not with service_ids configured); the service id otherwise.",
        [V_PROVIDER, V_ACCOUNT, V_REGION],
    )
    expiry = f"aipool_compute_unit_expiry_timestamp_seconds{ACCT}"
    warn = "scalar(aipool:threshold:compute_unit_expiry_warning_seconds)"
    crit = "scalar(aipool:threshold:compute_unit_expiry_critical_seconds)"

    def cu(expr: str) -> str:
        # Status and payment timing, then the service's name (each optional).
        return service_named(named(expr, K_CU, "aipool_compute_unit_info", "payment_timing, status"))

    d.row("Expiry")
    d.add(only(stat("Compute units", "Compute unit instances.",
                    [target(f"count(aipool_compute_unit_info{ACCT})")]), QIANFAN), 6, 5)
    d.add(stat("Expiring within 7 days", "Units whose expiry is less than the warning threshold away "
               "(AiPoolComputeUnitExpiringSoon).",
               [target(f"count((({expiry} - time()) > 0) < {warn}) or vector(0)")],
               steps=thresholds((None, "green"), (1, "orange"))), 6, 5)
    d.add(stat("Expiring within 1 day", "AiPoolComputeUnitExpiryImminent.",
               [target(f"count((({expiry} - time()) > 0) < {crit}) or vector(0)")],
               steps=thresholds((None, "green"), (1, "red"))), 6, 5)
    d.add(stat("Expired", "Units whose expiry time has passed (still listed by the API).",
               [target(f"count(({expiry} - time()) <= 0) or vector(0)")],
               steps=thresholds((None, "green"), (1, "orange"))), 6, 5)
    d.add(only(table("Compute units by time left",
                     "Negative: expired. Red under 1 day, orange under 7 days (the alert thresholds).",
                     [target(cu(f"({expiry} - time())")), target(cu(f"({expiry} * 1000)"))],
                     {"Value #A": "Time left", "Value #B": "Expires", "cloud_region": "region"},
                     units={"Time left": "dtdurations", "Expires": "dateTimeAsIso"},
                     cell_colors={"Time left": thresholds((None, "red"), (86400, "orange"), (604800, "green"))},
                     sort_by="Time left"), QIANFAN), 24, 8)
    d.add(only(timeseries("Days left", "Days until each compute unit expires.",
                          [target(cu(f"(({expiry} - time()) / 86400)"), "{{service_name}} {{instance_id}}")],
                          "d", steps=thresholds((None, "red"), (1, "orange"), (7, "green")), threshold_line=True),
               QIANFAN), 24, 8)
    d.row("Services")
    d.add(only(timeseries("Replicas by service", "Compute unit replicas summed per service. Stacked.",
                          [target(f"sum by (account, service_id, service_name) "
                                  f"({service_named(f'aipool_compute_unit_replicas{ACCT}')})",
                                  "{{account}} {{service_name}}")], stack=True), QIANFAN), 12, 8)
    d.add(only(bargauge("Compute units by status and payment", "",
                        [target(f"count by (status, payment_timing) (aipool_compute_unit_info{ACCT})",
                                "{{status}} / {{payment_timing}}", instant=True)], "short", NEUTRAL_STEPS),
               QIANFAN), 12, 8)
    # Services with their names; with `service_ids` configured the exporter
    # lists no services, so the ones that have compute units stand in by id.
    services = (f"(aipool_service_info{ACCT} or on ({K_SVC}) "
                f'label_replace(group by ({K_SVC}) (aipool_compute_unit_info{ACCT}), '
                '"service_name", "$1", "service_id", "(.+)"))')
    d.add(only(table("Services", "Every service the account has, with or without compute units (with "
                     "service_ids configured: the services of its compute units, by id).",
                     [target(services)], {"cloud_region": "region"}, hide=["Value"]), QIANFAN), 24, 6)
    return d
