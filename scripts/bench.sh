#!/usr/bin/env bash
# make bench: the benchmarks of docs/benchmarks.md (issue #8), on a throwaway PostgreSQL.
#
#   1. install the Debian packages that are missing (postgresql, redis-server, wrk)
#   2. set up .venv from uv.lock
#   3. start a throwaway PostgreSQL cluster on 127.0.0.1 (as make test does)
#   4. scripts/bench.py: build/restore the 30,000- and 3,000,000-case cities, measure, print the
#      table, write docs/benchmarks.md; exits non-zero if a target is missed
#
# BENCH_PG_URL=postgres://... uses a cluster you run instead of starting one; with BENCH_KEEP_LARGE=1
# an existing bench_3m database there is measured as it is (no restore).
#
# The 3,000,000-case dump is kept in $BENCH_CACHE (default ~/.cache/mediation-bench): the first
# run builds it (about an hour and a half on 2 cores, ~30 GB of disk while it runs), later runs
# restore it. The cluster and its directory go on every exit path.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

PG_DIR=""
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    if [ -n "$PG_DIR" ]; then
        "$ROOT/scripts/pg.sh" stop "$PG_DIR" || true
        rm -rf -- "$PG_DIR"
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

unset DATABASE_URL REDIS_URL CELERY_BROKER_URL CELERY_RESULT_BACKEND

section "Debian packages"
apt_ensure postgresql redis-server wrk

section "Virtualenv"
"$ROOT/scripts/venv.sh"

if [ -n "${BENCH_PG_URL:-}" ]; then
    url="$BENCH_PG_URL"
else
    section "Throwaway PostgreSQL"
    # The 3,000,000-case database needs tens of gigabytes: BENCH_TMP chooses where it goes.
    PG_DIR="$(mktemp -d -p "${BENCH_TMP:-${TMPDIR:-/tmp}}" mediation-bench-pg.XXXXXX)"
    url="$("$ROOT/scripts/pg.sh" start "$PG_DIR" bench)"
fi
info "cluster: $url"

section "Benchmarks"
"$VENV/bin/python" "$ROOT/scripts/bench.py" "$url"
