"""An Idempotency-Key survives the death of its request (issue 15, faults 2).

The claim, the work and the stored answer commit together or not at all: a request that dies
after its work but before its answer is stored (worker killed, database connection lost) leaves
nothing behind, so a retry with the same key does the work once; a duplicate that arrives while
the first is still running waits for it and replays its answer; a claim left unanswered (by an
older version) expires after ``IDEMPOTENCY_LEASE_SECONDS``. Real connections and real commits.
"""

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from cases.models import Case, Event, EventKind, IdempotencyKey
from cases.services import idempotency, intake
from tests.api.support import assert_error, client_for, wait_until_a_request_waits_for_a_lock
from tests.api.test_concurrency import CASES, intake_body, run_together
from tests.factories import Tree, build_tree

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def tree(transactional_db: None) -> Iterator[Tree]:
    yield build_tree()
    connections.close_all()


def intakes() -> int:
    return Event.objects.filter(kind=EventKind.INTAKE).count()


def database_url() -> str:
    """The test database as DATABASE_URL, for a process of its own."""
    db = connection.settings_dict
    assert db["ENGINE"] == "django.db.backends.postgresql", "these tests need PostgreSQL"
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    return f"postgres://{credentials}@{host}:{port}/{quote(db['NAME'], safe='')}"


# A web worker that is killed (SIGKILL: no exception handler, no rollback but the database's
# own) right after the intake service returned, before its answer went out.
KILLED_WORKER = """
import json, os, signal, sys
import django
django.setup()
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient
from cases.services import idempotency, intake

user_id, key, body = json.loads(sys.argv[1])
register_case = intake.register_case

def register_then_die(**kwargs):
    case = register_case(**kwargs)
    print("registered", case.number, flush=True)
    os.kill(os.getpid(), signal.SIGKILL)

intake.register_case = register_then_die
client = APIClient()
client.force_authenticate(get_user_model().objects.get(pk=user_id))
client.post("/api/v1/cases/", body, format="json", headers={"Idempotency-Key": key})
print("answered", flush=True)
"""


