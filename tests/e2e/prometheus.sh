#!/usr/bin/env bash
# End to end with a real Prometheus: starts `aipool_exporter demo` (every
# simulated platform, job aipool_exporter), `aipool_exporter simulate --no-drift`
# with one exporter per example config in config/ pointed at it (job
# aipool_examples; tests/e2e/example_configs.py gives each file its endpoints and
# the simulator's credentials through environment overrides), and a Prometheus of
# its own (temporary storage, loopback port, 1 s scrapes, deploy/prometheus/rules.yml
# and alerts.yml loaded) scraping them, then runs tests/e2e/prometheus_checks.py:
# scrape target up, every rule evaluates, every metric family of the demo's
# /metrics is in Prometheus with the same label sets, the README's headroom
# expression, every recording rule has data, the seed's full queue at 0 free with
# AiPoolAcceleratorsExhaustedWithPending active (alerts API), and every query of
# the Grafana dashboards returns data, for the demo and for each example account
# alone. Closes with `prometheus-e2e: N passed, M failed`; exit 1 on any failure.
#
# `prometheus.sh -- CMD ARGS...` runs CMD instead of the checks once the demo and
# Prometheus are up (no example exporters then), with PROM_URL and EXPORTER_URL in
# its environment (docs/screenshots.sh uses it).
# DEMO_INTERVAL sets the demo's poll interval (default 2s); E2E_EXAMPLES=0 leaves
# the example configs out.
#
# Needs a built binary (default target/debug/aipool_exporter; AIPOOL_BIN overrides)
# and python3. Installs Debian's `prometheus` package when no `prometheus` is on
# PATH (PROMETHEUS=path overrides), without starting its service. Bounded: gives
# up after E2E_TIMEOUT seconds (default 180) and always stops what it started.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
BIN="${AIPOOL_BIN:-${CARGO_TARGET_DIR:-target}/debug/aipool_exporter}"
TIMEOUT="${E2E_TIMEOUT:-180}"
export DEBIAN_FRONTEND=noninteractive

E2E_NAME=prometheus.sh
source tests/e2e/lib.sh

PROMETHEUS="${PROMETHEUS:-$(command -v prometheus || true)}"
if [ -z "$PROMETHEUS" ]; then
    install_without_services prometheus
    PROMETHEUS="$(command -v prometheus)"
fi
[ -x "$BIN" ] || { echo "prometheus.sh: no binary at $BIN (run cargo build first)" >&2; exit 1; }

eport="$(free_port)"
pport="$(free_port)"
exporter="http://127.0.0.1:$eport"
prom="http://127.0.0.1:$pport"

"$BIN" demo --web.listen-address "127.0.0.1:$eport" --interval "${DEMO_INTERVAL:-2s}" >"$tmp/demo.log" 2>&1 &
pids+=($!)

