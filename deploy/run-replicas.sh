#!/usr/bin/env bash
# Two dashboards and two outbox workers behind nginx, on this machine: a local trial of the
# replicated layout docs/deploy.md ("Replicas behind nginx") describes.
#
#   CHECKINS_DATABASE_URL=postgresql+psycopg://... CHECKINS_PHOTO_STORE=s3://bucket/prefix \
#       deploy/run-replicas.sh            # serves http://127.0.0.1:8080 until Ctrl-C
#   deploy/run-replicas.sh --render DIR   # only write DIR/nginx.conf (and its logs/, tmp/)
#
# Both replicas and both workers read the same environment: the shared database
# (CHECKINS_DATABASE_URL, PostgreSQL), the shared photo store (CHECKINS_PHOTO_STORE, with
# CHECKINS_S3_ENDPOINT_URL for an S3-compatible server) and the same CHECKINS_SECRET_KEY (or,
# here on one machine, the same $CHECKINS_HOME/secret.key), so a patient's link made on one
# replica opens on the other.
#
# Settings (environment):
#   CHECKINS_PROXY_LISTEN   what nginx listens on              (127.0.0.1:8080)
#   CHECKINS_REPLICA_PORTS  the two dashboards' ports          ("8601 8602")
#   CHECKINS_PROXY_PREFIX   nginx's directory: config, logs    (a new temporary directory)
#   CHECKINS_SERVER_NAME    the public host name               (_)
#   CHECKINS_TLS_CERT, CHECKINS_TLS_KEY  serve HTTPS with these (set LISTEN to "443 ssl")
#   CHECKINS_BIN            where checkins and streamlit are   (.venv/bin)
#   NGINX                   the nginx binary                   (/usr/sbin/nginx)
set -euo pipefail
cd "$(dirname "$0")/.."  # the repository root: Streamlit reads .streamlit/config.toml here

LISTEN=${CHECKINS_PROXY_LISTEN:-127.0.0.1:8080}
read -r PORT_A PORT_B <<<"${CHECKINS_REPLICA_PORTS:-8601 8602}"
BIN=${CHECKINS_BIN:-.venv/bin}
NGINX=${NGINX:-/usr/sbin/nginx}

render() {  # render DIR: the config for the two replicas, and the directories it names
  local dir=$1 tls="" workers=${CHECKINS_NGINX_WORKERS:-1}
  if [ -n "${CHECKINS_TLS_CERT:-}" ]; then
    tls="ssl_certificate ${CHECKINS_TLS_CERT}; ssl_certificate_key ${CHECKINS_TLS_KEY:?set CHECKINS_TLS_KEY too};"
  fi
  mkdir -p "$dir/logs" "$dir/tmp"
  # nginx's worker processes drop root for "nobody": they must reach their temporary files.
  chmod 755 "$dir" "$dir/tmp"
  sed -e "s|@LISTEN@|${LISTEN}|g" \
      -e "s|@TLS@|${tls}|g" \
      -e "s|@SERVER_NAME@|${CHECKINS_SERVER_NAME:-_}|g" \
      -e "s|@REPLICA_A@|127.0.0.1:${PORT_A}|g" \
      -e "s|@REPLICA_B@|127.0.0.1:${PORT_B}|g" \
      -e "s|@WORKERS@|${workers}|g" \
      deploy/nginx.conf.template >"$dir/nginx.conf"
  if grep -n '@[A-Z_]*@' "$dir/nginx.conf" >&2; then
    echo "run-replicas.sh: placeholders left unrendered in $dir/nginx.conf" >&2
    return 1
  fi
}

if [ "${1:-}" = "--render" ]; then
  render "${2:?usage: run-replicas.sh --render DIR}"
  exit 0
fi

if [ ! -x "$NGINX" ]; then
  echo "nginx is missing: run 'bash tools/ensure-nginx.sh' (as root) first" >&2
  exit 1
fi
PREFIX=${CHECKINS_PROXY_PREFIX:-$(mktemp -d -t checkins-nginx-XXXXXX)}
render "$PREFIX"
"$NGINX" -t -q -p "$PREFIX" -c "$PREFIX/nginx.conf" -e "$PREFIX/logs/error.log"

# Upgrade the database once, before anything serves it (two replicas must not migrate at once).
"$BIN/checkins" init >/dev/null

pids=()
stop() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait || true
}
trap stop EXIT
trap 'exit 143' INT TERM

mkdir -p "$PREFIX/run"
start() {  # start NAME COMMAND...: in the background, its pid in $PREFIX/run/NAME.pid
  local name=$1
  shift
  "$@" >"$PREFIX/logs/$name.log" 2>&1 &
  pids+=($!)
  echo $! >"$PREFIX/run/$name.pid"
}
for port in "$PORT_A" "$PORT_B"; do
  start "dashboard-$port" "$BIN/streamlit" run dashboard/serve.py --server.port "$port" \
    --server.address 127.0.0.1 --server.headless true --browser.gatherUsageStats false
done
start worker-1 "$BIN/checkins" worker
start worker-2 "$BIN/checkins" worker
start nginx "$NGINX" -p "$PREFIX" -c "$PREFIX/nginx.conf" -e "$PREFIX/logs/error.log" \
  -g 'daemon off;'
nginx_pid=$!

echo "checkins: http://${LISTEN} -> dashboards on ports $PORT_A and $PORT_B, two workers;" \
  "logs in $PREFIX/logs (Ctrl-C stops all)"
# A dashboard or a worker that dies leaves the others serving (that is the point of two: see
# docs/deploy.md, "When a replica dies"); without nginx nothing is served, so all stop.
set +e
while true; do
  wait -n -p gone
  rc=$?
  if [ -z "${gone:-}" ]; then exit 0; fi  # nothing left to wait for
  if [ "$gone" = "$nginx_pid" ]; then
    echo "run-replicas.sh: nginx exited ($rc); stopping the rest" >&2
    exit $((rc == 0 ? 1 : rc))
  fi
  echo "run-replicas.sh: process $gone exited ($rc); the others keep serving" >&2
done
