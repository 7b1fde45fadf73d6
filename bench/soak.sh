#!/usr/bin/env bash
# Soak test: the simulator and an exporter with one account per provider mode
# (AIHC OpenAPI and console, Qianfan, ModelArts AK/SK and IAM, Sugon password
# and AK/SK), polled every second for a fixed number of polls while random
# faults are injected (POST /-/faults). Reports the exporter's RSS at start and
# end, panics (must be 0), lost-series events (a series of a non-stale account
# that disappears from one scrape to the next; must be 0), and scrape latency.
# Exits non-zero when a must-be-0 count is not 0 or the exporter died.
#
#   bench/soak.sh                 # 300 polls (5 minutes), release build
#   POLLS=60 BIN=target/debug/aipool_exporter bench/soak.sh
#
# Only 127.0.0.1 is contacted; the run is bounded by POLLS.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
POLLS=${POLLS:-300}
SEED=${SEED:-$RANDOM}
if [ -z "${BIN:-}" ]; then
    cargo build --release --quiet
    BIN=target/release/aipool_exporter
fi
export BIN POLLS SEED
exec python3 - <<'PY'
import os, random, re, subprocess, sys, tempfile, time, urllib.request, statistics

BIN, POLLS, SEED = os.environ["BIN"], int(os.environ["POLLS"]), int(os.environ["SEED"])
rng = random.Random(SEED)
work = tempfile.mkdtemp(prefix="aipool-soak-")

