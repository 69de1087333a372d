"""gunicorn's configuration for the web processes (deploy/bin/mediation-web reads it).

Every value can be overridden from the environment file (deploy/mediation.env.example):
GUNICORN_BIND, GUNICORN_WORKERS, GUNICORN_TIMEOUT, GUNICORN_FORWARDED_ALLOW_IPS.
"""

import multiprocessing
import os

# nginx on the same host proxies to this address; on a web host behind a separate proxy, bind the
# host's private address and let only the proxy reach it.
bind = os.environ.get("GUNICORN_BIND") or "127.0.0.1:8000"

# Sync workers: each request holds one process, and a case intake or read is CPU in Django
# (docs/benchmarks.md). Two per core plus one keeps the cores busy while others wait on PostgreSQL.
workers = int(os.environ.get("GUNICORN_WORKERS") or multiprocessing.cpu_count() * 2 + 1)
worker_class = "sync"

# A request still running after this many seconds is killed (its worker restarted). The slowest
# pages (a month's report PDF, a large CSV export) take a few seconds; nginx waits a little longer
# (proxy_read_timeout 65s in deploy/nginx/mediation.conf) so that gunicorn gives up first.
timeout = int(os.environ.get("GUNICORN_TIMEOUT") or 60)
graceful_timeout = 30
keepalive = 5

# Each worker is replaced after about this many requests: memory a long life accumulated
# (WeasyPrint's fonts, a report's data) goes back to the system. The jitter staggers the restarts.
max_requests = 2000
max_requests_jitter = 200

# Load the application before forking: a syntax or settings error stops the start at once, with
# the message, instead of a loop of dying workers; the workers share the loaded code's memory.
preload_app = True


def when_ready(server: object) -> None:
    """In the master, after the application is loaded and before the workers are forked: import
    the PDF renderer (WeasyPrint, Pango, HarfBuzz) once, so that no worker's first PDF waits for
    it (cases.documents.pdf.preload; issue 24)."""
    from cases.documents.pdf import preload

    preload()


# X-Forwarded-* are believed only from these addresses (the proxy): comma-separated.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS") or "127.0.0.1,::1"

# Logs go to standard output and error, i.e. the journal under systemd. The access log's fields
# are masked (phone and ID numbers in a path, query string or header: mediation/logs.py); the
# request id is the one nginx sets (X-Request-ID), so a line here matches the proxy's.
logger_class = "mediation.logs.GunicornLogger"
accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms rid=%({x-request-id}i)s'
capture_output = True
proc_name = "mediation-web"
