"""The one way past the append-only triggers: emptying the whole database (Django's ``flush``).

On PostgreSQL a flush is a TRUNCATE, which fires no row trigger, so nothing is needed. SQLite has
no TRUNCATE: Django empties each table with ``DELETE FROM``, which the triggers refuse unless
``SWITCH_TABLE`` holds a row. ``flushing`` inserts that row and removes it again inside one
transaction around the flush, so no other connection ever sees the switch open
(``cases/management/commands/flush.py``, the only caller; the test suite's flush between
transactional tests goes through it).
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connections, transaction

from ..models.append_only import SWITCH_TABLE


@contextmanager
def flushing(*, using: str) -> Iterator[None]:
    """Let the block delete every row of the append-only tables (SQLite; a no-op elsewhere)."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        yield
        return
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {SWITCH_TABLE} (reason) VALUES ('flush')")
        yield
        cursor.execute(f"DELETE FROM {SWITCH_TABLE}")
