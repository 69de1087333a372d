"""The notification kinds of the day's work (issue 20, "Notifications"): each triggered through the
services, told once, never to the actor, only to people who may see the case, and naming the case's
number, summary and centre in both languages."""

from datetime import UTC, timedelta
from typing import Any

import pytest
from django.utils import translation

from cases import workflow
from cases.models import Agreement, FollowUp, Notification, NotificationKind, Status
from cases.services.notes import write_note
from cases.services.sessions import book_session, cancel_session
from cases.services.sweep import remind_sessions, sweep
from cases.tasks import remind_tomorrows_sessions
from mediation.celery import app
from tests.factories import Tree, aware, drive, register

pytestmark = pytest.mark.django_db

START = aware(2026, 3, 2, 9)
LONG_SUMMARY = (
    "楼上住户装修噪音持续三个月影响老人休息，"
    "多次协商未果，要求赔偿并停止夜间施工作业，另要求修复漏水"
)


def told(kind: str) -> list[tuple[int, int | None]]:
    return sorted(Notification.objects.filter(kind=kind).values_list("user_id", "case_id"))


def in_mediation(tree: Tree, **extra: Any) -> Any:
    case = register(actor=tree.admin, centre=tree.s1, at=START, **extra)
    return drive(case, Status.IN_MEDIATION, actor=tree.admin, mediator=tree.med_s1, at=START)


def two_mediators(tree: Tree, **extra: Any) -> Any:
    """A case being mediated by S1's two mediators (lead and co-mediator)."""
    case = in_mediation(tree, **extra)
    return assign(tree, case, actor=tree.admin, lead=tree.med_s1, co=[tree.med_s1b])


def assign(tree: Tree, case: Any, *, actor: Any, lead: Any, co: list[Any]) -> Any:
    return workflow.transition(
        case=case,
        name="assign",
        actor=actor,
        data={"lead_mediator": lead.pk, "co_mediators": [m.pk for m in co]},
        at=START,
    )


# --- Assigned --------------------------------------------------------------------------------------


def test_assigning_tells_the_new_lead_and_co_mediators_once_and_not_the_director(
    tree: Tree,
) -> None:
    case = register(actor=tree.intake_s1, centre=tree.s1, at=START)
    case = workflow.transition(case=case, name="accept", actor=tree.director_d1, at=START)
    case = assign(tree, case, actor=tree.director_d1, lead=tree.med_s1, co=[tree.med_s1b])
    assert told(NotificationKind.ASSIGNED) == sorted(
        [(tree.mediator_s1_user.pk, case.pk), (tree.mediator_s1b_user.pk, case.pk)]
    )
    # The same assignment saved again changes nothing: nobody is told again.
    assign(tree, case, actor=tree.director_d1, lead=tree.med_s1, co=[tree.med_s1b])
    assert Notification.objects.filter(kind=NotificationKind.ASSIGNED).count() == 2
    # The director who assigned is never told of it.
    assert not Notification.objects.filter(
        user=tree.director_d1, kind=NotificationKind.ASSIGNED
    ).exists()


def test_a_mediator_assigning_themself_is_not_told(tree: Tree) -> None:
    """A director who is also the mediator assigned hears nothing of their own action."""
    case = register(actor=tree.intake_s1, centre=tree.s1, at=START)
    case = workflow.transition(case=case, name="accept", actor=tree.director_d1, at=START)
    tree.med_s1.user = tree.director_d1
    tree.med_s1.save(update_fields=["user"])
    assign(tree, case, actor=tree.director_d1, lead=tree.med_s1, co=[tree.med_s1b])
    assert told(NotificationKind.ASSIGNED) == [(tree.mediator_s1b_user.pk, case.pk)]


# --- Transfer arriving -----------------------------------------------------------------------------


def test_a_transfer_tells_the_receiving_centres_directors_not_the_sender(tree: Tree) -> None:
    case = register(actor=tree.intake_s1, centre=tree.s1, at=START)
    workflow.transition(
        case=case,
        name="transfer",
        actor=tree.director_d1,
        data={"target_centre": tree.s2.pk, "reason": "属地管辖"},
        at=START,
    )
    # S2 has no director of its own: D2's, who receives the transfer there. Not the sender (D1),
    # and not the city director above D1.
    assert told(NotificationKind.TRANSFER_INCOMING) == [(tree.director_d2.pk, case.pk)]
    assert Notification.objects.get(kind=NotificationKind.TRANSFER_INCOMING).key == (
        f"transfer_incoming:{case.transfers.get().pk}"
    )


