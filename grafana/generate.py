#!/usr/bin/env python3
"""Writes the Grafana dashboards in this directory (the JSON files are generated).

The dashboards share their variables, data source references and panel defaults;
generating them keeps those identical and the PromQL in one reviewable place.
Edit this file, run it, commit both:

    python3 grafana/generate.py            # rewrite the *.json files
    python3 grafana/generate.py --check    # exit 1 if a JSON file is out of date

Python 3.9+, standard library only. The JSON is Grafana's classic dashboard model,
schemaVersion 42 (Grafana 12; older versions import it too). Every panel reads the
`datasource` variable, so import needs no __inputs mapping.

Recording rules from deploy/prometheus/rules.yml are used where they help
(`aipool:*`); load that file into Prometheus, as deploy/README.md describes.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
SCHEMA_VERSION = 42
DS = {"type": "prometheus", "uid": "${datasource}"}

# Label matchers, one per filter variable. Multi-value variables render as a
# regex alternation in Prometheus queries, so they are always used with =~.
F_PROVIDER = 'provider=~"$provider"'
F_ACCOUNT = 'account=~"$account"'
F_REGION = 'cloud_region=~"$cloud_region"'
F_POOL = 'pool_id=~"$pool_id"'
SELF = "{" + ", ".join([F_PROVIDER, F_ACCOUNT]) + "}"
ACCT = "{" + ", ".join([F_PROVIDER, F_ACCOUNT, F_REGION]) + "}"
POOL = "{" + ", ".join([F_PROVIDER, F_ACCOUNT, F_REGION, F_POOL]) + "}"

# Join keys: the identity of a pool / queue / compute unit series (job and
# instance included, so shards never collide).
ON_POOL = "on (job, instance, provider, account, cloud_region, pool_id)"
ON_QUEUE = "on (job, instance, provider, account, cloud_region, pool_id, queue_id)"
ON_CU = "on (job, instance, provider, account, cloud_region, service_id, instance_id)"
ON_SVC = "on (job, instance, provider, account, cloud_region, service_id)"
BY_ACCT_ACC = "by (provider, account, cloud_region, accelerator)"

HIDDEN_COLUMNS = ["Time", "job", "instance", "__name__"]


# ---- variables --------------------------------------------------------------------


def datasource_var() -> dict:
    return {
        "type": "datasource",
        "name": "datasource",
        "label": "Data source",
        "query": "prometheus",
        "current": {},
        "hide": 0,
        "includeAll": False,
        "multi": False,
        "options": [],
        "refresh": 1,
        "regex": "",
    }


def query_var(name: str, label: str, query: str) -> dict:
    return {
        "type": "query",
        "name": name,
        "label": label,
        "datasource": DS,
        "definition": query,
        "query": {"qryType": 1, "query": query, "refId": "PrometheusVariableQueryEditor-VariableQuery"},
        "refresh": 2,  # on time range change: accounts and pools come and go
        "regex": "",
        "sort": 1,
        "multi": True,
        "includeAll": True,
        "allValue": ".*",
        "current": {"selected": True, "text": ["All"], "value": ["$__all"]},
        "options": [],
        "hide": 0,
    }


def job_var() -> dict:
    return {
        "type": "textbox",
        "name": "job",
        "label": "Scrape job",
        "description": "The job name of the exporter's scrape config (the alerts expect aipool_exporter).",
        "query": "aipool_exporter",
        "current": {"text": "aipool_exporter", "value": "aipool_exporter"},
        "options": [{"selected": True, "text": "aipool_exporter", "value": "aipool_exporter"}],
        "hide": 0,
    }


V_PROVIDER = query_var("provider", "Provider", "label_values(aipool_up, provider)")
V_ACCOUNT = query_var("account", "Account", f"label_values(aipool_up{{{F_PROVIDER}}}, account)")
V_REGION = query_var(
    "cloud_region",
    "Region",
    f'label_values({{__name__=~"aipool_(pool|queue|service)_info", {F_PROVIDER}, {F_ACCOUNT}}}, cloud_region)',
)
V_POOL = query_var(
    "pool_id",
    "Pool",
    f'label_values({{__name__=~"aipool_(pool|queue)_info", {F_PROVIDER}, {F_ACCOUNT}, {F_REGION}}}, pool_id)',
)


# ---- panels -----------------------------------------------------------------------


def target(expr: str, legend: str = "", instant: bool = False, table: bool = False, hide: bool = False) -> dict:
    t = {
        "datasource": DS,
        "editorMode": "code",
        "expr": expr,
        "legendFormat": legend or "__auto",
        "range": not (instant or table),
        "instant": instant or table,
    }
    if table:
        t["format"] = "table"
    if hide:
        t["hide"] = True
    return t


def thresholds(*steps: tuple[float | None, str]) -> dict:
    return {"mode": "absolute", "steps": [{"color": c, "value": v} for v, c in steps]}


# Headroom: red under the alert threshold (10 %), orange under 25 %.
HEADROOM_STEPS = thresholds((None, "red"), (0.10, "orange"), (0.25, "green"))
# Usage (allocated / capability): the inverse.
USAGE_STEPS = thresholds((None, "green"), (0.75, "orange"), (0.90, "red"))
NEUTRAL_STEPS = thresholds((None, "blue"))


def field_config(unit: str = "short", steps: dict | None = None, lo=None, hi=None, decimals=None,
                 custom: dict | None = None, color_mode: str = "palette-classic", overrides=None) -> dict:
    d: dict = {"unit": unit, "color": {"mode": color_mode}, "thresholds": steps or NEUTRAL_STEPS,
               "mappings": []}
    if lo is not None:
        d["min"] = lo
    if hi is not None:
        d["max"] = hi
    if decimals is not None:
        d["decimals"] = decimals
    if custom is not None:
        d["custom"] = custom
    return {"defaults": d, "overrides": overrides or []}


def panel(kind: str, title: str, description: str, targets: list[dict], fc: dict, options: dict,
          transformations: list | None = None) -> dict:
    for i, t in enumerate(targets):
        t["refId"] = chr(ord("A") + i)
    p = {
        "type": kind,
        "title": title,
        "description": description,
        "datasource": DS,
        "targets": targets,
        "fieldConfig": fc,
        "options": options,
    }
    if transformations:
        p["transformations"] = transformations
    return p


def timeseries(title: str, description: str, targets: list[dict], unit: str = "short", stack: bool = False,
               lo=None, hi=None, steps: dict | None = None, threshold_line: bool = False,
               draw: str = "line") -> dict:
    custom = {
        "drawStyle": draw,
        "lineWidth": 1,
        "fillOpacity": 25 if stack else 10,
        "showPoints": "never",
        "spanNulls": False,
        "stacking": {"mode": "normal" if stack else "none", "group": "A"},
        "thresholdsStyle": {"mode": "dashed" if threshold_line else "off"},
        "axisSoftMin": 0,
    }
    opts = {
        "legend": {"showLegend": True, "displayMode": "table", "placement": "right", "calcs": ["lastNotNull"]},
        "tooltip": {"mode": "multi", "sort": "desc"},
    }
    return panel("timeseries", title, description, targets,
                 field_config(unit, steps, lo, hi, custom=custom), opts)


def stat(title: str, description: str, targets: list[dict], unit: str = "short", steps: dict | None = None,
         decimals=None, color_mode: str = "value") -> dict:
    opts = {
        "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
        "colorMode": color_mode,
        "graphMode": "area",
        "justifyMode": "auto",
        "orientation": "auto",
        "textMode": "auto",
        "wideLayout": True,
        "showPercentChange": False,
    }
    return panel("stat", title, description, targets,
                 field_config(unit, steps, decimals=decimals, color_mode="thresholds"), opts)


def gauge(title: str, description: str, targets: list[dict], unit: str, steps: dict) -> dict:
    opts = {
        "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
        "showThresholdLabels": False,
        "showThresholdMarkers": True,
        "orientation": "auto",
        "minVizHeight": 75,
        "minVizWidth": 75,
        "sizing": "auto",
    }
    return panel("gauge", title, description, targets,
                 field_config(unit, steps, 0, 1, color_mode="thresholds"), opts)


def bargauge(title: str, description: str, targets: list[dict], unit: str, steps: dict, lo=0, hi=None) -> dict:
    opts = {
        "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
        "orientation": "horizontal",
        "displayMode": "gradient",
        "valueMode": "color",
        "showUnfilled": True,
        "namePlacement": "left",
        "sizing": "auto",
        "minVizHeight": 16,
        "minVizWidth": 8,
        "maxVizHeight": 300,
    }
    return panel("bargauge", title, description, targets,
                 field_config(unit, steps, lo, hi, color_mode="thresholds"), opts)


def table(title: str, description: str, targets: list[dict], renames: dict[str, str],
          hide: list[str] | None = None, units: dict[str, str] | None = None,
          cell_colors: dict[str, dict] | None = None, sort_by: str | None = None, desc: bool = False) -> dict:
    """An instant table. With several queries their rows are merged on equal labels,
    and each query's value column (`Value #A`, ...) is renamed through `renames`."""
    for t in targets:
        t.update({"format": "table", "instant": True, "range": False})
    excluded = {c: True for c in HIDDEN_COLUMNS + (hide or [])}
    trans = []
    if len(targets) > 1:
        trans.append({"id": "merge", "options": {}})
    trans.append({"id": "organize", "options": {"excludeByName": excluded, "indexByName": {},
                                                 "renameByName": renames}})
    overrides = []
    for col, unit in (units or {}).items():
        overrides.append({"matcher": {"id": "byName", "options": col},
                          "properties": [{"id": "unit", "value": unit}]})
    for col, steps in (cell_colors or {}).items():
        overrides.append({"matcher": {"id": "byName", "options": col},
                          "properties": [{"id": "thresholds", "value": steps},
                                         {"id": "custom.cellOptions", "value": {"type": "color-background"}}]})
    opts = {"showHeader": True, "cellHeight": "sm", "footer": {"show": False, "reducer": ["sum"], "fields": ""}}
    if sort_by:
        opts["sortBy"] = [{"displayName": sort_by, "desc": desc}]
    fc = field_config("short", custom={"align": "auto", "cellOptions": {"type": "auto"}, "inspect": False},
                      overrides=overrides)
    return panel("table", title, description, targets, fc, opts, trans)


