#!/usr/bin/env python3
"""Runs every PromQL query of the Grafana dashboards in grafana/ against a Prometheus.

For each dashboard: checks the structure Grafana relies on (schema version, the
`datasource` variable and every panel and query reading it, unique panel ids,
panels inside the 24-column grid without overlapping, no unknown template
variable), then takes every panel target and every variable query, substitutes
the template variables as Grafana would with "All" selected (`$account` becomes
`.*`, which is why filters must use `=~`; `$__rate_interval` becomes `1m`), runs it
against the Prometheus API, and fails if it errors or returns no data.

Meant for a Prometheus that scraped `aipool_exporter demo` (which runs every
platform) with deploy/prometheus/rules.yml loaded: tests/e2e/prometheus.sh does
that and calls this. Standard library only.

With `--account NAME --provider P` (tests/e2e/prometheus.sh does this for every
account of the example configs in config/) the queries run as Grafana would run
them with only that account selected, and each query that applies to P must
return data. Which platforms a query applies to is recorded by
grafana/generate.py (`platforms`); a query that reads an optional series (an
`_info` series, say) must fall back to the bare series, or it would go blank on
an account that lacks it (aipool_service_info with Qianfan `service_ids`).

Usage: dashboard_queries.py --prometheus http://127.0.0.1:9090 [--dashboards DIR]
                            [--account NAME --provider P [--job JOB]]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import pathlib
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCHEMA_VERSION = 42
DS_UID = "${datasource}"
# Grafana's built-in interval variables, as they would be in a 1h view.
BUILTINS = {"__rate_interval": "1m", "__interval": "15s", "__range": "1h"}
# The filter variables; with "All" selected each is the regex `.*`.
FILTERS = ("provider", "account", "cloud_region", "pool_id", "queue_id", "accelerator")
REQUIRED_VARIABLES = ("datasource", "provider", "account")
VAR_REF = re.compile(r"\$(?:\{(\w+)(?::\w+)?\}|(\w+))")
LABEL_VALUES = re.compile(r"^label_values\((.*),\s*(\w+)\)$", re.S)
QUERY_RESULT = re.compile(r"^query_result\((.*)\)$", re.S)


def prom_get(base: str, path: str, params: dict, timeout: float = 15) -> dict:
    """GETs a Prometheus API path; returns `data` or raises RuntimeError with the error."""
    url = f"{base}{path}?{urllib.parse.urlencode(params)}"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            body = json.load(r)
    except urllib.error.HTTPError as e:
        try:
            body = json.load(e)
        except ValueError:
            raise RuntimeError(f"HTTP {e.code}") from None
    except (urllib.error.URLError, OSError, ValueError) as e:
        raise RuntimeError(str(e)) from None
    if body.get("status") != "success":
        raise RuntimeError(f"{body.get('errorType', '?')}: {body.get('error', body)}")
    return body["data"]


def instant(base: str, expr: str, at: float | None = None) -> list:
    """An instant query, evaluated now or at Unix time `at`."""
    params = {"query": expr}
    if at is not None:
        params["time"] = f"{at:.3f}"
    data = prom_get(base, "/api/v1/query", params)
    if data["resultType"] in ("scalar", "string"):
        return [data["result"]]
    return data["result"]


def range_query(base: str, expr: str, seconds: int = 30, step: int = 2) -> list:
    end = time.time()
    data = prom_get(base, "/api/v1/query_range",
                    {"query": expr, "start": f"{end - seconds:.3f}", "end": f"{end:.3f}", "step": step})
    return [s for s in data["result"] if s.get("values")]


def walk_panels(panels: list[dict]):
    for p in panels:
        yield p
        yield from walk_panels(p.get("panels") or [])


def variables(dash: dict) -> dict[str, dict]:
    return {v["name"]: v for v in dash.get("templating", {}).get("list", [])}


def regex_value(value: str) -> str:
    """One selected value as Grafana renders it in a =~ matcher: regex-escaped,
    then escaped for the PromQL string."""
    escaped = re.sub(r"([\\.^$*+?()\[\]{}|])", r"\\\1", value)
    return escaped.replace("\\", "\\\\")


def substitute(expr: str, known: dict[str, dict], values: dict[str, str] | None = None) -> tuple[str, list[str]]:
    """Returns the query as Prometheus would get it with every variable at its
    default ("All") or, for those in `values`, that one value selected; and the
    problems found (unknown variable, filter without =~)."""
    problems = []
    values = values or {}

    def repl(m: re.Match) -> str:
        name = m.group(1) or m.group(2)
        if name.isdigit():
            # `$1` is a label_replace capture reference; Grafana leaves names
            # that are no variable alone.
            return m.group(0)
        if name in BUILTINS:
            return BUILTINS[name]
        var = known.get(name)
        if var is None:
            problems.append(f"unknown variable ${name}")
            return m.group(0)
        if name in FILTERS or var.get("includeAll"):
            before = expr[max(0, m.start() - 3):m.start()]
            if before != '=~"':
                problems.append(f"${name} must be used as label=~\"${name}\" (multi-value and All are regexes)")
            if name in values:
                return regex_value(values[name])
            return var.get("allValue") or ".*"
        if var.get("type") == "textbox":
            return values.get(name, var.get("query", ""))
        problems.append(f"${name} cannot be substituted")
        return m.group(0)

    return VAR_REF.sub(repl, expr), problems


def structure_problems(name: str, dash: dict) -> list[str]:
    out = []
    if dash.get("schemaVersion") != SCHEMA_VERSION:
        out.append(f"schemaVersion is {dash.get('schemaVersion')}, want {SCHEMA_VERSION}")
    for key in ("uid", "title"):
        if not dash.get(key):
            out.append(f"no {key}")
    vs = variables(dash)
    for v in REQUIRED_VARIABLES:
        if v not in vs:
            out.append(f"no ${v} variable")
    ds = vs.get("datasource", {})
    if ds.get("type") != "datasource" or ds.get("query") != "prometheus":
        out.append("$datasource is not a Prometheus data source variable")
    for v in vs.values():
        if v.get("type") == "query" and (v.get("datasource") or {}).get("uid") != DS_UID:
            out.append(f"variable ${v['name']} does not use $datasource")
    ids = set()
    cells: dict[tuple[int, int], str] = {}
    for p in walk_panels(dash.get("panels", [])):
        title = p.get("title", "?")
        if p.get("id") in ids:
            out.append(f"panel id {p.get('id')} repeats")
        ids.add(p.get("id"))
        g = p.get("gridPos") or {}
        x, y, w, h = (g.get(k) for k in ("x", "y", "w", "h"))
        if None in (x, y, w, h) or x < 0 or w <= 0 or h <= 0 or x + w > 24:
            out.append(f"panel {title!r}: bad gridPos {g}")
            continue
        cover = [(cx, cy) for cx in range(x, x + w) for cy in range(y, y + h)]
        other = next((cells[c] for c in cover if c in cells), None)
        if other is not None:
            out.append(f"panel {title!r} overlaps {other!r}")
        cells.update((c, title) for c in cover)
        if p.get("type") == "row":
            continue
        if (p.get("datasource") or {}).get("uid") != DS_UID:
            out.append(f"panel {title!r} does not use $datasource")
        if not p.get("targets"):
            out.append(f"panel {title!r} has no query")
        for t in p.get("targets", []):
            if (t.get("datasource") or {}).get("uid") != DS_UID:
                out.append(f"panel {title!r} query {t.get('refId')} does not use $datasource")
            if not t.get("expr"):
                out.append(f"panel {title!r} query {t.get('refId')} has no expr")
    return out


def queries(dash: dict):
    """Yields (where, expr, mode, key): mode is instant, range or variable; key
    names the query in grafana/generate.py's platform table."""
    for v in variables(dash).values():
        if v.get("type") != "query":
            continue
        q = v.get("definition") or (v.get("query") or {}).get("query", "")
        m = LABEL_VALUES.match(q.strip())
        key = ("variable", v["name"])
        r = QUERY_RESULT.match(q.strip())
        if r:
            # query_result(expr) runs expr as an instant query.
            yield f"variable ${v['name']}", r.group(1), "instant", key
            continue
        if not m:
            yield f"variable ${v['name']}", q, "unsupported", key
            continue
        # label_values(selector, label) asks the series API; the same series
        # grouped by the label have to be there.
        yield f"variable ${v['name']}", f"count by ({m.group(2)}) ({m.group(1)})", "variable", key
    for p in walk_panels(dash.get("panels", [])):
        for t in p.get("targets", []):
            if t.get("hide"):
                continue
            mode = "instant" if t.get("instant") and not t.get("range") else "range"
            key = ("panel", p.get("title"), t.get("refId"))
            yield f"{p.get('title')!r} {t.get('refId')}", t.get("expr", ""), mode, key


