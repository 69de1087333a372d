#!/usr/bin/env bash
# deploy/restore.sh DUMP DATABASE: restores a deploy/backup.sh dump into a NEW database and checks it.
#
#   1. creates DATABASE (it must not exist) on the server of BACKUP_DATABASE_URL (or DATABASE_URL)
#   2. pg_restore of DUMP into it (RESTORE_JOBS parallel jobs, default 2)
#   3. manage.py migrate --check: the code here must be the version that wrote the dump
#   4. manage.py rebuild_rollups: every report counter recomputed from the cases and events
#   5. manage.py report_figures --compare: the city's reports equal those saved with the dump
#   6. the attachments (DUMP's .attachments.tar, when the attachments are kept on the filesystem)
#      put back into the attachments folder: missing files only, none in it overwritten (a
#      file's name is random and its content never changes, so one there is the same file)
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

# The attachments' folder, as the application reads it (mediation/storage.py); empty with S3.
root="$(python -c 'import environ, pathlib, mediation.storage as m
s = m.attachment_storage(environ.Env(), pathlib.Path.cwd())
print(s["OPTIONS"]["location"] if s["BACKEND"].endswith("FileSystemStorage") else "")')"
files="${dump%.dump}.attachments.tar"
if [ -z "$root" ]; then
    attachments="attachments: ATTACHMENT_STORAGE=s3, restore them from the object store's versions"
elif [ ! -r "$files" ]; then
    attachments="attachments: no $(basename -- "$files") beside the dump, none put back"
    echo "warning: $attachments (a backup taken without them: copy the folder back by hand)" >&2
else
    mkdir -p -- "$root"
    count() { find "$root" -type f | wc -l; }
    before=$(count)
    tar --extract --file="$files" --directory="$root" --skip-old-files --no-same-owner
    attachments="attachments: $(($(count) - before)) missing files put back into $root"
fi
echo "$attachments"
echo "restore: '$name' from $(basename -- "$dump"): pg_restore ${restored} s, rebuild_rollups" \
    "${rebuilt} s, report comparison ${compared} s, in all $(seconds "$started") s" >&2
