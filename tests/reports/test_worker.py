"""Snapshots made by a real Celery worker (a subprocess) through Redis, on the test database.

The worker is ``celery -A mediation worker`` with the product's settings, pointed by its
environment at pytest's database (committed data: ``transaction=True``) and at a Redis database
of these tests' own: database 15 of ``REDIS_URL``'s server (``make test`` starts a throwaway one),
or a throwaway server started here when ``REDIS_URL`` is not set. That database is emptied before
and after each test, so a message left behind by a killed worker is never delivered later.

Every wait is bounded, and every worker is killed in a ``finally``.
"""

import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
import redis
import time_machine
from django.db import connection, transaction
from django.utils import timezone

from cases.models import Centre, Membership, ReportRun, ReportSnapshot, Role, Status
from cases.queries import sent_mail
from cases.queries import snapshots as snapshot_queries
from cases.queues import QUEUES as CELERY_QUEUES
from cases.reports import monthly
from cases.reports.periods import add_months, current_month, month_start
from cases.services import snapshots
from cases.tasks import report_monthly_run
from mediation.celery import app
from tests.factories import CentreFactory, Tree, drive, register

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
REDIS_DATABASE = 15
QUEUES = ",".join(CELERY_QUEUES)  # every queue, as docs/architecture.md starts a worker


# --- Redis, and this process sending its tasks there ---------------------------------------------


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    given = os.environ.get("REDIS_URL")
    if given:
        yield urlunsplit(urlsplit(given)._replace(path=f"/{REDIS_DATABASE}"))
        return
    directory = tmp_path_factory.mktemp("redis")
    script = str(ROOT / "scripts" / "redis.sh")
    started = subprocess.run(
        [script, "start", str(directory)], capture_output=True, text=True, timeout=30, check=True
    )
    try:
        yield started.stdout.strip()
    finally:
        subprocess.run([script, "stop", str(directory)], capture_output=True, timeout=30)


@pytest.fixture
def broker(redis_url: str) -> Iterator[str]:
    """Tasks sent by this process go to Redis (not run in-process) for the test's duration."""
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    saved = {"task_always_eager": app.conf.task_always_eager, "broker_url": app.conf.broker_url}
    app.conf.update(task_always_eager=False, broker_url=redis_url)
    _forget_broker_connections()
    try:
        yield redis_url
    finally:
        app.conf.update(saved)
        _forget_broker_connections()
        client.flushdb()
        client.close()


def _forget_broker_connections() -> None:
    # The app keeps its connection pools once made; a changed broker_url needs new ones.
    app._pool = None  # type: ignore[attr-defined]
    app.amqp._producer_pool = None  # type: ignore[attr-defined]


# --- Workers -------------------------------------------------------------------------------------


def database_url() -> str:
    """pytest's test database, as DATABASE_URL for the worker's settings (django-environ)."""
    db = connection.settings_dict
    assert db["ENGINE"] == "django.db.backends.postgresql", "the worker tests need PostgreSQL"
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    return (
        f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/"
        f"{quote(db['NAME'], safe='')}"
    )


class Worker:
    """``celery -A mediation worker`` in a process group of its own, its output in ``log``."""

    def __init__(self, broker_url: str, log: Path) -> None:
        self.log = log
        self.sent_mail = log.parent / "sent-mail"
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": broker_url,
            "CELERY_RESULT_BACKEND": "",
            "PYTHONUNBUFFERED": "1",
            # E-mails into files, as make run keeps them (the default, SMTP, has no server here).
            "EMAIL_BACKEND": sent_mail.FILE_BACKEND,
            "EMAIL_FILE_PATH": str(self.sent_mail),
        }
        self._output: IO[bytes] = log.open("ab")
        self.process = subprocess.Popen(
            [
                str(ROOT / ".venv" / "bin" / "celery"),
                "-A",
                "mediation",
                "worker",
                "-Q",
                QUEUES,
                "--pool=solo",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel=INFO",
                "--hostname",
                f"test-{os.getpid()}-{time.monotonic_ns()}@%h",
            ],
            cwd=ROOT,
            env=env,
            stdout=self._output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self) -> None:
        """SIGKILL: no warm shutdown, no acknowledgement, no rollback but the database's own."""
        self._signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        self._output.close()

    def stop(self) -> None:
        """A warm shutdown (the task in hand is finished), killed if it takes too long."""
        self._signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill()
        self._output.close()

    def _signal(self, signum: int) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signum)

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture
def workers(broker: str, tmp_path: Path) -> Iterator[Callable[[], Worker]]:
    """Start workers with ``workers()``; each is killed after the test whatever happened."""
    started: list[Worker] = []

    def start() -> Worker:
        worker = Worker(broker, tmp_path / f"worker-{len(started) + 1}.log")
        started.append(worker)
        return worker

    try:
        yield start
    finally:
        for worker in started:
            worker.kill()


def wait_for(condition: Callable[[], bool], what: str, worker: Worker, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if worker.process.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}; worker log:\n{worker.output()}")
        time.sleep(0.05)


def comparable(data: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if key != "as_of"}