# ---- dashboards -------------------------------------------------------------------


class Dashboard:
    def __init__(self, uid: str, title: str, description: str, variables: list[dict]):
        self.uid, self.title, self.description = uid, title, description
        self.variables = [datasource_var()] + variables
        self.panels: list[dict] = []
        self.x = self.y = self.row_h = 0

    def row(self, title: str) -> None:
        self._newline()
        self.panels.append({"type": "row", "title": title, "collapsed": False, "panels": [],
                            "gridPos": {"x": 0, "y": self.y, "w": 24, "h": 1}})
        self.y += 1

    def add(self, p: dict, w: int, h: int) -> None:
        if self.x + w > 24:
            self._newline()
        p["gridPos"] = {"x": self.x, "y": self.y, "w": w, "h": h}
        self.panels.append(p)
        self.x += w
        self.row_h = max(self.row_h, h)

    def _newline(self) -> None:
        self.y += self.row_h
        self.x = self.row_h = 0

    def to_json(self) -> dict:
        for i, p in enumerate(self.panels, start=1):
            p["id"] = i
        return {
            "annotations": {"list": [{
                "builtIn": 1, "datasource": {"type": "grafana", "uid": "-- Grafana --"}, "enable": True,
                "hide": True, "iconColor": "rgba(0, 211, 255, 1)", "name": "Annotations & Alerts",
                "type": "dashboard"}]},
            "description": self.description,
            "editable": True,
            "fiscalYearStartMonth": 0,
            "graphTooltip": 1,
            "id": None,
            "links": [{"asDropdown": True, "icon": "external link", "includeVars": True, "keepTime": True,
                       "tags": ["aipool"], "targetBlank": False, "title": "aipool dashboards",
                       "type": "dashboards"}],
            "panels": self.panels,
            "refresh": "1m",
            "schemaVersion": SCHEMA_VERSION,
            "tags": ["aipool", "aipool_exporter"],
            "templating": {"list": self.variables},
            "time": {"from": "now-6h", "to": "now"},
            "timepicker": {},
            "timezone": "browser",
            "title": self.title,
            "uid": self.uid,
            "version": 1,
            "weekStart": "",
        }


