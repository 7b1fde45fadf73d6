#!/usr/bin/env bash
# Checks the operations kit in deploy/ (no cluster, no network at check time):
#   - Prometheus: promtool check rules / test rules / check config, and a
#     coverage check (every alert has firing and not-firing unit tests); every
#     alert has a runbook (docs/runbooks/) and runbook_url, and no runbook is
#     for an alert that does not exist (prometheus/runbooks.py);
#   - Alertmanager: amtool check-config and the routing cases of
#     alertmanager/routes_test.txt (amtool config routes test);
#   - Kubernetes PrometheusRule: kubernetes/prometheusrule.yaml is what
#     kubernetes/prometheusrule.py generates from prometheus/*.yml;
#   - Kubernetes: manifests against the bundled Kubernetes schemas (strict) plus
#     shipped CRD schemas, and cross-file consistency (kubernetes/validate.py);
#   - systemd: unit file verification and an offline exposure (sandboxing) score.
# Installs what it needs when missing: Debian's `prometheus` package (for
# /usr/bin/promtool), `prometheus-alertmanager` (for amtool) and `systemd`, and a private Python venv with the pinned
# packages of deploy/requirements-check.txt.
#
# Usage (from anywhere): bash deploy/check.sh
# Environment:
#   PROMTOOL=path               use this promtool instead of installing Debian's
#   AMTOOL=path                 use this amtool instead of installing Debian's
#   AIPOOL_DEPLOY_VENV=dir      venv location (default: ~/.cache/aipool_exporter/deploy-check-venv)
# Note: on a host whose systemd is running, installing the `prometheus` package
# also starts a Prometheus server; install promtool yourself there, or set PROMTOOL.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
DEPLOY=deploy
VENV="${AIPOOL_DEPLOY_VENV:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/aipool_exporter/deploy-check-venv}"
REQS="$DEPLOY/requirements-check.txt"
export DEBIAN_FRONTEND=noninteractive

# ---- install what is missing --------------------------------------------------
as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"
    elif command -v sudo >/dev/null; then sudo -n "$@"
    else echo "deploy/check.sh: need root to run: $*" >&2; return 1; fi
}

PROMTOOL="${PROMTOOL:-$(command -v promtool || true)}"
apt_pkgs=()
AMTOOL="${AMTOOL:-$(command -v amtool || true)}"
[ -n "$PROMTOOL" ] || apt_pkgs+=(prometheus)
[ -n "$AMTOOL" ] || apt_pkgs+=(prometheus-alertmanager)
command -v systemd-analyze >/dev/null || apt_pkgs+=(systemd)
python3 -c 'import venv, ensurepip' 2>/dev/null || apt_pkgs+=(python3-venv)
if [ "${#apt_pkgs[@]}" -gt 0 ]; then
    echo "== installing Debian packages: ${apt_pkgs[*]}"
    as_root apt-get update -qq
    as_root apt-get install -y -qq --no-install-recommends "${apt_pkgs[@]}" >/dev/null
    PROMTOOL="${PROMTOOL:-$(command -v promtool)}"
    AMTOOL="${AMTOOL:-$(command -v amtool)}"
fi

# Reinstall the venv whenever requirements-check.txt changes.
want_reqs="$(sha256sum "$REQS" | cut -d' ' -f1)"
if [ "$(cat "$VENV/.requirements.sha256" 2>/dev/null || true)" != "$want_reqs" ]; then
    echo "== installing Python packages into $VENV"
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check --no-input -r "$REQS"
    echo "$want_reqs" > "$VENV/.requirements.sha256"
fi
PY="$VENV/bin/python"
echo "== tools: $("$PROMTOOL" --version 2>&1 | head -1); $("$AMTOOL" --version 2>&1 | head -1); $(systemd-analyze --version | head -1);" \
     "kubernetes-validate $("$PY" -c 'from kubernetes_validate.version import __version__ as v; print(v)')"

# ---- checks ---------------------------------------------------------------------
passed=0
failed=0
failures=()
check() {
    local name="$1"
    shift
    echo "== $name"
    if "$@"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        failures+=("$name")
        echo "!! FAILED: $name"
    fi
}

check "promtool check rules rules.yml" "$PROMTOOL" check rules "$DEPLOY/prometheus/rules.yml"
check "promtool check rules alerts.yml" "$PROMTOOL" check rules "$DEPLOY/prometheus/alerts.yml"
for t in "$DEPLOY"/prometheus/tests/*.yml; do
    check "promtool test rules $(basename "$t")" "$PROMTOOL" test rules "$t"
done
check "promtool check config prometheus.yml" "$PROMTOOL" check config "$DEPLOY/prometheus/prometheus.yml"
check "alert conventions and unit-test coverage" "$PY" "$DEPLOY/prometheus/check_test_coverage.py"
check "runbooks: one per alert, runbook_url on every alert" "$PY" "$DEPLOY/prometheus/runbooks.py" --check
check "amtool check-config alertmanager.yml" "$AMTOOL" check-config "$DEPLOY/alertmanager/alertmanager.yml"
# Each line of routes_test.txt: the receiver a label set must reach.
amtool_routes() {
    local recv labels n=0 bad=0
    while read -r recv labels; do
        case "$recv" in ''|\#*) continue ;; esac
        n=$((n + 1))
        # shellcheck disable=SC2086 # labels are word-split on purpose
        if ! "$AMTOOL" config routes test --config.file="$DEPLOY/alertmanager/alertmanager.yml" \
                --verify.receivers="$recv" $labels >/dev/null 2>&1; then
            echo "  route test failed: $labels should reach $recv"
            bad=$((bad + 1))
        fi
    done <"$DEPLOY/alertmanager/routes_test.txt"
    echo "  $n route cases, $bad failed"
    [ "$n" -gt 0 ] && [ "$bad" -eq 0 ]
}
check "amtool config routes test (alertmanager/routes_test.txt)" amtool_routes
check "PrometheusRule is generated from prometheus/*.yml" "$PY" "$DEPLOY/kubernetes/prometheusrule.py" --check
check "Kubernetes manifests" "$PY" "$DEPLOY/kubernetes/validate.py"

# systemd-analyze verify insists that ExecStart's binary exists; verify a copy
# whose ExecStart points at /bin/true, and treat any diagnostic about the unit
# (unknown keys are only warnings there) as a failure.
systemd_verify() {
    local tmp out rc=0
    tmp="$(mktemp -d)"
    sed 's#^ExecStart=/usr/local/bin/aipool_exporter#ExecStart=/bin/true#' \
        "$DEPLOY/systemd/aipool_exporter.service" > "$tmp/aipool_exporter.service"
    out="$(systemd-analyze verify --man=no "$tmp/aipool_exporter.service" 2>&1)" || rc=$?
    rm -rf "$tmp"
    [ -z "$out" ] || echo "$out"
    [ "$rc" -eq 0 ] && ! grep -q 'aipool_exporter\.service' <<<"$out"
}
check "systemd-analyze verify aipool_exporter.service" systemd_verify
# Exposure is 0 (locked down) .. 10 (unsandboxed); --threshold is in tenths.
check "systemd-analyze security (exposure <= 2.0)" \
    bash -c "systemd-analyze security --offline=yes --threshold=20 '$DEPLOY/systemd/aipool_exporter.service' | tail -1"

echo
if [ "$failed" -gt 0 ]; then
    printf 'failed: %s\n' "${failures[@]}"
fi
echo "deploy-checks: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
