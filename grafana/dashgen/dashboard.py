"""A dashboard: its variables, its panels laid out on Grafana's 24-column grid,
and the JSON model Grafana imports."""

from __future__ import annotations

from .platforms import ALL
from .variables import VARIABLE_PLATFORMS, datasource_var

SCHEMA_VERSION = 42


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
