#!/usr/bin/env python3
"""Draws a dashboard's panels from a live Prometheus into a PNG, laid out on the
dashboard's own grid, for the README (there is no Grafana here to screenshot).

Every panel runs its own PromQL with the variables at "All" (the substitution of
tests/e2e/dashboard_queries.py): stat and gauge panels show the last value (one
per series, e.g. per accelerator type), tables
merge their instant queries on equal labels, bar gauges and time series draw what
Prometheus returns. It approximates Grafana's look; the JSON is what Grafana uses.

Needs matplotlib (docs/screenshots.sh installs it into a private venv; it is not
needed by CI or by the dashboards).

Usage: screenshot.py --prometheus URL [--dashboard grafana/aipool-overview.json]
                     [--out docs/dashboard-overview.png] [--minutes 5]
"""

from __future__ import annotations

import argparse
import datetime
import json
import pathlib
import re
import sys
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import Rectangle, Wedge  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "e2e"))
import dashboard_queries as dq  # noqa: E402

BG, PANEL, BORDER, TEXT, MUTED = "#111217", "#181b1f", "#2c3235", "#d8d9da", "#8e8e8e"
PALETTE = ["#73bf69", "#f2cc0c", "#8ab8ff", "#ff780a", "#f2495c", "#5794f2", "#b877d9", "#705da0",
           "#37872d", "#fade2a", "#447ebc", "#c15c17"]
COLORS = {"green": "#73bf69", "red": "#f2495c", "orange": "#ff9830", "blue": "#5794f2", "yellow": "#fade2a"}
IGNORED = {"__name__", "job", "instance"}
UNIT_ROW = 0.42  # inches per grid row
UNIT_COL = 0.78  # inches per grid column


def fmt(v: float | None, unit: str) -> str:
    if v is None:
        return "—"
    if unit == "percentunit":
        return f"{v * 100:.0f}%"
    if unit == "s":
        return f"{v:.2f} s" if v < 60 else f"{v / 60:.1f} min"
    if abs(v - round(v)) < 1e-9:
        return f"{int(round(v))}"
    return f"{v:.1f}"


def step_color(v: float | None, steps: list[dict]) -> str:
    color = steps[0]["color"] if steps else "blue"
    for s in steps:
        if s["value"] is None or (v is not None and v >= s["value"]):
            color = s["color"]
    return COLORS.get(color, color)


def legend(fmt_: str, metric: dict) -> str:
    """A series' name as Grafana's legend format would write it."""
    if not fmt_ or fmt_ == "__auto":
        return ", ".join(f"{k}={v}" for k, v in metric.items() if k not in IGNORED) or "value"
    return re.sub(r"\{\{\s*(\w+)\s*\}\}", lambda m: metric.get(m.group(1), ""), fmt_)


