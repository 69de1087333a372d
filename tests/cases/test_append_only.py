"""The timeline and the audit trail are append-only in the database itself (issue 22; DESIGN §3):
raw SQL cannot change or delete an event or an audit record, on PostgreSQL and on SQLite; cases
and their events are never deleted; emptying the whole database (the test suite's flush) still
works.

The first tests run on the database of the run (PostgreSQL for ``make test``, SQLite when
``DATABASE_URL`` says so); ``TestAnSQLiteDatabase`` migrates an SQLite file of its own, so the
PostgreSQL run checks SQLite's triggers too.
"""

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from cases.models import AuditAction, AuditRecord, Case, Event
from cases.models.append_only import EVENT_FIXED_COLUMNS, EVENT_VALUES, refusal
from cases.services import audit
from cases.services.append_only import masking_events
from tests.factories import Tree, build_tree, register

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def case(tree: Tree) -> Case:
    return register(actor=tree.intake_s1, centre=tree.s1)


def refused(sql: str, params: list[Any]) -> str:
    """The error the database gives ``sql`` (which must fail): its message's first line
    (PostgreSQL adds the trigger function's name on the next)."""
    with pytest.raises(IntegrityError) as error, transaction.atomic(), connection.cursor() as cur:
        cur.execute(sql, params)
    return str(error.value).splitlines()[0]


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE cases_event SET name = 'rewritten' WHERE id = %s",
        "UPDATE cases_event SET after = '{}' WHERE id = %s",
        "DELETE FROM cases_event WHERE id = %s",
    ],
)
def test_raw_sql_cannot_change_or_delete_an_event(case: Case, sql: str) -> None:
    event = case.events.get()
    operation = sql.split()[0]
    assert refused(sql, [event.pk]) == (
        f"cases_event is append-only: {operation} refused (a correction is a new row)"
    )
    assert Event.objects.get(pk=event.pk).name == event.name == "register"
    assert Event.objects.get(pk=event.pk).after == event.after


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE cases_auditrecord SET actor_name = 'someone else' WHERE id = %s",
        "DELETE FROM cases_auditrecord WHERE id = %s",
    ],
)
def test_raw_sql_cannot_change_or_delete_an_audit_record(tree: Tree, sql: str) -> None:
    record = audit.record(actor=tree.director_c, action=AuditAction.AUDIT_EXPORT, details={})
    operation = sql.split()[0]
    assert refused(sql, [record.pk]) == (
        f"cases_auditrecord is append-only: {operation} refused (a correction is a new row)"
    )
    assert AuditRecord.objects.get(pk=record.pk).actor_name == tree.director_c.username


def test_the_orm_cannot_update_or_delete_events_either(case: Case) -> None:
    with pytest.raises(IntegrityError, match="cases_event is append-only"), transaction.atomic():
        Event.objects.filter(case=case).update(name="rewritten")
    with pytest.raises(IntegrityError, match="cases_event is append-only"), transaction.atomic():
        Event.objects.filter(case=case).delete()
    assert case.events.count() == 1


def test_a_case_with_its_events_cannot_be_deleted(case: Case) -> None:
    with pytest.raises(ProtectedError):
        case.delete()
    with pytest.raises(ProtectedError):
        Case.objects.filter(pk=case.pk).delete()
    assert Case.objects.filter(pk=case.pk).exists() and case.events.count() == 1


def test_a_user_who_acted_cannot_be_deleted_so_the_timeline_keeps_who(
    tree: Tree, case: Case
) -> None:
    audit.record(actor=tree.director_c, action=AuditAction.AUDIT_EXPORT, details={})
    for user in (tree.intake_s1, tree.director_c):
        with pytest.raises(ProtectedError):
            user.delete()
    assert case.events.get().actor == tree.intake_s1


# --- The one way through: anonymisation masks the values of events ------------------------------


def test_every_column_of_an_event_but_its_values_is_fixed() -> None:
    columns = {field.column for field in Event._meta.concrete_fields}
    assert columns - set(EVENT_VALUES) == set(EVENT_FIXED_COLUMNS)
    assert set(EVENT_VALUES) <= columns


def test_masking_changes_an_events_values_and_nothing_else(case: Case) -> None:
    event = case.events.get()
    with masking_events():
        Event.objects.filter(pk=event.pk).update(after={"masked": True})
    assert Event.objects.get(pk=event.pk).after == {"masked": True}
    for sql in (
        "UPDATE cases_event SET name = 'rewritten' WHERE id = %s",
        "UPDATE cases_event SET at = at + interval '1 day', after = '{}' WHERE id = %s"
        if connection.vendor == "postgresql"
        else "UPDATE cases_event SET at = '2000-01-01', after = '{}' WHERE id = %s",
        "DELETE FROM cases_event WHERE id = %s",
    ):
        with pytest.raises(IntegrityError) as error, masking_events(), connection.cursor() as cur:
            cur.execute(sql, [event.pk])
        operation = sql.split()[0]
        assert str(error.value).splitlines()[0] == (
            f"cases_event: only the values before and after may be masked: {operation} refused"
        )
    assert Event.objects.filter(pk=event.pk).values("name", "at", "after").get() == {
        "name": event.name, "at": event.at, "after": {"masked": True}
    }  # fmt: skip


def test_masking_events_leaves_the_audit_trail_closed(tree: Tree) -> None:
    record = audit.record(actor=tree.director_c, action=AuditAction.AUDIT_EXPORT, details={})
    with pytest.raises(IntegrityError, match="cases_auditrecord is append-only"), masking_events():
        AuditRecord.objects.filter(pk=record.pk).update(details={"x": 1})


