#!/usr/bin/env bash
# Resident memory per series (VmRSS of the exporter after a poll and a gzip
# OpenMetrics scrape, as Prometheus scrapes) at each scale, then RSS over many
# polls of one scale with a short interval (bounded in polls and time).
#
#   bash bench/memory.sh [SCALE ...]      (default: 190,25 2000,25)
# Environment: SOAK_SCALE (default 190,25), SOAK_POLLS (default 1000, 0 to
# skip), SOAK_INTERVAL (default 250ms), SOAK_MAX_SECONDS (default 900).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
SCALES=("$@")
[ ${#SCALES[@]} -gt 0 ] || SCALES=(190,25 2000,25)
SOAK_SCALE="${SOAK_SCALE:-190,25}"
SOAK_POLLS="${SOAK_POLLS:-1000}"
SOAK_INTERVAL="${SOAK_INTERVAL:-250ms}"
SOAK_MAX_SECONDS="${SOAK_MAX_SECONDS:-900}"
build_release

OM='application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5'
scrape_like_prometheus() {
    curl -fsS -H "Accept: $OM" -H 'Accept-Encoding: gzip' -o /dev/null "http://$EXP_ADDR/metrics"
}
hwm_kib() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status"; }
stop_all() {
    kill "$EXP_PID" "$SIM_PID" 2>/dev/null || true
    wait "$EXP_PID" "$SIM_PID" 2>/dev/null || true
}

echo "# memory.sh: $(machine)"
echo
# An exporter with a one-queue fleet: what the process costs without data.
start_sim 1,1 0s --no-drift
start_exporter 'interval = "1h"
requests_per_second = 0'
scrape_like_prometheus
sleep 0.5
base=$(rss_kib "$EXP_PID")
stop_all
echo "baseline (1 pool, 1 queue): VmRSS $base KiB"
echo
echo "| series | first poll s | VmRSS MiB | bytes/series | bytes/series above baseline | VmHWM MiB (peak) | plain body bytes/series |"
echo "|---|---|---|---|---|---|---|"
for scale in "${SCALES[@]}"; do
    start_sim "$scale" 0s --no-drift
    start_exporter 'interval = "1h"
requests_per_second = 0'
    scrape_like_prometheus
    body=$(curl -fsS "http://$EXP_ADDR/metrics" | wc -c)
    series=$(curl -fsS "http://$EXP_ADDR/metrics" | grep -c 'cloud_region=')
    dur=$(metric 'aipool_poll_duration_seconds{')
    sleep 0.5
    rss=$(rss_kib "$EXP_PID")
    hwm=$(hwm_kib "$EXP_PID")
    awk -v s="$series" -v r="$rss" -v h="$hwm" -v b="$base" -v body="$body" -v d="$dur" 'BEGIN {
        printf "| %d | %.2f | %.0f | %.0f | %.0f | %.0f | %.0f |\n", s, d, r / 1024, r * 1024 / s, (r - b) * 1024 / s, h / 1024, body / s }'
    stop_all
done

[ "$SOAK_POLLS" -gt 0 ] || exit 0
echo
echo "## RSS over $SOAK_POLLS polls of $SOAK_SCALE every $SOAK_INTERVAL (drifting values; a gzip OpenMetrics scrape per sample)"
echo
start_sim "$SOAK_SCALE" 0s
start_exporter "interval = \"$SOAK_INTERVAL\"
requests_per_second = 0"
polls() { metric 'aipool_polls_total{provider="aihc",account="fleet",result="success"}'; }
start=$(date +%s)
samples="$WORK/samples"
: >"$samples"
while :; do
    scrape_like_prometheus
    n=$(polls)
    echo "$n $(rss_kib "$EXP_PID")" >>"$samples"
    [ "${n%.*}" -ge "$SOAK_POLLS" ] && break
    [ $(($(date +%s) - start)) -ge "$SOAK_MAX_SECONDS" ] && { echo "(stopped after ${SOAK_MAX_SECONDS}s)"; break; }
    sleep 1
done
series=$(curl -fsS "http://$EXP_ADDR/metrics" | grep -c 'cloud_region=')
overruns=$(metric 'aipool_poll_overruns_total{')
hwm=$(hwm_kib "$EXP_PID")
awk -v s="$series" -v h="$hwm" -v o="$overruns" -v total="$SOAK_POLLS" '
    { n[NR] = $1; r[NR] = $2 }
    END {
        # Polls 10 to a quarter in, and the last quarter: a leak shows as a
        # higher band at the end. The first 10 polls are warm-up.
        q = total / 4; lo = 1e18; hi = 0; e_hi = 0; e_lo = 1e18; l_hi = 0; l_lo = 1e18
        for (i = 1; i <= NR; i++) {
            if (n[i] < 10) continue
            if (r[i] < lo) lo = r[i]; if (r[i] > hi) hi = r[i]
            if (n[i] <= q) { if (r[i] > e_hi) e_hi = r[i]; if (r[i] < e_lo) e_lo = r[i] }
            if (n[i] >= n[NR] - q) { if (r[i] > l_hi) l_hi = r[i]; if (r[i] < l_lo) l_lo = r[i] }
        }
        printf "| polls | series | VmRSS min–max MiB, polls 10–%d | last %d polls | whole run | min bytes/series | max bytes/series | VmHWM MiB | overruns |\n", q, q
        printf "|---|---|---|---|---|---|---|---|---|\n"
        printf "| %d | %d | %.0f–%.0f | %.0f–%.0f | %.0f–%.0f | %.0f | %.0f | %.0f | %d |\n", n[NR], s, e_lo / 1024, e_hi / 1024, l_lo / 1024, l_hi / 1024, lo / 1024, hi / 1024, lo * 1024 / s, hi * 1024 / s, h / 1024, o
    }' "$samples"
echo
echo "samples (polls:VmRSS KiB), every 20th: $(awk 'NR % 20 == 1 {printf "%s:%s ", $1, $2}' "$samples")"
stop_all
