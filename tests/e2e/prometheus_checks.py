#!/usr/bin/env python3
"""Checks a real Prometheus that scrapes `aipool_exporter demo` (job aipool_exporter)
and, with --examples, one exporter per example config in config/ pointed at
`aipool_exporter simulate --no-drift` (job aipool_examples). tests/e2e/prometheus.sh
starts them all and calls this.

1. waits for two scrapes of the exporter and one rule evaluation after them;
2. the scrape target is up, every rule group of deploy/prometheus/{rules,alerts}.yml
   is loaded and every rule evaluates without error (a bad join would show here);
3. every metric family the exporter serves on /metrics (the list is read from
   that response, so it cannot drift) is in Prometheus with exactly the label sets
   /metrics shows;
4. the README's headroom expression (remaining / capability) returns one value
   per queue that /metrics shows with remaining cards and a capability above 0,
   equal to the ratio of Prometheus's raw samples at the same instant (the
   demo's values drift between scrapes);
5. every recording rule of rules.yml yields data, and AiPoolThresholdRulesMissing
   does not fire;
6. the seed's full queue aihc-test-pd-as (aihcq-1jpvdatpi23i: 8 of 8 cards
   allocated, 1 workload pending) reads 0 free, and AiPoolAcceleratorsExhaustedWithPending
   is active for it (state pending or firing, from the alerts API) in every AIHC
   account that has it; on the examples (seed numbers, no drift) the queues with
   everything free (wanlei-test, queue-nllqttp17gv6) read 1 and raise no headroom
   alert;
7. every dashboard query (tests/e2e/dashboard_queries.py) against the demo, and
   with --examples once per example account, as Grafana runs it with only that
   account selected: each query that applies to the account's platform returns data.

Prints one line per check and closes with `prometheus-e2e: N passed, M failed`.
Standard library only.
"""

from __future__ import annotations

import argparse
import calendar
import datetime
import json
import math
import pathlib
import re
import sys
import time
import urllib.request

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import dashboard_queries as dq  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
RULES = ROOT / "deploy" / "prometheus"
JOB = "aipool_exporter"
EXAMPLES_JOB = "aipool_examples"
# The headroom expression of README ("What the numbers are") and docs/metric-meanings.md ("Example queries").
HEADROOM = "aipool_queue_remaining_accelerators / (aipool_queue_capability_accelerators > 0)"
# The seed (tests/fixtures/seeds/000_*.txt): the full serverless queue and its pool,
# and queues with everything free.
FULL_QUEUE = "aihcq-1jpvdatpi23i"
FULL_POOL = "aihc-mv940z1b57zu"  # on the console API; found per account
FREE_QUEUES = ("aihcq-vn5bx255v2s3", "queue-nllqttp17gv6")
PENDING_ALERT = "AiPoolAcceleratorsExhaustedWithPending"
POOL_PENDING_ALERT = "AiPoolPoolAcceleratorsExhaustedWithPending"
# No headroom alert may be active for a queue (or pool) with everything free.
HEADROOM_ALERTS = ("AiPoolAcceleratorHeadroomLow", "AiPoolAcceleratorsExhausted", PENDING_ALERT,
                   "AiPoolAcceleratorHeadroomRunningOut", "AiPoolPoolAcceleratorHeadroomLow",
                   "AiPoolPoolAcceleratorsExhausted", POOL_PENDING_ALERT, "AiPoolPoolAcceleratorHeadroomRunningOut")
SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\S+)?$")
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?\s*')
IGNORED = {"__name__", "job", "instance"}


def unescape(v: str) -> str:
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), v)


