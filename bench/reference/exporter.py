#!/usr/bin/env python3
"""A reference exporter a user might write instead of aipool_exporter: the same
AIHC OpenAPI calls (bce-auth-v1 signed, paged) and the same conversion into the
same series, with the official Python client (prometheus_client), which renders
at scrape time.

Polls once at start, prints timings as one JSON line on stdout, then serves
/metrics on --port until killed. Only for bench/reference.sh.
"""

import argparse
import hashlib
import hmac
import http.client
import json
import sys
import time
import urllib.parse

from prometheus_client import CollectorRegistry, Gauge, start_http_server

AK = "AKDEMO00000000000001"
SK = "demo-bce-secret-key-0001"
GIB = 1 << 30
KINDS = ("capability", "allocated", "remaining", "deserved")


def enc(s, keep_slash=False):
    return urllib.parse.quote(s, safe="-_.~/" if keep_slash else "-_.~")


def sign(host, query, now):
    """bce-auth-v1 over `host` only, as the official SDK signs these actions."""
    prefix = "bce-auth-v1/%s/%s/1800" % (AK, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)))
    key = hmac.new(SK.encode(), prefix.encode(), hashlib.sha256).hexdigest()
    canonical_query = "&".join(sorted("%s=%s" % (enc(k), enc(v)) for k, v in query))
    canonical = "GET\n/\n%s\nhost:%s" % (canonical_query, enc(host))
    sig = hmac.new(key.encode(), canonical.encode(), hashlib.sha256).hexdigest()
    return "%s/host/%s" % (prefix, sig)


class Client:
    def __init__(self, host):
        self.host = host
        self.conn = http.client.HTTPConnection(host, timeout=60)

    def call(self, query):
        self.conn.request(
            "GET",
            "/?" + urllib.parse.urlencode(query),
            headers={"Authorization": sign(self.host, query, time.time()), "version": "v2"},
        )
        resp = self.conn.getresponse()
        body = resp.read()
        if resp.status != 200:
            raise RuntimeError("HTTP %d: %s" % (resp.status, body[:200]))
        return body

    def paged(self, action, extra, key):
        """Raw pages of one list, following totalCount and the echoed page size."""
        pages, got, page, size = [], 0, 1, 100
        while True:
            q = [("action", action)] + extra + [("pageNumber", str(page)), ("pageSize", str(size))]
            raw = self.call(q)
            doc = json.loads(raw)
            pages.append(raw)
            n = len(doc.get(key) or [])
            got += n
            size = doc.get("pageSize") or size
            if n == 0 or got >= doc.get("totalCount", 0):
                return pages
            page += 1


def fetch(client):
    """Every raw page: pools, then each pool's queues (sequentially)."""
    pool_pages = client.paged("DescribeResourcePools", [("resourcePoolType", "common")], "resourcePools")
    queue_pages = []
    for raw in pool_pages:
        for pool in json.loads(raw)["resourcePools"]:
            pid = pool["resourcePoolId"]
            queue_pages.append((pid, client.paged("DescribeQueues", [("resourcePoolId", pid)], "queues")))
    return pool_pages, queue_pages


def block(b):
    """cores, bytes, {accelerator: cards} of an OpenAPI quantity block."""
    if not b:
        return None
    cpu = float(b["milliCPUcores"]) / 1000 if "milliCPUcores" in b else None
    mem = None
    if "memoryGi" in b:
        mem = float(b["memoryGi"])
        mem = mem if mem >= GIB else mem * GIB  # the memory_gi_is_bytes rule
    cards = {c["acceleratorDescription"]: float(c["acceleratorCount"]) for c in b.get("acceleratorCardList") or []}
    return cpu, mem, cards