def pool_sum(kind: str, extra: str = "") -> str:
    """Pool-level coalesced accelerators (see aipool-fleet.rules), filtered by every
    variable including pool_id, summed per account and accelerator type."""
    return f"sum {BY_ACCT_ACC} (aipool:pool_{kind}_accelerators:coalesce{POOL}{extra})"


def overview() -> Dashboard:
    d = Dashboard(
        "aipool-overview",
        "AI pools / Fleet overview",
        "Accelerators across every account: capability, allocated and free by type and account, headroom, "
        "and the fullest queues and pools. Totals come from pool totals where a platform reports them "
        "(ModelArts), else from top-level queues (AIHC), else nodes x cards per node (Sugon, capability only).",
        [V_PROVIDER, V_ACCOUNT, V_REGION, V_POOL],
    )
    cap, alloc, free = (f"sum(aipool:pool_{k}_accelerators:coalesce{POOL})" for k in ("capability", "allocated", "free"))
    d.row("Fleet")
    d.add(stat("Accounts polling", "Accounts whose last poll fully succeeded (aipool_up == 1), of all accounts.",
               [target(f"sum(aipool_up{SELF})", "up"), target(f"count(aipool_up{SELF})", "configured")],
               steps=NEUTRAL_STEPS, color_mode="none"), 4, 5)
    d.add(stat("Accelerators", "Capability: every card the selected pools have (Sugon: nodes x cards per node).",
               [target(cap, "capability")], steps=NEUTRAL_STEPS), 4, 5)
    d.add(stat("Allocated", "Cards in use. Sugon reports no allocation and is not included.",
               [target(alloc, "allocated")], steps=NEUTRAL_STEPS), 4, 5)
    d.add(stat("Free", "Remaining where reported, else workload-available, else capability - allocated.",
               [target(free, "free")], steps=NEUTRAL_STEPS), 4, 5)
    d.add(gauge("Fleet headroom", "Free / capability over the accounts that report free cards "
                "(Sugon's capability-only pools are left out of both sides).",
                [target(f"{free} / (sum(aipool:pool_capability_accelerators:coalesce{POOL} "
                        f"and aipool:pool_free_accelerators:coalesce{POOL}) > 0)", "headroom")],
                "percentunit", HEADROOM_STEPS), 8, 5)

    d.row("By type and account")
    d.add(table("Accelerators by account and type",
                "Per account, region and accelerator resource name. Headroom = free / capability.",
                [target(pool_sum("capability")), target(pool_sum("allocated")), target(pool_sum("free")),
                 target(f"{pool_sum('free')} / ({pool_sum('capability')} > 0)")],
                {"Value #A": "Capability", "Value #B": "Allocated", "Value #C": "Free", "Value #D": "Headroom",
                 "cloud_region": "region"},
                units={"Headroom": "percentunit"}, cell_colors={"Headroom": HEADROOM_STEPS},
                sort_by="Headroom"), 14, 9)
    d.add(bargauge("Headroom by account and type", "Free / capability per account and accelerator type; "
                   "red below the AiPoolAcceleratorHeadroomLow threshold (10 %).",
                   [target(f"{pool_sum('free')} / ({pool_sum('capability')} > 0)",
                           "{{account}} {{accelerator}}", instant=True)],
                   "percentunit", HEADROOM_STEPS, 0, 1), 10, 9)
    d.add(timeseries("Capability by type", "Summed over the selected accounts and pools.",
                     [target(f"sum by (accelerator) (aipool:pool_capability_accelerators:coalesce{POOL})",
                             "{{accelerator}}")]), 8, 8)
    d.add(timeseries("Allocated by account and type", "Stacked.",
                     [target(pool_sum("allocated"), "{{account}} {{accelerator}}")], stack=True), 8, 8)
    d.add(timeseries("Free by account and type", "Stacked.",
                     [target(pool_sum("free"), "{{account}} {{accelerator}}")], stack=True), 8, 8)

    d.row("Fullest")
    d.add(table("Top 10 fullest queues",
                "Queues with the least headroom: (workload-available, else remaining) / capability, "
                "as AiPoolAcceleratorHeadroomLow sees it. Queues without capability are left out.",
                [target(f"bottomk(10, aipool:queue_accelerator_headroom:ratio{POOL} * {ON_QUEUE} "
                        f"group_left (queue_name) aipool_queue_info)")],
                {"Value": "Headroom", "cloud_region": "region"}, units={"Headroom": "percentunit"},
                cell_colors={"Headroom": HEADROOM_STEPS}, sort_by="Headroom"), 14, 9)
    d.add(table("Top 10 fullest pools", "Allocated / capability per pool and type (pools that report allocation).",
                [target(f"topk(10, aipool:pool_allocated_accelerators:coalesce{POOL} / "
                        f"(aipool:pool_capability_accelerators:coalesce{POOL} > 0))")],
                {"Value": "Used", "cloud_region": "region"}, units={"Used": "percentunit"},
                cell_colors={"Used": USAGE_STEPS}, sort_by="Used", desc=True), 10, 9)
    return d


