"""Panel builders: queries (targets), thresholds, field configs and the panel
types the dashboards use (time series, stat, gauge, bar gauge, table)."""

from __future__ import annotations

from .variables import DS

HIDDEN_COLUMNS = ["Time", "job", "instance", "__name__"]


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
