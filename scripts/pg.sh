#!/usr/bin/env bash
# A throwaway PostgreSQL cluster in a directory, for the test suite and benchmarks.
#
#   scripts/pg.sh start DIR [DBNAME]  initdb + start a cluster in DIR (created if missing), create
#                                     DBNAME (default: mediation), print its DATABASE_URL on stdout
#   scripts/pg.sh replica PRIMARY DIR a streaming replica of the cluster in PRIMARY, in DIR
#                                     (pg_basebackup -R), started; print its URL (same database)
#   scripts/pg.sh url DIR             print the DATABASE_URL of the cluster in DIR again
#   scripts/pg.sh stop DIR            stop the cluster and remove DIR; harmless if it is not running
#
# Listens on 127.0.0.1 only, at a free port, with trust authentication; the unix socket stays inside
# DIR. Durability is off (fsync, synchronous_commit, full_page_writes): the data is thrown away.
# initdb refuses to run as root, so as root the cluster belongs to the 'postgres' system user.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

MARKER=".throwaway-postgresql"

usage() {
    sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

pg_bin() {
    if [ -n "${PG_BIN:-}" ]; then
        echo "$PG_BIN"
        return
    fi
    local dir
    dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
    if [ -z "$dir" ] && command -v initdb >/dev/null 2>&1; then
        dir="$(dirname "$(command -v initdb)")"
    fi
    [ -n "$dir" ] || die "PostgreSQL server binaries not found (apt-get install postgresql, or set PG_BIN)"
    echo "$dir"
}

# Commands that touch the cluster run as its owner.
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

# DIR made (if missing), marked as throwaway and, as root, given to the postgres user.
prepare_dir() {
    local dir="$1"
    mkdir -p "$dir"
    touch "$dir/$MARKER"
    if [ "$(id -u)" -eq 0 ]; then
        id postgres >/dev/null 2>&1 || die "no 'postgres' system user (apt-get install postgresql)"
        chown -R postgres: "$dir"
        chmod 700 "$dir"
        runuser -u postgres -- test -w "$dir" \
            || die "the postgres user cannot write $dir (is a parent directory private?)"
    fi
}

# Start the cluster in DIR/data at a free port, written to DIR/port.
start_on_free_port() {
    local dir="$1" bin="$2" port attempt
    # The port is free when chosen but may be taken before the server binds it: try again.
    for attempt in 1 2 3; do
        port="$(free_port)"
        if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgresql.log" -o "-p $port" \
            -w -t 60 start >/dev/null; then
            break
        fi
        if [ "$attempt" -eq 3 ]; then
            tail -n 30 "$dir/postgresql.log" >&2 || true
            die "PostgreSQL did not start"
        fi
    done
    echo "$port" >"$dir/port"
}

cmd_start() {
    local dir="$1" db="${2:-mediation}" bin port
    bin="$(pg_bin)"
    prepare_dir "$dir"
    dir="$(cd "$dir" && pwd)"

    if ! as_owner "$bin/initdb" -D "$dir/data" -U postgres -E UTF8 --locale=C \
        --auth-local=trust --auth-host=trust --no-sync >"$dir/initdb.log" 2>&1; then
        cat "$dir/initdb.log" >&2
        die "initdb failed"
    fi
    as_owner mkdir -p "$dir/sock"
    cat >>"$dir/data/postgresql.conf" <<CONF

# Throwaway cluster (scripts/pg.sh): loopback only, no durability.
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir/sock'
fsync = off
synchronous_commit = off
full_page_writes = off
CONF

    start_on_free_port "$dir" "$bin"
    port="$(cat "$dir/port")"
    echo "$db" >"$dir/dbname"
    "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres "$db"
    cmd_url "$dir"
}

# A hot standby streaming from the cluster in PRIMARY (whose defaults allow it: wal_level replica,
# max_wal_senders 10, and initdb's pg_hba "host replication" line for 127.0.0.1 with trust).
cmd_replica() {
    local primary="$1" dir="$2" bin
    bin="$(pg_bin)"
    [ -f "$primary/port" ] || die "no cluster started in $primary"
    prepare_dir "$dir"
    dir="$(cd "$dir" && pwd)"
    # -R: standby.signal and primary_conninfo; -X stream: the WAL written meanwhile comes along.
    if ! as_owner "$bin/pg_basebackup" -h 127.0.0.1 -p "$(cat "$primary/port")" -U postgres \
        -D "$dir/data" -R -X stream --checkpoint=fast --no-sync >"$dir/basebackup.log" 2>&1; then
        cat "$dir/basebackup.log" >&2
        die "pg_basebackup failed"
    fi
    as_owner mkdir -p "$dir/sock"
    cat >>"$dir/data/postgresql.conf" <<CONF

# Streaming replica (scripts/pg.sh replica): its own socket directory.
unix_socket_directories = '$dir/sock'
hot_standby = on
CONF
    start_on_free_port "$dir" "$bin"
    cp "$primary/dbname" "$dir/dbname"
    cmd_url "$dir"
}

cmd_url() {
    local dir="$1"
    [ -f "$dir/port" ] || die "no cluster started in $dir"
    echo "postgres://postgres@127.0.0.1:$(cat "$dir/port")/$(cat "$dir/dbname")"
}

cmd_stop() {
    local dir="$1" bin pid
    [ -d "$dir" ] || return 0
    if [ -f "$dir/data/postmaster.pid" ]; then
        pid="$(head -n 1 "$dir/data/postmaster.pid")"
        bin="$(pg_bin)"
        # Immediate: nothing here is worth a clean shutdown.
        as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
        if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    # Remove only what this script made.
    if [ -f "$dir/$MARKER" ]; then
        rm -rf -- "$dir"
    else
        info "not removing $dir: not a throwaway cluster directory"
    fi
}

[ "$#" -ge 2 ] || usage
case "$1" in
    start) cmd_start "$2" "${3:-mediation}" ;;
    replica)
        [ "$#" -ge 3 ] || usage
        cmd_replica "$2" "$3"
        ;;
    url) cmd_url "$2" ;;
    stop) cmd_stop "$2" ;;
    *) usage ;;
esac