class Metrics:
    def __init__(self):
        self.registry = CollectorRegistry()
        base = ["provider", "account", "cloud_region"]
        g = lambda name, doc, labels: Gauge(name, doc, labels, registry=self.registry)
        self.pool_info = g("aipool_pool_info", "Resource pools.", base + ["pool_id", "pool_name", "pool_type", "phase"])
        self.pool_nodes = g("aipool_pool_nodes", "Nodes in the pool.", base + ["pool_id"])
        self.queue_info = g("aipool_queue_info", "Queues.", base + ["pool_id", "queue_id", "queue_name", "queue_type", "parent_queue"])
        self.acc_info = g("aipool_accelerator_info", "Card models.", base + ["accelerator", "model"])
        ids = base + ["pool_id", "queue_id"]
        self.q = {}
        for kind in KINDS:
            self.q[kind] = (
                g("aipool_queue_%s_cpu_cores" % kind, "Queue %s CPU." % kind, ids),
                g("aipool_queue_%s_memory_bytes" % kind, "Queue %s memory." % kind, ids),
                g("aipool_queue_%s_accelerators" % kind, "Queue %s cards." % kind, ids + ["accelerator"]),
            )

    def all(self):
        return [self.pool_info, self.pool_nodes, self.queue_info, self.acc_info] + [m for t in self.q.values() for m in t]

    def convert(self, pool_pages, queue_pages):
        """Raw pages → gauges, replacing the previous poll's series."""
        for m in self.all():
            m.clear()
        base = ("aihc", "fleet", "bj")
        models = {}
        for raw in pool_pages:
            for p in json.loads(raw)["resourcePools"]:
                pid = p["resourcePoolId"]
                self.pool_info.labels(*base, pid, p.get("name", ""), p.get("type", "common"), p.get("phase", "")).set(1)
                if p.get("nodeNum") is not None:
                    self.pool_nodes.labels(*base, pid).set(float(p["nodeNum"]))
        for pid, pages in queue_pages:
            for raw in pages:
                for q in json.loads(raw)["queues"]:
                    qid = q["queueId"]
                    self.queue_info.labels(*base, pid, qid, q.get("queueName", ""), q.get("queueType", ""), q.get("parentQueue", "")).set(1)
                    blocks = {k: block(q.get(k)) for k in ("capability", "allocated", "deserved")}
                    cap, alloc = blocks["capability"], blocks["allocated"]
                    if cap and alloc:
                        blocks["remaining"] = (
                            cap[0] - (alloc[0] or 0) if cap[0] is not None else None,
                            cap[1] - (alloc[1] or 0) if cap[1] is not None else None,
                            {a: n - alloc[2].get(a, 0) for a, n in cap[2].items()},
                        )
                    for kind, b in blocks.items():
                        if not b:
                            continue
                        cpu_g, mem_g, acc_g = self.q[kind]
                        if b[0] is not None:
                            cpu_g.labels(*base, pid, qid).set(b[0])
                        if b[1] is not None:
                            mem_g.labels(*base, pid, qid).set(b[1])
                        for a, n in b[2].items():
                            acc_g.labels(*base, pid, qid, a).set(n)
                    for k in ("capability", "allocated", "deserved"):
                        for c in (q.get(k) or {}).get("acceleratorCardList") or []:
                            models[c["acceleratorDescription"]] = c.get("acceleratorType", "")
        for a, m in models.items():
            self.acc_info.labels(*base, a, m).set(1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--endpoint", required=True, help="host:port of the simulator")
    ap.add_argument("--port", type=int, required=True)
    args = ap.parse_args()
    metrics = Metrics()
    t0 = time.perf_counter()
    pool_pages, queue_pages = fetch(Client(args.endpoint))
    t1 = time.perf_counter()
    metrics.convert(pool_pages, queue_pages)
    t2 = time.perf_counter()
    series = sum(len(list(m.collect())[0].samples) for m in metrics.all())
    start_http_server(args.port, addr="127.0.0.1", registry=metrics.registry)
    print(json.dumps({"fetch_s": t1 - t0, "convert_s": t2 - t1, "series": series}), flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    sys.exit(main())