def http(method, url, body=None, timeout=10):
    req = urllib.request.Request(url, data=body.encode() if body is not None else None, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()

sim_err = open(os.path.join(work, "sim.stderr"), "w")
sim = subprocess.Popen([BIN, "simulate", "--listen", "127.0.0.1:0", "--sugon-token-lifetime", "20s"],
                       stdout=subprocess.PIPE, stderr=sim_err, text=True)
line = sim.stdout.readline()
SIM = line.strip().rsplit("http://", 1)[-1]

# Credentials the simulator accepts (crates/aipool-sim/src/lib.rs, credentials).
C = dict(bce_ak="AKDEMO00000000000001", bce_sk="demo-bce-secret-key-0001",
         cookie="bce-sessionid=demo-console-session; bce-ctx-region=bj",
         region="cn-north-4", project="0a6f2e4c1b8d4e7f9a3c5b2d1e0f4a6b",
         hw_ak="HWDEMOAK000000000001", hw_sk="demo-huawei-secret-key-0001",
         iam_domain="demo-domain", iam_user="demo-iam-user", iam_pw="demo-iam-password-0001",
         sugon_user="demo-sugon", sugon_pw="demo-sugon-password-0001",
         sugon_org="demo0org0id0000000000000000000001",
         scnet_ak="demo0scnet0access0key00000000001", scnet_sk="demo-scnet-secret-key-0001")
STALE_AFTER = 30
common = f'interval = "1s"\ntimeout = "1s"\nretries = 1\nstale_after = "{STALE_AFTER}s"\nmax_response_bytes = 1048576\n'
accounts = {
 "aihc-openapi": f'provider = "aihc"\nregion = "bj"\nendpoint = "http://{SIM}"\naccess_key_id = "{C["bce_ak"]}"\nsecret_access_key = "{C["bce_sk"]}"\n',
 "aihc-console": f'provider = "aihc"\napi = "console"\nregion = "bj"\nendpoint = "http://{SIM}/api/aihc/aihc-service"\npool_types = ["common", "serverless"]\ncookie = "{C["cookie"]}"\n',
 "qianfan": f'provider = "qianfan"\nendpoint = "http://{SIM}"\naccess_key_id = "{C["bce_ak"]}"\nsecret_access_key = "{C["bce_sk"]}"\n',
 "modelarts-aksk": f'provider = "modelarts"\nregion = "{C["region"]}"\nendpoint = "http://{SIM}"\nproject_id = "{C["project"]}"\naccess_key_id = "{C["hw_ak"]}"\nsecret_access_key = "{C["hw_sk"]}"\n',
 "modelarts-iam": f'provider = "modelarts"\nregion = "{C["region"]}"\nendpoint = "http://{SIM}"\nproject_id = "{C["project"]}"\niam_endpoint = "http://{SIM}"\nusername = "{C["iam_user"]}"\npassword = "{C["iam_pw"]}"\ndomain = "{C["iam_domain"]}"\n',
 "sugon-password": f'provider = "sugon"\nendpoint = "http://{SIM}"\nuser = "{C["sugon_user"]}"\npassword = "{C["sugon_pw"]}"\norg_id = "{C["sugon_org"]}"\n',
 "sugon-aksk": f'provider = "sugon"\nendpoint = "http://{SIM}"\nlogin_endpoint = "http://{SIM}"\nuser = "{C["sugon_user"]}"\naccess_key_id = "{C["scnet_ak"]}"\nsecret_access_key = "{C["scnet_sk"]}"\n',
}
cfg = os.path.join(work, "config.toml")
with open(cfg, "w") as f:
    for name, body in accounts.items():
        f.write(f'\n[[accounts]]\nname = "{name}"\n{common}{body}')

import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
ADDR = f"127.0.0.1:{port}"
exp_err_path = os.path.join(work, "exporter.stderr")
exp = subprocess.Popen([BIN, f"--config.file={cfg}", f"--web.listen-address={ADDR}"],
                       stdout=subprocess.DEVNULL, stderr=open(exp_err_path, "w"))

def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for l in f:
            if l.startswith("VmRSS:"):
                return int(l.split()[1])
    return 0

def stop():
    for p in (exp, sim):
        p.terminate()
        try: p.wait(5)
        except subprocess.TimeoutExpired: p.kill()

deadline = time.time() + 30
while time.time() < deadline:
    try:
        if http("GET", f"http://{ADDR}/ready")[0] == 200: break
    except OSError: pass
    time.sleep(0.1)
else:
    stop(); sys.exit(f"exporter never became ready; see {exp_err_path}")

SELF = re.compile(r"^aipool_(up|last_success_|poll|api_|normalizations_|build_info|config_)")
def scrape():
    t = time.monotonic()
    status, body = http("GET", f"http://{ADDR}/metrics")
    dt = time.monotonic() - t
    series, last_success = {}, {}
    for l in body.splitlines():
        if not l or l.startswith("#"): continue
        key, _, value = l.rpartition(" ")
        m = re.search(r'account="([^"]*)"', key)
        if not m: continue
        acct = m.group(1)
        if key.startswith("aipool_last_success_timestamp_seconds"):
            last_success[acct] = float(value)
        if not SELF.match(key):
            series.setdefault(acct, set()).add(key)
    return status, dt, series, last_success

# Faults: each targets one provider's API for a few requests, so polls fail
# now and then but accounts recover well within stale_after.
TARGETS = ["DescribeResourcePools", "DescribeQueues", "v3/resourcepools", "v3/queues",
           "serverless/resourceQueue", "DescribeServices", "DescribeComputeUnits", "/pools",
           "/nodes", "/v3/auth/tokens", "/ac/openapi/v2/tokens", "/api/user/v3/tokens",
           "/center", "resource-group", "instance-service/resources"]
FAULTS = ["5xx", "429", "429:1", "slow:1500ms", "hang", "reset", "truncate", "malformed",
          "huge", "expire", "skew:40m", "slow:200ms"]

time.sleep(2)
rss_start = rss_kib(exp.pid)
prev = None
lost, scrapes, latencies, faults_set, stale_seen = [], 0, [], 0, 0
rss_samples = []
started = time.time()
for i in range(POLLS):
    if i % 3 == 0:
        if rng.random() < 0.75:
            spec = ",".join(f"{rng.choice(TARGETS)}={rng.choice(FAULTS)}*{rng.randint(1, 4)}"
                            for _ in range(rng.randint(1, 3)))
        else:
            spec = ""
        http("POST", f"http://{SIM}/-/faults", spec)
        faults_set += 1
    time.sleep(max(0.0, started + i + 1 - time.time()))
    if exp.poll() is not None:
        break
    if (i + 1) % 60 == 0:
        rss_samples.append(rss_kib(exp.pid) / 1024)
    status, dt, series, last_success = scrape()
    scrapes += 1
    latencies.append(dt)
    now = time.time()
    if prev is not None:
        for acct, keys in prev.items():
            ok = acct in last_success and now - last_success[acct] < STALE_AFTER
            if not ok:
                stale_seen += 1
                continue
            gone = keys - series.get(acct, set())
            if gone:
                lost.append((i, acct, sorted(gone)[:3]))
    prev = series
http("POST", f"http://{SIM}/-/faults", "")
alive = exp.poll() is None
rss_end = rss_kib(exp.pid) if alive else 0
stop()
log = open(exp_err_path).read() + open(os.path.join(work, "sim.stderr")).read()
panics = log.count("panicked")
lat = sorted(latencies)
p50 = statistics.median(lat) * 1000 if lat else 0
p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000 if lat else 0
failed_polls = sum(1 for l in open(exp_err_path) if "poll failed" in l)
print(f"soak: {POLLS} polls at 1s, 7 accounts, seed {SEED}, {faults_set} fault changes")
print(f"exporter alive at end: {alive}")
print(f"RSS: start {rss_start/1024:.1f} MiB, end {rss_end/1024:.1f} MiB; every 60 polls: "
      + ", ".join(f"{r:.1f}" for r in rss_samples))
print(f"scrapes: {scrapes}, latency p50 {p50:.1f} ms, p99 {p99:.1f} ms")
print(f"failed polls logged: {failed_polls}; account-scrapes skipped as stale: {stale_seen}")
print(f"panics: {panics}")
print(f"lost-series events: {len(lost)}")
for e in lost[:10]:
    print("  lost:", e)
sys.exit(0 if alive and panics == 0 and not lost else 1)
PY
