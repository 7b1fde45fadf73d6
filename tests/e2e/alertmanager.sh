#!/usr/bin/env bash
# End to end with a real Alertmanager: `aipool_exporter demo` (the simulator,
# with the seed's full serverless pool), a Prometheus with deploy/prometheus's
# rules (the alerts' `for:` shortened to 5s in a temporary copy, 1 s scrapes and
# evaluations) sending to an Alertmanager run with deploy/alertmanager/alertmanager.yml
# (group_wait / group_interval shortened, receivers pointed at a local webhook
# that records what arrives), then tests/e2e/alertmanager_checks.py: inhibit
# rules on synthetic alerts, the seed's full pool arriving as exactly one
# paged alert, nothing for queues with every card free.
# Everything listens on 127.0.0.1 only (Alertmanager clustering is off).
# Closes with `alertmanager-e2e: N passed, M failed`; exit 1 on any failure.
#
# Needs a built binary (default target/debug/aipool_exporter; AIPOOL_BIN overrides)
# and python3. Installs Debian's `prometheus` and `prometheus-alertmanager`
# packages when missing (PROMETHEUS=path / ALERTMANAGER=path override), without
# starting their services. Gives up after E2E_TIMEOUT seconds (default 120) and
# always stops what it started.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
BIN="${AIPOOL_BIN:-${CARGO_TARGET_DIR:-target}/debug/aipool_exporter}"
TIMEOUT="${E2E_TIMEOUT:-120}"
export DEBIAN_FRONTEND=noninteractive

E2E_NAME=alertmanager.sh
source tests/e2e/lib.sh

PROMETHEUS="${PROMETHEUS:-$(command -v prometheus || true)}"
ALERTMANAGER="${ALERTMANAGER:-$(command -v prometheus-alertmanager || command -v alertmanager || true)}"
pkgs=()
[ -n "$PROMETHEUS" ] || pkgs+=(prometheus)
[ -n "$ALERTMANAGER" ] || pkgs+=(prometheus-alertmanager)
if [ "${#pkgs[@]}" -gt 0 ]; then
    install_without_services "${pkgs[@]}"
    PROMETHEUS="${PROMETHEUS:-$(command -v prometheus)}"
    ALERTMANAGER="${ALERTMANAGER:-$(command -v prometheus-alertmanager || command -v alertmanager)}"
fi
[ -x "$BIN" ] || { echo "alertmanager.sh: no binary at $BIN (run cargo build first)" >&2; exit 1; }

eport="$(free_port)"; pport="$(free_port)"; aport="$(free_port)"; wport="$(free_port)"

python3 tests/e2e/alertmanager_checks.py webhook --port "$wport" --out "$tmp/webhook.jsonl" &
pids+=($!)

# The shipped config, with test timings and the placeholder receivers pointed at
# the webhook (pager -> /pager, ticket -> /ticket). Routes and inhibit rules as shipped.
sed -e "s#http://pager\.example\.invalid/aipool#http://127.0.0.1:$wport/pager#" \
    -e "s#http://ticket\.example\.invalid/aipool#http://127.0.0.1:$wport/ticket#" \
    -e 's#^  group_wait: .*#  group_wait: 2s#' -e 's#^  group_interval: .*#  group_interval: 2s#' \
    deploy/alertmanager/alertmanager.yml >"$tmp/alertmanager.yml"
grep -q "127.0.0.1:$wport/pager" "$tmp/alertmanager.yml" && grep -q "127.0.0.1:$wport/ticket" "$tmp/alertmanager.yml" \
    || { echo "alertmanager-e2e: 0 passed, 1 failed (receiver placeholders not found in alertmanager.yml)"; exit 1; }
"$ALERTMANAGER" --config.file="$tmp/alertmanager.yml" --storage.path="$tmp/am" \
    --web.listen-address="127.0.0.1:$aport" --cluster.listen-address= --log.level=warn >"$tmp/am.log" 2>&1 &
pids+=($!)

"$BIN" demo --web.listen-address "127.0.0.1:$eport" --interval 2s >"$tmp/demo.log" 2>&1 &
pids+=($!)

# The shipped rules; only the 15-minute `for:` of the alerts is shortened.
cp deploy/prometheus/rules.yml "$tmp/rules.yml"
sed -e 's#^        for: 15m$#        for: 5s#' deploy/prometheus/alerts.yml >"$tmp/alerts.yml"
cat >"$tmp/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files: [rules.yml, alerts.yml]
alerting:
  alertmanagers:
    - static_configs:
        - targets: ["127.0.0.1:$aport"]
scrape_configs:
  - job_name: aipool_exporter
    static_configs:
      - targets: ["127.0.0.1:$eport"]
YML
"$PROMETHEUS" --config.file="$tmp/prometheus.yml" --storage.tsdb.path="$tmp/data" \
    --web.listen-address="127.0.0.1:$pport" --log.level=warn >"$tmp/prometheus.log" 2>&1 &
pids+=($!)
echo "== $("$ALERTMANAGER" --version 2>&1 | head -1)"
echo "== exporter :$eport, prometheus :$pport, alertmanager :$aport, webhook :$wport"

for what in "demo http://127.0.0.1:$eport/ready" "Prometheus http://127.0.0.1:$pport/-/ready" \
            "Alertmanager http://127.0.0.1:$aport/-/ready"; do
    if ! ready "${what#* }"; then
        tail -n 20 "$tmp"/*.log
        echo "alertmanager-e2e: 0 passed, 1 failed (${what%% *} never became ready)"; exit 1
    fi
done

rc=0
timeout "$TIMEOUT" python3 tests/e2e/alertmanager_checks.py check --alertmanager "http://127.0.0.1:$aport" \
    --prometheus "http://127.0.0.1:$pport" --webhook-log "$tmp/webhook.jsonl" | tee "$tmp/checks.log" || rc=$?
if [ "$rc" -ne 0 ]; then
    echo "---- alertmanager log"; tail -n 20 "$tmp/am.log"
    echo "---- prometheus log"; tail -n 20 "$tmp/prometheus.log"
    echo "---- webhook: $(wc -l <"$tmp/webhook.jsonl" 2>/dev/null || echo 0) notifications"
    summary="$(grep '^alertmanager-e2e: ' "$tmp/checks.log" | tail -n 1 || true)"
    [ -n "$summary" ] || summary="alertmanager-e2e: 0 passed, 1 failed (the checks did not finish: exit $rc)"
    echo "$summary"
fi
exit "$rc"
