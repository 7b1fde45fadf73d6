#!/usr/bin/env bash
# Regenerates the pictures of README.md and docs/; not part of CI (it takes minutes and needs
# matplotlib):
#   docs/status-page.png         the status page at /, by tests/e2e/status_page.sh
#                                (headless Chromium against `aipool_exporter demo`);
#   docs/dashboard-overview.png  the Grafana fleet overview's panels drawn by
#                                grafana/screenshot.py from a Prometheus that
#                                scraped the demo for SCREENSHOT_MINUTES (default 5).
# matplotlib goes into a private venv under ~/.cache/aipool_exporter/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
MINUTES="${SCREENSHOT_MINUTES:-5}"
VENV="${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/aipool_exporter/screenshot-venv"
MATPLOTLIB="matplotlib==3.10.9"

if ! "$VENV/bin/python" -c 'import matplotlib' 2>/dev/null; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check --no-input "$MATPLOTLIB"
fi
cargo build --locked --quiet

STATUS_PAGE_SCREENSHOT=docs/status-page.png bash tests/e2e/status_page.sh | tail -n 1
echo "== scraping the demo for $MINUTES min"
# 15 s polls: the simulated allocations drift at a pace that reads like a real day.
DEMO_INTERVAL=15s E2E_TIMEOUT=$((MINUTES * 60 + 120)) bash tests/e2e/prometheus.sh -- \
    sh -c "sleep $((MINUTES * 60)) && '$VENV/bin/python' grafana/screenshot.py --prometheus \"\$PROM_URL\" \
           --minutes $MINUTES --out docs/dashboard-overview.png"
