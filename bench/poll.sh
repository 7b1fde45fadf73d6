#!/usr/bin/env bash
# Full-poll wall time of a large fleet against a slow upstream, versus the ideal
# bound requests × latency ÷ concurrency.
#
#   bash bench/poll.sh [SCALE] [LATENCY] [CONCURRENCY ...]
#   (default: 2000,25 50ms 4 — the default max_concurrency — and 16)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
SCALE="${1:-2000,25}"
LATENCY="${2:-50ms}"
shift 2 2>/dev/null || shift $#
CONCURRENCY=("$@")
[ ${#CONCURRENCY[@]} -gt 0 ] || CONCURRENCY=(4 16)
build_release
lat_s=$(python3 -c "import sys; v=sys.argv[1]; print(float(v[:-2])/1000 if v.endswith('ms') else float(v.rstrip('s')))" "$LATENCY")

echo "# poll.sh: fleet $SCALE, simulated latency $LATENCY per request, requests_per_second = 0; $(machine)"
echo
echo "| max_concurrency | requests | poll wall time s | ideal s | ratio |"
echo "|---|---|---|---|---|"
for c in "${CONCURRENCY[@]}"; do
    start_sim "$SCALE" "$LATENCY" --no-drift
    start_exporter "interval = \"1h\"
requests_per_second = 0
max_concurrency = $c"
    dur=$(metric 'aipool_poll_duration_seconds{')
    pools=$(metric 'aipool_api_requests_total{provider="aihc",account="fleet",api="DescribeResourcePools"}')
    queues=$(metric 'aipool_api_requests_total{provider="aihc",account="fleet",api="DescribeQueues"}')
    awk -v c="$c" -v p="$pools" -v q="$queues" -v d="$dur" -v l="$lat_s" 'BEGIN {
        n = p + q; ideal = n * l / c
        printf "| %d | %d | %.2f | %.2f | %.3f |\n", c, n, d, ideal, d / ideal }'
    kill "$EXP_PID" "$SIM_PID" 2>/dev/null || true
    wait "$EXP_PID" "$SIM_PID" 2>/dev/null || true
done
