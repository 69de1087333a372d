#!/usr/bin/env bash
# make deploy-check: the production stack, started from deploy/'s own files on this machine (on
# loopback ports only), checked through nginx as a client would, then stopped.
#
# Started, each in a temporary directory (TMPDIR), with DEBUG off and generated secrets:
#   PostgreSQL primary + a streaming replica (scripts/pg.sh), Redis (scripts/redis.sh), PgBouncer
#   (deploy/pgbouncer/pgbouncer.ini: transaction mode), gunicorn (deploy/bin/mediation-web), one
#   Celery worker per queue (deploy/bin/mediation-worker QUEUE), beat (deploy/bin/mediation-beat)
#   and Debian's nginx (deploy/nginx/mediation.conf, with a self-signed certificate made here).
# The files are deploy/'s with only paths and ports substituted, the environment file
# deploy/mediation.env.example filled in (scripts/deploy_check.py render). The processes get that
# file and nothing of the calling environment, as under systemd.
#
# Then: migrate and collectstatic (deploy/bin/mediation-manage), a tiny city (generate_city
# --cases 30), the checks through nginx (scripts/deploy_check.py http: login page and form, API
# tokens, an intake with two parties, transitions, the agreement PDF, a report read from the
# replica, /readyz with beat's heartbeat run on every queue, /metrics), and deploy/backup.sh →
# deploy/restore.sh into a new database (rebuild_rollups, the city's reports compared).
#
# Prints one line saying what was checked; on failure, the step that failed and the end of each
# log. DEPLOY_CHECK_VERBOSE=1 names each step as it starts. Everything started is stopped and the
# directory removed on every exit path.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

STARTED=$(date +%s.%N)
SCRIPTS="$ROOT/scripts"
DIR=""
STEP="setup"
STEP_LOG=/dev/null
STEPS=0
GROUPS_STARTED=() # process group ids (each started with setsid), stopped on exit
REDIS_UP=""
PG_UP=""
REPLICA_UP=""
SUMMARY=""

elapsed() {
    python3 -c "import sys, time; print(f'{time.time() - float(sys.argv[1]):.0f}')" "$STARTED"
}

# A step: its name said on failure, the output of its commands in a log of its own.
step() {
    STEP="$*"
    STEPS=$((STEPS + 1))
    STEP_LOG="$DIR/logs/step-$(printf %02d "$STEPS").log"
    if [ -n "${DEPLOY_CHECK_VERBOSE:-}" ]; then
        info "[$(elapsed) s] $STEP"
    fi
}

# Run a command with its output in the step's log.
quiet() {
    "$@" >>"$STEP_LOG" 2>&1
}

# Prefix of the production command lines (deploy/bin/*): the environment file and nothing of this
# shell's environment, as under systemd.
APP=(env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME="$HOME"
    LANG=C.UTF-8 MEDIATION_VENV="$VENV")

# Start a long-running process in a process group of its own, its output in logs/NAME.out; its
# process id in STARTED_PID.
start() {
    local name="$1"
    shift
    setsid "$@" </dev/null >"$DIR/logs/$name.out" 2>&1 &
    STARTED_PID=$!
    GROUPS_STARTED+=("$STARTED_PID")
}

# Wait until the process PID (named WHAT) listens on PORT; fail at once if it ends.
wait_port() {
    local port="$1" what="$2" pid="$3" i
    for i in $(seq 1 300); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            return 0
        fi
        running "$pid" || die "$what exited before listening on 127.0.0.1:$port"
        sleep 0.2
    done
    die "$what: nothing listens on 127.0.0.1:$port after 60 s"
}

# Whether the process PID runs (an exited child of this shell stays a zombie until waited for).
running() {
    local stat
    stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
    stat="${stat##*) }"
    [ "${stat%% *}" != Z ]
}

# TERM to each group started (gunicorn, Celery: a graceful stop); after 20 s, KILL.
stop_groups() {
    local pid i alive
    [ "${#GROUPS_STARTED[@]}" -gt 0 ] || return 0
    for pid in "${GROUPS_STARTED[@]}"; do
        kill -TERM -- "-$pid" 2>/dev/null || true
    done
    for i in $(seq 1 100); do
        alive=""
        for pid in "${GROUPS_STARTED[@]}"; do
            if running "$pid"; then alive=1; fi
        done
        [ -z "$alive" ] && break
        sleep 0.2
    done
    for pid in "${GROUPS_STARTED[@]}"; do
        kill -KILL -- "-$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    GROUPS_STARTED=()
}