def drilldown() -> Dashboard:
    d = Dashboard(
        "aipool-pools",
        "AI pools / Pool and queue drill-down",
        "One pool or queue at a time: pool facts, accelerators over time, queue quotas, headroom and workloads, "
        "and the platform-specific node details (ModelArts node phases and drivers, Sugon node specs).",
        [V_PROVIDER, V_ACCOUNT, V_REGION, V_POOL],
    )
    d.row("Pools")
    d.add(table("Pools", "Every selected pool with its type, phase and node count.",
                [target(f"aipool_pool_nodes{POOL} * {ON_POOL} group_left (pool_name, pool_type, phase) "
                        f"aipool_pool_info")],
                {"Value": "Nodes", "cloud_region": "region"}), 24, 7)
    for kind, desc in (("capability", "Pool totals, else top-level queues, else nodes x cards per node."),
                       ("allocated", "Cards in use (not reported by Sugon)."),
                       ("free", "Remaining, else workload-available, else capability - allocated.")):
        d.add(timeseries(f"Pool accelerators: {kind}", desc,
                         [target(f"aipool:pool_{kind}_accelerators:coalesce{POOL}",
                                 "{{account}} {{pool_id}} {{accelerator}}")]), 8, 8)
    d.add(timeseries("Pool accelerator usage", "Allocated / capability per pool and type.",
                     [target(f"aipool:pool_allocated_accelerators:coalesce{POOL} / "
                             f"(aipool:pool_capability_accelerators:coalesce{POOL} > 0)",
                             "{{account}} {{pool_id}} {{accelerator}}")],
                     "percentunit", lo=0, steps=USAGE_STEPS, threshold_line=True), 12, 8)
    d.add(timeseries("Pool CPU and memory allocated", "Share of pool CPU and memory allocated, where pools report "
                     "totals (ModelArts).",
                     [target(f"aipool_pool_allocated_cpu_cores{POOL} / (aipool_pool_capability_cpu_cores{POOL} > 0)",
                             "{{pool_id}} cpu"),
                      target(f"aipool_pool_allocated_memory_bytes{POOL} / "
                             f"(aipool_pool_capability_memory_bytes{POOL} > 0)", "{{pool_id}} memory")],
                     "percentunit", lo=0, steps=USAGE_STEPS), 12, 8)

    d.row("Queues")
    q_join = f"* {ON_QUEUE} group_left (queue_name) aipool_queue_info"
    d.add(table("Queue accelerators",
                "Per queue and type: capability, allocated, free (remaining, else workload-available, else "
                "capability - allocated) and headroom as the alerts see it.",
                [target(f"aipool_queue_capability_accelerators{POOL} {q_join}"),
                 target(f"aipool_queue_allocated_accelerators{POOL} {q_join}"),
                 target(f"aipool:queue_free_accelerators:coalesce{POOL} {q_join}"),
                 target(f"aipool:queue_accelerator_headroom:ratio{POOL} {q_join}")],
                {"Value #A": "Capability", "Value #B": "Allocated", "Value #C": "Free", "Value #D": "Headroom",
                 "cloud_region": "region"},
                units={"Headroom": "percentunit"}, cell_colors={"Headroom": HEADROOM_STEPS},
                sort_by="Headroom"), 24, 9)
    d.add(timeseries("Queue accelerators allocated", "",
                     [target(f"aipool_queue_allocated_accelerators{POOL} {q_join}",
                             "{{account}} {{queue_name}} {{accelerator}}")]), 12, 8)
    d.add(timeseries("Queue accelerator headroom", "(workload-available, else remaining) / capability; the "
                     "dashed line is AiPoolAcceleratorHeadroomLow's threshold.",
                     [target(f"aipool:queue_accelerator_headroom:ratio{POOL} {q_join}",
                             "{{account}} {{queue_name}} {{accelerator}}")],
                     "percentunit", lo=0, steps=HEADROOM_STEPS, threshold_line=True), 12, 8)
    d.add(timeseries("Queue quota usage", "Allocated / capability per resource (accelerators, CPU, memory).",
                     [target(f"aipool:queue_accelerator_quota_usage:ratio{POOL} {q_join}",
                             "{{queue_name}} {{accelerator}}"),
                      target(f"aipool:queue_cpu_quota_usage:ratio{POOL} {q_join}", "{{queue_name}} cpu"),
                      target(f"aipool:queue_memory_quota_usage:ratio{POOL} {q_join}", "{{queue_name}} memory")],
                     "percentunit", lo=0, steps=USAGE_STEPS, threshold_line=True), 12, 8)
    d.add(timeseries("Queue workloads", "Jobs per queue by state (running, pending, inqueue). Stacked.",
                     [target(f"sum by (account, pool_id, queue_name, state) "
                             f"(aipool_queue_workloads{POOL} {q_join})",
                             "{{queue_name}} {{state}}")], stack=True), 12, 8)
    d.add(table("Queue tree", "Queues with their type and parent (empty parent: a root).",
                [target(f"aipool_queue_info{POOL}")], {"Value": "n", "cloud_region": "region"}, hide=["Value"]),
          24, 7)

    d.row("Nodes and hardware")
    d.add(timeseries("Nodes by phase (ModelArts)", "From the pool's node list. Stacked.",
                     [target(f"sum by (pool_id, phase) (aipool_node_phase_nodes{POOL})", "{{pool_id}} {{phase}}")],
                     stack=True, draw="bars"), 12, 8)
    d.add(table("Nodes by flavor and state (ModelArts)", "From the pool status.",
                [target(f"aipool_pool_flavor_nodes{POOL}")], {"Value": "Nodes", "cloud_region": "region"}), 12, 8)
    d.add(table("Node specs (Sugon)", "Per-node capability of the resource group's node type, and per-node "
                "accelerator limits.",
                [target(f"aipool_pool_node_capability_accelerators{POOL}"),
                 target(f"aipool_pool_node_limit_accelerators{POOL}")],
                {"Value #A": "Cards per node", "Value #B": "Limit per node", "cloud_region": "region"}), 12, 8)
    d.add(table("Drivers (ModelArts) and accelerator models",
                "Accelerator drivers per pool, and the card model behind each accelerator resource name.",
                [target(f"aipool_pool_driver_info{POOL}"), target(f"aipool_accelerator_info{ACCT}")],
                {"cloud_region": "region"}, hide=["Value #A", "Value #B"]), 12, 8)
    return d


