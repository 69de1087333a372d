#!/usr/bin/env bash
# deploy/restore.sh DUMP DATABASE: restores a deploy/backup.sh dump into a NEW database and checks it.
#
#   1. creates DATABASE (it must not exist) on the server of BACKUP_DATABASE_URL (or DATABASE_URL)
#   2. pg_restore of DUMP into it (RESTORE_JOBS parallel jobs, default 2)
#   3. manage.py migrate --check: the code here must be the version that wrote the dump
#   4. manage.py rebuild_rollups: every report counter recomputed from the cases and events
#   5. manage.py report_figures --compare: the city's reports equal those saved with the dump
#
# It never touches the database in service. Switching over (docs/deploy.md, "Restore"): point
# PgBouncer's [databases] entry (or DATABASE_URL) at DATABASE, then restart the units.
# shellcheck source=deploy/bin/mediation-env
. "$(dirname "$0")/bin/mediation-env"

dump="${1:-}"
name="${2:-}"
if [ -z "$dump" ] || [ ! -r "$dump" ]; then
    echo "error: DUMP: no readable dump file '${dump}' (usage: restore.sh DUMP DATABASE)" >&2
    exit 64
fi
reports="${dump%.dump}.reports.json"
if [ ! -r "$reports" ]; then
    echo "error: DUMP: no $reports beside it (written by deploy/backup.sh)" >&2
    exit 64
fi
if ! [[ "$name" =~ ^[a-z_][a-z0-9_]{0,62}$ ]]; then
    echo "error: DATABASE: a new database name (lower-case letters, digits, _), not '$name'" >&2
    exit 64
fi
url="${BACKUP_DATABASE_URL:-${DATABASE_URL:-}}"
case "$url" in
postgres://* | postgresql://*) ;;
*) echo "error: BACKUP_DATABASE_URL (or DATABASE_URL): a postgres:// URL is needed" >&2 && exit 64 ;;
esac
# The same server and role, the new database's name in place of the old (query string kept).
target="$(python -c 'import sys, urllib.parse as u
p = u.urlsplit(sys.argv[1])
print(u.urlunsplit(p._replace(path="/" + sys.argv[2])))' "$url" "$name")"

if [ "$(psql -X -A -t -v ON_ERROR_STOP=1 "$url" \
    -c "SELECT count(*) FROM pg_database WHERE datname = '$name'" 2>&1)" != "0" ]; then
    echo "error: DATABASE: '$name' exists already, or the server cannot be asked; nothing changed" >&2
    exit 65
fi

now() { date +%s.%N; }
seconds() { python -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$1" "$(now)"; }

started=$(now)
psql -X -q -v ON_ERROR_STOP=1 "$url" -c "CREATE DATABASE \"$name\""
pg_restore --exit-on-error --no-owner --no-privileges --jobs="${RESTORE_JOBS:-2}" \
    --dbname="$target" "$dump"
restored=$(seconds "$started")

export DATABASE_URL="$target" DB_PREPARED_STATEMENTS=false
if ! python manage.py migrate --check >/dev/null; then
    echo "error: the dump's migrations differ from this code's: restore with the version that" \
        "wrote it (docs/deploy.md, Restore); '$name' is left for inspection" >&2
    exit 1
fi
step=$(now)
python manage.py rebuild_rollups
rebuilt=$(seconds "$step")
step=$(now)
python manage.py report_figures --compare "$reports"
compared=$(seconds "$step")
echo "restore: '$name' from $(basename -- "$dump"): pg_restore ${restored} s, rebuild_rollups" \
    "${rebuilt} s, report comparison ${compared} s, in all $(seconds "$started") s" >&2
