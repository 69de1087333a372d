"""Notifications: a high-risk case tells the directors of its centre and above, once, in the app
and by e-mail (issue "Deadlines…")."""

import smtplib
import socket
import threading
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from celery.schedules import BaseSchedule, maybe_schedule
from django.conf import settings
from django.core import mail
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection, transaction
from django.utils import timezone, translation

from cases.models import Notification, NotificationKind, RiskLevel
from cases.queries.notifications import directors_of
from cases.services.cases import edit_case
from cases.services.notifications import EMAIL_ATTEMPTS, mark_read, notify
from cases.tasks import send_due_notification_emails, send_notification_emails
from mediation.celery import app
from tests.factories import Tree, UserFactory, register
from tests.throwaway_redis import celery_broker

pytestmark = pytest.mark.django_db


def notified(kind: str = NotificationKind.HIGH_RISK) -> list[tuple[Any, int | None]]:
    return sorted(Notification.objects.filter(kind=kind).values_list("user_id", "case_id"))


def high_risk_mail() -> list[Any]:
    """The e-mails about a high-risk case (a registration also tells of the acceptance due)."""
    with translation.override(settings.LANGUAGE_CODE):  # the subject: the site's language
        subject = str(NotificationKind.HIGH_RISK.label)
    return [m for m in mail.outbox if m.subject == subject]


def forget_acceptance_notices() -> None:
    """Drop the registration's ``awaiting_acceptance`` entries: a test of the outbox or of
    marking read counts the entries it makes itself."""
    Notification.objects.filter(kind=NotificationKind.AWAITING_ACCEPTANCE).delete()