def compute_units() -> Dashboard:
    d = Dashboard(
        "aipool-compute-units",
        "AI pools / Qianfan compute units",
        "Baidu Qianfan compute units: time left until expiry, replicas per service, status and payment timing. "
        "Thresholds are the aipool:threshold:compute_unit_expiry_* series of rules.yml.",
        [V_PROVIDER, V_ACCOUNT, V_REGION],
    )
    expiry = f"aipool_compute_unit_expiry_timestamp_seconds{ACCT}"
    warn = "scalar(aipool:threshold:compute_unit_expiry_warning_seconds)"
    crit = "scalar(aipool:threshold:compute_unit_expiry_critical_seconds)"
    d.row("Expiry")
    d.add(stat("Compute units", "Compute unit instances.", [target(f"count(aipool_compute_unit_info{ACCT})")]),
          6, 5)
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
    cu_join = (f"* {ON_CU} group_left (payment_timing, status) aipool_compute_unit_info "
               f"* {ON_SVC} group_left (service_name) aipool_service_info")
    d.add(table("Compute units by time left",
                "Negative: expired. Red under 1 day, orange under 7 days (the alert thresholds).",
                [target(f"({expiry} - time()) {cu_join}"), target(f"({expiry} * 1000) {cu_join}")],
                {"Value #A": "Time left", "Value #B": "Expires", "cloud_region": "region"},
                units={"Time left": "dtdurations", "Expires": "dateTimeAsIso"},
                cell_colors={"Time left": thresholds((None, "red"), (86400, "orange"), (604800, "green"))},
                sort_by="Time left"), 24, 8)
    d.add(timeseries("Days left", "Days until each compute unit expires.",
                     [target(f"(({expiry} - time()) / 86400) {cu_join}", "{{service_name}} {{instance_id}}")],
                     "d", steps=thresholds((None, "red"), (1, "orange"), (7, "green")), threshold_line=True), 24, 8)
    d.row("Services")
    d.add(timeseries("Replicas by service", "Compute unit replicas summed per service. Stacked.",
                     [target(f"sum by (account, service_name) (aipool_compute_unit_replicas{ACCT} "
                             f"* {ON_SVC} group_left (service_name) aipool_service_info)",
                             "{{account}} {{service_name}}")], stack=True), 12, 8)
    d.add(bargauge("Compute units by status and payment", "",
                   [target(f"count by (status, payment_timing) (aipool_compute_unit_info{ACCT})",
                           "{{status}} / {{payment_timing}}", instant=True)], "short", NEUTRAL_STEPS), 12, 8)
    d.add(table("Services", "Every service the account has, with or without compute units.",
                [target(f"aipool_service_info{ACCT}")], {"cloud_region": "region"}, hide=["Value"]), 24, 6)
    return d