# The example configs, each against a simulator that keeps the seed's numbers.
examples=()
example_targets=""
if [ "${1:-}" != "--" ] && [ "${E2E_EXAMPLES:-1}" != "0" ]; then
    "$BIN" simulate --listen 127.0.0.1:0 --no-drift >"$tmp/sim.out" 2>"$tmp/sim.log" &
    pids+=($!)
    sim=""
    for _ in $(seq 1 100); do
        sim="$(sed -n 's#.*listening on http://##p' "$tmp/sim.out" | head -n 1)"
        [ -n "$sim" ] && break
        sleep 0.1
    done
    [ -n "$sim" ] || { cat "$tmp/sim.log"; echo "prometheus-e2e: 0 passed, 1 failed (the simulator never started)"; exit 1; }
    echo "[" >"$tmp/examples.json"
    sep=""
    for cfg in config/*.toml config/*.yaml config/*.yml; do
        [ -e "$cfg" ] || continue
        name="$(basename "$cfg")"
        port="$(free_port)"
        mkdir -p "$tmp/secrets/$name"
        mapfile -t envs < <(python3 tests/e2e/example_configs.py env "$cfg" "$sim" "$tmp/secrets/$name")
        [ "${#envs[@]}" -gt 0 ] || { echo "prometheus-e2e: 0 passed, 1 failed (no overrides for $cfg)"; exit 1; }
        env "${envs[@]}" "$BIN" --config.file="$cfg" --web.listen-address="127.0.0.1:$port" \
            >"$tmp/example-$name.log" 2>&1 &
        pids+=($!)
        examples+=("$name=127.0.0.1:$port")
        example_targets+="      - targets: [\"127.0.0.1:$port\"]
        labels: {example: \"$name\"}
"
        printf '%s{"file": "%s", "instance": "127.0.0.1:%s", "accounts": %s}\n' "$sep" "$name" "$port" \
            "$(python3 tests/e2e/example_configs.py accounts "$cfg")" >>"$tmp/examples.json"
        sep=","
    done
    echo "]" >>"$tmp/examples.json"
fi

cat >"$tmp/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - $PWD/deploy/prometheus/rules.yml
  - $PWD/deploy/prometheus/alerts.yml
scrape_configs:
  - job_name: aipool_exporter
    static_configs:
      - targets: ["127.0.0.1:$eport"]
EOF
if [ -n "$example_targets" ]; then
    printf '  - job_name: aipool_examples\n    static_configs:\n%s' "$example_targets" >>"$tmp/prometheus.yml"
fi
"$PROMETHEUS" --config.file="$tmp/prometheus.yml" --storage.tsdb.path="$tmp/data" \
    --web.listen-address="127.0.0.1:$pport" --log.level=warn >"$tmp/prometheus.log" 2>&1 &
pids+=($!)
echo "== $("$PROMETHEUS" --version 2>&1 | head -1)"
echo "== exporter $exporter, prometheus $prom"

if ! ready "$exporter/ready"; then
    cat "$tmp/demo.log"; echo "prometheus-e2e: 0 passed, 1 failed (the demo never became ready)"; exit 1
fi
if ! ready "$prom/-/ready"; then
    cat "$tmp/prometheus.log"; echo "prometheus-e2e: 0 passed, 1 failed (Prometheus never became ready)"; exit 1
fi
for ex in "${examples[@]}"; do
    if ! ready "http://${ex#*=}/ready"; then
        cat "$tmp/example-${ex%%=*}.log"
        echo "prometheus-e2e: 0 passed, 1 failed (the exporter for config/${ex%%=*} never became ready)"; exit 1
    fi
done

if [ "${1:-}" = "--" ]; then
    shift
    rc=0
    PROM_URL="$prom" EXPORTER_URL="$exporter" timeout "$TIMEOUT" "$@" || rc=$?
    exit "$rc"
fi

rc=0
example_args=()
[ "${#examples[@]}" -eq 0 ] || example_args=(--examples "$tmp/examples.json")
timeout "$TIMEOUT" python3 tests/e2e/prometheus_checks.py --prometheus "$prom" --exporter "$exporter" \
    "${example_args[@]}" | tee "$tmp/checks.log" || rc=$?
if [ "$rc" -ne 0 ]; then
    echo "---- prometheus log"; tail -n 30 "$tmp/prometheus.log"
    echo "---- demo log"; tail -n 30 "$tmp/demo.log"
    for ex in "${examples[@]}"; do
        echo "---- config/${ex%%=*} exporter log"; tail -n 10 "$tmp/example-${ex%%=*}.log"
    done
    # The summary stays the last line.
    summary="$(grep '^prometheus-e2e: ' "$tmp/checks.log" | tail -n 1 || true)"
    if [ -z "$summary" ]; then
        passed="$(grep -c '^  ok ' "$tmp/checks.log" || true)"
        failed="$(grep -c '^  FAIL ' "$tmp/checks.log" || true)"
        summary="prometheus-e2e: $passed passed, $((failed + 1)) failed"
        echo "(the checks did not finish: exit $rc$([ "$rc" -ne 124 ] || echo ", timed out after ${TIMEOUT}s"))"
    fi
    echo "$summary"
fi
exit "$rc"
