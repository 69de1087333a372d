#!/usr/bin/env bash
# make run: set up, migrate the SQLite database, load the demo city the first time, print the demo
# logins and serve on 127.0.0.1:$PORT (default 8000).
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

PORT="${PORT:-8000}"
# make run is the laptop path: the SQLite default of settings.py, tasks in-process. A DATABASE_URL
# or broker left in the shell (say, from a PostgreSQL session) must not redirect it.
unset DATABASE_URL CELERY_BROKER_URL CELERY_RESULT_BACKEND REDIS_URL
# DEBUG is off unless set: the laptop turns it on, and with it the development secrets. E-mails are
# written to files under var/sent-mail/ (administrators read them at /sent-mail/), not printed.
export DEBUG=true
export EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend
export EMAIL_FILE_PATH="$ROOT/var/sent-mail"
# runserver prints a line per request already: no JSON request and task log lines on the console.
export LOG_REQUESTS=false

# Written after seed_demo succeeds. seed_demo adds nothing on a second run, but it is slow.
SEED_STAMP="$ROOT/var/seed_demo.done"

section "PDF support"
# The printable agreement's PDF needs Pango and a Chinese font. Installed when possible; without
# them everything else works and the PDF link says what is missing.
apt_offer "${PDF_PACKAGES[@]}"

section "Virtualenv"
"$(dirname "$0")/venv.sh"
py="$VENV/bin/python"

section "Migrate"
"$py" manage.py migrate --noinput

section "Demo data"
# The stamp alone could outlive its database (db.sqlite3 deleted by hand), so also ask the
# database whether it holds any centre.
seeded_db() {
    "$py" manage.py shell -v 0 -c '
import sys
from cases.models import Centre
sys.exit(0 if Centre.objects.exists() else 1)' 2>/dev/null
}
if [ -f "$SEED_STAMP" ] && seeded_db; then
    info "already loaded (remove $SEED_STAMP to run seed_demo again)"
    section "Demo logins"
    "$py" manage.py seed_demo --print-logins
else
    info "loading the demo city (seed_demo: under two minutes, only the first time)"
    "$py" manage.py seed_demo
    mkdir -p "$(dirname "$SEED_STAMP")"
    date -u +%Y-%m-%dT%H:%M:%SZ >"$SEED_STAMP"  # seed_demo printed the logins
fi

section "Serving on http://127.0.0.1:$PORT/ (Ctrl-C stops)"
# The periodic tasks (the hourly deadline sweep, the evening's session reminders, the morning's
# digests, the monthly reports...) run beside the server on beat's schedule, without a broker
# (manage.py run_schedule); what they did goes to var/schedule.log. Stopped with the server.
mkdir -p "$ROOT/var"
"$py" manage.py run_schedule >>"$ROOT/var/schedule.log" 2>&1 &
schedule_pid=$!
trap 'kill "$schedule_pid" 2>/dev/null || true' EXIT
info "periodic tasks: var/schedule.log"
"$py" manage.py runserver "127.0.0.1:$PORT"
