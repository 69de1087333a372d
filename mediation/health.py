"""GET /healthz (liveness) and GET /readyz (readiness), for load balancers and monitoring: no
authentication, never cached.

``/healthz``: is this process up, and can it reach its database? 200 ``{"status": "ok", "database":
"ok"}`` after a ``SELECT 1`` on the default database; 503 ``{"status": "error", "database":
"unavailable"}`` when that fails.

``/readyz``: can this deployment serve? Each check is named with its state in ``checks``: the
database; the read replica and its lag (when ``DATABASES`` has a ``replica``); the broker's Redis, a
worker on each queue and the beat's last tick (``mediation.heartbeat``; "not applicable" without a
broker, tasks then run in-process). 200 when every check passes, else 503 with ``failed`` naming
the checks that did not.
"""

import logging
import re
import time

import redis
from django import db
from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from cases.queues import QUEUES
from cases.web.middleware import without_session
from mediation import heartbeat

logger = logging.getLogger(__name__)

# Driver messages may quote a connection string; keep credentials out of the log.
_CREDENTIALS = re.compile(r"(://[^:/@\s]+:)[^@\s]+@|(password\s*=\s*)\S+", re.IGNORECASE)


def _redacted(message: str) -> str:
    return _CREDENTIALS.sub(
        lambda m: f"{m.group(1)}***@" if m.group(1) else f"{m.group(2)}***", message
    )


@without_session
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with db.connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except db.Error as error:  # OperationalError and every other database error
        logger.warning(
            "Health check: database unavailable: %s: %s",
            type(error).__name__,
            _redacted(str(error)),
        )
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


OK = "ok"
NOT_APPLICABLE = "not applicable"
_PASSING = {OK, NOT_APPLICABLE}

# Lag of a standby: none while it has replayed all it received, else the age of its last replay.
_REPLICA_LAG_SQL = """
SELECT CASE
    WHEN NOT pg_is_in_recovery() THEN 0
    WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
    ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0)
END
"""


def _database_check(alias: str) -> str:
    try:
        with db.connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except db.Error as error:
        logger.warning(
            "Readiness: database %r unavailable: %s: %s",
            alias,
            type(error).__name__,
            _redacted(str(error)),
        )
        return "unavailable"
    return OK


def _replica_checks() -> dict[str, str]:
    if not settings.DATABASES.get("replica"):
        return {"replica": NOT_APPLICABLE}
    state = _database_check("replica")
    if state != OK or db.connections["replica"].vendor != "postgresql":
        return {"replica": state}
    try:
        with db.connections["replica"].cursor() as cursor:
            cursor.execute(_REPLICA_LAG_SQL)
            lag = float(cursor.fetchone()[0])
    except db.Error as error:
        logger.warning("Readiness: replica lag unknown: %s", type(error).__name__)
        return {"replica": "unavailable"}
    if lag > settings.READYZ_REPLICA_MAX_LAG_SECONDS:
        logger.warning("Readiness: replica %.0f s behind the primary", lag)
        return {"replica": "lagging"}
    return {"replica": OK}


def _stamp_state(stamp: bytes | str | None, now: float) -> str:
    if stamp is None:
        return "missing"
    return OK if now - float(stamp) <= settings.READYZ_HEARTBEAT_MAX_AGE_SECONDS else "stale"


def _broker_checks() -> dict[str, str]:
    names = ["redis", *(f"worker:{queue}" for queue in QUEUES), "beat"]
    if not settings.CELERY_BROKER_URL:
        return dict.fromkeys(names, NOT_APPLICABLE)
    keys = [heartbeat.worker_key(queue) for queue in QUEUES] + [heartbeat.BEAT_KEY]
    try:
        stamps = heartbeat.broker().mget(keys)
    except redis.RedisError as error:
        logger.warning("Readiness: broker unavailable: %s", type(error).__name__)
        return {"redis": "unavailable"} | dict.fromkeys(names[1:], "unknown")
    now = time.time()
    return {"redis": OK} | {
        name: _stamp_state(stamp, now) for name, stamp in zip(names[1:], stamps, strict=True)
    }


@without_session
@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _database_check("default"), **_replica_checks(), **_broker_checks()}
    failed = [name for name, state in checks.items() if state not in _PASSING]
    if failed:
        logger.warning("Readiness: not ready: %s", ", ".join(failed))
        return JsonResponse({"status": "error", "failed": failed, "checks": checks}, status=503)
    return JsonResponse({"status": "ok", "checks": checks})
