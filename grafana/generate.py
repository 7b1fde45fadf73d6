#!/usr/bin/env python3
"""Writes the Grafana dashboards in this directory (the JSON files are generated).

The dashboards share their variables, data source references and panel defaults;
generating them keeps those identical and the PromQL in one reviewable place.
The code is in dashgen/ beside this file (dashgen/__init__.py lists its
modules: shared PromQL, variables, panel builders, one module per dashboard).
Edit it, run this, commit both:

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
# The modules live in dashgen/ beside this file; tests/e2e/dashboard_queries.py
# loads this file by path, so its directory is not necessarily on sys.path.
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from dashgen.compute_units import compute_units  # noqa: E402
from dashgen.drilldown import drilldown  # noqa: E402
from dashgen.exporter_health import exporter_health  # noqa: E402
from dashgen.overview import overview  # noqa: E402


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
