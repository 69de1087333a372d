"""The tasks: periodic housekeeping (old Idempotency-Keys are forgotten, recent ones kept), the
queues each task declares, and tasks whose object was deleted meanwhile."""

import logging
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from cases.models import IdempotencyKey, ReportSnapshot
from cases.queues import QUEUES
from cases.reports.periods import add_months, current_month
from cases.services import snapshots
from cases.tasks import (
    purge_idempotency_keys,
    report_email,
    report_generate,
    send_notification_emails,
)
from mediation.celery import app
from tests.factories import Tree, UserFactory


@pytest.mark.django_db
def test_purge_forgets_only_keys_past_their_retention(settings) -> None:
    user: Any = UserFactory()
    old = IdempotencyKey.objects.create(user=user, key="old", fingerprint="x")
    IdempotencyKey.objects.create(user=user, key="recent", fingerprint="y")
    IdempotencyKey.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS + 1)
    )
    assert purge_idempotency_keys.delay().get() == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["recent"]


def test_purge_is_scheduled_and_keys_live_at_least_a_day(settings) -> None:
    assert settings.IDEMPOTENCY_KEY_TTL_HOURS >= 24
    entry = app.conf.beat_schedule["purge-idempotency-keys"]
    assert entry["task"] == purge_idempotency_keys.name


# --- Queues: named once, each task declares its own ----------------------------------------------


def test_every_task_declares_a_named_queue_and_is_routed_there() -> None:
    tasks = {name: task for name, task in app.tasks.items() if name.startswith("cases.tasks.")}
    assert len(tasks) >= 10
    for name, task in tasks.items():
        declared = getattr(task, "queue", None)
        assert declared in QUEUES, name
        # Also when sent by name alone, as beat and ``send_task`` do.
        assert app.amqp.router.route({}, name)["queue"].name == declared, name
    assert {queue.name for queue in app.conf.task_queues} == set(QUEUES)
    assert app.conf.task_default_queue == QUEUES.default


# --- A task whose object was deleted meanwhile logs it and returns -------------------------------

GONE = 2**40  # no row has this id


class Retried(Exception):
    pass


@pytest.fixture
def no_retry(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The retries the tasks ask for (none is expected)."""
    asked: list[Any] = []

    def retry(**kwargs: Any) -> Retried:
        asked.append(kwargs)
        return Retried()  # what autoretry raises

    for task in (report_generate, report_email, send_notification_emails):
        monkeypatch.setattr(task, "retry", retry)
    return asked


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("task", "args", "gone"),
    [
        (report_generate, [GONE, [1, 2]], f"ReportRun {GONE} no longer exists"),
        (report_email, [[GONE]], f"ReportSnapshot {GONE} no longer exists"),
        (send_notification_emails, [[GONE]], f"Notification {GONE} no longer exists"),
    ],
)
def test_a_task_whose_object_is_gone_logs_and_returns(
    task: Any, args: list[Any], gone: str, no_retry: list[Any], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="cases.tasks"):
        assert task(*args) == 0  # called as a worker calls it: no exception
        result = task.apply(args=args)  # through Celery, with its automatic retries
    assert result.successful() and result.get() == 0
    assert no_retry == []
    assert caplog.text.count(gone) == 2


@pytest.mark.django_db
def test_the_snapshots_still_there_are_emailed_beside_one_gone(
    tree: Tree, caplog: pytest.LogCaptureFixture, mailoutbox: list[Any]
) -> None:
    run = snapshots.start_run(add_months(current_month(), -1))
    snapshots.generate(run, [tree.d1.pk])
    snapshot = ReportSnapshot.objects.get(run=run, centre=tree.d1)
    with caplog.at_level(logging.WARNING, logger="cases.tasks"):
        sent = report_email(snapshot_ids=[GONE, snapshot.pk])
    assert sent == len(mailoutbox) >= 1
    assert f"ReportSnapshot {GONE} no longer exists" in caplog.text
