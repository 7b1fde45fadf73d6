#!/usr/bin/env python3
"""End to end with a real Alertmanager (tests/e2e/alertmanager.sh starts it with
deploy/alertmanager/alertmanager.yml, receivers pointed at this file's webhook,
next to `aipool_exporter demo` and a Prometheus with deploy/prometheus's rules).

  alertmanager_checks.py webhook --port P --out FILE
      a tiny HTTP server on 127.0.0.1:P that appends every POSTed body, with its
      path (/pager, /ticket), as one JSON line to FILE
  alertmanager_checks.py check --alertmanager URL --prometheus URL --webhook-log FILE
      1. the inhibit rules, on synthetic alerts posted to the real Alertmanager
         (account "synthetic"): a pool's alert hides its queues' same condition,
         a top-level queue's its child's (no_slot: of the same job size),
         exhausted hides headroom low and no_slot, and nothing else is hidden;
      2. the demo's seed full pool (queue aihc-test-pd-as, 8 of 8 H20 cards, 1
         workload pending, a child queue of the same name) reaches the receivers
         as exactly one firing alert per account that has it, the pool's
         AiPoolPoolAcceleratorsExhaustedWithPending, critical, at /pager, with
         its names; its two queue alerts are in Alertmanager but suppressed;
      3. no alert reaches a receiver for a queue whose every card is free.

Prints one line per check and closes with `alertmanager-e2e: N passed, M failed`.
Standard library only.
"""

from __future__ import annotations

import argparse
import http.server
import json
import sys
import time
import urllib.parse
import urllib.request

FULL_QUEUE = "aihcq-1jpvdatpi23i"
POOL_ALERT = "AiPoolPoolAcceleratorsExhaustedWithPending"
QUEUE_ALERT = "AiPoolAcceleratorsExhaustedWithPending"


def webhook(port: int, out: str) -> None:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with open(out, "a", encoding="utf-8") as f:
                f.write(json.dumps({"path": self.path, "body": json.loads(body or b"{}")}) + "\n")
            self.send_response(200)
            self.end_headers()

        def log_message(self, *_args) -> None:
            pass

    http.server.HTTPServer(("127.0.0.1", port), Handler).serve_forever()


def get(url: str, path: str, params: dict | None = None):
    q = ("?" + urllib.parse.urlencode(params, doseq=True)) if params else ""
    with urllib.request.urlopen(f"{url}{path}{q}", timeout=10) as r:
        return json.loads(r.read())


