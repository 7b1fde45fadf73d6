# Shared helpers of the bench/ scripts (sourced). Everything runs on 127.0.0.1
# on free ports, in a temp dir, and is stopped on exit.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${AIPOOL_BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/release/aipool_exporter}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/aipool-bench.XXXXXX")"
PIDS=()

cleanup() {
    for p in "${PIDS[@]:-}"; do
        [ -n "$p" ] && kill "$p" 2>/dev/null || true
    done
    for p in "${PIDS[@]:-}"; do
        [ -n "$p" ] && wait "$p" 2>/dev/null || true
    done
    rm -rf "$WORK"
}
trap cleanup EXIT

build_release() {
    if [ -z "${AIPOOL_BIN:-}" ]; then
        (cd "$ROOT" && cargo build --release --locked --quiet)
    fi
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# start_sim SCALE LATENCY [extra args...]: starts the simulator; sets SIM_ADDR, SIM_PID.
start_sim() {
    local scale="$1" latency="$2"
    shift 2
    local port
    port=$(free_port)
    "$BIN" simulate --listen "127.0.0.1:$port" --scale "$scale" --latency "$latency" \
        --page-cap 100 "$@" >"$WORK/sim.out" 2>"$WORK/sim.err" &
    SIM_PID=$!
    PIDS+=("$SIM_PID")
    SIM_ADDR="127.0.0.1:$port"
    for _ in $(seq 1 100); do
        grep -q "listening" "$WORK/sim.out" 2>/dev/null && return 0
        sleep 0.05
    done
    echo "simulator did not start: $(cat "$WORK/sim.err")" >&2
    return 1
}

# start_exporter EXTRA_ACCOUNT_KEYS: one AIHC OpenAPI account on the simulator;
# sets EXP_ADDR, EXP_PID; waits for /ready (the first poll).
start_exporter() {
    local extra="$1" port
    port=$(free_port)
    cat >"$WORK/exporter.toml" <<CFG
[[accounts]]
name = "fleet"
provider = "aihc"
region = "bj"
endpoint = "http://$SIM_ADDR"
timeout = "60s"
access_key_id = "AKDEMO00000000000001"
secret_access_key = "demo-bce-secret-key-0001"
$extra
CFG
    "$BIN" --config.file="$WORK/exporter.toml" --web.listen-address="127.0.0.1:$port" \
        --log.level=warn >"$WORK/exporter.out" 2>"$WORK/exporter.err" &
    EXP_PID=$!
    PIDS+=("$EXP_PID")
    EXP_ADDR="127.0.0.1:$port"
    for _ in $(seq 1 3000); do
        curl -fs "http://$EXP_ADDR/ready" >/dev/null 2>&1 && return 0
        kill -0 "$EXP_PID" 2>/dev/null || break
        sleep 0.1
    done
    echo "exporter never became ready: $(tail -5 "$WORK/exporter.err")" >&2
    return 1
}

# rss_kib PID: resident set size in KiB (VmRSS).
rss_kib() {
    awk '/^VmRSS:/ {print $2}' "/proc/$1/status"
}

# metric NAME_AND_LABELS: the value of the first matching sample on the exporter.
# The first sample whose line starts with $1. Reading stops there: the self
# metrics come first, and a million-series body is 160 MB (curl then fails on
# the closed pipe, which is expected).
metric() {
    { curl -fsS "http://$EXP_ADDR/metrics" 2>/dev/null || true; } |
        awk -v m="$1" 'index($0, m) == 1 {print $NF; exit}'
}

machine() {
    echo "$(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $(free -g | awk '/Mem:/ {print $2}') GiB RAM, $(uname -sr), load average $(cut -d' ' -f1-3 /proc/loadavg) at start"
}