# --- The tests -----------------------------------------------------------------------------------


def last_month() -> date:
    return add_months(current_month(), -1)


@pytest.fixture
def tree_with_last_month(tree: Tree) -> Tree:
    """The small tree with cases of last month: the worker reports on it as it is now."""
    with time_machine.travel(month_start(last_month()).replace(day=10, hour=9)):
        drive(
            register(actor=tree.admin, centre=tree.s1),
            Status.RESOLVED,
            actor=tree.admin,
            mediator=tree.med_s1,
        )
        register(actor=tree.admin, centre=tree.d1)
    return tree


def test_a_worker_makes_the_snapshots_and_emails_the_directors(
    tree_with_last_month: Tree, workers: Callable[[], Worker], settings: Any
) -> None:
    tree = tree_with_last_month
    # One director to e-mail: the first PDF a process makes takes seconds (fonts are loaded).
    Membership.objects.filter(role=Role.DIRECTOR).exclude(centre=tree.d1).delete()
    worker = workers()
    report_monthly_run.delay()  # what beat sends on the 1st

    def emailed() -> bool:
        run = ReportRun.objects.filter(month=last_month(), finished_at__isnull=False).first()
        return run is not None and not snapshot_queries.owed_emails(run).exists()

    wait_for(emailed, "the run and its e-mails", worker, 60)
    worker.stop()

    [run] = ReportRun.objects.all()
    assert run.version == 1 and run.centres == len(tree.centres)
    kept = {s.centre_id: s for s in run.snapshots.all()}
    assert set(kept) == {c.pk for c in tree.centres}
    for centre in tree.centres:
        assert comparable(kept[centre.pk].data) == comparable(monthly.report(centre, last_month()))
    assert kept[tree.d1.pk].data["figures"]["received"] == 2
    assert kept[tree.d1.pk].data["figures"]["resolved"] == 1
    emailed_to = [s.centre_id for s in run.snapshots.filter(emailed_at__isnull=False)]
    assert emailed_to == [tree.d1.pk]
    # The file backend kept the message, with its PDF, as the sent mail page reads it.
    settings.EMAIL_BACKEND = sent_mail.FILE_BACKEND
    settings.EMAIL_FILE_PATH = str(worker.sent_mail)
    [kept_mail] = sent_mail.sent_mail()
    assert kept_mail.to == tree.director_d1.email
    message = sent_mail.sent_message(kept_mail.key)
    assert message is not None
    assert [a.content_type for a in message.attachments] == ["application/pdf"]


def test_a_worker_killed_mid_run_leaves_one_complete_snapshot_per_centre(
    broker: str, workers: Callable[[], Worker]
) -> None:
    """The worker is killed in the middle of a snapshot's transaction (it waits, mid-chunk, for a
    row this test holds); a new worker and ``complete`` finish the run with each centre's
    snapshot written exactly once."""
    root = CentreFactory.create()
    for _ in range(59):
        CentreFactory.create(parent=root)
    centres = list(Centre.objects.order_by("path"))
    run = snapshots.start_run(last_month())
    held = centres[30]
    snapshots.complete(run, chunk_size=5)  # queued in Redis until a worker starts

    with transaction.atomic():
        # An uncommitted snapshot of the held centre: the worker's insert of the same (run,
        # centre) waits on the unique index until this transaction ends, which it never sees.
        ReportSnapshot.objects.create(
            run=run,
            centre=held,
            month=run.month,
            version=run.version,
            generated_at=timezone.now(),
            data={},
        )
        first = workers()

        def inserting_the_held_centre() -> bool:
            with connection.cursor() as cursor:
                # The activity view is read once per transaction unless its snapshot is cleared.
                cursor.execute("SELECT pg_stat_clear_snapshot()")
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock' AND query LIKE 'INSERT %%' "
                    "AND pid <> pg_backend_pid()"
                )
                return bool(cursor.fetchone()[0])

        wait_for(inserting_the_held_centre, "the worker to reach the held centre", first, 60)
        first.kill()
        written_before = ReportSnapshot.objects.filter(run=run).exclude(centre=held).count()
        transaction.set_rollback(True)

    assert 0 < written_before < len(centres)
    assert not ReportSnapshot.objects.filter(run=run, centre=held).exists()
    run.refresh_from_db()
    assert run.finished_at is None

    second = workers()
    snapshots.complete(run, chunk_size=5)

    def finished() -> bool:
        return ReportRun.objects.filter(pk=run.pk, finished_at__isnull=False).exists()

    wait_for(finished, "the run to finish", second, 60)
    second.stop()

    run.refresh_from_db()
    assert run.centres == len(centres)
    kept = list(ReportSnapshot.objects.filter(run=run))
    assert sorted(s.centre_id for s in kept) == sorted(c.pk for c in centres)
    for snapshot in kept:
        assert snapshot.data["centre"]["id"] == snapshot.centre_id
        assert set(snapshot.data["figures"]) == set(monthly.report(root, last_month())["figures"])
    assert datetime.fromisoformat(kept[0].data["as_of"]) == kept[0].generated_at
