#!/usr/bin/env python3
"""Compares the status page as a browser rendered it with the exporter's /metrics.

Input: the DOM that headless Chromium dumped (`--dump-dom`) and a /metrics
response of the same snapshot (tests/e2e/status_page.sh produces both from
`aipool_exporter demo`). Checks, one line each, closing with
`status-page-e2e: N passed, M failed`:

- every account on /metrics (aipool_up) has a status line with the same up value and
  last-success timestamp, and no other account does;
- every accelerator row's capability, allocated and free (data-* attributes)
  equal the series they come from: queue or pool series as reported, Sugon's
  capability = aipool_pool_nodes x aipool_pool_node_capability_accelerators, free =
  remaining, else workload_available, else capability - allocated, as the row's
  data-free-source says and the series present confirm;
- every row's largest free block and slots by size (data-largest-free-block,
  data-slots `cards:jobs ...`) equal aipool_{pool,queue}_largest_free_block_accelerators
  and aipool_{pool,queue}_free_slots, and are absent where those series are;
- the numbers a person reads in the cells match those attributes;
- every pool/queue accelerator series on /metrics has its row, and no row is
  extra; each account's rows are ordered by headroom, least first, unknown last;
- every compute unit on /metrics (aipool_compute_unit_info) has its row with
  its replicas and expiry, soonest expiry first, and no row is extra;
- the page links to /metrics and carries no stale rows (the demo is fresh);
- with --screenshot, the PNG exists and has the expected size.

Standard library only.
"""

from __future__ import annotations

import argparse
import math
import pathlib
import struct
import sys
from html.parser import HTMLParser

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from prometheus_checks import parse_metrics  # noqa: E402


class Dom(HTMLParser):
    """Collects each account's status line (`p.status`), the rows of its
    `table.capacity` and `table.units`: attributes and cell texts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.table: str | None = None
        self.rows: dict[str, list[tuple[dict, list[str]]]] = {
            "accounts": [], "capacity": [], "units": []}
        self.row: tuple[dict, list[str]] | None = None
        self.cell: list[str] | None = None
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if tag == "table" and any(c in self.rows for c in classes):
            self.table = next(c for c in classes if c in self.rows)
        elif tag == "p" and "status" in classes:
            self.rows["accounts"].append((a, []))
        elif tag == "tr" and self.table and any(k.startswith("data-") for k in a):
            self.row = (a, [])
        elif tag == "td" and self.row is not None:
            self.cell = []
        elif tag == "a" and a.get("href"):
            self.links.append(a["href"])

    def handle_endtag(self, tag):
        if tag == "table":
            self.table = None
        elif tag == "td" and self.cell is not None and self.row is not None:
            self.row[1].append(" ".join(" ".join(self.cell).split()))
            self.cell = None
        elif tag == "tr" and self.row is not None and self.table:
            self.rows[self.table].append(self.row)
            self.row = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


class Report:
    def __init__(self) -> None:
        self.passed = self.failed = 0

    def __call__(self, ok: bool, what: str, detail: str = "") -> bool:
        if ok:
            self.passed += 1
            print(f"  ok    {what}{(': ' + detail) if detail else ''}")
        else:
            self.failed += 1
            print(f"  FAIL  {what}: {detail}")
        return ok


def index(samples: dict, name: str, keys: tuple[str, ...]) -> dict[tuple, float]:
    return {tuple(dict(ls).get(k, "") for k in keys): v for ls, v in samples.get(name, [])}


def num(attrs: dict, name: str) -> float | None:
    v = attrs.get(f"data-{name}")
    return None if v is None else float(v)


def same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-9)


def shown(text: str) -> float | None:
    """The leading number a cell shows ("—" when unknown)."""
    first = text.split()[0] if text.split() else ""
    return None if first in ("", "—") else float(first)


# The small print under a free figure, by data-free-source.
SOURCE_LABELS = {"remaining": "remaining", "workload_available": "workload available",
                 "capability_minus_allocated": "capability − allocated", "unknown": "not reported"}
QUEUE_KEYS = ("provider", "account", "cloud_region", "pool_id", "queue_id", "accelerator")
POOL_KEYS = ("provider", "account", "cloud_region", "pool_id", "accelerator")
POOL_ONLY = ("provider", "account", "cloud_region", "pool_id")


def expected_row(kind: str, key: tuple, series: dict) -> tuple[dict, str]:
    """What the page must show for one pool or queue accelerator, from /metrics."""
    pre = "aipool_queue_" if kind == "queue" else "aipool_pool_"
    get = {q: series[f"{pre}{q}_accelerators"].get(key) for q in
           ("capability", "allocated", "remaining", "workload_available")}
    cap_source = "reported"
    if kind == "pool" and get["capability"] is None:
        nodes = series["aipool_pool_nodes"].get(key[:4])
        per_node = series["aipool_pool_node_capability_accelerators"].get(key)
        if nodes is not None and per_node is not None:
            get["capability"] = nodes * per_node
            cap_source = "nodes_x_per_node"
    # Free is the exporter's `remaining`, on every platform (workload_available
    # is not free: the seed's full queue reports 8 of 8 with all 8 allocated).
    if get["remaining"] is not None:
        free, source = get["remaining"], "remaining"
    else:
        free, source = None, "unknown"
    return {"capability": get["capability"], "allocated": get["allocated"], "free": free,
            "free-source": source, "capability-source": cap_source}, source


def fmt_num(v: float) -> str:
    """A number as the page's attributes write it (whole numbers bare)."""
    return str(int(v)) if v == int(v) else repr(v)


