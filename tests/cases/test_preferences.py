"""Per-user notification preferences (in the app only / also by e-mail / off / a director's daily
digest) and the user's language on their e-mails (issue 20, "Notifications", "Lists…")."""

from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.utils import timezone, translation

from cases.errors import InvalidInput
from cases.models import DigestItem, Notification, NotificationKind, RiskLevel
from cases.services.preferences import send_digests, update_settings
from cases.tasks import send_daily_digests
from mediation.celery import app
from tests.factories import Tree, aware, register

pytestmark = pytest.mark.django_db

HIGH = NotificationKind.HIGH_RISK


@pytest.fixture(autouse=True)
def _high_risk_alone(tree: Tree) -> None:
    """Registering a case also tells the directors who decide its acceptance; these tests follow
    the high-risk entries alone, so the directors here have turned that kind off."""
    for director in (tree.director_d1, tree.director_c):
        update_settings(user=director, notifications={NotificationKind.AWAITING_ACCEPTANCE: "off"})


def high_risk_case(tree: Tree, commit: Any, **extra: Any) -> Any:
    """A high-risk case registered at S1: it tells director_c and director_d1."""
    with commit(execute=True):
        return register(actor=tree.intake_s1, centre=tree.s1, risk_level=RiskLevel.HIGH, **extra)


def entries_of(user: Any) -> list[str]:
    return list(Notification.objects.filter(user=user).values_list("kind", flat=True))


def test_by_default_each_kind_is_in_the_app_and_by_e_mail(
    tree: Tree, django_capture_on_commit_callbacks: Any
) -> None:
    high_risk_case(tree, django_capture_on_commit_callbacks)
    assert entries_of(tree.director_d1) == [HIGH]
    assert tree.director_d1.email in [m.to[0] for m in mail.outbox]


def test_off_makes_no_entry_and_no_e_mail(
    tree: Tree, django_capture_on_commit_callbacks: Any
) -> None:
    update_settings(user=tree.director_d1, notifications={HIGH: "off"})
    high_risk_case(tree, django_capture_on_commit_callbacks)
    assert entries_of(tree.director_d1) == []
    assert entries_of(tree.director_c) == [HIGH]  # the others keep theirs
    assert [m.to[0] for m in mail.outbox] == [tree.director_c.email]


def test_in_the_app_only_makes_the_entry_but_no_e_mail(
    tree: Tree, django_capture_on_commit_callbacks: Any
) -> None:
    update_settings(user=tree.director_d1, notifications={HIGH: "app"})
    high_risk_case(tree, django_capture_on_commit_callbacks)
    assert entries_of(tree.director_d1) == [HIGH]
    assert tree.director_d1.email not in [m.to[0] for m in mail.outbox]


def test_a_preference_is_per_kind(tree: Tree, django_capture_on_commit_callbacks: Any) -> None:
    update_settings(user=tree.director_d1, notifications={NotificationKind.OVERDUE: "off"})
    high_risk_case(tree, django_capture_on_commit_callbacks)
    assert entries_of(tree.director_d1) == [HIGH]


def test_only_directors_may_take_a_digest(tree: Tree) -> None:
    with pytest.raises(InvalidInput) as raised:
        update_settings(user=tree.intake_s1, notifications={HIGH: "digest"})
    assert list(raised.value.fields) == [f"notification_preferences.{HIGH}"]
    with pytest.raises(InvalidInput) as raised:
        update_settings(user=tree.director_d1, language="fr", notifications={"nope": "off"})
    assert set(raised.value.fields) == {"language", "notification_preferences.nope"}
    update_settings(user=tree.director_d1, notifications={HIGH: "digest"})  # a director may


