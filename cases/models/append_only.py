"""The timeline (``cases_event``) and the audit trail (``cases_auditrecord``) are append-only in the
database itself (DESIGN §3, "Event", "Audit record"; docs/personal-data.md): a trigger refuses
every UPDATE and DELETE of a row, whoever sends it (the ORM, a management command, psql).

- PostgreSQL: ``append_only()`` in each model's ``Meta.triggers`` (django-pgtrigger), installed by
  the migrations; it raises ``restrict_violation`` (SQLSTATE 23001, an ``IntegrityError``).
  TRUNCATE fires no row trigger: the test suite's flush and a restore from a backup still work.
- SQLite (``make run``): ``sqlite_statements()``, installed by the migrations on SQLite only;
  ``RAISE(ABORT, ...)``, also an ``IntegrityError``. SQLite has no TRUNCATE, so Django's flush
  (``DELETE FROM`` every table) opens ``SWITCH_TABLE`` for the length of its own transaction
  (``cases.services.append_only.flushing``); nothing else does.

One exception, for the law's sake: anonymisation (``cases.services.anonymisation``) replaces
what a case's events hold of its people (names, addresses, masked ID numbers and phones) by role
labels and ``***``. It passes ``append_only`` on ``cases_event`` only, in its own transaction
(``cases.services.append_only.masking_events``), and a second trigger, ``values_only``, which it
never passes, still refuses there every DELETE and every change to anything but the values
``before`` and ``after``: the kind, time, author, centre and version of an event never change.

SQLite rebuilds a table to alter most of its columns (create, copy, drop, rename), which drops
the table's triggers: a migration that alters ``Event`` or ``AuditRecord`` that way runs
``sqlite_statements()`` again at its end (``tests/cases/test_append_only.py`` fails otherwise).
"""

import pgtrigger

APPEND_ONLY_TABLES = ("cases_event", "cases_auditrecord")

# One row in it while a flush empties the database, or anonymisation masks a case's events
# (SQLite only; not a model, so Django's flush leaves it alone). Its ``reason`` says which.
SWITCH_TABLE = "cases_append_only_switch"
FLUSH = "flush"
MASK = "mask"

#: The only columns of an event anonymisation may change.
EVENT_VALUES = ("before", "after")
#: Every other column of ``cases_event`` (a test keeps this equal to the model's columns).
EVENT_FIXED_COLUMNS = (
    "id",
    "case_id",
    "at",
    "actor_id",
    "kind",
    "name",
    "centre_id",
    "case_version",
)


def refusal(table: str, operation: str) -> str:
    """The error a refused statement raises (the same words on both databases)."""
    return f"{table} is append-only: {operation} refused (a correction is a new row)"


def values_refusal(operation: str) -> str:
    """The error of ``values_only`` (the same words on both databases)."""
    return f"cases_event: only the values before and after may be masked: {operation} refused"


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


def values_only() -> pgtrigger.Trigger:
    """The event's second PostgreSQL trigger: refuses every DELETE and every UPDATE that changes
    a column other than ``before`` and ``after``. It fires after ``append_only`` (triggers fire
    in the order of their names), so it only speaks when anonymisation has passed that one."""
    values = " - ".join(f"'{column}'" for column in EVENT_VALUES)
    return pgtrigger.Trigger(
        name="values_only",
        level=pgtrigger.Row,
        when=pgtrigger.Before,
        operation=pgtrigger.Update | pgtrigger.Delete,
        func=pgtrigger.Func(
            f"IF TG_OP = 'DELETE' OR (to_jsonb(NEW) - {values}) "
            f"IS DISTINCT FROM (to_jsonb(OLD) - {values}) THEN "
            "RAISE EXCEPTION 'cases_event: only the values before and after may be masked: "
            "% refused', TG_OP USING ERRCODE = 'restrict_violation'; "
            "END IF; RETURN NEW;"
        ),
    )


def sqlite_triggers() -> list[str]:
    """The names of the SQLite triggers ``sqlite_statements`` creates."""
    names = [f"{t}_append_only_{op}" for t in APPEND_ONLY_TABLES for op in ("update", "delete")]
    return [*names, "cases_event_values_only_update", "cases_event_values_only_delete"]


def sqlite_statements() -> list[str]:
    """The SQLite switch table and triggers (idempotent: ``IF NOT EXISTS``). A flush opens both
    tables; masking opens only the UPDATE of events, and only of ``before`` and ``after``."""
    statements = [f"CREATE TABLE IF NOT EXISTS {SWITCH_TABLE} (reason TEXT NOT NULL)"]
    for table in APPEND_ONLY_TABLES:
        for operation in ("UPDATE", "DELETE"):
            reasons = [FLUSH, MASK] if (table, operation) == ("cases_event", "UPDATE") else [FLUSH]
            opened = ", ".join(f"'{reason}'" for reason in reasons)
            statements.append(
                f"CREATE TRIGGER IF NOT EXISTS {table}_append_only_{operation.lower()} "
                f"BEFORE {operation} ON {table} "
                f"WHEN NOT EXISTS (SELECT 1 FROM {SWITCH_TABLE} WHERE reason IN ({opened})) "
                f"BEGIN SELECT RAISE(ABORT, '{refusal(table, operation)}'); END"
            )
    masking = f"EXISTS (SELECT 1 FROM {SWITCH_TABLE} WHERE reason = '{MASK}')"
    statements += [
        "CREATE TRIGGER IF NOT EXISTS cases_event_values_only_update "
        f"BEFORE UPDATE OF {', '.join(EVENT_FIXED_COLUMNS)} ON cases_event WHEN {masking} "
        f"BEGIN SELECT RAISE(ABORT, '{values_refusal('UPDATE')}'); END",
        "CREATE TRIGGER IF NOT EXISTS cases_event_values_only_delete "
        f"BEFORE DELETE ON cases_event WHEN {masking} "
        f"BEGIN SELECT RAISE(ABORT, '{values_refusal('DELETE')}'); END",
    ]
    return statements