def load_generator(dash_dir: pathlib.Path):
    generator = dash_dir / "generate.py"
    if not generator.exists():
        return None
    spec = importlib.util.spec_from_file_location("aipool_grafana_generate", generator)
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    return gen


def platform_table(gen) -> dict[str, dict[tuple, tuple]]:
    """Per dashboard file: query key -> the platforms that must see data in it."""
    out = {}
    if gen is None:
        return out
    for name, build in gen.DASHBOARDS.items():
        d = build()
        d.to_json()  # fills the tables
        table = {("panel",) + k: v for k, v in d.platforms.items()}
        table.update({("variable", k): v for k, v in d.variable_platforms.items()})
        out[name] = table
    return out


def run(base: str, dash_dir: pathlib.Path, verbose: bool = True,
        scope: dict[str, str] | None = None) -> tuple[int, int]:
    """Checks the dashboards in `dash_dir` against Prometheus at `base`.

    Without `scope`: every dashboard's structure, that the JSON is what
    generate.py writes, and every query with the variables at "All"; a query must
    return data unless generate.py says it applies to no platform in particular.
    With `scope` = {"account", "provider"[, "job"]}: every query with that account
    (and provider, and job) selected; the queries that apply to the provider must
    return data, the others are not run."""
    passed = failed = 0

    def report(ok: bool, what: str, detail: str = "") -> None:
        nonlocal passed, failed
        if ok:
            passed += 1
            if verbose:
                print(f"  ok    {what}{(': ' + detail) if detail else ''}")
        else:
            failed += 1
            print(f"  FAIL  {what}: {detail}")

    files = sorted(dash_dir.glob("*.json"))
    gen = load_generator(dash_dir)
    platforms = platform_table(gen)
    if scope is None:
        report(bool(files), f"dashboards in {dash_dir}", f"{len(files)} files" if files else "none found")
        if gen is not None:
            # The JSON is generated: a hand edit that generate.py would undo fails here.
            stale = [n for n, build in gen.DASHBOARDS.items()
                     if not (dash_dir / n).exists() or (dash_dir / n).read_text(encoding="utf-8") != gen.render(build)]
            report(not stale and len(gen.DASHBOARDS) == len(files), "dashboards are what grafana/generate.py writes",
                   f"out of date: {stale} (run python3 grafana/generate.py)" if stale
                   else f"{len(gen.DASHBOARDS)} generated, {len(files)} files")
    values = {}
    if scope is not None:
        values = {"account": scope["account"], "provider": scope["provider"]}
        if scope.get("job"):
            values["job"] = scope["job"]
    for f in files:
        try:
            dash = json.loads(f.read_text(encoding="utf-8"))
        except ValueError as e:
            report(False, f.name, f"not JSON: {e}")
            continue
        known = variables(dash)
        table = platforms.get(f.name, {})
        if scope is None:
            print(f"{f.name} ({dash.get('title')})")
            problems = structure_problems(f.name, dash)
            report(not problems, f"{f.name} structure", "; ".join(problems))
        elif verbose:
            print(f"{f.name} ({dash.get('title')}) for {scope['provider']} account {scope['account']}")
        for where, expr, mode, key in queries(dash):
            what = f"{f.stem} {where}" + (f" [{scope['account']}]" if scope else "")
            applies = table.get(key, ("*",))  # unknown dashboards: every query must have data
            if scope is not None and "*" not in applies and scope["provider"] not in applies:
                continue
            if mode == "unsupported":
                report(False, what, f"variable query not understood: {expr}")
                continue
            q, problems = substitute(expr, known, values)
            if problems:
                report(False, what, "; ".join(problems))
                continue
            try:
                result = range_query(base, q) if mode == "range" else instant(base, q)
            except RuntimeError as e:
                report(False, what, f"{e}\n        query: {q}")
                continue
            if not result:
                if not applies:
                    report(True, what, "no data (allowed: applies to no platform in particular)")
                else:
                    report(False, what, f"no data\n        query: {q}")
                continue
            report(True, what, f"{len(result)} series ({mode})")
    return passed, failed


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--prometheus", required=True, help="base URL, e.g. http://127.0.0.1:9090")
    ap.add_argument("--dashboards", default=str(ROOT / "grafana"))
    ap.add_argument("-q", "--quiet", action="store_true", help="print only failures")
    ap.add_argument("--account", help="select only this account (needs --provider)")
    ap.add_argument("--provider", help="the account's provider label (one of ALL in grafana/dashgen/platforms.py)")
    ap.add_argument("--job", help="the exporter's scrape job for the exporter-health dashboard")
    args = ap.parse_args()
    if bool(args.account) != bool(args.provider):
        ap.error("--account and --provider go together")
    scope = {"account": args.account, "provider": args.provider, "job": args.job} if args.account else None
    passed, failed = run(args.prometheus.rstrip("/"), pathlib.Path(args.dashboards), not args.quiet, scope)
    print(f"dashboard-queries: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
