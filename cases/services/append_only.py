"""The two ways past the append-only triggers (``cases.models.append_only``): emptying the whole
database (Django's ``flush``), and masking what a case's events hold of its people
(``masking_events``, for anonymisation only).

On PostgreSQL a flush is a TRUNCATE, which fires no row trigger, so nothing is needed. SQLite has
no TRUNCATE: Django empties each table with ``DELETE FROM``, which the triggers refuse unless
``SWITCH_TABLE`` holds a row. ``flushing`` inserts that row and removes it again inside one
transaction around the flush, so no other connection ever sees the switch open
(``cases/management/commands/flush.py``, the only caller; the test suite's flush between
transactional tests goes through it).
"""

from collections.abc import Iterator
from contextlib import contextmanager

import pgtrigger
from django.db import connections, transaction

from ..models.append_only import FLUSH, MASK, SWITCH_TABLE


@contextmanager
def flushing(*, using: str) -> Iterator[None]:
    """Let the block delete every row of the append-only tables (SQLite; a no-op elsewhere)."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        yield
        return
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {SWITCH_TABLE} (reason) VALUES ('{FLUSH}')")
        yield
        cursor.execute(f"DELETE FROM {SWITCH_TABLE}")


@contextmanager
def masking_events(*, using: str = "default") -> Iterator[None]:
    """Let the block UPDATE the ``before`` and ``after`` of events, in one transaction: on
    PostgreSQL ``append_only`` of ``cases_event`` is passed (pgtrigger's ``pgtrigger.ignore``
    setting, local to the transaction; the audit trail's trigger is not passed), on SQLite the
    switch is opened for masking. ``values_only`` still refuses any other change and any DELETE.
    For ``cases.services.anonymisation`` only.

    Not ``pgtrigger.ignore()`` itself: it prefixes every statement with a second one, which
    psycopg 3 refuses in a statement with parameters."""
    connection = connections[using]
    ((model, trigger),) = pgtrigger.registered("cases.Event:append_only")
    pgid = trigger.get_pgid(model)
    with transaction.atomic(using=using), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT set_config('pgtrigger.ignore', %s, true)", [f"{{{pgid}}}"])
            yield
            # On an error the transaction (or savepoint) rolls back, and the setting with it.
            cursor.execute("SELECT set_config('pgtrigger.ignore', '{}', true)")
            return
        cursor.execute(f"INSERT INTO {SWITCH_TABLE} (reason) VALUES ('{MASK}')")
        yield
        cursor.execute(f"DELETE FROM {SWITCH_TABLE} WHERE reason = '{MASK}'")
