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

What the panels read, the same figures as the alerts and the status page:
- free = the exporter's `remaining` (what a new workload can still get, on every
  platform); headroom = remaining / capability (aipool:*_headroom:ratio);
- pool totals = the exporter's `aipool_pool_*` series (AIHC: sums over a pool's
  top-level queues), added up over ROOT pools only (a ModelArts logical sub-pool,
  `parent_pool` set, would count its physical pool's cards twice);
- the queue tree = `parent_queue` on aipool_queue_info, the parent's queue_id.
Names come from the `_info` series through optional joins: where an info series
is absent (e.g. aipool_service_info when Qianfan `service_ids` is configured) the
panel shows the id instead of going blank.

Each query also records which platforms it must return data for (`platforms`,
not written to the JSON): tests/e2e/dashboard_queries.py runs every query once per
account of the example configs and fails when a query that applies to the
account's platform comes back empty. Recording rules from
deploy/prometheus/rules.yml are used where they help (`aipool:*`); load that file
into Prometheus, as deploy/README.md describes.
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
F_ACC = 'accelerator=~"$accelerator"'
F_QUEUE = 'queue_id=~"$queue_id"'
SELF = "{" + ", ".join([F_PROVIDER, F_ACCOUNT]) + "}"
ACCT = "{" + ", ".join([F_PROVIDER, F_ACCOUNT, F_REGION]) + "}"
POOL = "{" + ", ".join([F_PROVIDER, F_ACCOUNT, F_REGION, F_POOL]) + "}"
# Series with an `accelerator` label also filter on the accelerator variable;
# queue series on the queue variable (dashboards that have those variables).
POOLA = "{" + ", ".join([F_PROVIDER, F_ACCOUNT, F_REGION, F_POOL, F_ACC]) + "}"
QUEUE = "{" + ", ".join([F_PROVIDER, F_ACCOUNT, F_REGION, F_POOL, F_QUEUE]) + "}"
QUEUEA = "{" + ", ".join([F_PROVIDER, F_ACCOUNT, F_REGION, F_POOL, F_QUEUE, F_ACC]) + "}"

# Join keys: the identity of a pool / queue / compute unit series (job and
# instance included, so shards never collide).
K_POOL = "job, instance, provider, account, cloud_region, pool_id"
K_QUEUE = K_POOL + ", queue_id"
K_SVC = "job, instance, provider, account, cloud_region, service_id"
K_CU = K_SVC + ", instance_id"
ON_POOL = f"on ({K_POOL})"
BY_ACCT_ACC = "by (provider, account, cloud_region, accelerator)"

HIDDEN_COLUMNS = ["Time", "job", "instance", "__name__"]

# Platforms (the `provider` label). A query's platforms are those whose accounts
# must see data in it; tests/e2e/dashboard_queries.py checks exactly that.
AIHC, MODELARTS, QIANFAN, SUGON = "aihc", "modelarts", "qianfan", "sugon"
ALL = (AIHC, MODELARTS, QIANFAN, SUGON)
CAPACITY = (AIHC, MODELARTS, SUGON)
NONE = ()  # may be empty on any account (e.g. failures, which need a failure)


# ---- PromQL building blocks -------------------------------------------------------


def named(expr: str, key: str, info: str, labels: str, fallback: tuple[str, str] | None = None) -> str:
    """`expr` with `labels` copied from the `info` series of the same `key`, or, for
    series without one, `expr` itself (with `fallback` = (label, from) filled in:
    the id where the name is unknown). An absent info series never blanks a panel."""
    joined = f"{expr} * on ({key}) group_left ({labels}) {info}"
    bare = expr if fallback is None else f'label_replace({expr}, "{fallback[0]}", "$1", "{fallback[1]}", "(.+)")'
    return f"(({joined}) or on ({key}) {bare})"


def queue_named(expr: str) -> str:
    return named(expr, K_QUEUE, "aipool_queue_info", "queue_name", ("queue_name", "queue_id"))


def pool_named(expr: str) -> str:
    return named(expr, K_POOL, "aipool_pool_info", "pool_name", ("pool_name", "pool_id"))


def service_named(expr: str) -> str:
    return named(expr, K_SVC, "aipool_service_info", "service_name", ("service_name", "service_id"))


# Pools that are no logical sub-pool of another (pools without a parent_pool
# label, as on AIHC and Sugon, are roots).
NOT_SUB_POOL = f'unless {ON_POOL} aipool_pool_info{{parent_pool!=""}}'


def pool_acc(kind: str) -> str:
    """Accelerators per pool and type as the exporter reports them (capability,
    allocated, remaining). Sugon AI resource groups report none of these: see
    no_allocation()."""
    return f"aipool_pool_{kind}_accelerators{POOLA}"


def no_allocation() -> str:
    """Cards of the pools that report no capability, allocation or free figure,
    only nodes x cards per node (Sugon AI resource groups): shown on their own so
    they are never added to reported capability."""
    return (f"(aipool_pool_node_capability_accelerators{POOLA} * {ON_POOL} group_left () aipool_pool_nodes{POOL} "
            f"unless {ON_POOL} group by ({K_POOL}) (aipool_pool_capability_accelerators{POOL}))")


def roots(expr: str) -> str:
    return f"({expr} {NOT_SUB_POOL})"


def pool_sum(kind: str, by: str = BY_ACCT_ACC) -> str:
    """Root pools' accelerators summed per account and type (or `by`)."""
    return f"sum {by} {roots(pool_acc(kind))}"


# Capability of the root pools that report a free figure: the denominator of a
# headroom, so capability-only pools (Sugon AI groups) do not dilute it.
CAP_WITH_FREE = roots(f"(aipool_pool_capability_accelerators{POOLA} and aipool_pool_remaining_accelerators{POOLA})")


def in_use(scope: str, res: str) -> str:
    """Allocated, else capability - remaining (platforms without allocation)."""
    return (f"(aipool_{scope}_allocated_{res}{POOL} or "
            f"(aipool_{scope}_capability_{res}{POOL} - aipool_{scope}_remaining_{res}{POOL}))")


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
# Compute units too: a Qianfan account with `service_ids` exports no service info.
V_REGION = query_var(
    "cloud_region",
    "Region",
    f'label_values({{__name__=~"aipool_(pool|queue|service|compute_unit)_info", {F_PROVIDER}, {F_ACCOUNT}}}, '
    "cloud_region)",
)
V_ACCEL = query_var(
    "accelerator",
    "Accelerator",
    f'label_values({{__name__=~"aipool_(pool|queue)_capability_accelerators|aipool_pool_node_capability_accelerators", '
    f"{F_PROVIDER}, {F_ACCOUNT}, {F_REGION}}}, accelerator)",
)


def named_var(name: str, label: str, series: str, id_label: str, name_label: str) -> dict:
    """A multi-value variable over `series` (a names recording rule) whose values
    are ids and whose options show the names (the id where there is none)."""
    v = query_var(name, label, f"query_result({series})")
    v["query"] = {"qryType": 3, "query": f"query_result({series})",
                  "refId": "PrometheusVariableQueryEditor-VariableQuery"}
    # Prometheus lists labels sorted, so the id comes before the name.
    v["regex"] = f'/{id_label}="(?<value>[^"]*)"(?:.*{name_label}="(?<text>[^"]*)")?/'
    return v


V_POOL = named_var("pool_id", "Pool", f"aipool:pool_names:info{{{F_PROVIDER}, {F_ACCOUNT}, {F_REGION}}}",
                   "pool_id", "pool_name")
V_QUEUE = named_var("queue_id", "Queue", f"aipool:queue_names:info{{{F_PROVIDER}, {F_ACCOUNT}, {F_REGION}, {F_POOL}}}",
                    "queue_id", "queue_name")
# Platforms whose accounts must see values in each variable (default: all).
VARIABLE_PLATFORMS = {"pool_id": CAPACITY, "accelerator": CAPACITY, "queue_id": (AIHC, SUGON)}

# ---- panels -----------------------------------------------------------------------


def target(expr: str, legend: str = "", instant: bool = False, table: bool = False, hide: bool = False,
           platforms: tuple[str, ...] | None = None) -> dict:
    """A query. `platforms`: whose accounts must see data in it (default: the
    panel's, see `only`)."""
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
    if platforms is not None:
        t["_platforms"] = tuple(platforms)
    return t


def only(p: dict, *platforms: str) -> dict:
    """Marks the platforms whose accounts must see data in panel `p` (every query
    without its own `platforms`). Unmarked panels apply to all platforms."""
    p["_platforms"] = tuple(platforms)
    return p


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
        # (panel title, refId) -> platforms whose accounts must see data; and
        # variable name -> the same. Filled by to_json(); not part of the JSON.
        self.platforms: dict[tuple[str, str], tuple[str, ...]] = {}
        self.variable_platforms: dict[str, tuple[str, ...]] = {}

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
        titles = set()
        for i, p in enumerate(self.panels, start=1):
            p["id"] = i
            if p["type"] == "row":
                continue
            if p["title"] in titles:
                raise ValueError(f"{self.uid}: two panels titled {p['title']!r}")
            titles.add(p["title"])
            default = p.pop("_platforms", ALL)
            for t in p["targets"]:
                self.platforms[(p["title"], t["refId"])] = t.pop("_platforms", default)
        for v in self.variables:
            self.variable_platforms[v["name"]] = VARIABLE_PLATFORMS.get(v["name"], ALL)
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


def drilldown() -> Dashboard:
    d = Dashboard(
        "aipool-pools",
        "AI pools / Pool and queue drill-down",
        "One pool or queue at a time: pool facts, accelerators over time, queue quotas, headroom and workloads, "
        "the queue tree, and the platform-specific node details (ModelArts node phases and drivers, Sugon node "
        "specs). Free is the exporter's remaining everywhere.",
        [V_PROVIDER, V_ACCOUNT, V_REGION, V_POOL, V_QUEUE, V_ACCEL],
    )
    d.row("Pools")
    d.add(only(table("Pools", "Every selected pool with its type, phase and node count (ModelArts: workspace and, "
                     "for a logical sub-pool, its physical parent pool).",
                     [target(f"aipool_pool_info{POOL}"), target(f"aipool_pool_nodes{POOL}")],
                     {"Value #B": "Nodes", "cloud_region": "region"}, hide=["Value #A"]), *CAPACITY), 24, 7)
    for kind, title, desc, platforms in (
            ("capability", "Pool accelerators: capability",
             "The exporter's pool totals (AIHC: sums over top-level queues; ModelArts: node sums). Sugon AI "
             "resource groups, which report none, have their own panel.", (AIHC, MODELARTS)),
            ("allocated", "Pool accelerators: allocated", "Cards allocated (not reported by Sugon).",
             (AIHC, MODELARTS)),
            ("remaining", "Pool accelerators: free", "Remaining: what new workloads can still get.",
             (AIHC, MODELARTS))):
        d.add(only(timeseries(title, desc, [target(pool_acc(kind), "{{account}} {{pool_id}} {{accelerator}}")]),
                   *platforms), 8, 8)
    d.add(only(timeseries("Pool accelerators without allocation figures (Sugon AI)",
                          "Resource groups that report only nodes and cards per node (no capability, allocation "
                          "or free figure): nodes x cards per node, never added to the capability above.",
                          [target(no_allocation(), "{{account}} {{pool_id}} {{accelerator}}")]), SUGON), 8, 8)
    d.add(only(timeseries("Pool accelerator headroom", "Remaining / capability per pool and type; the dashed line "
                          "is AiPoolPoolAcceleratorHeadroomLow's threshold.",
                          [target(f"aipool:pool_accelerator_headroom:ratio{POOLA}",
                                  "{{account}} {{pool_id}} {{accelerator}}")],
                          "percentunit", lo=0, steps=HEADROOM_STEPS, threshold_line=True), AIHC, MODELARTS), 8, 8)
    d.add(only(timeseries("Pool accelerator usage", "In use / capability per pool and type (in use: allocated, "
                          "else capability - remaining).",
                          [target(f"aipool:pool_accelerator_usage:ratio{POOLA}",
                                  "{{account}} {{pool_id}} {{accelerator}}")],
                          "percentunit", lo=0, steps=USAGE_STEPS, threshold_line=True), AIHC, MODELARTS), 8, 8)
    d.add(only(timeseries("Pool CPU and memory in use", "Share of pool CPU and memory in use (allocated, else "
                          "capability - remaining).",
                          [target(f"{in_use('pool', 'cpu_cores')} / (aipool_pool_capability_cpu_cores{POOL} > 0)",
                                  "{{pool_id}} cpu"),
                           target(f"{in_use('pool', 'memory_bytes')} / "
                                  f"(aipool_pool_capability_memory_bytes{POOL} > 0)", "{{pool_id}} memory")],
                          "percentunit", lo=0, steps=USAGE_STEPS), AIHC, MODELARTS), 8, 8)

    d.row("Queues")
    d.add(only(table("Queue accelerators",
                     "Per queue and type: capability, allocated, free (remaining: what a new workload can still "
                     "get) and headroom as the alerts see it.",
                     [target(queue_named(f"aipool_queue_capability_accelerators{QUEUEA}")),
                      target(queue_named(f"aipool_queue_allocated_accelerators{QUEUEA}"), platforms=(AIHC,)),
                      target(queue_named(f"aipool_queue_remaining_accelerators{QUEUEA}")),
                      target(queue_named(f"aipool:queue_accelerator_headroom:ratio{QUEUEA}"))],
                     {"Value #A": "Capability", "Value #B": "Allocated", "Value #C": "Free", "Value #D": "Headroom",
                      "cloud_region": "region"},
                     units={"Headroom": "percentunit"}, cell_colors={"Headroom": HEADROOM_STEPS},
                     sort_by="Headroom"), AIHC, SUGON), 24, 9)
    d.add(only(timeseries("Queue accelerators free", "Remaining per queue and type.",
                          [target(queue_named(f"aipool_queue_remaining_accelerators{QUEUEA}"),
                                  "{{account}} {{queue_name}} {{accelerator}}")]), AIHC, SUGON), 12, 8)
    d.add(only(timeseries("Queue accelerator headroom", "Remaining / capability; the dashed line is "
                          "AiPoolAcceleratorHeadroomLow's threshold.",
                          [target(queue_named(f"aipool:queue_accelerator_headroom:ratio{QUEUEA}"),
                                  "{{account}} {{queue_name}} {{accelerator}}")],
                          "percentunit", lo=0, steps=HEADROOM_STEPS, threshold_line=True), AIHC, SUGON), 12, 8)
    d.add(only(timeseries("Queue quota usage", "In use / capability per resource (accelerators, CPU, memory); in "
                          "use is allocated, else capability - remaining.",
                          [target(queue_named(f"aipool:queue_accelerator_quota_usage:ratio{QUEUEA}"),
                                  "{{queue_name}} {{accelerator}}"),
                           target(queue_named(f"aipool:queue_cpu_quota_usage:ratio{QUEUE}"), "{{queue_name}} cpu"),
                           target(queue_named(f"aipool:queue_memory_quota_usage:ratio{QUEUE}"),
                                  "{{queue_name}} memory", platforms=(AIHC,))],
                          "percentunit", lo=0, steps=USAGE_STEPS, threshold_line=True), AIHC, SUGON), 12, 8)
    d.add(only(timeseries("Queue workloads", "Jobs per queue by state (running, pending, inqueue). Stacked.",
                          [target(f"sum by (account, pool_id, queue_name, state) "
                                  f"({queue_named(f'aipool_queue_workloads{QUEUE}')})",
                                  "{{queue_name}} {{state}}")], stack=True), AIHC), 12, 8)
    # The parent's name next to its id: parent_queue is the parent's queue_id.
    parents = ('label_replace(label_replace(aipool_queue_info, "parent_queue", "$1", "queue_id", "(.+)"), '
               '"parent_name", "$1", "queue_name", "(.*)")')
    d.add(only(table("Queue tree", "Queues with their type and parent (parent_queue is the parent's queue id, "
                     "empty for a top-level queue; the parent's name beside it).",
                     [target(f"((aipool_queue_info{QUEUE} * on ({K_POOL}, parent_queue) group_left (parent_name) "
                             f"{parents}) or on ({K_QUEUE}) aipool_queue_info{QUEUE})")],
                     {"Value": "n", "cloud_region": "region", "parent_queue": "parent id",
                      "parent_name": "parent"}, hide=["Value"]), AIHC, SUGON), 24, 7)

    d.row("Free slots")
    # Where the platform reports free cards per node: ModelArts pools, Sugon HPC
    # queues (whole free nodes). AIHC and Qianfan have no such series.
    d.add(timeseries("Free slots by job size",
                     "Single-node jobs of N cards (`cards`) that fit now: the sum over schedulable nodes of free "
                     "cards on the node / N, rounded down, per size of the account's slot_sizes. Free cards spread "
                     "over nodes fit small jobs only: 8 free at 2 per node are 0 slots of 4. AiPoolNoSlotForJobSize "
                     "fires when N cards are free but no slot of N is. ModelArts pools, Sugon HPC queues.",
                     [target(pool_named(f"aipool_pool_free_slots{POOLA}"),
                             "{{account}} {{pool_name}} {{accelerator}} x{{cards}}", platforms=(MODELARTS,)),
                      target(queue_named(f"aipool_queue_free_slots{QUEUEA}"),
                             "{{account}} {{queue_name}} {{accelerator}} x{{cards}}", platforms=(SUGON,))]), 12, 8)
    d.add(timeseries("Largest free block and free cards",
                     "The most free cards on one schedulable node (a single-node job larger than this waits), "
                     "beside the free cards in total. ModelArts pools, Sugon HPC queues (cards per node while a "
                     "node is free, else 0).",
                     [target(pool_named(f"aipool_pool_largest_free_block_accelerators{POOLA}"),
                             "{{account}} {{pool_name}} {{accelerator}} largest block", platforms=(MODELARTS,)),
                      target(pool_named(f"(aipool_pool_remaining_accelerators{POOLA} and on ({K_POOL}, accelerator) "
                                        f"aipool_pool_largest_free_block_accelerators{POOLA})"),
                             "{{account}} {{pool_name}} {{accelerator}} free", platforms=(MODELARTS,)),
                      target(queue_named(f"aipool_queue_largest_free_block_accelerators{QUEUEA}"),
                             "{{account}} {{queue_name}} {{accelerator}} largest block", platforms=(SUGON,)),
                      target(queue_named(f"(aipool_queue_remaining_accelerators{QUEUEA} and on ({K_QUEUE}, "
                                         f"accelerator) aipool_queue_largest_free_block_accelerators{QUEUEA})"),
                             "{{account}} {{queue_name}} {{accelerator}} free", platforms=(SUGON,))]), 12, 8)

    d.row("Nodes and hardware")
    d.add(only(timeseries("Nodes by phase (ModelArts)", "From the pool's node list. Stacked.",
                          [target(f"sum by (pool_id, phase) (aipool_node_phase_nodes{POOL})",
                                  "{{pool_id}} {{phase}}")],
                          stack=True, draw="bars"), MODELARTS), 12, 8)
    d.add(only(table("Nodes by flavor and state (ModelArts)", "From the pool status.",
                     [target(f"aipool_pool_flavor_nodes{POOL}")], {"Value": "Nodes", "cloud_region": "region"}),
               MODELARTS), 12, 8)
    d.add(only(table("Node specs (Sugon)", "Per-node capability of the resource group's node type, and per-node "
                     "accelerator limits (0: no per-node quota set).",
                     [target(f"aipool_pool_node_capability_accelerators{POOLA}"),
                      target(f"aipool_pool_node_limit_accelerators{POOLA}")],
                     {"Value #A": "Cards per node", "Value #B": "Limit per node", "cloud_region": "region"}),
               SUGON), 12, 8)
    d.add(table("Drivers (ModelArts) and accelerator models",
                "Accelerator drivers per pool, and the card model behind each accelerator resource name.",
                [target(f"aipool_pool_driver_info{POOL}", platforms=(MODELARTS,)),
                 target(f"aipool_accelerator_info{ACCT}", platforms=(AIHC,))],
                {"cloud_region": "region"}, hide=["Value #A", "Value #B"]), 12, 8)
    return d


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