def test_a_transfer_to_a_court_tells_its_liaison(tree: Tree) -> None:
    case = register(actor=tree.intake_s1, centre=tree.s1, at=START)
    workflow.transition(
        case=case,
        name="transfer",
        actor=tree.director_d1,
        data={"target_centre": tree.court.pk, "reason": "需诉讼"},
        at=START,
    )
    assert (tree.court_liaison.pk, case.pk) in told(NotificationKind.TRANSFER_INCOMING)


# --- Sessions --------------------------------------------------------------------------------------


def book(tree: Tree, case: Any, *, actor: Any, starts: Any = None) -> Any:
    starts = starts or START + timedelta(days=2)
    return book_session(
        case=case,
        actor=actor,
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        mediators=[tree.med_s1, tree.med_s1b],
        at=START,
    )


def test_booking_and_cancelling_tell_the_sessions_mediators_but_not_the_actor(
    tree: Tree,
) -> None:
    case = two_mediators(tree)
    session = book(tree, case, actor=tree.mediator_s1_user)
    # The booker (the lead) is not told; the other mediator of the session is.
    assert told(NotificationKind.SESSION_BOOKED) == [(tree.mediator_s1b_user.pk, case.pk)]
    cancel_session(session=session, actor=tree.director_d1)
    assert told(NotificationKind.SESSION_CANCELLED) == sorted(
        [(tree.mediator_s1_user.pk, case.pk), (tree.mediator_s1b_user.pk, case.pk)]
    )


def test_concluding_a_case_tells_the_mediators_of_the_sessions_it_cancels(tree: Tree) -> None:
    case = two_mediators(tree)
    book(tree, case, actor=tree.director_d1)
    workflow.transition(
        case=case,
        name="withdraw",
        actor=tree.mediator_s1_user,
        data={"reason": "当事人撤回"},
        at=START + timedelta(hours=1),
    )
    assert told(NotificationKind.SESSION_CANCELLED) == [(tree.mediator_s1b_user.pk, case.pk)]


def test_tomorrows_sessions_are_reminded_the_evening_before_once(tree: Tree) -> None:
    case = two_mediators(tree)
    # 2 March 18:00 in Wuhan is 10:00 UTC; the session is on 3 March at 09:00 (Wuhan).
    evening = aware(2026, 3, 2, 18)
    tomorrow = book(tree, case, actor=tree.director_d1, starts=aware(2026, 3, 3, 9))
    book(tree, case, actor=tree.director_d1, starts=aware(2026, 3, 4, 9))  # the day after
    assert remind_sessions(evening - timedelta(days=1)) == 0  # two days ahead: not yet
    assert remind_sessions(evening) == 1
    assert remind_sessions(evening + timedelta(minutes=5)) == 0  # a re-run tells nobody twice
    reminders = Notification.objects.filter(kind=NotificationKind.SESSION_REMINDER)
    assert sorted(reminders.values_list("user_id", flat=True)) == sorted(
        [tree.mediator_s1_user.pk, tree.mediator_s1b_user.pk]
    )
    assert {n.key for n in reminders} == {
        f"session_reminder:{tomorrow.pk}:{tomorrow.starts_at.astimezone(UTC).isoformat()}"
    }


def test_the_reminder_runs_at_six_in_the_evening_as_a_task(tree: Tree) -> None:
    entry = app.conf.beat_schedule["remind-sessions"]
    assert entry["task"] == remind_tomorrows_sessions.name
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({18}, {0})
    assert app.conf.timezone == "Asia/Shanghai"


# --- Mentions --------------------------------------------------------------------------------------


def test_a_mention_tells_the_mentioned_once_but_not_the_writer(tree: Tree) -> None:
    case = in_mediation(tree)
    note = write_note(
        case=case,
        actor=tree.mediator_s1_user,
        kind="call",
        text=f"@{tree.director_d1.username} @{tree.mediator_s1_user.username} 请明天回电",
        at=START,
    )
    assert told(NotificationKind.MENTIONED) == [(tree.director_d1.pk, case.pk)]
    assert Notification.objects.get(kind=NotificationKind.MENTIONED).key == f"mentioned:{note.pk}"


# --- The sweep: follow-ups, performance deadlines, confirmation windows ----------------------------


def resolved(tree: Tree) -> tuple[Any, Agreement]:
    case = register(actor=tree.admin, centre=tree.s1, at=START)
    case = drive(case, Status.RESOLVED, actor=tree.admin, mediator=tree.med_s1, at=START)
    return case, Agreement.objects.get(case=case)