def test_after_masking_the_events_are_closed_again(case: Case) -> None:
    with masking_events():
        pass
    assert refused("UPDATE cases_event SET after = '{}' WHERE case_id = %s", [case.pk]) == (
        "cases_event is append-only: UPDATE refused (a correction is a new row)"
    )


@pytest.mark.django_db(transaction=True)
def test_a_flush_empties_the_database_and_leaves_the_tables_append_only() -> None:
    tree = build_tree()
    register(actor=tree.intake_s1, centre=tree.s1)
    audit.record(actor=tree.director_c, action=AuditAction.AUDIT_EXPORT, details={})

    call_command("flush", interactive=False, verbosity=0)

    assert not Event.objects.exists() and not AuditRecord.objects.exists()
    assert not Case.objects.exists()
    record = AuditRecord.objects.create(actor_name="x", action=AuditAction.AUDIT_EXPORT)
    with pytest.raises(IntegrityError, match="cases_auditrecord is append-only"):
        AuditRecord.objects.filter(pk=record.pk).delete()


def manage(path: Path, *arguments: str) -> None:
    """``manage.py`` with the run's settings on the SQLite file ``path``."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": f"sqlite:///{path}",
    }
    subprocess.run(
        [sys.executable, "manage.py", *arguments], cwd=ROOT, env=env, check=True, timeout=300
    )


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite file migrated as ``make run`` migrates its own."""
    path = tmp_path_factory.mktemp("sqlite") / "db.sqlite3"
    manage(path, "migrate", "--no-input")
    return path


class TestAnSQLiteDatabase:
    """An SQLite database migrated like ``make run``'s, then written to with the ``sqlite3``
    module, as anyone holding the file could."""

    @pytest.fixture
    def sqlite_db(self, database: Path) -> Iterator[sqlite3.Connection]:
        with sqlite3.connect(database, isolation_level=None) as db:
            db.execute("BEGIN")
            yield db
            db.execute("ROLLBACK")
        db.close()

    @staticmethod
    def add_rows(db: sqlite3.Connection) -> tuple[int, int]:
        """An event and an audit record (foreign keys are off in a plain sqlite3 connection)."""
        now = timezone.now().isoformat()
        event = db.execute(
            "INSERT INTO cases_event (case_id, at, kind, name, before, after, centre_id, "
            "case_version) VALUES (1, ?, 'intake', 'intake', '{}', '{}', 1, 1)",
            [now],
        ).lastrowid
        record = db.execute(
            "INSERT INTO cases_auditrecord (actor_name, action, details, target, created_at) "
            "VALUES ('admin', 'audit_export', '{}', '', ?)",
            [now],
        ).lastrowid
        assert event is not None and record is not None
        return event, record

    @pytest.mark.parametrize("operation", ["UPDATE", "DELETE"])
    @pytest.mark.parametrize("table", ["cases_event", "cases_auditrecord"])
    def test_refuses_to_change_or_delete_a_row(
        self, sqlite_db: sqlite3.Connection, table: str, operation: str
    ) -> None:
        db = sqlite_db
        event, record = self.add_rows(db)
        row = event if table == "cases_event" else record
        column = "name" if table == "cases_event" else "actor_name"
        sql = {
            "UPDATE": f"UPDATE {table} SET {column} = 'rewritten' WHERE id = ?",
            "DELETE": f"DELETE FROM {table} WHERE id = ?",
        }[operation]
        with pytest.raises(sqlite3.IntegrityError) as error:
            db.execute(sql, [row])
        assert str(error.value) == (
            f"{table} is append-only: {operation} refused (a correction is a new row)"
        )
        assert db.execute(f"SELECT {column} FROM {table} WHERE id = ?", [row]).fetchone() != (
            "rewritten",
        )

    def test_a_flush_empties_it_and_leaves_it_append_only(self, database: Path) -> None:
        with sqlite3.connect(database) as db:
            self.add_rows(db)
        db.close()

        manage(database, "flush", "--no-input")

        with sqlite3.connect(database) as db:
            counts = [
                db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                for table in ("cases_event", "cases_auditrecord", "cases_append_only_switch")
            ]
            assert counts == [0, 0, 0]
            event, _record = self.add_rows(db)
            with pytest.raises(sqlite3.IntegrityError, match="cases_event is append-only"):
                db.execute("DELETE FROM cases_event WHERE id = ?", [event])
        db.close()

    def test_masking_opens_the_values_of_events_only(self, sqlite_db: sqlite3.Connection) -> None:
        db = sqlite_db
        event, record = self.add_rows(db)
        db.execute("INSERT INTO cases_append_only_switch (reason) VALUES ('mask')")
        db.execute("UPDATE cases_event SET after = '{\"masked\": 1}' WHERE id = ?", [event])
        refusals = {
            "UPDATE cases_event SET name = 'rewritten' WHERE id = ?": (
                "cases_event: only the values before and after may be masked: UPDATE refused"
            ),
            "DELETE FROM cases_event WHERE id = ?": (
                "cases_event: only the values before and after may be masked: DELETE refused"
            ),
        }
        for sql, message in refusals.items():
            with pytest.raises(sqlite3.IntegrityError) as error:
                db.execute(sql, [event])
            assert str(error.value) == message
        for operation, sql in (
            ("UPDATE", "UPDATE cases_auditrecord SET actor_name = 'x' WHERE id = ?"),
            ("DELETE", "DELETE FROM cases_auditrecord WHERE id = ?"),
        ):
            with pytest.raises(sqlite3.IntegrityError) as error:
                db.execute(sql, [record])
            assert str(error.value) == refusal("cases_auditrecord", operation)
        row = db.execute("SELECT name, after FROM cases_event WHERE id = ?", [event]).fetchone()
        assert row == ("intake", '{"masked": 1}')
