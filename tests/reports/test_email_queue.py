"""The monthly reports' e-mails on a queue of their own, queued once (issue 15, "Faults" 4).

After a worker's death the resumed run's generation chunks sat behind thousands of e-mail tasks on
the shared ``reports`` queue, and ``complete()`` queued every owed e-mail again on top of those
still queued. Here tasks go to a real Redis of the test's own (no worker: the messages stay where
they were queued, and the test reads them), with committed data so ``on_commit`` runs as in
production.
"""

import base64
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import redis
import time_machine
from django.utils import timezone

from cases.models import ReportSnapshot
from cases.queues import QUEUES
from cases.reports.periods import add_months, current_month
from cases.services import snapshots
from cases.tasks import report_email, report_generate, report_requeue_emails
from mediation.celery import app
from tests.factories import Tree
from tests.throwaway_redis import RedisServer, celery_broker, redis_server

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[RedisServer]:
    with redis_server(tmp_path) as server, celery_broker(server.url):
        yield server


def queued(server: RedisServer, queue: str) -> list[tuple[str, list[Any]]]:
    """The (task, args) of the messages waiting in ``queue``, oldest first."""
    client = redis.Redis.from_url(server.url)
    try:
        messages = [json.loads(raw) for raw in client.lrange(queue, 0, -1)]
    finally:
        client.close()
    found = []
    for message in reversed(messages):  # kombu pushes on the left
        args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
        found.append((message["headers"]["task"], args))
    return found


def queued_emails(server: RedisServer) -> list[int]:
    """The snapshot ids of the report e-mails queued, one entry per time queued."""
    ids: list[int] = []
    for task, args in queued(server, QUEUES.report_emails):
        assert task == report_email.name
        ids.extend(args[0])
    return sorted(ids)


def emptied(server: RedisServer) -> None:
    """The broker loses its messages (a Redis restarted without persistence)."""
    client = redis.Redis.from_url(server.url)
    client.flushdb()
    client.close()


def with_directors(tree: Tree, run: Any) -> list[int]:
    """The run's snapshots whose centres have directors to e-mail (C, D1 and D2)."""
    centres = [tree.c.pk, tree.d1.pk, tree.d2.pk]
    return sorted(
        ReportSnapshot.objects.filter(run=run, centre_id__in=centres).values_list("pk", flat=True)
    )


def test_report_emails_have_their_own_queue() -> None:
    assert QUEUES.report_emails in QUEUES and QUEUES.report_emails != QUEUES.reports
    route = app.amqp.router.route({}, report_email.name)
    assert route["queue"].name == QUEUES.report_emails
    for task in ("report_generate", "report_monthly_run", "report_requeue_emails"):
        assert app.amqp.router.route({}, f"cases.tasks.{task}")["queue"].name == QUEUES.reports


def test_completing_a_run_twice_queues_each_owed_email_once(
    tree: Tree, broker: RedisServer
) -> None:
    run = snapshots.start_run(add_months(current_month(), -1))
    # A worker wrote these three and died; each snapshot's e-mail was queued at its commit.
    snapshots.generate(run, [tree.c.pk, tree.d1.pk, tree.s1.pk])
    written = with_directors(tree, run)
    assert len(written) == 2  # C and D1; S1 has no director to e-mail
    assert queued_emails(broker) == written

    rest = len(tree.centres) - 3
    assert snapshots.complete(run) == rest
    assert snapshots.complete(run) == rest  # e.g. build_reports --resume, then the task again

    # The e-mails still waiting are not queued again; the chunks of the missing centres are on
    # their own queue, not behind the e-mails.
    assert queued_emails(broker) == written
    chunks = queued(broker, QUEUES.reports)
    assert {task for task, _args in chunks} == {report_generate.name}


def test_an_email_whose_message_was_lost_is_queued_again_after_its_lease(
    tree: Tree, broker: RedisServer
) -> None:
    run = snapshots.start_run(add_months(current_month(), -1))
    snapshots.generate(run, [c.pk for c in tree.centres])
    owed = with_directors(tree, run)
    assert queued_emails(broker) == owed
    # One was sent; then the broker lost the others' messages.
    sent = owed.pop()
    ReportSnapshot.objects.filter(pk=sent).update(emailed_at=timezone.now())
    emptied(broker)

    # Within the lease they count as queued: neither complete() nor the hourly re-queue queues
    # them (a long queue of e-mails is not doubled).
    assert snapshots.complete(run) == 0
    assert report_requeue_emails.apply().get() == 0
    assert queued_emails(broker) == []

    later = timezone.now() + snapshots.EMAIL_QUEUE_LEASE + timedelta(minutes=1)
    with time_machine.travel(later, tick=False):
        assert report_requeue_emails.apply().get() == len(owed)
        assert report_requeue_emails.apply().get() == 0
        snapshots.complete(run)
    assert queued_emails(broker) == owed  # each once; the one sent, never


def test_an_email_the_broker_did_not_take_is_queued_by_the_next_complete(
    tree: Tree, broker: RedisServer
) -> None:
    run = snapshots.start_run(add_months(current_month(), -1))
    broker.stop()
    # The snapshots commit although their e-mails cannot be queued.
    assert snapshots.generate(run, [c.pk for c in tree.centres]) == len(tree.centres)
    assert not ReportSnapshot.objects.filter(email_queued_at__isnull=False).exists()

    broker.start()
    assert snapshots.complete(run) == 0
    assert queued_emails(broker) == with_directors(tree, run)
    run.refresh_from_db()
    assert run.finished_at is not None


def test_the_requeue_is_scheduled_hourly() -> None:
    entry = app.conf.beat_schedule["requeue-report-emails"]
    assert entry["task"] == report_requeue_emails.name
    assert entry["schedule"].remaining_estimate(timezone.now()) <= timedelta(hours=1)
