"""Notifications: a high-risk case tells the directors of its centre and above, once, in the app
and by e-mail (issue "Deadlines…")."""

from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.db import transaction
from django.utils import translation

from cases.models import Notification, NotificationKind, RiskLevel
from cases.services.cases import edit_case
from cases.services.notifications import directors_of, mark_read, notify
from cases.tasks import send_notification_emails
from mediation.celery import app
from tests.factories import Tree, register

pytestmark = pytest.mark.django_db


def notified(kind: str = NotificationKind.HIGH_RISK) -> list[tuple[Any, int | None]]:
    return sorted(Notification.objects.filter(kind=kind).values_list("user_id", "case_id"))


def test_high_risk_intake_notifies_directors_of_the_centre_and_above(
    tree: Tree, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        case = register(actor=tree.intake_s1, centre=tree.s1, risk_level=RiskLevel.HIGH)
    assert notified() == sorted([(tree.director_c.pk, case.pk), (tree.director_d1.pk, case.pk)])
    note = Notification.objects.get(user=tree.director_d1)
    assert note.key == f"high_risk:{case.pk}"
    assert note.read_at is None
    # One e-mail per director, sent once the intake committed.
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [tree.director_c.email, tree.director_d1.email]
    )
    assert case.number in mail.outbox[0].body
    assert Notification.objects.filter(emailed_at__isnull=True).count() == 0


def test_a_normal_case_notifies_nobody(tree: Tree, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        register(actor=tree.intake_s1, centre=tree.s1)
    assert Notification.objects.count() == 0
    assert callbacks == []
    assert mail.outbox == []


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
    assert Notification.objects.count() == 2
    assert len(mail.outbox) == 2


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
