#!/usr/bin/env bash
# deploy/backup.sh [DIR]: a backup of the database, restorable with deploy/restore.sh.
#
# Writes DIR/mediation-YYYYmmddTHHMMSSZ.dump (pg_dump, custom format: compressed, restorable in
# parallel) and beside it .reports.json, the city's monthly reports read in the very snapshot the
# dump holds (manage.py report_figures), against which a restore is checked; and, when the
# attachments are kept on the filesystem (ATTACHMENT_STORAGE=filesystem, the default),
# .attachments.tar, the attachments folder taken after the dump's snapshot, so that it holds every
# file the dump refers to (files are never changed once written). With ATTACHMENT_STORAGE=s3 the
# object store's own versioning/replication is their backup. Keeps the newest BACKUP_KEEP backups
# (default 14) and deletes older ones; prints the dump's path.
#
# DIR defaults to BACKUP_DIR (default /var/backups/mediation). The database is BACKUP_DATABASE_URL,
# or DATABASE_URL: give PostgreSQL's own address, not PgBouncer's, if DATABASE_URL goes through it.
# The environment comes from MEDIATION_ENV_FILE, as for the units (deploy/bin/mediation-env).
# shellcheck source=deploy/bin/mediation-env
. "$(dirname "$0")/bin/mediation-env"

dir="${1:-${BACKUP_DIR:-/var/backups/mediation}}"
keep="${BACKUP_KEEP:-14}"
url="${BACKUP_DATABASE_URL:-${DATABASE_URL:-}}"
case "$keep" in
'' | *[!0-9]* | 0) echo "error: BACKUP_KEEP: a whole number of at least 1, not '$keep'" >&2 && exit 64 ;;
esac
case "$url" in
postgres://* | postgresql://*) ;;
*) echo "error: BACKUP_DATABASE_URL (or DATABASE_URL): a postgres:// URL is needed" >&2 && exit 64 ;;
esac
umask 077
mkdir -p -- "$dir"

stamp="$(date -u +%Y%m%dT%H%M%SZ)"
dump="$dir/mediation-$stamp.dump"
reports="$dir/mediation-$stamp.reports.json"
files="$dir/mediation-$stamp.attachments.tar"
partial="$dump.partial"
rm -f -- "$partial"
# The attachments' folder, as the application reads it (mediation/storage.py); empty with S3.
root="$(python -c 'import environ, pathlib, mediation.storage as m
s = m.attachment_storage(environ.Env(), pathlib.Path.cwd())
print(s["OPTIONS"]["location"] if s["BACKEND"].endswith("FileSystemStorage") else "")')"

# One transaction exports its snapshot and stays open while pg_dump and the reports read it: the
# reports describe exactly the data in the dump, however busy the database is meanwhile.
coproc SNAPSHOT { psql -X -q -A -t -v ON_ERROR_STOP=1 "$url"; }
snapshot_pid=$SNAPSHOT_PID
cleanup() {
    kill "$snapshot_pid" 2>/dev/null || true
    rm -f -- "$partial" "$reports.partial" "$files.partial"
}
trap cleanup EXIT
echo "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SELECT pg_export_snapshot();" >&"${SNAPSHOT[1]}"
read -r -t 60 snapshot <&"${SNAPSHOT[0]}" || {
    echo "error: could not open a snapshot on the database" >&2
    exit 1
}

started=$(date +%s.%N)
pg_dump --format=custom --snapshot="$snapshot" --file="$partial" "$url"
DATABASE_URL="$url" python manage.py report_figures --snapshot "$snapshot" >"$reports.partial"
printf 'COMMIT;\n\\q\n' >&"${SNAPSHOT[1]}"
wait "$snapshot_pid" || true
# After the snapshot: every file the dump refers to was written before it (and is never changed);
# files of uploads made since are in the archive too, harmlessly (prune_attachment_files).
if [ -n "$root" ]; then
    if [ -d "$root" ]; then
        # Photos, PDFs and Office files are compressed already: a plain tar. Exit status 1 is
        # GNU tar's "a file changed or vanished while read": an upload in flight, not in the dump.
        status=0
        tar --create --file="$files.partial" --directory="$root" \
            --warning=no-file-changed --warning=no-file-removed . || status=$?
        [ "$status" -le 1 ] || exit "$status"
    else
        tar --create --file="$files.partial" --files-from=/dev/null # no upload yet
    fi
fi
mv -- "$reports.partial" "$reports"
[ -z "$root" ] || mv -- "$files.partial" "$files"
mv -- "$partial" "$dump"
elapsed=$(python -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$started" "$(date +%s.%N)")

# Retention: the newest $keep dumps stay, with their reports and attachments.
mapfile -t old < <(ls -1 -- "$dir"/mediation-*.dump 2>/dev/null | sort -r | tail -n +"$((keep + 1))")
for file in "${old[@]}"; do
    rm -f -- "$file" "${file%.dump}.reports.json" "${file%.dump}.attachments.tar"
done

if [ -n "$root" ]; then
    attachments="attachments $(du -h -- "$files" | cut -f1) from $root"
else
    attachments="attachments not included (ATTACHMENT_STORAGE=s3: the object store keeps them)"
fi
echo "backup: $(du -h -- "$dump" | cut -f1), ${attachments}, in ${elapsed} s," \
    "${#old[@]} old backups removed" >&2
echo "$dump"