# The failed step's output, and the end of each server's log.
show_logs() {
    local file lines
    for file in "$STEP_LOG" "$DIR"/logs/*.out "$DIR/nginx/logs/error.log" \
        "$DIR/pg/postgresql.log" "$DIR/replica/postgresql.log"; do
        [ -s "$file" ] || continue
        lines=10
        [ "$file" = "$STEP_LOG" ] && lines=40
        printf -- '--- %s (last lines) ---\n' "${file#"$DIR"/}" >&2
        tail -n "$lines" -- "$file" >&2
    done
}

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    set +e # stop and remove everything, whatever fails on the way
    if [ "$status" -eq 130 ] || [ "$status" -eq 143 ]; then
        printf 'deploy-check: interrupted at "%s" after %s s; stopping\n' "$STEP" "$(elapsed)" >&2
    elif [ "$status" -ne 0 ] && [ -n "$DIR" ]; then
        printf 'deploy-check: FAILED at "%s" after %s s\n' "$STEP" "$(elapsed)" >&2
        show_logs
    fi
    stop_groups
    step "stop Redis and PostgreSQL"
    if [ -n "$REDIS_UP" ]; then "$SCRIPTS/redis.sh" stop "$DIR/redis" || true; fi
    if [ -n "$REPLICA_UP" ]; then "$SCRIPTS/pg.sh" stop "$DIR/replica" || true; fi
    if [ -n "$PG_UP" ]; then "$SCRIPTS/pg.sh" stop "$DIR/pg" || true; fi
    if [ -n "$DIR" ]; then rm -rf -- "$DIR"; fi
    if [ "$status" -eq 0 ] && [ -n "$SUMMARY" ]; then
        printf 'deploy-check: ok in %s s: %s\n' "$(elapsed)" "$SUMMARY"
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Free ports, distinct from each other.
ports() {
    python3 -c 'import socket
sockets = [socket.socket() for _ in range(int(__import__("sys").argv[1]))]
for s in sockets:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in sockets))' "$1"
}

# In memory when there is /dev/shm (unless TMPDIR says where): the clusters, the static files and
# the dump are thrown away, and deleting them from a disk mounted with "discard" takes seconds.
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
    DIR="$(TMPDIR=/dev/shm mktemp -d -t mediation-deploy-check.XXXXXX)"
else
    DIR="$(mktemp -d -t mediation-deploy-check.XXXXXX)"
fi
# PostgreSQL and PgBouncer (as postgres) and nginx's workers (as www-data) go into it.
chmod 755 "$DIR"
mkdir -p "$DIR"/{logs,state,static,backups,sent-mail,pgbouncer} "$DIR"/nginx/{logs,tls,temp}

step "Debian packages"
quiet apt_ensure postgresql redis-server nginx pgbouncer openssl "${PDF_PACKAGES[@]}"
step "virtualenv"
quiet "$SCRIPTS/venv.sh"
py="$VENV/bin/python"
mapfile -t QUEUE_NAMES < <("$py" -c 'from cases.queues import QUEUES; print(*QUEUES, sep="\n")')

step "PostgreSQL primary and streaming replica"
PG_UP=1
PG_URL="$("$SCRIPTS/pg.sh" start "$DIR/pg" mediation 2>>"$STEP_LOG")"
REPLICA_UP=1
REPLICA_URL="$("$SCRIPTS/pg.sh" replica "$DIR/pg" "$DIR/replica" 2>>"$STEP_LOG")"
# Every statement the replica runs goes to its log: the report read is looked for there.
quiet psql -X -q -v ON_ERROR_STOP=1 "$REPLICA_URL" \
    -c "ALTER SYSTEM SET log_statement = 'all'" -c "SELECT pg_reload_conf()"
# The application's own role, owner of its database, as in docs/deploy.md.
DC_DB_PASSWORD="$("$py" -c 'import secrets; print(secrets.token_hex(16))')"
quiet psql -X -q -v ON_ERROR_STOP=1 "$PG_URL" \
    -c "CREATE ROLE mediation LOGIN PASSWORD '$DC_DB_PASSWORD'" \
    -c "ALTER DATABASE mediation OWNER TO mediation"

step "Redis"
REDIS_UP=1
REDIS_URL="$("$SCRIPTS/redis.sh" start "$DIR/redis" 2>>"$STEP_LOG")"

read -r DC_BOUNCER_PORT DC_WEB_PORT DC_HTTP_PORT DC_HTTPS_PORT < <(ports 4)
DC_PG_PORT="$(cat "$DIR/pg/port")"
DC_REPLICA_PORT="$(cat "$DIR/replica/port")"
DC_REDIS_PORT="${REDIS_URL##*:}"
DC_REDIS_PORT="${DC_REDIS_PORT%%/*}"
DC_METRICS_TOKEN="$("$py" -c 'import secrets; print(secrets.token_urlsafe(32))')"
DC_DIR="$DIR"
DC_CERT="$DIR/nginx/tls/cert.pem"
DC_REPLICA_LOG="$DIR/replica/postgresql.log"
DC_PASSWORDS="$DIR/passwords.json"
APP+=(MEDIATION_ENV_FILE="$DIR/mediation.env")
export DC_DIR DC_DB_PASSWORD DC_BOUNCER_PORT DC_WEB_PORT DC_HTTP_PORT DC_HTTPS_PORT DC_PG_PORT \
    DC_REPLICA_PORT DC_REDIS_PORT DC_METRICS_TOKEN DC_CERT DC_REPLICA_LOG DC_PASSWORDS

step "deploy/'s files rendered for this stack"
rendered="$("$py" "$SCRIPTS/deploy_check.py" render 2>>"$STEP_LOG")"
HOST="$("$py" -c 'import json, sys; print(json.loads(sys.argv[1])["host"])' "$rendered")"
# The site's TLS placeholders get a certificate for its server name, trusted by the checks alone.
quiet openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
    -subj "/CN=$HOST" -addext "subjectAltName=DNS:$HOST" \
    -keyout "$DIR/nginx/tls/key.pem" -out "$DC_CERT"
chmod 644 "$DC_CERT"

step "PgBouncer"
# Its users' SCRAM secrets, as docs/deploy.md makes them.
psql -X -A -t -v ON_ERROR_STOP=1 "$PG_URL" >"$DIR/pgbouncer/userlist.txt" -c "SELECT
    format('\"%s\" \"%s\"', rolname, rolpassword) FROM pg_authid WHERE rolname = 'mediation'"
if [ "$(id -u)" -eq 0 ]; then
    # PgBouncer refuses to run as root; Debian's package runs it as postgres.
    chown -R postgres: "$DIR/pgbouncer"
    start pgbouncer runuser -u postgres -- pgbouncer "$DIR/pgbouncer/pgbouncer.ini"
else
    start pgbouncer pgbouncer "$DIR/pgbouncer/pgbouncer.ini"
fi
wait_port "$DC_BOUNCER_PORT" PgBouncer "$STARTED_PID"

step "migrate and collectstatic (deploy/bin/mediation-manage)"
quiet "${APP[@]}" deploy/bin/mediation-manage collectstatic --no-input -v0 &
collectstatic=$!
quiet "${APP[@]}" deploy/bin/mediation-manage migrate -v0
wait "$collectstatic"

# They load while the city is made.
step "gunicorn, a worker per queue, beat, nginx"
start gunicorn "${APP[@]}" deploy/bin/mediation-web
gunicorn=$STARTED_PID
for queue in "${QUEUE_NAMES[@]}"; do
    start "worker-$queue" "${APP[@]}" deploy/bin/mediation-worker "$queue"
done
start beat "${APP[@]}" deploy/bin/mediation-beat
quiet nginx -t -q -p "$DIR/nginx" -c "$DIR/nginx/nginx.conf" -e "$DIR/nginx/logs/error.log"
start nginx nginx -p "$DIR/nginx" -c "$DIR/nginx/nginx.conf" -e "$DIR/nginx/logs/error.log"
nginx=$STARTED_PID

step "a tiny city (generate_city --cases 30)"
quiet "${APP[@]}" deploy/bin/mediation-manage generate_city --cases 30 --seed 18 --force
# The demo logins the checks use get passwords of their own.
(umask 077 && "$py" -c 'import json, secrets, sys
print(json.dumps({name: secrets.token_urlsafe(16) for name in sys.argv[1:]}))' \
    director director_street intake mediator >"$DC_PASSWORDS")
quiet "${APP[@]}" deploy/bin/mediation-manage shell -c "import json
from django.contrib.auth.models import User
with open('$DC_PASSWORDS') as file:
    passwords = json.load(file)
for name, password in passwords.items():
    user = User.objects.get(username=name)
    user.set_password(password)
    user.save(update_fields=['password'])"
step "gunicorn and nginx listening"
wait_port "$DC_WEB_PORT" gunicorn "$gunicorn"
wait_port "$DC_HTTPS_PORT" nginx "$nginx"

step "through nginx: login, token, intake, transitions, PDF, report from the replica, /readyz, /metrics"
seen="$("$py" "$SCRIPTS/deploy_check.py" http 2>>"$STEP_LOG")"

step "deploy/backup.sh"
dump="$("${APP[@]}" deploy/backup.sh 2>>"$STEP_LOG")"
step "deploy/restore.sh into a new database, rebuild_rollups, the city's reports compared"
quiet "${APP[@]}" deploy/restore.sh "$dump" mediation_restored
compared="$(grep -o 'The [0-9]* reports equal' "$STEP_LOG" | grep -o '[0-9]*')"
[ -n "$compared" ] || die "restore.sh did not compare the reports"

SUMMARY="$("$py" - "$seen" "$compared" "${#QUEUE_NAMES[@]}" <<'PY'
import json
import sys

seen, compared, queues = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3]
if __import__("os").environ.get("DEPLOY_CHECK_VERBOSE"):
    print(f"  through nginx, seconds: {seen['timings']}", file=sys.stderr)
print(
    f"nginx (TLS) → gunicorn → PgBouncer → PostgreSQL + streaming replica, Redis, {queues} "
    f"workers + beat, DEBUG off; login page and form, API tokens, intake {seen['walk']['number']} "
    f"(2 parties) → accept → assign → resolve, agreement PDF ({seen['pdf_bytes'] // 1024} KB), "
    f"city report read on the replica, beat's heartbeat run on {queues} queues, /readyz "
    f"{len(seen['readyz'])} checks ok, /metrics (token only); backup → restore → "
    f"rebuild_rollups → {compared} city reports equal"
)
PY
)"
if [ -n "${DEPLOY_CHECK_VERBOSE:-}" ]; then
    info "the directory holds $(du -sh "$DIR" 2>/dev/null | cut -f1)"
fi
step "stop"
