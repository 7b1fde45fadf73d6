#!/usr/bin/env bash
# aipool_exporter against the reference exporter a user might write instead
# (bench/reference/exporter.py: the same calls and conversion with Python's
# prometheus_client), on the same simulated fleet: conversion time, full-poll
# time and scrape throughput.
#
#   bash bench/reference.sh [SCALE]       (default 190,25 ≈ 100k series)
# Environment: DURATION (wrk seconds, default 30). Scrapes use one connection
# (wrk -t1 -c1), one scraper at a time as Prometheus does: the reference takes
# seconds per scrape, and more connections only queue behind its GIL.
# Installs prometheus_client (bench/reference/requirements.txt) into a private
# venv under ~/.cache on first use.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
SCALE="${1:-190,25}"
DURATION="${DURATION:-30}"
VENV="${AIPOOL_BENCH_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/aipool_exporter/bench-venv}"
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
"$VENV/bin/pip" install -q -r "$ROOT/bench/reference/requirements.txt"
command -v wrk >/dev/null || { echo "install wrk (Debian package wrk)" >&2; exit 1; }
build_release

wrk_rps() {
    wrk -t1 -c1 -d"${DURATION}s" --timeout 60s --latency "$@" | awk '
        function ms(v) {
            if (v ~ /us$/) return substr(v, 1, length(v) - 2) / 1000
            if (v ~ /ms$/) return substr(v, 1, length(v) - 2) + 0
            if (v ~ /s$/) return substr(v, 1, length(v) - 1) * 1000
            return v
        }
        $1 == "50%" { p50 = ms($2) } $1 == "99%" { p99 = ms($2) } $1 == "Requests/sec:" { rps = $2 }
        END { printf "%s %.1f %.1f\n", rps, p50, p99 }'
}

echo "# reference.sh: fleet $SCALE; $(machine)"
echo
start_sim "$SCALE" 0s --no-drift
# Ours: one poll (fetch with the default max_concurrency 4, parse, normalise,
# render) as the exporter reports it.
start_exporter 'interval = "1h"
requests_per_second = 0'
ours_poll=$(metric 'aipool_poll_duration_seconds{')
ours_series=$(curl -fsS "http://$EXP_ADDR/metrics" | grep -c 'cloud_region=')
ours_rss=$(rss_kib "$EXP_PID")
# The reference: fetch (sequential), then convert, timed apart.
ref_port=$(free_port)
"$VENV/bin/python" "$ROOT/bench/reference/exporter.py" --endpoint "$SIM_ADDR" --port "$ref_port" \
    >"$WORK/ref.out" 2>"$WORK/ref.err" &
REF_PID=$!
PIDS+=("$REF_PID")
for _ in $(seq 1 3000); do
    [ -s "$WORK/ref.out" ] && break
    kill -0 "$REF_PID" 2>/dev/null || { cat "$WORK/ref.err" >&2; exit 1; }
    sleep 0.1
done
read -r ref_fetch ref_convert ref_series < <(python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["fetch_s"], d["convert_s"], d["series"])' <"$WORK/ref.out")
ref_rss=$(rss_kib "$REF_PID")
read -r o_rps o_p50 o_p99 < <(wrk_rps "http://$EXP_ADDR/metrics")
read -r og_rps og_p50 og_p99 < <(wrk_rps -H 'Accept-Encoding: gzip' "http://$EXP_ADDR/metrics")
read -r r_rps r_p50 r_p99 < <(wrk_rps "http://127.0.0.1:$ref_port/metrics")
read -r rg_rps rg_p50 rg_p99 < <(wrk_rps -H 'Accept-Encoding: gzip' "http://127.0.0.1:$ref_port/metrics")

echo "| | aipool_exporter | reference (prometheus_client $("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("prometheus_client"))')) | speed-up |"
echo "|---|---|---|---|"
echo "| data series | $ours_series | $ref_series | |"
awk -v o="$ours_poll" -v f="$ref_fetch" -v c="$ref_convert" 'BEGIN {
    printf "| full poll, s (ours: fetch 4 at a time + parse + normalise + render; reference: sequential fetch + convert) | %.2f | %.2f | %.1f× |\n", o, f + c, (f + c) / o }'
awk -v c="$ref_convert" -v s="$ref_series" 'BEGIN {
    printf "| conversion only, µs per series (ours: criterion parse + normalise + render, see RESULTS.md) | see criterion | %.2f | |\n", c * 1e6 / s }'
awk -v a="$o_rps" -v b="$r_rps" -v ap="$o_p50" -v bp="$r_p50" -v a9="$o_p99" -v b9="$r_p99" 'BEGIN {
    printf "| scrape, plain: req/s (p50 / p99 ms) | %s (%s / %s) | %s (%s / %s) | %.0f× |\n", a, ap, a9, b, bp, b9, (b > 0 ? a / b : 0) }'
awk -v a="$og_rps" -v b="$rg_rps" -v ap="$og_p50" -v bp="$rg_p50" -v a9="$og_p99" -v b9="$rg_p99" 'BEGIN {
    printf "| scrape, gzip: req/s (p50 / p99 ms) | %s (%s / %s) | %s (%s / %s) | %.0f× |\n", a, ap, a9, b, bp, b9, (b > 0 ? a / b : 0) }'
awk -v a="$ours_rss" -v b="$ref_rss" 'BEGIN { printf "| VmRSS after the poll, MiB | %.0f | %.0f | |\n", a / 1024, b / 1024 }'
