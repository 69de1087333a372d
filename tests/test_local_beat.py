"""make run's periodic tasks without a broker (mediation.local_beat, ``run_schedule``): the beat
schedule itself, each task run in-process when due, once."""

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine

from cases.models import Notification, NotificationKind, Status
from cases.services import sessions
from cases.tasks import purge_saved_searches
from mediation.celery import app
from mediation.local_beat import LocalBeat
from tests.factories import Tree, drive, register

pytestmark = pytest.mark.django_db

# 17:59:30 in Wuhan on 2 March 2026 (09:59:30 UTC): the session reminders are due at 18:00.
BEFORE = datetime(2026, 3, 2, 9, 59, 30, tzinfo=UTC)


def test_the_schedule_is_beats_own_without_the_heartbeats() -> None:
    names = {entry.name for entry in LocalBeat(app, BEFORE).entries}
    assert names == {name for name in app.conf.beat_schedule if not name.startswith("heartbeat-")}
    assert {"remind-sessions", "sweep-deadlines", "send-digests", "monthly-reports"} <= names


def test_the_evening_reminders_run_at_six_once(tree: Tree) -> None:
    case = drive(
        register(actor=tree.intake_s1, centre=tree.s1),
        Status.IN_MEDIATION,
        actor=tree.director_d1,
        mediator=tree.med_s1,
    )
    starts = datetime(2026, 3, 3, 1, tzinfo=UTC)  # 09:00 in Wuhan, the next day
    sessions.book_session(
        case=case,
        actor=tree.director_d1,
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        mediators=[tree.med_s1],
    )
    reminders = Notification.objects.filter(kind=NotificationKind.SESSION_REMINDER)
    with time_machine.travel(BEFORE, tick=False) as clock:
        beat = LocalBeat(app, app.now())
        assert "remind-sessions" not in beat.tick()  # nothing is due on starting
        clock.move_to(BEFORE + timedelta(minutes=1))  # 18:00:30 in Wuhan
        ran: list[Any] = beat.tick()
        assert sorted(ran) == ["remind-sessions", "send-notification-emails"]  # and each minute
        assert list(reminders.values_list("user_id", flat=True)) == [tree.mediator_s1_user.pk]
        clock.move_to(BEFORE + timedelta(minutes=6))  # 18:05:30: the hourly sweep, not the rest
        assert sorted(beat.tick()) == ["send-notification-emails", "sweep-deadlines"]
    assert reminders.count() == 1


def test_a_failing_task_is_logged_and_the_schedule_goes_on(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken() -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(purge_saved_searches, "run", broken)
    with (
        time_machine.travel(BEFORE, tick=False) as clock,
        caplog.at_level(logging.ERROR, logger="mediation.local_beat"),
    ):
        beat = LocalBeat(app, app.now())
        clock.move_to(BEFORE + timedelta(hours=1))  # past minute 37: the purge is due
        ran = beat.tick()
    assert "purge-saved-searches" in ran and "sweep-deadlines" in ran
    assert "periodic task purge-saved-searches" in caplog.text