def post(url: str, path: str, body) -> None:
    req = urllib.request.Request(f"{url}{path}", data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        r.read()


def prom(url: str, expr: str) -> list[dict]:
    res = get(url, "/api/v1/query", {"query": expr})
    return res["data"]["result"]


def received(log: str) -> list[tuple[str, dict]]:
    """(receiver path, alert) for every alert of every notification so far."""
    out = []
    try:
        with open(log, encoding="utf-8") as f:
            for line in f:
                n = json.loads(line)
                out += [(n["path"], a) for a in n["body"].get("alerts", [])]
    except FileNotFoundError:
        pass
    return out


class Checks:
    def __init__(self) -> None:
        self.passed = self.failed = 0

    def report(self, ok: bool, what: str, detail: str = "") -> bool:
        if ok:
            self.passed += 1
        else:
            self.failed += 1
        print(f"  {'ok  ' if ok else 'FAIL'}  {what}{(': ' + detail) if detail else ''}")
        return ok


# name -> (labels, expected inhibited)
BASE = {"provider": "aihc", "account": "synthetic", "cloud_region": "bj", "job": "aipool_exporter",
        "instance": "127.0.0.1:1", "accelerator": "baidu.com/h20_141g_cgpu"}
CRIT = {"severity": "critical", "capacity": "exhausted_with_pending"}
SYNTHETIC = {
    "pool p1 full with pending": ({"alertname": POOL_ALERT, "pool_id": "p1", **CRIT}, False),
    "queue q1 in p1, same condition": (
        {"alertname": QUEUE_ALERT, "pool_id": "p1", "queue_id": "q1", "queue_tree": "q1", **CRIT}, True),
    "queue q1b in p1, other accelerator": (
        {"alertname": QUEUE_ALERT, "pool_id": "p1", "queue_id": "q1b", "queue_tree": "q1b", **CRIT,
         "accelerator": "baidu.com/a800_80g_cgpu"}, False),
    "top-level queue q2 in p2 (no pool alert)": (
        {"alertname": QUEUE_ALERT, "pool_id": "p2", "queue_id": "q2", "queue_tree": "q2", **CRIT}, False),
    "child q3 of q2": ({"alertname": QUEUE_ALERT, "pool_id": "p2", "queue_id": "q3", "parent_queue": "q2",
                        "queue_tree": "q2", **CRIT}, True),
    "child q5 of q4 (q4 not alerting)": (
        {"alertname": QUEUE_ALERT, "pool_id": "p2", "queue_id": "q5", "parent_queue": "q4", "queue_tree": "q4",
         **CRIT}, False),
    "headroom low on q2 (exhausted)": (
        {"alertname": "AiPoolAcceleratorHeadroomLow", "pool_id": "p2", "queue_id": "q2", "queue_tree": "q2",
         "severity": "warning", "capacity": "headroom_low"}, True),
    "headroom low on q6 (nothing else)": (
        {"alertname": "AiPoolAcceleratorHeadroomLow", "pool_id": "p2", "queue_id": "q6", "queue_tree": "q6",
         "severity": "warning", "capacity": "headroom_low"}, False),
    "no slot on pool p1 (exhausted)": (
        {"alertname": "AiPoolNoSlotForJobSize", "pool_id": "p1", "severity": "warning", "capacity": "no_slot"}, True),
    "no slot on pool p3": (
        {"alertname": "AiPoolNoSlotForJobSize", "pool_id": "p3", "severity": "warning", "capacity": "no_slot"}, False),
    # The job size matters: a parent without a slot of 8 hides its child's 8,
    # not its child's 4.
    "no slot for 8 on top-level queue q7": (
        {"alertname": "AiPoolNoSlotForJobSize", "pool_id": "p4", "queue_id": "q7", "queue_tree": "q7",
         "severity": "warning", "capacity": "no_slot", "cards": "8"}, False),
    "no slot for 8 on child q8 of q7": (
        {"alertname": "AiPoolNoSlotForJobSize", "pool_id": "p4", "queue_id": "q8", "parent_queue": "q7",
         "queue_tree": "q7", "severity": "warning", "capacity": "no_slot", "cards": "8"}, True),
    "no slot for 4 on child q8 of q7": (
        {"alertname": "AiPoolNoSlotForJobSize", "pool_id": "p4", "queue_id": "q8", "parent_queue": "q7",
         "queue_tree": "q7", "severity": "warning", "capacity": "no_slot", "cards": "4"}, False),
}


def inhibitions(c: Checks, am: str, timeout: float = 20) -> None:
    body = [{"labels": {**BASE, **labels}, "annotations": {"summary": what}}
            for what, (labels, _) in SYNTHETIC.items()]
    post(am, "/api/v2/alerts", body)
    deadline = time.time() + timeout
    wrong: list[str] = []
    while time.time() < deadline:
        alerts = get(am, "/api/v2/alerts", {"filter": 'account="synthetic"'})
        state = {a["annotations"]["summary"]: a["status"]["state"] for a in alerts}
        wrong = [f"{what}: {state.get(what, 'missing')}" for what, (_, hidden) in SYNTHETIC.items()
                 if state.get(what) != ("suppressed" if hidden else "active")]
        if not wrong:
            break
        time.sleep(0.5)
    for what, (_, hidden) in SYNTHETIC.items():
        bad = [w for w in wrong if w.startswith(what + ":")]
        c.report(not bad, f"inhibition: {what} is {'suppressed' if hidden else 'active'}", "; ".join(bad))


def seed_pool(c: Checks, am: str, promurl: str, log: str, timeout: float) -> None:
    deadline = time.time() + timeout
    full: set = set()
    while not full and time.time() < deadline:
        full = {(r["metric"]["account"], r["metric"]["pool_id"]) for r in prom(
            promurl, f'aipool_queue_info{{job="aipool_exporter", queue_id="{FULL_QUEUE}"}}')}
        time.sleep(0.5)
    c.report(bool(full), f"the demo has the seed queue {FULL_QUEUE}", ", ".join(f"{a}/{p}" for a, p in sorted(full)))
    got: dict = {}
    while time.time() < deadline:
        got = {k: [(p, a) for p, a in received(log)
                   if (a["labels"].get("account"), a["labels"].get("pool_id")) == k] for k in full}
        if full and all(got[k] for k in full):
            break
        time.sleep(1)
    # A few more group intervals: nothing else may arrive for these groups.
    time.sleep(8)
    for account, pool in sorted(full):
        notes = [(p, a) for p, a in received(log)
                 if a["labels"].get("account") == account and a["labels"].get("pool_id") == pool]
        firing = {json.dumps(a["labels"], sort_keys=True): (p, a) for p, a in notes if a["status"] == "firing"}
        detail = "; ".join(f"{p} {a['labels']['alertname']} {a['labels'].get('queue_id', '')}" for p, a in firing.values())
        if not c.report(len(firing) == 1, f"{account}/{pool}: exactly one firing alert reached the receivers",
                        detail or "none"):
            continue
        path, alert = next(iter(firing.values()))
        lab = alert["labels"]
        c.report(lab["alertname"] == POOL_ALERT and lab.get("severity") == "critical" and path == "/pager",
                 f"{account}/{pool}: it is {POOL_ALERT}, critical, paged", f"{lab['alertname']} {lab.get('severity')} {path}")
        summary = alert["annotations"].get("summary", "")
        c.report(bool(lab.get("pool_name")) and summary.startswith(f"Pool {lab.get('pool_name')} ({pool})")
                 and "1 workload(s) pending" in summary and alert["annotations"].get("runbook_url", "").endswith(
                     f"/{POOL_ALERT}.md"), f"{account}/{pool}: names, numbers and runbook", summary)
        in_am = get(am, "/api/v2/alerts", {"filter": [f'account="{account}"', f'pool_id="{pool}"',
                                                        f'alertname="{QUEUE_ALERT}"']})
        c.report(len(in_am) == 2 and all(a["status"]["state"] == "suppressed" for a in in_am),
                 f"{account}/{pool}: the queue and its child alert in Alertmanager, inhibited",
                 ", ".join(f"{a['labels'].get('queue_id')} {a['status']['state']}" for a in in_am) or "none")


def free_queues(c: Checks, promurl: str, log: str) -> None:
    free = {(r["metric"]["account"], r["metric"]["queue_id"]) for r in prom(
        promurl, 'aipool_queue_remaining_accelerators{job="aipool_exporter"} '
                 '== aipool_queue_capability_accelerators > 0')}
    wrong = [f"{a['labels']['alertname']} {a['labels'].get('queue_id')}" for _, a in received(log)
             if (a["labels"].get("account"), a["labels"].get("queue_id")) in free]
    c.report(bool(free) and not wrong, f"no alert reached a receiver for the {len(free)} queues with every card free",
             "; ".join(wrong) or ", ".join(sorted(q for _, q in free)))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    w = sub.add_parser("webhook")
    w.add_argument("--port", type=int, required=True)
    w.add_argument("--out", required=True)
    k = sub.add_parser("check")
    k.add_argument("--alertmanager", required=True)
    k.add_argument("--prometheus", required=True)
    k.add_argument("--webhook-log", required=True)
    k.add_argument("--wait", type=float, default=90)
    args = ap.parse_args()
    if args.cmd == "webhook":
        webhook(args.port, args.out)
        return 0
    c = Checks()
    inhibitions(c, args.alertmanager.rstrip("/"))
    seed_pool(c, args.alertmanager.rstrip("/"), args.prometheus.rstrip("/"), args.webhook_log, args.wait)
    free_queues(c, args.prometheus.rstrip("/"), args.webhook_log)
    print(f"alertmanager-e2e: {c.passed} passed, {c.failed} failed")
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
