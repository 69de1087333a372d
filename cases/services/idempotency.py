"""Idempotency-Keys: claiming one for a request, storing its answer, forgetting old ones.

A claim is made in the request's own transaction and answered in it, so the claim, the request's
work and its answer commit together or not at all: a request that dies (worker killed, timeout,
database gone) leaves no claim behind, and a retry with its key either replays the committed
answer or does the work once (docs/api.md, "Idempotency-Key").
"""

import math
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from ..models import IdempotencyKey


class KeyInUse(Exception):
    """Another request holds the key; ask again in ``retry_after`` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


class KeyReused(Exception):
    """The key was first used with another request (method, path or body)."""


def _lease() -> timedelta:
    return timedelta(seconds=settings.IDEMPOTENCY_LEASE_SECONDS)


def _forgotten(now: datetime) -> Q:
    """Keys past their retention, and claims never answered within their lease: the request
    that made them died (only versions that committed a claim before its work left such rows)."""
    retention = timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)
    return Q(created_at__lt=now - retention) | Q(
        status_code__isnull=True, created_at__lt=now - _lease()
    )


@contextmanager
def _lock_wait_at_most(wait: timedelta) -> Iterator[None]:
    """Let the statements inside wait at most ``wait`` for a row or index lock (PostgreSQL's
    ``lock_timeout``, for the rest of the block only); SQLite waits for its database lock for
    the connection's ``timeout`` instead."""
    if connection.vendor != "postgresql":
        yield
        return
    milliseconds = max(1, int(wait.total_seconds() * 1000))
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('lock_timeout', %s, true)", [f"{milliseconds}ms"])
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL lock_timeout TO DEFAULT")


def _gave_up_waiting(error: OperationalError) -> bool:
    """A lock wait that ran out: PostgreSQL's ``lock_not_available``, SQLite's busy database."""
    return getattr(error.__cause__, "sqlstate", None) == "55P03" or "database is locked" in str(
        error
    )


def claim(*, user: User, key: str, fingerprint: str) -> IdempotencyKey:
    """Claim ``key`` for ``user``'s request with ``fingerprint``; call inside the transaction
    that does the request's work and stores its answer (``store_answer``).

    Returns the new, unanswered claim, or the answered record of an earlier request with the same
    fingerprint (to replay). While another request holds the key, this waits for it to end (on
    PostgreSQL the insert waits on the unique index until the other transaction commits or rolls
    back) at most ``IDEMPOTENCY_LEASE_SECONDS``, then raises ``KeyInUse``; a key first used with
    another fingerprint raises ``KeyReused``. Keys of other users never meet.
    """
    now = timezone.now()
    try:
        with transaction.atomic(), _lock_wait_at_most(_lease()):
            IdempotencyKey.objects.filter(user=user, key=key).filter(_forgotten(now)).delete()
            return IdempotencyKey.objects.create(user=user, key=key, fingerprint=fingerprint)
    except IntegrityError:
        pass  # the other request committed its answer, read it below
    except OperationalError as error:
        if not _gave_up_waiting(error):
            raise
        raise KeyInUse(retry_after=1) from None
    record = IdempotencyKey.objects.filter(user=user, key=key).first()
    if record is None:
        raise KeyInUse(retry_after=1)  # forgotten in the meantime: ask again
    if record.fingerprint != fingerprint:
        raise KeyReused()
    if not record.answered:
        expires = (record.created_at + _lease() - now).total_seconds()
        raise KeyInUse(retry_after=max(1, math.ceil(expires)))
    return record


def store_answer(
    record: IdempotencyKey, *, status_code: int, body: Any, headers: dict[str, str]
) -> None:
    """Store the answer of ``record``'s request, to replay; in the request's transaction."""
    record.status_code = status_code
    record.response = body
    record.headers = headers
    record.save(update_fields=["status_code", "response", "headers"])


def purge_expired_keys() -> int:
    """Delete keys older than ``IDEMPOTENCY_KEY_TTL_HOURS`` (and claims never answered within
    ``IDEMPOTENCY_LEASE_SECONDS``); return how many went."""
    deleted, _ = IdempotencyKey.objects.filter(_forgotten(timezone.now())).delete()
    return deleted