class Renderer:
    def __init__(self, prom: str, dash: dict, minutes: float):
        self.prom, self.dash, self.minutes = prom, dash, minutes
        self.vars = dq.variables(dash)
        self.end = time.time()

    def q(self, expr: str) -> str:
        out, problems = dq.substitute(expr, self.vars)
        if problems:
            raise ValueError("; ".join(problems))
        return out

    def instant(self, target: dict) -> list:
        return dq.instant(self.prom, self.q(target["expr"]))

    def range(self, target: dict) -> list:
        step = max(2, int(self.minutes * 60 / 150))
        data = dq.prom_get(self.prom, "/api/v1/query_range", {
            "query": self.q(target["expr"]), "start": f"{self.end - self.minutes * 60:.0f}",
            "end": f"{self.end:.0f}", "step": step})
        return data["result"]

    def render(self, out: pathlib.Path) -> None:
        panels = self.dash["panels"]
        rows = max(p["gridPos"]["y"] + p["gridPos"]["h"] for p in panels)
        fig = plt.figure(figsize=(24 * UNIT_COL, (rows + 2) * UNIT_ROW), facecolor=BG)
        H = rows + 2
        fig.text(0.008, 1 - 0.6 / H, self.dash["title"], color=TEXT, fontsize=15, weight="bold", va="center")
        vars_text = "   ".join(f"{v.get('label', v['name'])}: All" for v in self.vars.values()
                               if v["name"] != "datasource")
        fig.text(0.008, 1 - 1.35 / H, f"Data source: Prometheus   {vars_text}   (last {self.minutes:g} min, "
                 "aipool_exporter demo)", color=MUTED, fontsize=9, va="center")
        for p in panels:
            g = p["gridPos"]
            left, width = g["x"] / 24, g["w"] / 24
            bottom, height = 1 - (g["y"] + g["h"] + 2) / H, g["h"] / H
            pad_x, pad_y = 0.003, 0.08 / H
            rect = [left + pad_x, bottom + pad_y, width - 2 * pad_x, height - 2 * pad_y]
            if p["type"] == "row":
                fig.text(left + 0.004, bottom + height / 2, p["title"], color=TEXT, fontsize=11, weight="bold",
                         va="center")
                continue
            # The panel: a frame with its title, and the content inside it.
            frame = fig.add_axes(rect, facecolor=PANEL)
            frame.set_xticks([])
            frame.set_yticks([])
            for s in frame.spines.values():
                s.set_color(BORDER)
            title_h = 0.55 / H
            fig.text(rect[0] + 0.004, rect[1] + rect[3] - title_h / 2, p["title"], color=TEXT, fontsize=9.5,
                     weight="bold", va="center")
            inner = [rect[0] + 0.004, rect[1] + 0.15 / H, rect[2] - 0.008, rect[3] - title_h - 0.2 / H]
            try:
                getattr(self, "draw_" + p["type"].replace("-", "_"))(fig, inner, p)
            except (RuntimeError, ValueError) as e:
                self.message(fig.add_axes(inner, facecolor=PANEL), f"error: {e}")
        out.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(out, dpi=80, facecolor=BG)
        plt.close(fig)

    @staticmethod
    def message(ax, text: str) -> None:
        ax.set_xticks([])
        ax.set_yticks([])
        ax.text(0.5, 0.5, text, color=MUTED, ha="center", va="center", transform=ax.transAxes, fontsize=9)

    @staticmethod
    def defaults(p: dict) -> dict:
        return p.get("fieldConfig", {}).get("defaults", {})

    @staticmethod
    def axes(fig, rect, frame: bool = False):
        ax = fig.add_axes(rect, facecolor=PANEL)
        if not frame:
            ax.axis("off")
        return ax

    def series_values(self, p: dict) -> list[tuple[str, float]]:
        """(legend, last value) of every series of every query, sorted by legend."""
        out = []
        for t in p["targets"]:
            out += sorted((legend(t.get("legendFormat", ""), s["metric"]), float(s["value"][1]))
                          for s in self.instant(t))
        return out

    def draw_stat(self, fig, rect, p: dict) -> None:
        ax = self.axes(fig, rect)
        d = self.defaults(p)
        steps = d.get("thresholds", {}).get("steps", [])
        unit = d.get("unit", "short")
        ax.set_xticks([])
        ax.set_yticks([])
        per_query = [self.instant(t) for t in p["targets"]]
        if all(len(r) <= 1 for r in per_query):
            # One value per query (e.g. "up / configured").
            values = [float(r[0]["value"][1]) if r else None for r in per_query]
            text = " / ".join(fmt(v, unit) for v in values)
            color = TEXT if p["options"].get("colorMode") == "none" else step_color(values[0], steps)
            ax.text(0.5, 0.45, text, color=color, ha="center", va="center", fontsize=26, weight="bold",
                    transform=ax.transAxes)
            return
        # One value per series, as Grafana lays them out: value over its name.
        items = self.series_values(p)
        n = len(items)
        for i, (name, v) in enumerate(items):
            y = 1 - (i + 0.5) / n
            ax.text(0.62, y, fmt(v, unit), color=step_color(v, steps), ha="right", va="center",
                    fontsize=min(16, 60 / n), weight="bold", transform=ax.transAxes)
            ax.text(0.66, y, name.split("/")[-1], color=MUTED, ha="left", va="center", fontsize=7,
                    transform=ax.transAxes)

    def draw_gauge(self, fig, rect, p: dict) -> None:
        d = self.defaults(p)
        steps = d.get("thresholds", {}).get("steps", [])
        items = self.series_values(p) or [("", None)]
        x, y, w, h = rect
        cols = min(len(items), 3)
        rows = (len(items) + cols - 1) // cols
        for i, (name, v) in enumerate(items):
            r, c = divmod(i, cols)
            ax = self.axes(fig, [x + c * w / cols, y + (rows - 1 - r) * h / rows, w / cols, h / rows])
            ax.set_xlim(-1.3, 1.3)
            ax.set_ylim(-0.55 if name else -0.35, 1.15)
            ax.set_aspect("equal")
            ax.axis("off")
            ax.add_patch(Wedge((0, 0), 1, 0, 180, width=0.22, color=BORDER))
            frac = min(max(v or 0, 0), 1)
            ax.add_patch(Wedge((0, 0), 1, 180 - 180 * frac, 180, width=0.22, color=step_color(v, steps)))
            big = len(items) == 1
            ax.text(0, 0.2, fmt(v, d.get("unit")), color=TEXT, ha="center", va="center",
                    fontsize=22 if big else 9, weight="bold")
            if name:
                ax.text(0, -0.3, name.split("/")[-1], color=MUTED, ha="center", va="center", fontsize=6)

    def draw_bargauge(self, fig, rect, p: dict) -> None:
        ax = self.axes(fig, rect)
        d = self.defaults(p)
        t = p["targets"][0]
        res = sorted(self.instant(t), key=lambda s: legend(t.get("legendFormat", ""), s["metric"]))
        steps = d.get("thresholds", {}).get("steps", [])
        hi = d.get("max") or max((float(s["value"][1]) for s in res), default=1) or 1
        ax.set_xlim(0, 1)
        ax.set_ylim(len(res), 0)
        ax.axis("off")
        for i, s in enumerate(res):
            v = float(s["value"][1])
            name = legend(t.get("legendFormat", ""), s["metric"])
            ax.text(0.01, i + 0.5, name, color=TEXT, va="center", fontsize=8)
            ax.add_patch(Rectangle((0.42, i + 0.2), 0.46, 0.6, color=BORDER))
            ax.add_patch(Rectangle((0.42, i + 0.2), 0.46 * min(max(v / hi, 0), 1), 0.6,
                                   color=step_color(v, steps)))
            ax.text(0.99, i + 0.5, fmt(v, d.get("unit")), color=step_color(v, steps), va="center", ha="right",
                    fontsize=8, weight="bold")

    def draw_timeseries(self, fig, rect, p: dict) -> None:
        # Plot on the left with room for tick labels; the legend as a list on the right.
        x, y, w, h = rect
        ax = fig.add_axes([x + 0.028, y + 0.45 * h / 8, w * 0.60 - 0.028, h - 0.45 * h / 8], facecolor=PANEL)
        for sp in ax.spines.values():
            sp.set_color(BORDER)
        leg_ax = self.axes(fig, [x + w * 0.62, y, w * 0.38, h])
        d = self.defaults(p)
        unit = d.get("unit", "short")
        stack = d.get("custom", {}).get("stacking", {}).get("mode") == "normal"
        series = []
        for t in p["targets"]:
            for s in self.range(t):
                xs = [float(x) for x, _ in s["values"]]
                ys = [float(y) for _, y in s["values"]]
                series.append((legend(t.get("legendFormat", ""), s["metric"]), xs, ys))
        series.sort(key=lambda s: s[0])
        if not series:
            return self.message(ax, "No data")

        def dates(xs):
            return [datetime.datetime.fromtimestamp(x) for x in xs]

        if stack:
            grid = sorted({x for _, xs, _ in series for x in xs})
            base = [0.0] * len(grid)
            for i, (name, xs, ys) in enumerate(series):
                m = dict(zip(xs, ys))
                top = [b + m.get(x, 0.0) for b, x in zip(base, grid)]
                ax.fill_between(dates(grid), base, top, color=PALETTE[i % len(PALETTE)], alpha=0.55, lw=0,
                                label=name)
                base = top
        else:
            for i, (name, xs, ys) in enumerate(series):
                ax.plot(dates(xs), ys, color=PALETTE[i % len(PALETTE)], lw=1.3, label=name)
        ax.tick_params(colors=MUTED, labelsize=7)
        ax.xaxis.set_major_locator(mdates.MinuteLocator())
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M"))
        ax.grid(color=BORDER, lw=0.5)
        if unit == "percentunit":
            ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
        ax.set_ylim(bottom=0)
        # Legend rows: colour, name, last value (Grafana's "table" legend).
        rows = max(1, int(h * fig.get_figheight() / 0.16))
        for i, (name, xs, ys) in enumerate(series[:rows]):
            yy = 1 - (i + 0.7) / rows
            leg_ax.add_patch(Rectangle((0.0, yy - 0.012), 0.035, 0.024, color=PALETTE[i % len(PALETTE)],
                                       transform=leg_ax.transAxes))
            leg_ax.text(0.05, yy, name[:38], color=TEXT, fontsize=6.5, va="center", transform=leg_ax.transAxes)
            leg_ax.text(1.0, yy, fmt(ys[-1] if ys else None, unit), color=TEXT, fontsize=6.5, va="center",
                        ha="right", transform=leg_ax.transAxes)

    def draw_table(self, fig, rect, p: dict) -> None:
        ax = self.axes(fig, rect)
        org = next((t["options"] for t in p.get("transformations", []) if t["id"] == "organize"), {})
        hidden = {k for k, v in org.get("excludeByName", {}).items() if v}
        renames = org.get("renameByName", {})
        units = {o["matcher"]["options"]: o["properties"][0]["value"] for o in p["fieldConfig"]["overrides"]
                 if o["properties"] and o["properties"][0]["id"] == "unit"}
        multi = len(p["targets"]) > 1
        rows: dict[tuple, dict] = {}
        for t in p["targets"]:
            col = f"Value #{t['refId']}" if multi else "Value"
            for s in self.instant(t):
                labels = dict(s["metric"])
                key = tuple(sorted(labels.items()))
                row = rows.setdefault(key, dict(labels))
                row[col] = float(s["value"][1])
        if not rows:
            return self.message(ax, "No data")
        cols = []
        for r in rows.values():
            for c in r:
                if c not in cols and c not in hidden:
                    cols.append(c)
        values = [c for c in cols if c.startswith("Value")]
        cols = [c for c in cols if not c.startswith("Value")] + values
        shown = [renames.get(c, c) for c in cols]
        sort_by = (p["options"].get("sortBy") or [{}])[0]
        data = list(rows.values())
        if sort_by.get("displayName") in shown:
            raw = cols[shown.index(sort_by["displayName"])]
            data.sort(key=lambda r: (r.get(raw) is None, r.get(raw) or 0), reverse=bool(sort_by.get("desc")))
        fits = max(1, int(p["gridPos"]["h"] * 1.6) - 2)
        cells = [[fmt(r.get(c), units.get(renames.get(c, c), "short")) if c.startswith("Value")
                  else str(r.get(c, "")) for c in cols] for r in data[:fits]]
        ax.axis("off")
        tab = ax.table(cellText=cells, colLabels=shown, loc="upper left", cellLoc="left", colLoc="left",
                       bbox=[0, max(0.0, 1 - (len(cells) + 1) / (fits + 1)), 1, min(1.0, (len(cells) + 1) / (fits + 1))])
        tab.auto_set_font_size(False)
        tab.set_fontsize(7)
        for (r, c), cell in tab.get_celld().items():
            cell.set_edgecolor(BORDER)
            cell.set_facecolor(PANEL if r else "#22252b")
            cell.get_text().set_color(TEXT if r else MUTED)
        tab.auto_set_column_width(list(range(len(cols))))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--prometheus", required=True)
    ap.add_argument("--dashboard", default=str(ROOT / "grafana" / "aipool-overview.json"))
    ap.add_argument("--out", default=str(ROOT / "docs" / "dashboard-overview.png"))
    ap.add_argument("--minutes", type=float, default=5)
    args = ap.parse_args()
    dash = json.loads(pathlib.Path(args.dashboard).read_text(encoding="utf-8"))
    Renderer(args.prometheus.rstrip("/"), dash, args.minutes).render(pathlib.Path(args.out))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
