#!/usr/bin/env bash
# Regenerates docs/top.png, docs/top.md's picture of `aipool_exporter top --once`
# (and docs/top-80x24.png, the full screen in an 80×24 terminal):
# the simulator (fixed data) with the demo's five accounts plus one with a
# wrong secret key, `top --once` run inside a tmux window (a real terminal, so
# with colours), the pane captured with its escape codes (`tmux capture-pane
# -e`), turned into HTML and photographed by headless Chromium. Not part of CI.
#
# Needs a built binary (default target/debug/aipool_exporter; AIPOOL_BIN
# overrides), python3, tmux and chromium (installed from Debian when missing);
# TOP_SCREENSHOT and TOP_SCREENSHOT_80 override the output paths. Stops what it started.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BIN="${AIPOOL_BIN:-${CARGO_TARGET_DIR:-target}/debug/aipool_exporter}"
OUT="${TOP_SCREENSHOT:-docs/top.png}"
OUT_80="${TOP_SCREENSHOT_80:-docs/top-80x24.png}"
# The window is as wide as the widest line, at most MAX_COLS (longer ones wrap).
MAX_COLS=240
export DEBIAN_FRONTEND=noninteractive

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"
    elif command -v sudo >/dev/null; then sudo -n "$@"
    else echo "top_screenshot.sh: need root to run: $*" >&2; return 1; fi
}
need=()
command -v tmux >/dev/null || need+=(tmux)
CHROMIUM="${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}"
[ -n "$CHROMIUM" ] || need+=(chromium)
if [ "${#need[@]}" -gt 0 ]; then
    echo "== installing ${need[*]}"
    as_root apt-get update -qq
    as_root apt-get install -y -qq --no-install-recommends "${need[@]}" fonts-dejavu-core >/dev/null
    CHROMIUM="${CHROMIUM:-$(command -v chromium)}"
fi
[ -x "$BIN" ] || { echo "top_screenshot.sh: no binary at $BIN (run cargo build first)" >&2; exit 1; }
BIN="$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")"

