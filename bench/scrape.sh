#!/usr/bin/env bash
# Scrape throughput and latency of /metrics, side by side with nginx serving the
# identical bytes as a static file (plain, and with gzip_static for gzip).
#
#   bash bench/scrape.sh [SCALE ...]     (default: 190,25 2000,25 ≈ 100k and 1M series)
# Environment: DURATION (wrk seconds per run, default 10), CONNECTIONS (default 4),
# ROUNDS (default 3): each round runs the exporter then nginx, and the table has
# the median of the rounds, so a burst of load on a shared machine hits both.
# Needs wrk and nginx (Debian packages; installed when missing and running as root).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
DURATION="${DURATION:-10}"
CONNECTIONS="${CONNECTIONS:-4}"
ROUNDS="${ROUNDS:-3}"
SCALES=("$@")
[ ${#SCALES[@]} -gt 0 ] || SCALES=(190,25 2000,25)

for tool in wrk nginx; do
    if ! command -v "$tool" >/dev/null; then
        [ "$(id -u)" -eq 0 ] || { echo "install $tool (Debian package $tool)" >&2; exit 1; }
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$tool" >/dev/null
    fi
done
build_release

# wrk_run URL [header]: prints "req/s p50 p99" (latencies in ms).
wrk_run() {
    local url="$1" hdr="${2:-}" out
    if [ -n "$hdr" ]; then
        out=$(wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --timeout 60s --latency -H "$hdr" "$url")
    else
        out=$(wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --timeout 60s --latency "$url")
    fi
    echo "$out" >>"$WORK/wrk.log"
    echo "$out" | awk '
        function ms(v) {
            if (v ~ /us$/) return substr(v, 1, length(v) - 2) / 1000
            if (v ~ /ms$/) return substr(v, 1, length(v) - 2) + 0
            if (v ~ /s$/) return substr(v, 1, length(v) - 1) * 1000
            return v
        }
        $1 == "50%" { p50 = ms($2) }
        $1 == "99%" { p99 = ms($2) }
        $1 == "Requests/sec:" { rps = $2 }
        END { printf "%s %.2f %.2f\n", rps, p50, p99 }'
}

start_nginx() {
    local port dir="$WORK/nginx"
    port=$(free_port)
    mkdir -p "$dir/tmp"
    cat >"$dir/nginx.conf" <<CONF
worker_processes auto;
pid $dir/nginx.pid;
error_log $dir/error.log;
daemon off;
events { worker_connections 256; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    client_body_temp_path $dir/tmp;
    proxy_temp_path $dir/tmp;
    fastcgi_temp_path $dir/tmp;
    uwsgi_temp_path $dir/tmp;
    scgi_temp_path $dir/tmp;
    server {
        listen 127.0.0.1:$port;
        root $WORK/www;
        location = /metrics {
            default_type "text/plain; version=0.0.4; charset=utf-8";
            gzip_static on;
        }
    }
}
CONF
    chmod -R a+rwX "$dir"
    chmod a+rx "$WORK"
    if [ "$(id -u)" -eq 0 ]; then
        # Unprivileged: the whole server runs as nobody.
        setpriv --reuid=nobody --regid=nogroup --clear-groups \
            nginx -e "$dir/error.log" -p "$dir" -c "$dir/nginx.conf" &
    else
        nginx -e "$dir/error.log" -p "$dir" -c "$dir/nginx.conf" &
    fi
    NGINX_PID=$!
    PIDS+=("$NGINX_PID")
    NGINX_ADDR="127.0.0.1:$port"
    for _ in $(seq 1 100); do
        curl -fs -o /dev/null "http://$NGINX_ADDR/metrics" && return 0
        sleep 0.05
    done
    echo "nginx did not start: $(cat "$dir/error.log")" >&2
    return 1
}

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

echo "# scrape.sh: wrk -t2 -c$CONNECTIONS -d${DURATION}s --latency, median of $ROUNDS rounds; $(machine)"
echo
echo "| series | body (plain / gzip) | encoding | aipool_exporter req/s | p50 ms | p99 ms | nginx req/s | p50 ms | p99 ms | ratio |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for scale in "${SCALES[@]}"; do
    start_sim "$scale" 0s --no-drift
    start_exporter 'interval = "1h"
requests_per_second = 0'
    mkdir -p "$WORK/www"
    curl -fsS "http://$EXP_ADDR/metrics" -o "$WORK/www/metrics"
    curl -fsS -H 'Accept-Encoding: gzip' "http://$EXP_ADDR/metrics" -o "$WORK/www/metrics.gz"
    # The bytes nginx serves are the exporter's own, plain and gzip.
    gzip -dc "$WORK/www/metrics.gz" | cmp -s - "$WORK/www/metrics" || { echo "gzip body differs from plain" >&2; exit 1; }
    chmod -R a+rX "$WORK/www"
    series=$(grep -vc '^#' "$WORK/www/metrics")
    sizes="$(du -m "$WORK/www/metrics" | cut -f1) MB / $(du -k "$WORK/www/metrics.gz" | cut -f1) KB"
    start_nginx
    for enc in plain gzip; do
        hdr=""
        [ "$enc" = gzip ] && hdr="Accept-Encoding: gzip"
        er="" ep50="" ep99="" nr="" np50="" np99=""
        for _ in $(seq 1 "$ROUNDS"); do
            read -r a b c < <(wrk_run "http://$EXP_ADDR/metrics" "$hdr")
            er="$er $a" ep50="$ep50 $b" ep99="$ep99 $c"
            read -r a b c < <(wrk_run "http://$NGINX_ADDR/metrics" "$hdr")
            nr="$nr $a" np50="$np50 $b" np99="$np99 $c"
        done
        e_rps=$(echo "$er" | median) e_p50=$(echo "$ep50" | median) e_p99=$(echo "$ep99" | median)
        n_rps=$(echo "$nr" | median) n_p50=$(echo "$np50" | median) n_p99=$(echo "$np99" | median)
        ratio=$(awk -v a="$e_rps" -v b="$n_rps" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')
        echo "| $series | $sizes | $enc | $e_rps | $e_p50 | $e_p99 | $n_rps | $n_p50 | $n_p99 | $ratio |"
    done
    kill "$NGINX_PID" "$EXP_PID" "$SIM_PID" 2>/dev/null || true
    wait "$NGINX_PID" "$EXP_PID" "$SIM_PID" 2>/dev/null || true
    rm -rf "$WORK/www" "$WORK/nginx"
done
