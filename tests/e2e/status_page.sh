#!/usr/bin/env bash
# Browser test of the status page at `/`: starts `aipool_exporter demo` (every
# simulated platform, one poll: --interval 1h keeps the snapshot still), loads
# the page in headless Chromium, and compares the rendered DOM (`--dump-dom`) with
# /metrics (tests/e2e/status_page_check.py: accounts, every accelerator row's
# numbers and their source, completeness, order by headroom within each account,
# every compute unit's replicas and expiry, soonest first). Saves a screenshot
# to $STATUS_PAGE_SCREENSHOT (default target/e2e/status-page.png; the README's
# docs/status-page.png is made with STATUS_PAGE_SCREENSHOT=docs/status-page.png).
# Closes with `status-page-e2e: N passed, M failed`; exit 1 on any failure.
#
# Needs a built binary (default target/debug/aipool_exporter; AIPOOL_BIN overrides)
# and python3; installs Debian's `chromium` when no chromium is on PATH
# (CHROMIUM=path overrides). Bounded in time; stops what it started.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
BIN="${AIPOOL_BIN:-${CARGO_TARGET_DIR:-target}/debug/aipool_exporter}"
SHOT="${STATUS_PAGE_SCREENSHOT:-${CARGO_TARGET_DIR:-target}/e2e/status-page.png}"
SIZE="1280,2040"
export DEBIAN_FRONTEND=noninteractive

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"
    elif command -v sudo >/dev/null; then sudo -n "$@"
    else echo "status_page.sh: need root to run: $*" >&2; return 1; fi
}

CHROMIUM="${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}"
if [ -z "$CHROMIUM" ]; then
    echo "== installing Debian package chromium"
    as_root apt-get update -qq
    as_root apt-get install -y -qq --no-install-recommends chromium >/dev/null
    CHROMIUM="$(command -v chromium)"
fi
[ -x "$BIN" ] || { echo "status_page.sh: no binary at $BIN (run cargo build first)" >&2; exit 1; }

tmp="$(mktemp -d)"
pid=""
cleanup() {
    if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
url="http://127.0.0.1:$port"
"$BIN" demo --web.listen-address "127.0.0.1:$port" --interval 1h >"$tmp/demo.log" 2>&1 &
pid=$!
for _ in $(seq 1 300); do
    curl -fsS "$url/ready" >/dev/null 2>&1 && break
    sleep 0.1
done
if ! curl -fsS "$url/ready" >/dev/null 2>&1; then
    cat "$tmp/demo.log"; echo "status-page-e2e: 0 passed, 1 failed (the demo never became ready)"; exit 1
fi
echo "== $("$CHROMIUM" --version 2>/dev/null || echo chromium), demo at $url"

# The flags a root user in a container needs, no network beyond loopback, and a
# fresh profile each run.
chromium_run() {
    local profile
    profile="$(mktemp -d -p "$tmp")"
    timeout 90 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --disable-dev-shm-usage --hide-scrollbars --user-data-dir="$profile" "$@"
}
chromium_run --dump-dom "$url/" >"$tmp/dom.html" 2>"$tmp/chromium.log" || {
    tail -n 20 "$tmp/chromium.log"; echo "status-page-e2e: 0 passed, 1 failed (chromium --dump-dom failed)"; exit 1
}
curl -fsS "$url/metrics" >"$tmp/metrics.txt"
mkdir -p "$(dirname "$SHOT")"
rm -f "$SHOT"
chromium_run --window-size="$SIZE" --screenshot="$SHOT" "$url/" >>"$tmp/chromium.log" 2>&1 || true

python3 tests/e2e/status_page_check.py "$tmp/dom.html" "$tmp/metrics.txt" \
    --screenshot "$SHOT" --size "${SIZE/,/x}"
