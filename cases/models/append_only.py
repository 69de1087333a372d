"""The timeline (``cases_event``) and the audit trail (``cases_auditrecord``) are append-only in the
database itself (DESIGN §3, "Event", "Audit record"; docs/personal-data.md): a trigger refuses
every UPDATE and DELETE of a row, whoever sends it (the ORM, a management command, psql).

- PostgreSQL: ``append_only()`` in each model's ``Meta.triggers`` (django-pgtrigger), installed by
  the migrations; it raises ``restrict_violation`` (SQLSTATE 23001, an ``IntegrityError``).
  TRUNCATE fires no row trigger: the test suite's flush and a restore from a backup still work.
- SQLite (``make run``): ``sqlite_statements()``, installed by migration 0030 on SQLite only;
  ``RAISE(ABORT, ...)``, also an ``IntegrityError``. SQLite has no TRUNCATE, so Django's flush
  (``DELETE FROM`` every table) opens ``SWITCH_TABLE`` for the length of its own transaction
  (``cases.services.append_only.flushing``); nothing else does.

SQLite rebuilds a table to alter most of its columns (create, copy, drop, rename), which drops
the table's triggers: a migration that alters ``Event`` or ``AuditRecord`` that way runs
``sqlite_statements()`` again at its end (``tests/cases/test_append_only.py`` fails otherwise).
"""

import pgtrigger

APPEND_ONLY_TABLES = ("cases_event", "cases_auditrecord")

# One row in it while a flush empties the database (SQLite only; not a model, so Django's flush
# leaves it alone).
SWITCH_TABLE = "cases_append_only_switch"


def refusal(table: str, operation: str) -> str:
    """The error a refused statement raises (the same words on both databases)."""
    return f"{table} is append-only: {operation} refused (a correction is a new row)"


def append_only() -> pgtrigger.Trigger:
    """The PostgreSQL trigger of ``Meta.triggers``: refuses UPDATE and DELETE of any row."""
    return pgtrigger.Trigger(
        name="append_only",
        level=pgtrigger.Row,
        when=pgtrigger.Before,
        operation=pgtrigger.Update | pgtrigger.Delete,
        func=pgtrigger.Func(
            "RAISE EXCEPTION '% is append-only: % refused (a correction is a new row)', "
            "TG_TABLE_NAME, TG_OP USING ERRCODE = 'restrict_violation';"
        ),
    )


def sqlite_statements() -> list[str]:
    """The SQLite switch table and triggers (idempotent: ``IF NOT EXISTS``)."""
    statements = [f"CREATE TABLE IF NOT EXISTS {SWITCH_TABLE} (reason TEXT NOT NULL)"]
    for table in APPEND_ONLY_TABLES:
        for operation in ("UPDATE", "DELETE"):
            statements.append(
                f"CREATE TRIGGER IF NOT EXISTS {table}_append_only_{operation.lower()} "
                f"BEFORE {operation} ON {table} "
                f"WHEN NOT EXISTS (SELECT 1 FROM {SWITCH_TABLE}) "
                f"BEGIN SELECT RAISE(ABORT, '{refusal(table, operation)}'); END"
            )
    return statements
