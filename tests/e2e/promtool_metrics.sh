#!/usr/bin/env bash
# Runs `aipool_exporter demo` and checks its /metrics with `promtool check metrics`
# (Prometheus' own linter): any finding fails. Needs promtool (deploy/check.sh
# installs it) and a built binary (default target/debug/aipool_exporter).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
BIN="${AIPOOL_BIN:-${CARGO_TARGET_DIR:-target}/debug/aipool_exporter}"
PROMTOOL="${PROMTOOL:-$(command -v promtool)}"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
log=$(mktemp)
"$BIN" demo --web.listen-address "127.0.0.1:$port" --interval 2s >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$port/ready" >/dev/null 2>&1 && break
    sleep 0.1
done
curl -fsS "http://127.0.0.1:$port/ready" >/dev/null || { cat "$log"; echo "demo never became ready"; exit 1; }
# Wait for a second poll so counters and drifted values are in the output too.
sleep 2.5
out=$(curl -fsS "http://127.0.0.1:$port/metrics")
lines=$(printf '%s\n' "$out" | grep -vc '^#')
findings=$(printf '%s\n' "$out" | "$PROMTOOL" check metrics 2>&1) || { echo "$findings"; exit 1; }
if [ -n "$findings" ]; then
    echo "promtool check metrics reported:"
    echo "$findings"
    exit 1
fi
echo "promtool check metrics: clean ($lines samples from the demo)"
