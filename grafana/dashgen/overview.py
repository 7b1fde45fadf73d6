"""The fleet overview dashboard: accelerators by type and account, headroom,
the AiPool alerts now and the fullest queues and pools."""

from __future__ import annotations

from .dashboard import Dashboard
from .panels import HEADROOM_STEPS, NEUTRAL_STEPS, bargauge, gauge, only, stat, table, target, timeseries
from .platforms import AIHC, MODELARTS, SUGON
from .promql import (
    BY_ACCT_ACC, CAP_WITH_FREE, F_ACCOUNT, F_PROVIDER, POOLA, SELF, no_allocation, pool_acc, pool_named, pool_sum,
    queue_named, roots,
)
from .variables import V_ACCEL, V_ACCOUNT, V_POOL, V_PROVIDER, V_REGION


def overview() -> Dashboard:
    d = Dashboard(
        "aipool-overview",
        "AI pools / Fleet overview",
        "Accelerators across every account, always per accelerator type (cards of different types are never "
        "added up): capability, allocated and free by type and account, headroom, the AiPool alerts now, and the "
        "fullest queues and pools. Free is the exporter's remaining (what a new workload can still get) on every "
        "platform; totals add up root pools. Pools that report no allocation or free figure (Sugon AI resource "
        "groups: nodes x cards per node) have their own panel.",
        [V_PROVIDER, V_ACCOUNT, V_REGION, V_POOL, V_ACCEL],
    )
    by_acc = "by (accelerator)"
    cap = f"sum {by_acc} ({roots(pool_acc('capability'))})"
    alloc = f"sum {by_acc} ({roots(pool_acc('allocated'))})"
    free = f"sum {by_acc} ({roots(pool_acc('remaining'))})"
    # Per account and type, over the pools that report free cards.
    headroom_acct = f"{pool_sum('remaining')} / (sum {BY_ACCT_ACC} {CAP_WITH_FREE} > 0)"
    d.row("Fleet")
    d.add(stat("Accounts polling", "Accounts whose last poll fully succeeded (aipool_up == 1), of all accounts.",
               [target(f"sum(aipool_up{SELF})", "up"), target(f"count(aipool_up{SELF})", "configured")],
               steps=NEUTRAL_STEPS, color_mode="none"), 4, 5)
    d.add(only(stat("Accelerators", "Capability per accelerator type: every card of the selected root pools that "
                    "report a capability (Sugon AI resource groups: see their own panel).",
                    [target(cap, "{{accelerator}}")], steps=NEUTRAL_STEPS), AIHC, MODELARTS), 5, 5)
    d.add(only(stat("Allocated", "Cards allocated to workloads, per accelerator type.",
                    [target(alloc, "{{accelerator}}")], steps=NEUTRAL_STEPS), AIHC, MODELARTS), 5, 5)
    d.add(only(stat("Free", "Remaining per accelerator type: what new workloads can still get (AIHC: "
                    "workload-available minus allocated).",
                    [target(free, "{{accelerator}}")], steps=NEUTRAL_STEPS), AIHC, MODELARTS), 5, 5)
    d.add(only(gauge("Fleet headroom", "Free / capability per accelerator type, over the root pools that report "
                     "free cards.",
                     [target(f"{free} / (sum {by_acc} ({CAP_WITH_FREE}) > 0)", "{{accelerator}}")],
                     "percentunit", HEADROOM_STEPS), AIHC, MODELARTS), 5, 5)

    d.row("Alerts")
    alerts = f'ALERTS{{alertname=~"AiPool.+", {F_PROVIDER}, {F_ACCOUNT}}}'
    d.add(only(table("AiPool alerts now",
                     "AiPool alerts firing or pending (waiting out their `for:`), with the names they carry. "
                     "Routing and inhibition happen in Alertmanager (deploy/alertmanager/alertmanager.yml); this "
                     "is what Prometheus evaluates.",
                     [target(alerts)],
                     {"cloud_region": "region", "alertstate": "state"},
                     hide=["Value", "queue_tree", "parent_queue", "provider"], sort_by="severity"), AIHC), 24, 7)

    d.row("By type and account")
    d.add(only(table("Accelerators by account and type",
                     "Per account, region and accelerator resource name, over root pools that report capability. "
                     "Headroom = free / capability of the pools that report free cards.",
                     [target(pool_sum("capability")),
                      target(pool_sum("allocated")),
                      target(pool_sum("remaining")),
                      target(headroom_acct)],
                     {"Value #A": "Capability", "Value #B": "Allocated", "Value #C": "Free", "Value #D": "Headroom",
                      "cloud_region": "region"},
                     units={"Headroom": "percentunit"}, cell_colors={"Headroom": HEADROOM_STEPS},
                     sort_by="Headroom"), AIHC, MODELARTS), 14, 9)
    d.add(only(bargauge("Headroom by account and type", "Free / capability per account and accelerator type; "
                        "red below the AiPoolAcceleratorHeadroomLow ratio threshold (10 %).",
                        [target(headroom_acct, "{{account}} {{accelerator}}", instant=True)],
                        "percentunit", HEADROOM_STEPS, 0, 1), AIHC, MODELARTS), 10, 9)
    d.add(only(timeseries("Capability by type", "Summed over the selected accounts' root pools that report a "
                          "capability.",
                          [target(pool_sum("capability", "by (accelerator)"), "{{accelerator}}")]),
               AIHC, MODELARTS), 8, 8)
    d.add(only(timeseries("Allocated by account and type", "Stacked per type.",
                          [target(pool_sum("allocated"), "{{account}} {{accelerator}}")], stack=True),
               AIHC, MODELARTS), 8, 8)
    d.add(only(timeseries("Free by account and type", "Remaining over root pools. Stacked per type.",
                          [target(pool_sum("remaining"), "{{account}} {{accelerator}}")], stack=True),
               AIHC, MODELARTS), 8, 8)
    d.add(only(table("Pools without allocation figures (Sugon AI resource groups)",
                     "Resource groups that report only a node count and cards per node, no capability, "
                     "allocation or free figure: their cards (nodes x cards per node) are listed here and never "
                     "added to the capability above.",
                     [target(pool_named(no_allocation()))],
                     {"Value": "Cards (nodes x per node)", "cloud_region": "region"}), SUGON), 24, 6)

    d.row("Fullest")
    drill = ("/d/aipool-pools/?${datasource:queryparam}&var-account=${__data.fields.account}"
             "&var-pool_id=${__data.fields.pool_id}&var-queue_id=${__data.fields.queue_id}")
    fullest = table("Top 10 fullest queues",
                    "Queues with the least headroom: remaining / capability, as AiPoolAcceleratorHeadroomLow "
                    "sees it. Queues without capability of a type are left out. A queue's name opens it in the "
                    "drill-down dashboard.",
                    [target(f"bottomk(10, {queue_named(f'aipool:queue_accelerator_headroom:ratio{POOLA}')})")],
                    {"Value": "Headroom", "cloud_region": "region"}, units={"Headroom": "percentunit"},
                    cell_colors={"Headroom": HEADROOM_STEPS}, sort_by="Headroom")
    fullest["fieldConfig"]["overrides"].append({
        "matcher": {"id": "byName", "options": "queue_name"},
        "properties": [{"id": "links", "value": [{"title": "Open ${__data.fields.queue_name} in the drill-down",
                                                  "url": drill}]}]})
    d.add(only(fullest, AIHC, SUGON), 14, 9)
    d.add(only(table("Top 10 fullest pools",
                     "Pools with the least headroom: remaining / capability per pool and type, as "
                     "AiPoolPoolAcceleratorHeadroomLow sees it.",
                     [target(f"bottomk(10, {pool_named(f'aipool:pool_accelerator_headroom:ratio{POOLA}')})")],
                     {"Value": "Headroom", "cloud_region": "region"}, units={"Headroom": "percentunit"},
                     cell_colors={"Headroom": HEADROOM_STEPS}, sort_by="Headroom"), AIHC, MODELARTS), 10, 9)
    return d