def expected_blocks(kind: str, key: tuple, samples: dict) -> tuple[float | None, str | None]:
    """The row's largest free block and its slots as `cards:jobs ...`, smallest
    size first, from /metrics; None where the series are absent."""
    keys = QUEUE_KEYS if kind == "queue" else POOL_KEYS
    largest = index(samples, f"aipool_{kind}_largest_free_block_accelerators", keys).get(key)
    slots = sorted((int(dict(ls)["cards"]), v) for ls, v in samples.get(f"aipool_{kind}_free_slots", [])
                   if tuple(dict(ls).get(k, "") for k in keys) == key)
    return largest, (" ".join(f"{n}:{fmt_num(v)}" for n, v in slots) if slots else None)


def check(dom_text: str, metrics_text: str, metrics_path: str = "/metrics") -> Report:
    report = Report()
    dom = Dom()
    dom.feed(dom_text)
    _, samples = parse_metrics(metrics_text)

    # ---- accounts
    up = index(samples, "aipool_up", ("provider", "account"))
    last = index(samples, "aipool_last_success_timestamp_seconds", ("provider", "account"))
    seen = set()
    for attrs, cells in dom.rows["accounts"]:
        key = (attrs.get("data-provider"), attrs.get("data-account"))
        seen.add(key)
        want_up = up.get(key)
        ok = (want_up is not None and float(attrs.get("data-up", "nan")) == want_up
              and attrs.get("data-state") == ("up" if want_up == 1 else "down")
              and same(num(attrs, "last-success"), last.get(key)))
        report(ok, f"account {key[1]}", f"up={attrs.get('data-up')} state={attrs.get('data-state')} "
               f"last_success={attrs.get('data-last-success')} (metrics: up={want_up}, last={last.get(key)})")
    report(seen == set(up), "the accounts are those of aipool_up",
           f"page only: {sorted(seen - set(up))}, metrics only: {sorted(set(up) - seen)}")

    # ---- capacity rows
    series = {}
    for kind, keys in (("queue", QUEUE_KEYS), ("pool", POOL_KEYS)):
        for q in ("capability", "allocated", "remaining", "workload_available"):
            name = f"aipool_{kind}_{q}_accelerators"
            series[name] = index(samples, name, keys)
    series["aipool_pool_nodes"] = index(samples, "aipool_pool_nodes", POOL_ONLY)
    series["aipool_pool_node_capability_accelerators"] = index(
        samples, "aipool_pool_node_capability_accelerators", POOL_KEYS)

    want_rows = set()
    for q in ("capability", "allocated", "remaining", "workload_available"):
        want_rows |= {("queue", k) for k in series[f"aipool_queue_{q}_accelerators"]}
        want_rows |= {("pool", k) for k in series[f"aipool_pool_{q}_accelerators"]}
    want_rows |= {("pool", k) for k in series["aipool_pool_node_capability_accelerators"]
                  if k[:4] in series["aipool_pool_nodes"]}

    got_rows = set()
    blocks = 0
    sources: dict[str, int] = {}
    headrooms: dict[str, list] = {}  # per account, in page order
    for attrs, cells in dom.rows["capacity"]:
        kind = attrs.get("data-kind", "")
        keys = QUEUE_KEYS if kind == "queue" else POOL_KEYS
        key = tuple(attrs.get("data-" + k.replace("_", "-"), "") for k in keys)
        got_rows.add((kind, key))
        want, source = expected_row(kind, key, series)
        sources[source] = sources.get(source, 0) + 1
        problems = []
        for field in ("capability", "allocated", "free"):
            if not same(num(attrs, field), want[field]):
                problems.append(f"{field} {attrs.get('data-' + field)} != {want[field]}")
        for field in ("free-source", "capability-source"):
            if attrs.get(f"data-{field}") != want[field]:
                problems.append(f"{field} {attrs.get('data-' + field)} != {want[field]}")
        # What a person reads: cells 3..5 are capability, allocated, free.
        if len(cells) < 7:
            problems.append(f"{len(cells)} cells")
        else:
            for i, field in ((3, "capability"), (4, "allocated"), (5, "free")):
                v, w = shown(cells[i]), want[field]
                if (v is None) != (w is None) or (w is not None and abs(v - round(w, 2)) > 1e-9):
                    problems.append(f"cell {field} shows {cells[i]!r}, want {w}")
            if not cells[5].endswith(SOURCE_LABELS[source]):
                problems.append(f"free cell {cells[5]!r} does not say {SOURCE_LABELS[source]!r}")
        largest, slots = expected_blocks(kind, key, samples)
        if not same(num(attrs, "largest-free-block"), largest):
            problems.append(f"largest block {attrs.get('data-largest-free-block')} != {largest}")
        if attrs.get("data-slots") != slots:
            problems.append(f"slots {attrs.get('data-slots')!r} != {slots!r}")
        if len(cells) >= 7 and not same(shown(cells[6]), None if largest is None else round(largest, 2)):
            problems.append(f"largest block cell shows {cells[6]!r}, want {largest}")
        if largest is not None:
            blocks += 1
        if attrs.get("data-stale"):
            problems.append("marked stale")
        report(not problems, f"row {kind} {'/'.join(key[1:])}",
               "; ".join(problems) or f"cap {want['capability']} alloc {want['allocated']} "
               f"free {want['free']} ({source})")
        cap, free = want["capability"], want["free"]
        headrooms.setdefault(key[1], []).append(
            free / cap if cap and free is not None and cap > 0 else None)

    report(got_rows == want_rows and bool(want_rows), f"one row per pool/queue accelerator series "
           f"({len(want_rows)})", f"missing {sorted(want_rows - got_rows)[:3]}; extra {sorted(got_rows - want_rows)[:3]}")
    report(blocks > 0, "rows with per-node figures show their largest free block", f"{blocks} rows")

    def fmt(hs):
        return " ".join("-" if h is None else f"{h:.2f}" for h in hs)

    for account, hs in sorted(headrooms.items()):
        known = [h for h in hs if h is not None]
        first_unknown = next((i for i, h in enumerate(hs) if h is None), len(hs))
        ordered = known == sorted(known) and all(h is None for h in hs[first_unknown:])
        report(ordered, f"{account}: rows ordered by headroom, least first, unknown last", fmt(hs))
    report(set(sources) <= {"remaining", "unknown"} and sources.get("remaining", 0) > 0,
           "free is remaining, or unknown where no platform figure exists", f"{sources}")
    report(any(hs and hs[0] == 0 for hs in headrooms.values()),
           "a full queue or pool (0 free) sorts first in its account",
           "; ".join(f"{a}: {fmt(hs[:3])}" for a, hs in sorted(headrooms.items())))

    # ---- compute units
    unit_keys = ("provider", "account", "service_id", "instance_id")
    replicas = index(samples, "aipool_compute_unit_replicas", unit_keys)
    expiry = index(samples, "aipool_compute_unit_expiry_timestamp_seconds", unit_keys)
    info = index(samples, "aipool_compute_unit_info", unit_keys)
    sections = {attrs.get("data-account"): attrs.get("data-provider") for attrs, _ in dom.rows["accounts"]}
    got_units = set()
    expiries: dict[str, list] = {}
    for attrs, cells in dom.rows["units"]:
        # A unit row belongs to the section it is in: the last status line before it.
        account = attrs.get("data-account", "")
        key = (sections.get(account, ""), account, attrs.get("data-service-id", ""),
               attrs.get("data-instance-id", ""))
        got_units.add(key)
        problems = []
        if not same(num(attrs, "replicas"), replicas.get(key)):
            problems.append(f"replicas {attrs.get('data-replicas')} != {replicas.get(key)}")
        if not same(num(attrs, "expiry"), expiry.get(key)):
            problems.append(f"expiry {attrs.get('data-expiry')} != {expiry.get(key)}")
        if len(cells) < 7 or shown(cells[4]) != replicas.get(key):
            problems.append(f"replicas cell {cells[4:5]}")
        expiries.setdefault(account, []).append(expiry.get(key))
        report(not problems, f"compute unit {'/'.join(key[1:])}",
               "; ".join(problems) or f"replicas {replicas.get(key)} expiry {expiry.get(key)}")
    want_units = set(info)
    report(got_units == want_units and bool(want_units),
           f"one row per compute unit on /metrics ({len(want_units)})",
           f"missing {sorted(want_units - got_units)[:3]}; extra {sorted(got_units - want_units)[:3]}")
    for account, es in sorted(expiries.items()):
        known = [e for e in es if e is not None]
        report(known == sorted(known) and es[:len(known)] == known,
               f"{account}: compute units soonest expiry first", " ".join(str(e) for e in es))
    report(metrics_path in dom.links, f"links to {metrics_path}", f"{dom.links}")
    return report


def check_png(report: Report, path: pathlib.Path, width: int, height: int) -> None:
    data = path.read_bytes() if path.exists() else b""
    ok = data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    w, h = struct.unpack(">II", data[16:24]) if ok else (0, 0)
    report(ok and (w, h) == (width, height) and len(data) > 20_000, f"screenshot {path}",
           f"{w}x{h}, {len(data)} bytes")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dom", help="file with chromium --dump-dom output")
    ap.add_argument("metrics", help="file with the /metrics response")
    ap.add_argument("--screenshot", help="PNG to check")
    ap.add_argument("--size", default="1280x2040", help="the screenshot's expected WIDTHxHEIGHT")
    args = ap.parse_args()
    r = check(pathlib.Path(args.dom).read_text(encoding="utf-8"),
              pathlib.Path(args.metrics).read_text(encoding="utf-8"))
    if args.screenshot:
        w, h = (int(x) for x in args.size.split("x"))
        check_png(r, pathlib.Path(args.screenshot), w, h)
    print(f"status-page-e2e: {r.passed} passed, {r.failed} failed")
    return 1 if r.failed else 0


if __name__ == "__main__":
    sys.exit(main())
