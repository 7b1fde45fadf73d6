# Shared by the end-to-end scripts that run Debian's Prometheus and Alertmanager
# (source it after `cd` to the repository root, with E2E_NAME set to the
# script's name for messages): root for installs, Debian packages installed
# without starting their services, the processes a script starts stopped at
# exit, and free loopback ports.

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"
    elif command -v sudo >/dev/null; then sudo -n "$@"
    else echo "$E2E_NAME: need root to run: $*" >&2; return 1; fi
}

# The packages' maintainer scripts would start system services (Prometheus on
# :9090, Alertmanager on :9093); a policy-rc.d answering 101 ("action
# forbidden") stops that, and does not matter in CI containers without an
# init system anyway.
install_without_services() {
    echo "== installing Debian packages: $*"
    local policy=/usr/sbin/policy-rc.d made_policy=0
    if [ ! -e "$policy" ]; then
        as_root sh -c "printf '#!/bin/sh\nexit 101\n' > $policy && chmod 755 $policy"
        made_policy=1
    fi
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
    [ "$made_policy" -eq 0 ] || as_root rm -f "$policy"
}

tmp="$(mktemp -d)"
pids=()
cleanup() {
    local pid
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Waits up to 30 s for `url` to answer 2xx.
ready() {
    local url="$1" i
    for i in $(seq 1 300); do
        curl -fsS "$url" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    return 1
}