def parse_metrics(text: str) -> tuple[list[str], dict[str, list[tuple[frozenset, float]]]]:
    """The families in `# TYPE` order, and the samples (label set, value) by name."""
    families, samples = [], {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            families.append(line.split()[2])
            continue
        if not line or line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        if not m:
            raise ValueError(f"unparseable sample line: {line!r}")
        # Prometheus drops empty label values (empty and absent are the same).
        labels = frozenset((k, unescape(v)) for k, v in LABEL.findall(m.group(2) or "") if v)
        samples.setdefault(m.group(1), []).append((labels, float(m.group(3))))
    return families, samples


def fetch_metrics(exporter: str) -> tuple[list[str], dict]:
    with urllib.request.urlopen(f"{exporter}/metrics", timeout=10) as r:
        return parse_metrics(r.read().decode("utf-8"))


def labelset(metric: dict) -> frozenset:
    return frozenset((k, v) for k, v in metric.items() if k not in IGNORED)


def recorded_names(path: pathlib.Path) -> list[str]:
    return re.findall(r"^\s*- record:\s*(\S+)\s*$", path.read_text(encoding="utf-8"), re.M)


def group_names(path: pathlib.Path) -> list[str]:
    return re.findall(r"^  - name:\s*(\S+)\s*$", path.read_text(encoding="utf-8"), re.M)


class Checks:
    def __init__(self, prom: str, exporter: str):
        self.prom, self.exporter = prom, exporter
        self.passed = self.failed = 0

    def report(self, ok: bool, what: str, detail: str = "") -> bool:
        if ok:
            self.passed += 1
            print(f"  ok    {what}{(': ' + detail) if detail else ''}")
        else:
            self.failed += 1
            print(f"  FAIL  {what}: {detail}")
        return ok

    def wait_for_data(self, timeout: float) -> bool:
        """Two scrapes of the exporter with a finished poll between them, then one
        evaluation of every rule group."""
        deadline = time.time() + timeout
        scraped_at = None
        last_error = "no scrape yet"
        while time.time() < deadline:
            try:
                res = dq.instant(self.prom, f'count_over_time(up{{job="{JOB}"}}[5m])')
                # ... and a poll finished between them, so rates and increases
                # have something to show.
                polled = dq.instant(self.prom, f'max(changes(aipool_polls_total{{job="{JOB}"}}[5m])) >= 1')
                if res and float(res[0]["value"][1]) >= 2 and polled:
                    scraped_at = time.time()
                    break
                last_error = f"{res[0]['value'][1] if res else 0} scrapes so far, a poll between two: {bool(polled)}"
            except RuntimeError as e:
                last_error = str(e)
            time.sleep(0.5)
        if not self.report(scraped_at is not None, "two scrapes of the exporter, a poll between them", last_error if scraped_at is None
                           else f"after {timeout - (deadline - scraped_at):.1f} s"):
            return False
        while time.time() < deadline:
            groups = dq.prom_get(self.prom, "/api/v1/rules", {})["groups"]
            # A group never evaluated reports 0001-01-01T00:00:00Z.
            if groups and all(_rfc3339(g.get("lastEvaluation", "")) > scraped_at for g in groups):
                return self.report(True, "rule groups evaluated after the scrapes")
            time.sleep(0.5)
        return self.report(False, "rule groups evaluated after the scrapes", "timed out")

    def target_and_rules(self) -> None:
        targets = dq.prom_get(self.prom, "/api/v1/targets", {"state": "active"})["activeTargets"]
        ours = [t for t in targets if t["labels"].get("job") == JOB]
        self.report(len(ours) == 1 and ours[0]["health"] == "up", f"target job={JOB} is up",
                    ", ".join(f"{t['scrapeUrl']} {t['health']} {t.get('lastError', '')}" for t in ours) or "none")
        groups = dq.prom_get(self.prom, "/api/v1/rules", {})["groups"]
        loaded = {g["name"] for g in groups}
        want = group_names(RULES / "rules.yml") + group_names(RULES / "alerts.yml")
        missing = [g for g in want if g not in loaded]
        self.report(not missing and bool(want), f"all {len(want)} rule groups loaded", f"missing {missing}")
        bad = [f"{r.get('name')}: {r.get('lastError')}" for g in groups for r in g["rules"] if r["health"] != "ok"]
        n = sum(len(g["rules"]) for g in groups)
        self.report(not bad, f"all {n} rules evaluate without error", "; ".join(bad))

    def families(self, attempts: int = 3) -> None:
        """Each family's label sets in Prometheus == those on /metrics. The demo's
        series set is stable; a retry covers a poll landing between the two reads."""
        families, _ = fetch_metrics(self.exporter)
        self.report(len(families) >= 10, "families listed on /metrics", f"{len(families)}")
        for fam in families:
            detail = ""
            for attempt in range(attempts):
                _, samples = fetch_metrics(self.exporter)
                want = {ls for ls, _ in samples.get(fam, [])}
                try:
                    got = {labelset(s["metric"]) for s in
                           dq.instant(self.prom, f'{{__name__="{fam}", job="{JOB}"}}')}
                except RuntimeError as e:
                    detail = str(e)
                    break
                if got == want and want:
                    detail = ""
                    break
                detail = (f"{len(got)} series in Prometheus, {len(want)} on /metrics; only in Prometheus: "
                          f"{_show(got - want)}; only on /metrics: {_show(want - got)}")
                time.sleep(1)
            self.report(not detail, f"family {fam}", detail or f"{len(want)} series")

    def headroom(self, attempts: int = 3) -> None:
        """The demo's Sugon HPC queues drift on every poll, so a value read from
        /metrics may already be newer than Prometheus's last scrape. The series set
        comes from /metrics (stable); the values are checked against Prometheus's own
        raw samples evaluated at the same instant as the expression."""
        detail = ""
        for _ in range(attempts):
            _, samples = fetch_metrics(self.exporter)
            cap = {ls: v for ls, v in samples.get("aipool_queue_capability_accelerators", [])}
            want_set = {ls for ls, _ in samples.get("aipool_queue_remaining_accelerators", [])
                        if cap.get(ls, 0) > 0}
            at = time.time()

            def at_once(expr: str) -> dict:
                return {labelset(s["metric"]): float(s["value"][1]) for s in dq.instant(self.prom, expr, at)
                        if s["metric"].get("job") == JOB}

            raw_cap = at_once("aipool_queue_capability_accelerators")
            want = {ls: v / raw_cap[ls] for ls, v in at_once("aipool_queue_remaining_accelerators").items()
                    if raw_cap.get(ls, 0) > 0}
            got = at_once(HEADROOM)
            wrong = [f"{dict(ls)}: {got.get(ls)} != {v}" for ls, v in want.items()
                     if ls not in got or not math.isclose(got[ls], v, rel_tol=1e-9)]
            extra = set(got) - set(want)
            if want and want_set == set(want) and not wrong and not extra:
                self.report(True, "headroom expression", f"{len(got)} queues, e.g. {min(got.values()):.3f} "
                            f"to {max(got.values()):.3f}")
                return
            detail = (f"want {len(want)} series ({len(want_set)} on /metrics), got {len(got)}; wrong: {wrong[:3]}; "
                      f"unexpected: {_show(extra)}; only on /metrics: {_show(want_set - set(want))}")
            time.sleep(1)
        self.report(False, "headroom expression", detail)

    def recording_rules(self) -> None:
        for name in recorded_names(RULES / "rules.yml"):
            try:
                n = len(dq.instant(self.prom, name))
                self.report(n > 0, f"recording rule {name}", f"{n} series" if n else "no data")
            except RuntimeError as e:
                self.report(False, f"recording rule {name}", str(e))
        firing = dq.instant(self.prom, 'ALERTS{alertname="AiPoolThresholdRulesMissing"}')
        self.report(not firing, "AiPoolThresholdRulesMissing is quiet (rules.yml loaded)", f"{firing}")

    def alerts(self, job: str, account: str) -> list[dict]:
        return [a for a in dq.prom_get(self.prom, "/api/v1/alerts", {})["alerts"]
                if a["labels"].get("job") == job and a["labels"].get("account") == account]

    def seed_queue(self, job: str, account: str, free_queues: bool, timeout: float = 10) -> None:
        """The seed's full queue reads 0 free and has the pending alert active (it
        needs `for:` 15m to fire; pending is the state a short run can see)."""
        where = f"{account} ({job})"
        sel = f'job="{job}", account="{account}"'
        ratio = dq.instant(self.prom, f'aipool:queue_accelerator_headroom:ratio{{{sel}, queue_id="{FULL_QUEUE}"}}')
        self.report(bool(ratio) and all(float(r["value"][1]) == 0 for r in ratio),
                    f"{where}: seed queue {FULL_QUEUE} has headroom 0",
                    ", ".join(r["value"][1] for r in ratio) or "no headroom series")
        deadline = time.time() + timeout
        active = []
        while time.time() < deadline:
            active = [a for a in self.alerts(job, account)
                      if a["labels"].get("alertname") == PENDING_ALERT and a["labels"].get("queue_id") == FULL_QUEUE]
            if active:
                break
            time.sleep(1)
        self.report(bool(active) and all(a["state"] in ("pending", "firing") for a in active),
                    f"{where}: {PENDING_ALERT} active for {FULL_QUEUE}",
                    ", ".join(f"{a['state']} value {a['value']}" for a in active) or "not active")
        if not free_queues:
            return
        # Seed numbers exactly (the examples' simulator does not drift).
        for q in FREE_QUEUES:
            ratio = dq.instant(self.prom, f'aipool:queue_accelerator_headroom:ratio{{{sel}, queue_id="{q}"}}')
            self.report(bool(ratio) and all(float(r["value"][1]) == 1 for r in ratio),
                        f"{where}: seed queue {q} has headroom 1 (all free)",
                        ", ".join(r["value"][1] for r in ratio) or "no headroom series")
        # The pools of these queues (the simulator's OpenAPI puts the serverless
        # queues in other pools than the console does).
        pools = {r["metric"]["queue_id"]: r["metric"]["pool_id"] for r in dq.instant(
            self.prom, f'aipool_queue_info{{{sel}, queue_id=~"{"|".join((FULL_QUEUE,) + FREE_QUEUES)}"}}')}
        full_pool = pools.get(FULL_QUEUE, FULL_POOL)
        free_pools = {pools[q] for q in FREE_QUEUES if q in pools}
        deadline = time.time() + timeout
        active = []
        while time.time() < deadline:
            active = [a for a in self.alerts(job, account)
                      if a["labels"].get("alertname") == POOL_PENDING_ALERT and a["labels"].get("pool_id") == full_pool]
            if active:
                break
            time.sleep(1)
        self.report(bool(active), f"{where}: {POOL_PENDING_ALERT} active for pool {full_pool}",
                    ", ".join(f"{a['state']} value {a['value']}" for a in active) or "not active")
        wrong = [f"{a['labels']['alertname']} {a['labels'].get('queue_id') or a['labels'].get('pool_id')}"
                 for a in self.alerts(job, account) if a["labels"].get("alertname") in HEADROOM_ALERTS
                 and (a["labels"].get("queue_id") in FREE_QUEUES or
                      ("queue_id" not in a["labels"] and a["labels"].get("pool_id") in free_pools))]
        self.report(not wrong, f"{where}: no headroom alert for the seed's free queues and their pools",
                    "; ".join(wrong) or f"queues {', '.join(FREE_QUEUES)}, pools {', '.join(sorted(free_pools))}")

    def seed_queues(self, examples: list[dict]) -> None:
        _, samples = fetch_metrics(self.exporter)
        demo = sorted({dict(ls)["account"] for ls, _ in samples.get("aipool_queue_info", [])
                       if dict(ls).get("queue_id") == FULL_QUEUE})
        self.report(bool(demo), f"the demo has the seed queue {FULL_QUEUE}", ", ".join(demo) or "in no account")
        for account in demo:
            self.seed_queue(JOB, account, free_queues=False)
        for ex in examples:
            for a in ex["accounts"]:
                if a["provider"] == "aihc":
                    self.seed_queue(EXAMPLES_JOB, a["name"], free_queues=True)

    def wait_for_examples(self, examples: list[dict], timeout: float) -> bool:
        """Every example exporter scraped twice with a successful poll between, and
        every account up."""
        deadline = time.time() + timeout
        names = [a["name"] for ex in examples for a in ex["accounts"]]
        missing = names
        while time.time() < deadline:
            try:
                polled = dq.instant(self.prom, f'changes(aipool_polls_total{{job="{EXAMPLES_JOB}", '
                                               f'result="success"}}[5m]) >= 1 and on (instance) '
                                               f'count_over_time(up{{job="{EXAMPLES_JOB}"}}[5m]) >= 2')
                up = dq.instant(self.prom, f'aipool_up{{job="{EXAMPLES_JOB}"}} == 1')
            except RuntimeError as e:
                missing = [str(e)]
                time.sleep(0.5)
                continue
            ready = {r["metric"]["account"] for r in polled} & {r["metric"]["account"] for r in up}
            missing = [n for n in names if n not in ready]
            if not missing:
                break
            time.sleep(0.5)
        return self.report(not missing, f"every example account ({len(names)}) up and polled between two scrapes",
                           f"not yet: {missing}" if missing else ", ".join(names))

    def dashboards(self, examples: list[dict]) -> None:
        print("dashboards (tests/e2e/dashboard_queries.py)")
        passed, failed = dq.run(self.prom, ROOT / "grafana")
        self.passed += passed
        self.failed += failed
        for ex in examples:
            for a in ex["accounts"]:
                scope = {"account": a["name"], "provider": a["provider"], "job": EXAMPLES_JOB}
                passed, failed = dq.run(self.prom, ROOT / "grafana", verbose=False, scope=scope)
                self.report(failed == 0, f"dashboards for {a['provider']} account {a['name']} ({ex['file']})",
                            f"{passed} queries with data" if not failed else f"{failed} of {passed + failed} failed")
                self.passed += passed
                self.failed += failed


def _rfc3339(s: str) -> float:
    # e.g. 2026-11-23T17:02:03.123456789Z; sub-second digits vary in length.
    m = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$", s)
    if not m:
        return 0.0
    base = datetime.datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S")
    offset = 0 if m.group(3) == "Z" else (1 if m.group(3)[0] == "+" else -1) * (
        int(m.group(3)[1:3]) * 3600 + int(m.group(3)[4:6]) * 60)
    return calendar.timegm(base.timetuple()) + float(m.group(2) or 0) - offset


def _show(sets) -> str:
    items = [dict(sorted(s)) for s in list(sets)[:2]]
    return f"{items}{' …' if len(sets) > 2 else ''}" if sets else "-"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--prometheus", required=True, help="e.g. http://127.0.0.1:9090")
    ap.add_argument("--exporter", required=True, help="e.g. http://127.0.0.1:9877")
    ap.add_argument("--wait", type=float, default=60, help="seconds to wait for scrapes and rule evaluation")
    ap.add_argument("--examples", help="JSON file: [{file, accounts: [{name, provider}]}] of the example exporters "
                    f"scraped as job {EXAMPLES_JOB}")
    args = ap.parse_args()
    examples = json.loads(pathlib.Path(args.examples).read_text(encoding="utf-8")) if args.examples else []
    c = Checks(args.prometheus.rstrip("/"), args.exporter.rstrip("/"))
    if c.wait_for_data(args.wait) and (not examples or c.wait_for_examples(examples, args.wait)):
        c.target_and_rules()
        c.families()
        c.headroom()
        c.recording_rules()
        c.seed_queues(examples)
        c.dashboards(examples)
    print(f"prometheus-e2e: {c.passed} passed, {c.failed} failed")
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