def exporter_health() -> Dashboard:
    d = Dashboard(
        "aipool-exporter",
        "AI pools / Exporter health",
        "Is aipool_exporter itself healthy: scrape targets, poll results and durations, upstream API failures "
        "by reason, data age against the staleness threshold, poll overruns and normalisation rules.",
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
                             "{{account}} {{result}}")], "ops"), 8, 8)
    d.add(timeseries("Data age (poll intervals)", "Time since the last successful poll, in poll intervals; "
                     "AiPoolDataStale fires above the threshold (dashed series).",
                     [target(f"(time() - aipool_last_success_timestamp_seconds{SELF}) / "
                             f"aipool_poll_interval_seconds{SELF}", "{{account}}"),
                      target("aipool:threshold:stale_poll_intervals", "threshold")], lo=0), 8, 8)
    d.add(timeseries("Poll overruns", "Poll ticks skipped because the previous poll was still running.",
                     [target(f"sum by (account) (increase(aipool_poll_overruns_total{SELF}[$__rate_interval]))",
                             "{{account}}")], draw="bars"), 8, 8)

    d.row("Upstream APIs")
    d.add(timeseries("API failures by reason", "Failed upstream requests per second (every failed attempt, "
                     "retries included) by reason: timeout, connect, http_4xx, http_5xx, throttled, auth, decode, "
                     "upstream_error.",
                     [target(f"sum by (reason) (rate(aipool_api_request_failures_total{SELF}[$__rate_interval]))",
                             "{{reason}}")], "reqps", stack=True), 12, 8)
    d.add(timeseries("API requests by API", "Upstream requests per second.",
                     [target(f"sum by (account, api) (rate(aipool_api_requests_total{SELF}[$__rate_interval]))",
                             "{{account}} {{api}}")], "reqps"), 12, 8)
    d.add(table("API failures since exporter start", "Failed requests counted since each exporter started, per "
                "account, API and reason; combinations without failures are left out.",
                [target(f"sum by (provider, account, api, reason) (aipool_api_request_failures_total{SELF}) > 0")],
                {"Value": "Failures"}, sort_by="Failures", desc=True), 12, 8)
    d.add(timeseries("Normalisations", "Upstream quirks fixed by a named rule, per second (normal; no alert).",
                     [target(f"sum by (account, rule) (rate(aipool_normalizations_total{SELF}[$__rate_interval]))",
                             "{{account}} {{rule}}")], "ops"), 12, 8)

    d.row("Scrapes")
    d.add(timeseries("Scrape duration", "How long Prometheus takes to scrape each target.",
                     [target('scrape_duration_seconds{job="$job"}', "{{instance}}")], "s"), 12, 7)
    d.add(timeseries("Samples per scrape", "Series per target: grows with pools, queues and accelerator types.",
                     [target('scrape_samples_scraped{job="$job"}', "{{instance}}")]), 12, 7)
    return d


DASHBOARDS = {
    "aipool-overview.json": overview,
    "aipool-pools.json": drilldown,
    "aipool-compute-units.json": compute_units,
    "aipool-exporter.json": exporter_health,
}


def render(build) -> str:
    return json.dumps(build().to_json(), indent=2, ensure_ascii=False) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="fail if a JSON file differs from what this writes")
    args = ap.parse_args()
    stale = []
    for name, build in DASHBOARDS.items():
        path = HERE / name
        text = render(build)
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
        else:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(HERE.parent)}")
    if stale:
        print(f"out of date (run python3 grafana/generate.py): {', '.join(stale)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