def test_a_follow_up_due_today_is_told_once(tree: Tree) -> None:
    case, _agreement = resolved(tree)
    case = workflow.transition(case=case, name="close", actor=tree.director_d1, at=START)
    follow_up = FollowUp.objects.get(case=case)
    the_day = aware(follow_up.due_on.year, follow_up.due_on.month, follow_up.due_on.day, 8)
    assert sweep(the_day - timedelta(days=1)).follow_ups == 0
    assert sweep(the_day).follow_ups == 1
    assert sweep(the_day + timedelta(hours=1)).follow_ups == 0
    assert told(NotificationKind.FOLLOW_UP_DUE) == sorted(
        [(tree.mediator_s1_user.pk, case.pk), (tree.director_d1.pk, case.pk)]
    )


def test_a_passed_performance_deadline_is_told_once_unless_fulfilled(tree: Tree) -> None:
    case, agreement = resolved(tree)
    agreement.performance_deadline = START.date() + timedelta(days=10)
    agreement.save(update_fields=["performance_deadline"])
    assert sweep(START + timedelta(days=10)).performance == 0  # the last day itself
    assert sweep(START + timedelta(days=11)).performance == 1
    assert sweep(START + timedelta(days=11, hours=3)).performance == 0
    assert told(NotificationKind.PERFORMANCE_OVERDUE) == sorted(
        [(tree.mediator_s1_user.pk, case.pk), (tree.director_d1.pk, case.pk)]
    )
    other, fulfilled = resolved(tree)
    fulfilled.performance_deadline = START.date() + timedelta(days=10)
    fulfilled.fulfilment = "fulfilled"
    fulfilled.save(update_fields=["performance_deadline", "fulfilment"])
    sweep(START + timedelta(days=12))
    assert not Notification.objects.filter(
        case=other, kind=NotificationKind.PERFORMANCE_OVERDUE
    ).exists()


def test_a_closing_confirmation_window_is_told_once(tree: Tree) -> None:
    case, agreement = resolved(tree)
    closes = agreement.effective_on + timedelta(days=30)
    last_day = aware(closes.year, closes.month, closes.day, 9)
    assert sweep(last_day - timedelta(days=4)).confirmation == 0  # four days left: not yet
    assert sweep(last_day - timedelta(days=3)).confirmation == 1
    assert sweep(last_day).confirmation == 0
    assert told(NotificationKind.CONFIRMATION_CLOSING) == sorted(
        [(tree.mediator_s1_user.pk, case.pk), (tree.director_d1.pk, case.pk)]
    )


# --- Scope and text --------------------------------------------------------------------------------


def test_a_user_who_cannot_see_the_case_is_never_told(tree: Tree) -> None:
    case = in_mediation(tree)
    # A mediator of another centre put on the session (as a guest) does not see the case.
    starts = START + timedelta(days=2)
    book_session(
        case=case,
        actor=tree.director_d1,
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        mediators=[tree.med_s1, tree.med_s2],
        at=START,
    )
    assert told(NotificationKind.SESSION_BOOKED) == [(tree.mediator_s1_user.pk, case.pk)]
    # Nor is a deactivated mediator.
    tree.mediator_s1_user.is_active = False
    tree.mediator_s1_user.save(update_fields=["is_active"])
    remind_sessions(starts - timedelta(hours=15))
    assert told(NotificationKind.SESSION_REMINDER) == []


def test_the_entry_names_number_summary_and_centre_in_both_languages(tree: Tree) -> None:
    tree.s1.name_en = "Dazhi Street Centre"
    tree.s1.save(update_fields=["name_en"])
    case = two_mediators(tree, summary=LONG_SUMMARY)
    book(tree, case, actor=tree.director_d1)
    entry = Notification.objects.select_related("case__centre").filter(
        kind=NotificationKind.SESSION_BOOKED
    )[0]
    short = LONG_SUMMARY[:39] + "…"
    with translation.override("en"):
        assert entry.text() == (
            f"Session booked: Case {case.number} “{short}” at Dazhi Street Centre"
        )
    # In Chinese (the sentence's translation is in the helper's po file until it is merged): the
    # same case, with the centre's Chinese name.
    with translation.override("zh-hans"):
        text = entry.text()
    assert case.number in text and "大智街调解中心" in text
    assert LONG_SUMMARY[:37] in text and LONG_SUMMARY not in text  # shortened
    assert "Dazhi" not in text
