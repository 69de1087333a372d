#!/usr/bin/env bash
# make test: the whole check, on a throwaway PostgreSQL and Redis.
#
#   1. install the Debian packages that are missing (postgresql, redis-server, chromium, fonts)
#   2. set up .venv from uv.lock
#   3. make lint, and makemigrations --check (DEBUG off, with throwaway secrets from here on)
#   4. pytest (PYTEST_ARGS are passed on) against a throwaway PostgreSQL cluster and Redis
#   5. smoke test of the make run path (scripts/smoke_run.py), and of generate_city --cases 2000
#   6. make deploy-check (scripts/deploy_check.sh): the production stack of deploy/, on servers of
#      its own, checked through nginx
#
# Steps 3 to 6 all run even when one fails, so one run shows every failure; the exit status is
# non-zero if any failed. The throwaway servers and their directories go on every exit path.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

SCRIPTS="$ROOT/scripts"
PG_DIR=""
REDIS_DIR=""
failed=()

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    if [ -n "$REDIS_DIR$PG_DIR" ]; then
        section "Clean-up"
    fi
    if [ -n "$REDIS_DIR" ]; then
        "$SCRIPTS/redis.sh" stop "$REDIS_DIR" || true
        rm -rf -- "$REDIS_DIR"
    fi
    if [ -n "$PG_DIR" ]; then
        "$SCRIPTS/pg.sh" stop "$PG_DIR" || true
        rm -rf -- "$PG_DIR"
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Run a step; record its failure and carry on.
step() {
    local name="$1"
    shift
    section "$name"
    if "$@"; then
        info "$name: ok"
    else
        local status=$?
        info "$name: FAILED (exit status $status)"
        failed+=("$name")
    fi
}

# The suite chooses its own database and broker; nothing from the calling shell leaks in.
unset DATABASE_URL REDIS_URL CELERY_BROKER_URL CELERY_RESULT_BACKEND DEBUG

section "Debian packages"
# chromium: browser tests; fonts-noto-cjk and Pango/HarfBuzz: WeasyPrint's PDFs with Chinese text.
# poppler-utils: pdftotext, with which the report tests read the PDFs back.
apt_ensure postgresql redis-server chromium poppler-utils nginx pgbouncer openssl "${PDF_PACKAGES[@]}"

section "Virtualenv"
"$SCRIPTS/venv.sh"
py="$VENV/bin/python"

# DEBUG stays off, as in production: the run gets throwaway secrets of its own (the smoke test of
# make run turns DEBUG on, as make run does).
SECRET_KEY="$("$py" -c 'import secrets; print(secrets.token_urlsafe(50))')"
FIELD_ENCRYPTION_KEY="test:$("$py" -c 'import base64, secrets; print(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())')"
FIELD_HASH_KEY="$("$py" -c 'import secrets; print(secrets.token_urlsafe(32))')"
export SECRET_KEY FIELD_ENCRYPTION_KEY FIELD_HASH_KEY

step "Lint (make lint)" make --no-print-directory lint

section "Throwaway PostgreSQL and Redis"
PG_DIR="$(mktemp -d -t mediation-pg.XXXXXX)"
REDIS_DIR="$(mktemp -d -t mediation-redis.XXXXXX)"
DATABASE_URL="$("$SCRIPTS/pg.sh" start "$PG_DIR" mediation)"
REDIS_URL="$("$SCRIPTS/redis.sh" start "$REDIS_DIR")"
export DATABASE_URL REDIS_URL
info "DATABASE_URL=$DATABASE_URL"
info "REDIS_URL=$REDIS_URL"

step "Migrations are up to date (makemigrations --check)" \
    "$py" manage.py makemigrations --check --dry-run

# PYTEST_ARGS is split as a shell would split it, so quotes work: PYTEST_ARGS="-k 'a or b'".
eval "pytest_args=(${PYTEST_ARGS:-})"
# One test process per core (at most four; PYTEST_WORKERS=1 runs them in this one), each on a
# test database of its own; a file's tests stay together in one process (--dist loadfile), so
# a module's shared fixtures are built once and the databases a file makes never meet another's.
workers="${PYTEST_WORKERS:-$(nproc)}"
if [ "$workers" -gt 4 ]; then
    workers=4
fi
parallel=()
if [ "$workers" -gt 1 ]; then
    parallel=(-n "$workers" --dist loadfile)
fi
# Any non-zero status fails, 5 (no tests collected) included.
step "pytest${PYTEST_ARGS:+ $PYTEST_ARGS}" "$VENV/bin/pytest" "${parallel[@]}" "${pytest_args[@]}"

step "Smoke test of make run" "$py" "$SCRIPTS/smoke_run.py"

# generate_city (issue #8) on a database of its own: 2,000 cases, counters, indexes, constraints.
smoke_generate_city() {
    local url="${DATABASE_URL%/*}/city_smoke"
    psql -X -q -v ON_ERROR_STOP=1 "$DATABASE_URL" -c "DROP DATABASE IF EXISTS city_smoke" \
        -c "CREATE DATABASE city_smoke"
    DATABASE_URL="$url" "$py" manage.py migrate -v0
    # --force: DEBUG is off here, and this database is a throwaway.
    DATABASE_URL="$url" "$py" manage.py generate_city --cases 2000 --force
}
step "Smoke test of generate_city --cases 2000" smoke_generate_city

# Its own PostgreSQL, replica, Redis and the rest; nothing of this run's environment reaches them.
step "Production stack (make deploy-check)" "$SCRIPTS/deploy_check.sh"

section "Summary"
if [ "${#failed[@]}" -gt 0 ]; then
    for name in "${failed[@]}"; do
        info "FAILED: $name"
    done
    exit 1
fi
info "all passed"