tmp="$(mktemp -d)"
session="aipool-top-shot-$$"
sim_pid=""
cleanup() {
    tmux kill-session -t "$session" 2>/dev/null || true
    tmux kill-session -t "$session-80" 2>/dev/null || true
    if [ -n "$sim_pid" ]; then kill "$sim_pid" 2>/dev/null || true; wait "$sim_pid" 2>/dev/null || true; fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The simulator prints its address on its first line.
"$BIN" simulate --listen 127.0.0.1:0 --no-drift >"$tmp/sim.out" 2>"$tmp/sim.log" &
sim_pid=$!
for _ in $(seq 1 100); do
    grep -q 'listening on http://' "$tmp/sim.out" && break
    sleep 0.1
done
line="$(head -n 1 "$tmp/sim.out")"
sim="${line##*http://}"
[ -n "$sim" ] || { cat "$tmp/sim.log"; echo "top_screenshot.sh: the simulator did not start" >&2; exit 1; }

# The demo accounts (crates/aipool-sim/src/demo.rs, credentials from
# crates/aipool-sim/src/lib.rs) and one whose secret key is wrong.
cat >"$tmp/config.toml" <<EOF
[[accounts]]
name = "aihc-console-demo"
provider = "aihc"
api = "console"
region = "bj"
endpoint = "http://$sim/api/aihc/aihc-service"
pool_types = ["common", "serverless"]
cookie = "bce-sessionid=demo-console-session; bce-ctx-region=bj"

[[accounts]]
name = "aihc-openapi-demo"
provider = "aihc"
region = "bj"
endpoint = "http://$sim"
pool_types = ["common", "dedicatedV2"]
access_key_id = "AKDEMO00000000000001"
secret_access_key = "demo-bce-secret-key-0001"

[[accounts]]
name = "qianfan-demo"
provider = "qianfan"
endpoint = "http://$sim"
access_key_id = "AKDEMO00000000000001"
secret_access_key = "demo-bce-secret-key-0001"

[[accounts]]
name = "modelarts-demo"
provider = "modelarts"
region = "cn-north-4"
endpoint = "http://$sim"
project_id = "0a6f2e4c1b8d4e7f9a3c5b2d1e0f4a6b"
access_key_id = "HWDEMOAK000000000001"
secret_access_key = "demo-huawei-secret-key-0001"

[[accounts]]
name = "sugon-demo"
provider = "sugon"
endpoint = "http://$sim"
user = "demo-sugon"
password = "demo-sugon-password-0001"
org_id = "demo0org0id0000000000000000000001"

[[accounts]]
name = "aihc-wrong-key"
provider = "aihc"
region = "bj"
endpoint = "http://$sim"
access_key_id = "AKDEMO00000000000001"
secret_access_key = "not-the-right-key"
EOF

# The demo accounts must all poll (only the wrong key fails).
"$BIN" top --once --output=json --config.file="$tmp/config.toml" >"$tmp/top.json" || true
python3 - "$tmp/top.json" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
bad = [a["name"] for a in doc["accounts"] if a["ok"] != (a["name"] != "aihc-wrong-key")]
if bad:
    sys.exit(f"top_screenshot.sh: unexpected status of {bad}")
EOF

# Columns: the widest line (East Asian wide characters take two), at most
# MAX_COLS; rows: as many as the output takes in them, wrapped lines included.
{ "$BIN" top --once --config.file="$tmp/config.toml" || true; } >"$tmp/top.txt"
read -r COLS rows < <(python3 - "$tmp/top.txt" "$MAX_COLS" <<'EOF'
import sys, unicodedata
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
w = [sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in l) for l in lines]
cols = min(max(w) + 1, int(sys.argv[2]))
# + the `echo` after top and the line the cursor rests on.
print(cols, sum(max(1, -(-x // cols)) for x in w) + 3)
EOF
)
# shoot PANE OUT COLS ROWS: a captured pane (ANSI, SGR colours and bold/dim)
# → HTML → a PNG by headless Chromium.
shoot() {
    local pane="$1" out="$2" cols="$3" rows="$4"
python3 - "$pane" "$tmp/top.html" "$sim" <<'EOF'
import html, re, sys
text = open(sys.argv[1], encoding="utf-8").read().rstrip("\n")
# The simulator's random port, as a fixed placeholder.
text = text.replace(sys.argv[3], "127.0.0.1:9878")
colors = {30: "#4b5563", 31: "#f87171", 32: "#4ade80", 33: "#fbbf24", 34: "#60a5fa",
          35: "#c084fc", 36: "#22d3ee", 37: "#e5e7eb"}
out, fg, bold, dim, open_span = [], None, False, False, False
def style():
    s = []
    if fg: s.append(f"color:{fg}")
    if bold: s.append("font-weight:700")
    if dim: s.append("opacity:.55")
    return ";".join(s)
pos = 0
for m in re.finditer(r"\x1b\[([0-9;]*)m", text):
    out.append(html.escape(text[pos:m.start()]))
    pos = m.end()
    params = [int(p) if p else 0 for p in m.group(1).split(";")] if m.group(1) else [0]
    i = 0
    while i < len(params):
        p = params[i]
        if p == 0: fg, bold, dim = None, False, False
        elif p == 1: bold = True
        elif p == 2: dim = True
        elif p == 22: bold = dim = False
        elif 30 <= p <= 37: fg = colors[p]
        elif 90 <= p <= 97: fg = colors[p - 60]
        elif p == 39: fg = None
        elif p in (38, 48):
            i += 2 if i + 1 < len(params) and params[i + 1] == 5 else 4
        i += 1
    if open_span:
        out.append("</span>")
        open_span = False
    if style():
        out.append(f'<span style="{style()}">')
        open_span = True
out.append(html.escape(text[pos:]))
if open_span:
    out.append("</span>")
page = f"""<!doctype html><meta charset="utf-8"><style>
body{{margin:0;background:#111827}}
pre{{margin:0;padding:14px 18px;color:#e5e7eb;font:13px/1.35 "DejaVu Sans Mono",monospace}}
</style><pre>{"".join(out)}</pre>"""
open(sys.argv[2], "w", encoding="utf-8").write(page)
EOF

    local width=$(( cols * 8 + 40 )) height=$(( rows * 18 + 30 ))
    mkdir -p "$(dirname "$out")"
    rm -f "$out"
    timeout 90 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --disable-dev-shm-usage --hide-scrollbars --user-data-dir="$tmp/profile" \
        --window-size="$width,$height" --screenshot="$out" "file://$tmp/top.html" >"$tmp/chromium.log" 2>&1 || true
    [ -s "$out" ] || { tail -n 20 "$tmp/chromium.log"; echo "top_screenshot.sh: no screenshot" >&2; exit 1; }
    echo "wrote $out (${width}x${height})"
}

tmux new-session -d -s "$session" -x "$COLS" -y "$rows" \
    "cd '$tmp' && TERM=xterm-256color '$BIN' top --once --config.file=config.toml; echo; sleep 600"
for _ in $(seq 1 100); do
    tmux capture-pane -p -t "$session" | grep -q '^Pools and queues' && break
    sleep 0.1
done
sleep 0.3
tmux capture-pane -p -e -t "$session" >"$tmp/pane.ansi"

shoot "$tmp/pane.ansi" "$OUT" "$COLS" "$rows"

# The full screen in an 80×24 terminal, as it opens: the compact columns and
# the line that counts what is out of view.
tmux new-session -d -s "$session-80" -x 80 -y 24 \
    "cd '$tmp' && TERM=xterm-256color '$BIN' top --interval=1h --config.file=config.toml"
for _ in $(seq 1 100); do
    tmux capture-pane -p -t "$session-80" | grep -q 'more lines below' \
        && ! tmux capture-pane -p -t "$session-80" | grep -q 'polling' && break
    sleep 0.1
done
sleep 0.3
tmux capture-pane -p -e -t "$session-80" >"$tmp/pane80.ansi"
shoot "$tmp/pane80.ansi" "$OUT_80" 80 24
