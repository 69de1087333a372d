"""Loading many rows at once on PostgreSQL: COPY, and indexes built once at the end.

Used by ``generate_city`` (``cases.demo.bulk``) and the report counters' rebuild
(``cases.reports.rollups``). ``copy_rows`` also works on SQLite (a plain ``executemany``).
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection


def copy_rows(table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
    """Insert ``rows`` into ``table``: PostgreSQL's COPY, or a plain ``executemany``."""
    if not rows:
        return
    quoted = connection.ops.quote_name(table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {quoted} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(
                f"INSERT INTO {quoted} ({', '.join(columns)}) VALUES ({marks})", rows
            )


@contextmanager
def indexes_deferred(models: Iterable[Any]) -> Iterator[None]:
    """Drop the secondary indexes, unique, exclusion and foreign-key constraints of ``models``'
    tables, and create them again at the end: building an index once over millions of rows is
    far quicker than keeping it up to date row by row, and adding a constraint back checks every
    row against it. Only for loads into an empty database, inside one transaction (an interrupted
    load leaves the schema as it was). Primary keys and check constraints stay throughout."""
    tables = [model._meta.db_table for model in models]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE conrelid = ANY(%s::regclass[]) AND contype IN ('f', 'u', 'x')"
            " ORDER BY contype DESC, conname",
            [tables],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) ORDER BY 1",
            [tables],
        )
        indexes = cursor.fetchall()
        # Foreign keys are checked at commit; those pending (the network just built) must be
        # checked before their constraints can be dropped.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table, name, _definition in constraints:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {connection.ops.quote_name(name)}")
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {name}")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
        for _name, definition in indexes:
            cursor.execute(definition)
        # Unique and exclusion constraints first: the foreign keys may rest on them.
        for table, name, definition in sorted(constraints, key=lambda c: "FOREIGN" in c[2]):
            quoted = connection.ops.quote_name(name)
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {quoted} {definition}")


def analyze(models: Iterable[Any]) -> None:
    """Fresh planner statistics for the tables of ``models`` (PostgreSQL; nothing on SQLite).

    After a bulk load the statistics still describe the tables as they were (often empty), and the
    planner picks plans that are fine for ten rows and ruinous for ten thousand, until autovacuum
    catches up, which it cannot do inside the loading transaction."""
    if connection.vendor != "postgresql":
        return
    tables = ", ".join(connection.ops.quote_name(model._meta.db_table) for model in models)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {tables}")