def test_high_risk_intake_notifies_directors_of_the_centre_and_above(
    tree: Tree, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        case = register(actor=tree.intake_s1, centre=tree.s1, risk_level=RiskLevel.HIGH)
    assert notified() == sorted([(tree.director_c.pk, case.pk), (tree.director_d1.pk, case.pk)])
    note = Notification.objects.get(user=tree.director_d1, kind=NotificationKind.HIGH_RISK)
    assert note.key == f"high_risk:{case.pk}"
    assert note.read_at is None
    # One e-mail per director, sent once the intake committed.
    assert sorted(m.to[0] for m in high_risk_mail()) == sorted(
        [tree.director_c.email, tree.director_d1.email]
    )
    assert case.number in high_risk_mail()[0].body
    assert Notification.objects.filter(emailed_at__isnull=True).count() == 0


def test_a_normal_case_notifies_nobody_of_risk(
    tree: Tree, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        register(actor=tree.intake_s1, centre=tree.s1)
    assert notified() == []
    assert high_risk_mail() == []
    # What it does tell is that the case waits for acceptance (tests/cases/test_sms.py).
    assert set(Notification.objects.values_list("kind", flat=True)) == {
        NotificationKind.AWAITING_ACCEPTANCE
    }


def test_directors_of_excludes_other_branches_and_inactive_users(tree: Tree) -> None:
    case = register(actor=tree.director_d1, centre=tree.k1)
    assert set(directors_of(case)) == {tree.director_c, tree.director_d1}
    tree.director_c.is_active = False
    tree.director_c.save(update_fields=["is_active"])
    assert list(directors_of(case)) == [tree.director_d1]


def test_raised_to_high_by_an_edit_notifies_once_even_if_raised_again(
    tree: Tree, django_capture_on_commit_callbacks: Any
) -> None:
    case = register(actor=tree.intake_s1, centre=tree.s1)
    with django_capture_on_commit_callbacks(execute=True):
        case = edit_case(case=case, actor=tree.director_d1, changes={"risk_level": RiskLevel.HIGH})
    assert len(notified()) == 2
    assert len(mail.outbox) == 2
    with django_capture_on_commit_callbacks(execute=True):
        case = edit_case(
            case=case, actor=tree.director_d1, changes={"risk_level": RiskLevel.NORMAL}
        )
        edit_case(case=case, actor=tree.director_d1, changes={"risk_level": RiskLevel.HIGH})
    assert len(notified()) == 2
    assert len(mail.outbox) == 2


def test_a_retried_notify_creates_and_mails_nothing_twice(
    tree: Tree, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        case = register(actor=tree.intake_s1, centre=tree.s1, risk_level=RiskLevel.HIGH)
    with django_capture_on_commit_callbacks(execute=True):
        again = notify(
            users=directors_of(case),
            case=case,
            kind=NotificationKind.HIGH_RISK,
            key=f"high_risk:{case.pk}",
        )
    assert again == []
    assert len(notified()) == 2
    assert len(high_risk_mail()) == 2


def test_a_rolled_back_intake_notifies_nobody(tree: Tree) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        register(actor=tree.intake_s1, centre=tree.s1, risk_level=RiskLevel.HIGH)
        raise RuntimeError
    assert Notification.objects.count() == 0


def test_the_email_task_sends_once_and_only_to_users_with_an_address(
    tree: Tree, django_capture_on_commit_callbacks: Any
) -> None:
    tree.director_c.email = ""
    tree.director_c.save(update_fields=["email"])
    case = register(actor=tree.intake_s1, centre=tree.s1)  # normal: no notification yet
    forget_acceptance_notices()
    made = notify(users=[tree.director_c, tree.director_d1], case=case, kind="high_risk", key="k:1")
    ids = [n.pk for n in made]
    assert send_notification_emails.delay(ids).get() == 1
    assert [m.to for m in mail.outbox] == [[tree.director_d1.email]]
    message = mail.outbox[0]
    with translation.override(settings.LANGUAGE_CODE):  # the subject: the site's language
        assert message.subject == str(NotificationKind.HIGH_RISK.label)
    assert "High-risk case registered" in message.body  # English in the body as well
    emailed = dict(Notification.objects.values_list("user_id", "emailed_at"))
    assert emailed[tree.director_d1.pk] is not None
    assert emailed[tree.director_c.pk] is None  # no address: nothing sent, nothing marked
    # A second run (a retry, a duplicate delivery) sends nothing.
    assert send_notification_emails.delay(ids).get() == 0
    assert len(mail.outbox) == 1


def test_the_email_task_runs_on_the_notifications_queue() -> None:
    route = app.amqp.router.route({}, send_notification_emails.name)
    assert route["queue"].name == "notifications"


def test_mark_read_touches_only_the_users_own_unread(tree: Tree) -> None:
    case = register(actor=tree.intake_s1, centre=tree.s1, risk_level=RiskLevel.HIGH)
    forget_acceptance_notices()
    notify(users=[tree.director_d1], case=case, kind=NotificationKind.OVERDUE, key="overdue:1")
    mine = list(Notification.objects.filter(user=tree.director_d1).order_by("pk"))
    theirs = Notification.objects.get(user=tree.director_c)
    # Another user's id is ignored.
    assert mark_read(user=tree.director_d1, ids=[theirs.pk]) == 0
    assert mark_read(user=tree.director_d1, ids=[mine[0].pk]) == 1
    first_read = Notification.objects.get(pk=mine[0].pk).read_at
    assert first_read is not None
    assert mark_read(user=tree.director_d1) == 1  # all: only the one still unread
    assert Notification.objects.get(pk=mine[0].pk).read_at == first_read
    assert Notification.objects.get(pk=theirs.pk).read_at is None


# --- The outbox: e-mails the queue did not send are sent by the periodic sender -------------------

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class UnreachableMailServer(BaseEmailBackend):
    """Every send fails, as with the SMTP server down; counts the attempts."""

    attempts = 0

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        UnreachableMailServer.attempts += 1
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


def test_the_periodic_sender_is_scheduled_every_minute_on_the_notifications_queue() -> None:
    entry = app.conf.beat_schedule["send-notification-emails"]
    assert entry["task"] == send_due_notification_emails.name
    # Due again within five minutes of its last run.
    every = maybe_schedule(entry["schedule"])
    assert isinstance(every, BaseSchedule)
    assert every.remaining_estimate(timezone.now()) <= timedelta(minutes=5)
    route = app.amqp.router.route({}, send_due_notification_emails.name)
    assert route["queue"].name == "notifications"


def test_a_failed_send_is_retried_with_growing_delays_then_given_up(
    tree: Tree, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    case = register(actor=tree.intake_s1, centre=tree.s1)
    forget_acceptance_notices()
    with time_machine.travel(T0, tick=False):
        [note] = notify(users=[tree.director_d1], case=case, kind="high_risk", key="k:1")
    settings.EMAIL_BACKEND = f"{__name__}.UnreachableMailServer"
    UnreachableMailServer.attempts = 0
    # The first try at once, then after 1, 2, 4 … minutes, at most an hour apart.
    delays = [min(2**n, 60) for n in range(EMAIL_ATTEMPTS - 1)]
    due = T0
    for attempt, delay in enumerate([0, *delays], start=1):
        due += timedelta(minutes=delay)
        with time_machine.travel(due - timedelta(seconds=1), tick=False):
            assert send_due_notification_emails.delay().get() == 0
        assert UnreachableMailServer.attempts == attempt - 1, "tried before its time"
        with time_machine.travel(due, tick=False):
            assert send_due_notification_emails.delay().get() == 0
        assert UnreachableMailServer.attempts == attempt
    note.refresh_from_db()
    assert note.emailed_at is None and note.email_attempts == EMAIL_ATTEMPTS
    assert [r.levelname for r in caplog.records if "gave up" in r.getMessage()] == ["ERROR"]
    # Given up: never tried again.
    with time_machine.travel(due + timedelta(days=30), tick=False):
        assert send_due_notification_emails.delay().get() == 0
    assert UnreachableMailServer.attempts == EMAIL_ATTEMPTS
    assert mail.outbox == []


def test_a_failed_send_is_sent_by_the_next_try_once(tree: Tree, settings: Any) -> None:
    case = register(actor=tree.intake_s1, centre=tree.s1)
    forget_acceptance_notices()
    with time_machine.travel(T0, tick=False):
        made = notify(
            users=[tree.director_c, tree.director_d1], case=case, kind="high_risk", key="k:2"
        )
        settings.EMAIL_BACKEND = f"{__name__}.UnreachableMailServer"
        # What the task queued after the commit does: it fails, and leaves the rows for later.
        assert send_notification_emails.delay([n.pk for n in made]).get() == 0
    assert mail.outbox == []
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(T0 + timedelta(seconds=30), tick=False):
        assert send_due_notification_emails.delay().get() == 0  # not yet: a minute's delay
    with time_machine.travel(T0 + timedelta(minutes=1), tick=False):
        assert send_due_notification_emails.delay().get() == 2
        assert send_due_notification_emails.delay().get() == 0
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [tree.director_c.email, tree.director_d1.email]
    )
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()


class MeetingMailServer(BaseEmailBackend):
    """Records who was sent what; each thread's first send waits until the other thread is
    sending as well, so the two senders are at work at the same moment."""

    sent: list[str] = []
    both_sending: threading.Barrier = threading.Barrier(2)
    waited: set[int] = set()

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        me = threading.get_ident()
        if me not in MeetingMailServer.waited:
            MeetingMailServer.waited.add(me)
            MeetingMailServer.both_sending.wait(timeout=20)
        for message in email_messages:
            MeetingMailServer.sent.extend(message.to)
        return len(email_messages)


@pytest.mark.django_db(transaction=True)
def test_two_senders_at_once_send_each_email_once(tree: Tree, settings: Any) -> None:
    assert connection.vendor == "postgresql", "row locks are PostgreSQL's"
    users = [UserFactory.create() for _ in range(12)]
    case = register(actor=tree.intake_s1, centre=tree.s1)
    forget_acceptance_notices()
    # The broker is down: nothing is sent after the commit, everything waits in the outbox.
    with celery_broker(f"redis://127.0.0.1:{closed_port()}/0"):
        notify(users=users, case=case, kind="high_risk", key="k:3")
    assert Notification.objects.filter(emailed_at__isnull=True).count() == 12

    settings.EMAIL_BACKEND = f"{__name__}.MeetingMailServer"
    MeetingMailServer.sent, MeetingMailServer.waited = [], set()
    MeetingMailServer.both_sending = threading.Barrier(2)
    counts: list[int] = []
    errors: list[BaseException] = []

    def sender() -> None:
        try:
            counts.append(send_due_notification_emails())
        except BaseException as error:  # reported below, not lost in the thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert not MeetingMailServer.both_sending.broken, "the senders never sent at the same time"
    assert sorted(MeetingMailServer.sent) == sorted(u.email for u in users)
    assert sum(counts) == 12
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
