"""The broker (Redis) down during a high-risk intake over the API (issue 15, "Faults" 1).

The case commits with its notifications (the outbox); queueing their e-mails after the commit
fails, and that must not turn the answer into a 500: the intake answers 201 once, a retry with
the same Idempotency-Key replays it, and once Redis is back the periodic sender e-mails each
director exactly once.

The test has a Redis of its own (stopped and started here; the shared one is never touched) and
committed data (``transaction=True``), so ``on_commit`` runs inside the request as in production.
"""

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core import mail
from django.utils import translation

from cases.models import Case, IdempotencyKey, Notification, NotificationKind, RiskLevel
from mediation.celery import app
from tests.api.support import client_for
from tests.factories import Tree, seeded_category
from tests.throwaway_redis import RedisServer, celery_broker, redis_server

pytestmark = pytest.mark.django_db(transaction=True)

CASES = "/api/v1/cases/"


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    with redis_server(tmp_path) as server, celery_broker(server.url):
        yield server


def high_risk_intake(tree: Tree) -> dict[str, Any]:
    return {
        "centre": tree.s1.pk,
        "channel": "walk_in",
        "category": seeded_category().pk,
        "summary": "邻里纠纷，双方情绪激动",
        "risk_level": RiskLevel.HIGH,
        "parties": [
            {"role": "applicant", "name": "张三", "phone": "13800138000"},
            {"role": "respondent", "name": "李四", "phone": "13900139000"},
        ],
    }


def test_an_intake_while_redis_is_down_answers_201_once_and_emails_later(
    tree: Tree, redis: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    client = client_for(tree.intake_s1)
    body, headers = high_risk_intake(tree), {"Idempotency-Key": "hotline-20261207-0042"}
    directors = sorted([tree.director_c.email, tree.director_d1.email])

    # The web process has a broker connection (a message sent while Redis was up); then it stops.
    app.send_task(app.conf.beat_schedule["send-notification-emails"]["task"])
    redis.stop()
    first = client.post(CASES, body, format="json", headers=headers)

    assert first.status_code == 201, first.content
    [case] = Case.objects.all()
    assert first.json()["id"] == case.pk
    # The work committed and its answer is kept under the key (not dropped as a failure).
    assert IdempotencyKey.objects.get(key=headers["Idempotency-Key"]).status_code == 201
    high_risk = Notification.objects.filter(case=case, kind=NotificationKind.HIGH_RISK)
    assert high_risk.filter(emailed_at__isnull=True).count() == 2
    assert "could not queue" in caplog.text  # a warning, not an error page
    assert mail.outbox == []

    again = client.post(CASES, body, format="json", headers=headers)
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Case.objects.count() == 1

    # Redis comes back (empty: nothing was queued while it was down). What beat sends every
    # minute, delivered to a worker, e-mails each director once; the next tick sends nothing.
    redis.start()
    entry = app.conf.beat_schedule["send-notification-emails"]
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        app.send_task(entry["task"])
        wait_for(lambda: len(high_risk_mail()) >= 2, "the directors' e-mails")
    assert app.tasks[entry["task"]].apply().get() == 0

    assert sorted(m.to[0] for m in high_risk_mail()) == directors
    assert case.number in high_risk_mail()[0].body
    assert not Notification.objects.filter(case=case, emailed_at__isnull=True).exists()


def high_risk_mail() -> list[Any]:
    """The e-mails about the high-risk case (its registration also tells of the acceptance due)."""
    with translation.override(settings.LANGUAGE_CODE):  # the subject: the site's language
        subject = str(NotificationKind.HIGH_RISK.label)
    return [m for m in mail.outbox if m.subject == subject]


def wait_for(condition: Any, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.05)
