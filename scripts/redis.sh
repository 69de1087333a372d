#!/usr/bin/env bash
# A throwaway Redis in a directory, for the test suite and benchmarks.
#
#   scripts/redis.sh start DIR   start redis-server on 127.0.0.1 at a free port, its files in DIR
#                                (created if missing); print its REDIS_URL on stdout
#   scripts/redis.sh stop DIR    stop it and remove DIR; harmless if it is not running
#
# No persistence (--save '' --appendonly no): the data is thrown away.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

MARKER=".throwaway-redis"

usage() {
    sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

answers_ping() {
    python3 - "$1" <<'PY'
import socket
import sys

try:
    with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1) as s:
        s.sendall(b"PING\r\n")
        sys.exit(0 if s.recv(16).startswith(b"+PONG") else 1)
except OSError:
    sys.exit(1)
PY
}

cmd_start() {
    local dir="$1" port attempt i
    command -v redis-server >/dev/null 2>&1 || die "redis-server not found (apt-get install redis-server)"
    mkdir -p "$dir"
    dir="$(cd "$dir" && pwd)"
    touch "$dir/$MARKER"
    for attempt in 1 2 3; do
        port="$(free_port)"
        rm -f "$dir/redis.pid"
        redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no --dir "$dir" \
            --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" >/dev/null
        for i in $(seq 1 50); do
            if answers_ping "$port"; then
                echo "$port" >"$dir/port"
                echo "redis://127.0.0.1:$port/0"
                return 0
            fi
            sleep 0.1
        done
        stop_server "$dir"
    done
    tail -n 30 "$dir/redis.log" >&2 || true
    die "redis-server did not start"
}

stop_server() {
    local dir="$1" pid i
    [ -f "$dir/redis.pid" ] || return 0
    pid="$(cat "$dir/redis.pid")"
    [ -n "$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null || return 0
    for i in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
}

cmd_stop() {
    local dir="$1"
    [ -d "$dir" ] || return 0
    stop_server "$dir"
    if [ -f "$dir/$MARKER" ]; then
        rm -rf -- "$dir"
    else
        info "not removing $dir: not a throwaway Redis directory"
    fi
}

[ "$#" -eq 2 ] || usage
case "$1" in
    start) cmd_start "$2" ;;
    stop) cmd_stop "$2" ;;
    *) usage ;;
esac