def post_in_a_worker_that_dies(user: Any, key: str, body: dict[str, Any]) -> str:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",  # the test run's: plain HTTP, its secrets
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": "",
    }
    done = subprocess.run(
        [sys.executable, "-c", KILLED_WORKER, json.dumps([user.pk, key, body])],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == -signal.SIGKILL, (done.returncode, done.stdout, done.stderr)
    assert "registered" in done.stdout and "answered" not in done.stdout, done.stdout
    return done.stdout.split()[1]


class TestARequestThatDies:
    def test_a_worker_killed_after_the_work_leaves_nothing_and_the_retry_registers_once(
        self, tree: Tree
    ) -> None:
        body, key = intake_body(tree), "killed-worker-1"
        number = post_in_a_worker_that_dies(tree.intake_s1, key, body)

        # The dead request's work went with it: nothing is half-done, the key is free again.
        assert not Case.objects.filter(number=number).exists()
        assert not IdempotencyKey.objects.filter(key=key).exists()
        retry = client_for(tree.intake_s1).post(
            CASES, body, format="json", headers={"Idempotency-Key": key}
        )
        assert retry.status_code == 201, retry.content
        again = client_for(tree.intake_s1).post(
            CASES, body, format="json", headers={"Idempotency-Key": key}
        )
        assert (again.status_code, again.json()) == (201, retry.json())
        assert again["Idempotent-Replayed"] == "true"
        assert Case.objects.count() == 1 and intakes() == 1

    def test_a_lost_database_connection_after_the_work_leaves_nothing_and_the_retry_registers_once(
        self, tree: Tree, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        register_case = intake.register_case

        def register_then_lose_the_database(**kwargs: Any) -> Case:
            case = register_case(**kwargs)
            with connection.cursor() as cursor:  # the server ends this session, as a failover does
                cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")
            return case

        monkeypatch.setattr(intake, "register_case", register_then_lose_the_database)
        client = client_for(tree.intake_s1)
        client.raise_request_exception = False
        body, headers = intake_body(tree), {"Idempotency-Key": "failover-1"}
        first = client.post(CASES, body, format="json", headers=headers)
        assert_error(first, 503, "service_unavailable")
        assert not Case.objects.exists()

        monkeypatch.setattr(intake, "register_case", register_case)
        retry = client.post(CASES, body, format="json", headers=headers)
        assert retry.status_code == 201, retry.content
        assert "Idempotent-Replayed" not in retry
        assert Case.objects.count() == 1 and intakes() == 1


class TestAClaimWithoutAnAnswer:
    """Rows left unanswered by a version that committed its claim before the work."""

    def leave_an_unanswered_claim(self, tree: Tree, key: str, body: dict[str, Any]) -> None:
        """The claim such a version committed, without the work: the request's own claim is
        taken (its fingerprint noted) and its work refused, then the claim is written back as
        it stood. (Not by deleting the case made: cases and their events are never deleted.)"""
        fingerprints: list[str] = []
        claim = idempotency.claim

        def noting_the_fingerprint(**kwargs: Any) -> IdempotencyKey:
            fingerprints.append(kwargs["fingerprint"])
            return claim(**kwargs)

        def never_done(**kwargs: Any) -> Case:
            raise RuntimeError("the work is never done")

        client = client_for(tree.intake_s1)
        client.raise_request_exception = False
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(idempotency, "claim", noting_the_fingerprint)
            patch.setattr(intake, "register_case", never_done)
            refused = client.post(CASES, body, format="json", headers={"Idempotency-Key": key})
        assert refused.status_code == 500 and not IdempotencyKey.objects.filter(key=key).exists()
        IdempotencyKey.objects.create(user=tree.intake_s1, key=key, fingerprint=fingerprints[0])

    def test_expires_after_its_lease(self, tree: Tree, settings: Any) -> None:
        body, key = intake_body(tree), "orphan-1"
        self.leave_an_unanswered_claim(tree, key, body)
        claimed = timezone.now() - timedelta(seconds=settings.IDEMPOTENCY_LEASE_SECONDS + 1)
        IdempotencyKey.objects.filter(key=key).update(created_at=claimed)

        retry = client_for(tree.intake_s1).post(
            CASES, body, format="json", headers={"Idempotency-Key": key}
        )
        assert retry.status_code == 201, retry.content
        assert Case.objects.count() == 1
        assert IdempotencyKey.objects.get(key=key).status_code == 201

    def test_within_its_lease_answers_409_saying_when_the_lease_ends(
        self, tree: Tree, settings: Any
    ) -> None:
        settings.IDEMPOTENCY_LEASE_SECONDS = 30
        body, key = intake_body(tree), "orphan-2"
        self.leave_an_unanswered_claim(tree, key, body)

        retry = client_for(tree.intake_s1).post(
            CASES, body, format="json", headers={"Idempotency-Key": key}
        )
        assert_error(retry, 409, "idempotency_in_flight")
        assert 20 <= int(retry["Retry-After"]) <= 30
        assert not Case.objects.exists()


class TestConcurrentDuplicates:
    def test_a_duplicate_waits_for_the_first_and_replays_its_answer(
        self, tree: Tree, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        register_case = intake.register_case

        first_is_inside = threading.Event()

        def slow_register_case(**kwargs: Any) -> Case:
            first_is_inside.set()
            case = register_case(**kwargs)
            wait_until_a_request_waits_for_a_lock()  # the duplicate has arrived and waits
            return case

        monkeypatch.setattr(intake, "register_case", slow_register_case)
        body, headers = intake_body(tree), {"Idempotency-Key": "double-click-1"}
        clients = [client_for(tree.intake_s1) for _ in range(2)]

        def post(index: int) -> Any:
            if index == 1:
                assert first_is_inside.wait(timeout=20)
            return clients[index].post(CASES, body, format="json", headers=headers)

        first, duplicate = run_together(2, post)
        assert first.status_code == 201, first.content
        assert "Idempotent-Replayed" not in first
        assert duplicate.status_code == 201, duplicate.content
        assert duplicate["Idempotent-Replayed"] == "true"
        assert duplicate.json() == first.json()
        assert Case.objects.count() == 1 and intakes() == 1

    def test_the_same_key_of_another_user_does_not_wait(
        self, tree: Tree, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        register_case = intake.register_case
        other_answered = threading.Event()

        def held_register_case(**kwargs: Any) -> Case:
            if kwargs["actor"] == tree.intake_s1:
                assert other_answered.wait(timeout=20), "the other user's request waited"
            return register_case(**kwargs)

        monkeypatch.setattr(intake, "register_case", held_register_case)
        body, headers = intake_body(tree), {"Idempotency-Key": "same-key-two-users"}
        users = [tree.intake_s1, tree.director_d1]
        clients = [client_for(user) for user in users]

        def post(index: int) -> Any:
            try:
                return clients[index].post(CASES, body, format="json", headers=headers)
            finally:
                if index == 1:
                    other_answered.set()

        first, other = run_together(2, post)
        assert first.status_code == other.status_code == 201, (first.content, other.content)
        assert first.json()["number"] != other.json()["number"]
        assert Case.objects.count() == 2


def test_after_commit_work_runs_once_the_answer_is_stored(
    tree: Tree, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Work queued for after the commit (e-mails) runs after the whole request committed, answer
    included, and not when the service's own block ends."""
    register_case = intake.register_case
    seen: list[Any] = []

    def look_from_another_connection() -> None:
        other = connections.create_connection("default")
        try:
            with other.cursor() as cursor:
                cursor.execute(
                    f"SELECT status_code FROM {IdempotencyKey._meta.db_table} WHERE key = %s",
                    ["after-commit-1"],
                )
                seen.append(cursor.fetchall())
        finally:
            other.close()

    def register_and_queue(**kwargs: Any) -> Case:
        case = register_case(**kwargs)
        transaction.on_commit(look_from_another_connection)
        return case

    monkeypatch.setattr(intake, "register_case", register_and_queue)
    response = client_for(tree.intake_s1).post(
        CASES, intake_body(tree), format="json", headers={"Idempotency-Key": "after-commit-1"}
    )
    assert response.status_code == 201
    assert seen == [[(201,)]]
