#!/usr/bin/env bash
# Quick benchmark mode for CI (seconds, not minutes): prints figures to compare
# with bench/RESULTS.md by eye; never fails on a slow figure (a shared 2-core
# machine is noisy), only when something does not run.
#   - criterion: parse / normalise / render / scrape-cache / gzip per series, with
#     short warm-up and measurement;
#   - whole process on a small generated fleet: first poll vs the ideal bound,
#     resident bytes per series, scrape throughput and latency (keep-alive
#     client, plain and gzip).
# Built with the quick-bench profile (see Cargo.toml): compare with the quick
# run in bench/RESULTS.md.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
SCALE="${QUICK_SCALE:-40,25}"
PROFILE="${QUICK_PROFILE:-quick-bench}"

echo "== criterion (cargo bench --profile $PROFILE --bench pipeline, quick settings)"
if ! (cd "$ROOT" && cargo bench --locked --profile "$PROFILE" --bench pipeline -- \
    --warm-up-time 0.5 --measurement-time 1 --noplot) >"$WORK/criterion.log" 2>&1; then
    cat "$WORK/criterion.log"
    exit 1
fi
grep -E '^(pipeline|slots|fleet:)|time:|thrpt:' "$WORK/criterion.log" | grep -v '%' || true

# cargo bench built the binary too, with the same features (a separate cargo
# build would compile tokio and its dependents again without the dev features).
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/$PROFILE/aipool_exporter"
echo "== whole process: fleet $SCALE, 5 ms simulated latency; $(machine)"
start_sim "$SCALE" 5ms --no-drift
start_exporter 'interval = "1h"
requests_per_second = 0'
python3 - "$EXP_ADDR" "$EXP_PID" <<'PY'
import gzip, http.client, sys, time
addr, pid = sys.argv[1], sys.argv[2]
host, port = addr.split(":")

def get(conn, headers):
    conn.request("GET", "/metrics", headers=headers)
    r = conn.getresponse()
    return r.read(), r.getheader("Content-Encoding")

conn = http.client.HTTPConnection(host, int(port), timeout=30)
plain, _ = get(conn, {})
text = plain.decode()
def value(prefix):
    return next(float(l.rsplit(" ", 1)[1]) for l in text.splitlines() if l.startswith(prefix))
series = sum(1 for l in text.splitlines() if "cloud_region=" in l)
poll = value("aipool_poll_duration_seconds{")
requests = sum(float(l.rsplit(" ", 1)[1]) for l in text.splitlines() if l.startswith("aipool_api_requests_total{"))
ideal = requests * 0.005 / 4
rss = next(int(l.split()[1]) for l in open("/proc/%s/status" % pid) if l.startswith("VmRSS:"))
print("series %d, first poll %.3f s for %d requests (ideal %.3f s, ratio %.2f)" % (series, poll, requests, ideal, poll / ideal))
print("VmRSS %.1f MiB, %.0f bytes per series (process baseline included)" % (rss / 1024, rss * 1024 / series))
for name, headers in (("plain", {}), ("gzip", {"Accept-Encoding": "gzip"})):
    times = []
    t_end = time.perf_counter() + 3
    while time.perf_counter() < t_end or len(times) < 20:
        t0 = time.perf_counter()
        body, enc = get(conn, headers)
        times.append(time.perf_counter() - t0)
        if name == "gzip" and len(times) == 1:
            assert enc == "gzip" and gzip.decompress(body) == plain, "gzip body differs from plain"
    times.sort()
    print("scrape %s: %d in %.1f s (%.0f/s, one keep-alive client), p50 %.2f ms, p99 %.2f ms, %d bytes"
          % (name, len(times), sum(times), len(times) / sum(times), times[len(times) // 2] * 1e3,
             times[int(len(times) * 0.99)] * 1e3, len(body)))
PY
