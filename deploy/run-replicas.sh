#!/usr/bin/env bash
# Two Convolution Explorer processes on 127.0.0.1:8511 and :8512 behind nginx with sticky
# sessions (deploy/nginx/convolution-explorer.conf), all as the current user: nginx gets a
# private prefix, pid file, logs and temp dirs under a fresh temporary folder and never
# touches /etc. Ctrl-C (or any exit) stops all three.
#
#   bash deploy/run-replicas.sh            # serves http://127.0.0.1:8080
#   PORT=9000 bash deploy/run-replicas.sh  # another port for nginx
#
# Environment: PORT (nginx, default 8080), PYTHON (default: .venv/bin/python if present,
# else python3), EXPLORER_THREADS and EXPLORER_MAX_TRAINERS per replica (default 1 and 1:
# both replicas share the machine's cores, so two tabs train at once in all on two cores),
# STREAMLIT_SERVER_COOKIE_SECRET (default: a random secret shared by both replicas).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PORT="${PORT:-8080}"
if [[ -z "${PYTHON:-}" ]]; then
    if [[ -x "$ROOT/.venv/bin/python" ]]; then PYTHON="$ROOT/.venv/bin/python"; else PYTHON=python3; fi
fi
NGINX="$(command -v nginx || true)"
[[ -z "$NGINX" && -x /usr/sbin/nginx ]] && NGINX=/usr/sbin/nginx
if [[ -z "$NGINX" ]]; then
    echo "nginx is not installed. On Debian/Ubuntu: sudo apt-get install -y nginx-light (or nginx)" >&2
    exit 1
fi

export EXPLORER_THREADS="${EXPLORER_THREADS:-1}"
export EXPLORER_MAX_TRAINERS="${EXPLORER_MAX_TRAINERS:-1}"
export STREAMLIT_SERVER_COOKIE_SECRET="${STREAMLIT_SERVER_COOKIE_SECRET:-$("$PYTHON" -c 'import secrets; print(secrets.token_hex(32))')}"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/convolution-explorer-replicas.XXXXXX")"
PIDS=()
NGINX_STARTED=0

stop() {
    trap - EXIT INT TERM
    if [[ "$NGINX_STARTED" == 1 && -f "$WORK/nginx.pid" ]]; then
        "$NGINX" -p "$WORK" -c "$WORK/nginx.conf" -e "$WORK/logs/error.log" -s quit 2>/dev/null || true
    fi
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    echo "Stopped. Logs were in $WORK/logs"
}
trap stop EXIT
trap 'exit 130' INT TERM

mkdir -p "$WORK/logs" "$WORK/temp"
for port in 8511 8512; do
    (cd "$ROOT" && exec "$PYTHON" -m streamlit run app.py \
        --server.port "$port" --server.address 127.0.0.1 --server.headless true \
        >"$WORK/logs/app-$port.log" 2>&1) &
    PIDS+=("$!")
done

# The site config as shipped, on the chosen port, inside a private main config.
sed "s/listen 8080;/listen $PORT;/" "$ROOT/deploy/nginx/convolution-explorer.conf" >"$WORK/site.conf"
USER_LINE=""
[[ "$(id -u)" == 0 ]] && USER_LINE="user root;"  # as root, workers must still read $WORK
cat >"$WORK/nginx.conf" <<CONF
$USER_LINE
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/logs/error.log warn;
events { worker_connections 1024; }
http {
    # Which replica served each request, and the browser's ce_route cookie.
    log_format replica '\$remote_addr [\$time_local] "\$request" \$status '
                       'upstream=\$upstream_addr route=\$ce_route';
    access_log $WORK/logs/access.log replica;
    client_body_temp_path $WORK/temp/client_body;
    proxy_temp_path $WORK/temp/proxy;
    fastcgi_temp_path $WORK/temp/fastcgi;
    uwsgi_temp_path $WORK/temp/uwsgi;
    scgi_temp_path $WORK/temp/scgi;
    include $WORK/site.conf;
}
CONF

echo "Waiting for the two app processes (logs in $WORK/logs)..."
for port in 8511 8512; do
    for _ in $(seq 1 120); do
        if curl -fsS "http://127.0.0.1:$port/_stcore/health" >/dev/null 2>&1; then break; fi
        for pid in "${PIDS[@]}"; do
            kill -0 "$pid" 2>/dev/null || { echo "An app process exited; see $WORK/logs" >&2; exit 1; }
        done
        sleep 1
    done
    curl -fsS "http://127.0.0.1:$port/_stcore/health" >/dev/null || { echo "127.0.0.1:$port not healthy" >&2; exit 1; }
done

"$NGINX" -p "$WORK" -c "$WORK/nginx.conf" -e "$WORK/logs/error.log" -t -q
"$NGINX" -p "$WORK" -c "$WORK/nginx.conf" -e "$WORK/logs/error.log"
NGINX_STARTED=1
echo "Convolution Explorer: http://127.0.0.1:$PORT (replicas 127.0.0.1:8511 and :8512). Ctrl-C stops."
wait "${PIDS[@]}"