def test_a_digest_collects_the_days_entries_into_one_notification_each_morning(
    tree: Tree, django_capture_on_commit_callbacks: Any
) -> None:
    update_settings(user=tree.director_d1, language="en", notifications={HIGH: "digest"})
    first = high_risk_case(tree, django_capture_on_commit_callbacks, summary="Wall between flats")
    second = high_risk_case(tree, django_capture_on_commit_callbacks, summary="Unpaid wages")
    # No single entries, no e-mail for the director who takes a digest; the others are told.
    assert entries_of(tree.director_d1) == []
    assert tree.director_d1.email not in [m.to[0] for m in mail.outbox]
    assert entries_of(tree.director_c) == [HIGH, HIGH]
    mail.outbox.clear()

    tomorrow = timezone.localdate() + timedelta(days=1)
    morning = aware(tomorrow.year, tomorrow.month, tomorrow.day, 7, 30)

    def digests_at(at: datetime) -> int:
        with time_machine.travel(at, tick=False), django_capture_on_commit_callbacks(execute=True):
            return send_digests()

    assert digests_at(morning) == 1
    [digest] = Notification.objects.filter(user=tree.director_d1)
    assert digest.kind == NotificationKind.DIGEST
    with translation.override("en"):
        text = digest.text()
    assert first.number in text and second.number in text and "Wall between flats" in text
    assert tree.s1.name_en in text
    # By e-mail too, in the director's language.
    [message] = mail.outbox
    assert message.to == [tree.director_d1.email]
    assert message.subject == "Daily digest"
    assert f"Case {first.number} “Wall between flats” at {tree.s1.name_en}" in message.body
    assert second.number in message.body

    # Once per day: a second run that day makes nothing, even with a new entry waiting.
    third = high_risk_case(tree, django_capture_on_commit_callbacks)
    assert digests_at(morning + timedelta(hours=2)) == 0
    assert Notification.objects.filter(user=tree.director_d1).count() == 1
    # The next morning lists only what came since.
    assert digests_at(morning + timedelta(days=1)) == 1
    latest = Notification.objects.filter(user=tree.director_d1).order_by("-pk").first()
    assert latest is not None
    assert [item.case_id for item in latest.digest_items.all()] == [third.pk]
    # An empty day sends nothing.
    mail.outbox.clear()
    assert digests_at(morning + timedelta(days=2)) == 0
    assert mail.outbox == []
    assert Notification.objects.filter(user=tree.director_d1).count() == 2


def test_a_digest_entry_is_collected_once_per_occurrence(
    tree: Tree, django_capture_on_commit_callbacks: Any
) -> None:
    from cases.services.notifications import notify

    update_settings(user=tree.director_d1, notifications={HIGH: "digest"})
    case = high_risk_case(tree, django_capture_on_commit_callbacks)
    assert notify(users=[tree.director_d1], case=case, kind=HIGH, key=f"high_risk:{case.pk}") == []
    assert DigestItem.objects.filter(user=tree.director_d1).count() == 1


def test_the_digest_runs_at_half_past_seven_as_a_task() -> None:
    entry = app.conf.beat_schedule["send-digests"]
    assert entry["task"] == send_daily_digests.name
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({7}, {30})
    assert app.conf.timezone == "Asia/Shanghai"


def test_a_notification_e_mail_is_in_the_recipients_language_not_the_actors(
    tree: Tree, django_capture_on_commit_callbacks: Any
) -> None:
    update_settings(user=tree.director_d1, language="en")
    update_settings(user=tree.director_c, language="zh-hans")
    with translation.override("zh-hans"):  # the intake officer works in Chinese
        case = high_risk_case(tree, django_capture_on_commit_callbacks)
    by_address = {m.to[0]: m for m in mail.outbox}
    english = by_address[tree.director_d1.email]
    assert english.subject == "High-risk case registered"
    assert f"Case {case.number}" in english.body
    assert "登记了高风险案件" not in english.body
    chinese = by_address[tree.director_c.email]
    assert chinese.subject == "登记了高风险案件"
    assert "High-risk case registered" not in chinese.body

    mail.outbox.clear()
    with translation.override("en"):  # and the other way round
        high_risk_case(tree, django_capture_on_commit_callbacks)
    assert {m.to[0]: m.subject for m in mail.outbox} == {
        tree.director_d1.email: "High-risk case registered",
        tree.director_c.email: "登记了高风险案件",
    }
