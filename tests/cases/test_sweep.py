"""The hourly sweep: warnings before and after a deadline, once each, and the automatic escalation of
an overdue high-risk case to the centre above (DESIGN §4)."""

from datetime import timedelta
from typing import Any

import pytest
import time_machine

from cases import workflow
from cases.access import get_case_for
from cases.errors import CaseNotFound
from cases.models import (
    DeadlinePolicy,
    Event,
    Notification,
    NotificationKind,
    RiskLevel,
    Status,
)
from cases.queries.notifications import nearest_directors
from cases.services.sweep import sweep
from cases.tasks import sweep_deadlines
from mediation.celery import app
from tests.factories import Tree, aware, build_tree, data_for, drive, end_of, register

pytestmark = pytest.mark.django_db

START = aware(2026, 3, 2, 9)


@pytest.fixture
def tree() -> Tree:
    return build_tree()


def notified(kind: str) -> set[tuple[Any, str]]:
    return set(Notification.objects.filter(kind=kind).values_list("user_id", "case__number"))


def in_mediation(tree: Tree, **extra: Any) -> Any:
    case = register(actor=tree.admin, centre=tree.s1, at=START, **extra)
    return drive(case, Status.IN_MEDIATION, actor=tree.admin, mediator=tree.med_s1, at=START)


def test_a_deadline_three_days_away_warns_the_lead_mediator_and_the_director_once(
    tree: Tree,
) -> None:
    case = in_mediation(tree)  # due 30 days after acceptance
    assert sweep(START + timedelta(days=26)).due_soon == 0

    first = sweep(START + timedelta(days=27, hours=1))
    second = sweep(START + timedelta(days=27, hours=2))

    # S1 has no director of its own: the nearest one above (D1) is told.
    assert notified(NotificationKind.DUE_SOON) == {
        (tree.mediator_s1_user.pk, case.number),
        (tree.director_d1.pk, case.number),
    }
    assert (first.due_soon, second.due_soon) == (1, 0)


def test_a_passed_deadline_warns_again_as_overdue_and_only_once(tree: Tree) -> None:
    case = in_mediation(tree)
    sweep(START + timedelta(days=28))
    late = START + timedelta(days=31)

    assert sweep(late).overdue == 1
    assert sweep(late + timedelta(hours=1)).overdue == 0
    assert notified(NotificationKind.OVERDUE) == {
        (tree.mediator_s1_user.pk, case.number),
        (tree.director_d1.pk, case.number),
    }
    assert Notification.objects.filter(kind=NotificationKind.DUE_SOON).count() == 2


def test_an_extended_deadline_is_warned_about_afresh(tree: Tree) -> None:
    case = in_mediation(tree)
    sweep(START + timedelta(days=28))
    workflow.transition(
        case=case, name="extend", actor=tree.director_d1, data=data_for("extend"),
        at=START + timedelta(days=28),
    )  # fmt: skip

    assert sweep(START + timedelta(days=29)).due_soon == 0  # now due in 11 days
    assert sweep(START + timedelta(days=38)).due_soon == 1
    assert Notification.objects.filter(kind=NotificationKind.DUE_SOON).count() == 4


def test_a_suspended_case_is_never_warned(tree: Tree) -> None:
    case = in_mediation(tree)
    workflow.transition(
        case=case, name="suspend", actor=tree.admin, data={"reason": "住院"}, at=START
    )

    result = sweep(START + timedelta(days=60))

    assert (result.due_soon, result.overdue, result.escalated) == (0, 0, [])


def test_an_overdue_high_risk_case_lands_at_the_parent_centre(tree: Tree) -> None:
    case = in_mediation(tree, risk_level=RiskLevel.HIGH)
    late = START + timedelta(days=31)

    assert sweep(late).escalated == [case.number]

    case.refresh_from_db()
    assert (case.centre, case.status, case.lead_mediator) == (tree.d1, Status.ACCEPTED, None)
    assert case.due_at == late + timedelta(days=30)  # the parent's own clock
    transfer = case.transfers.get()
    assert (transfer.from_centre, transfer.to_centre) == (tree.s1, tree.d1)
    assert transfer.automatic and transfer.requested_by is None
    step = Event.objects.filter(case=case, name="transfer").get()
    assert step.actor is None and step.after["transfer"]["automatic"] is True
    # The parent's director has it and is told; the child's mediator no longer sees it.
    assert get_case_for(tree.director_d1, case.pk) == case
    with pytest.raises(CaseNotFound):
        get_case_for(tree.mediator_s1_user, case.pk)
    assert notified(NotificationKind.ESCALATED) == {(tree.director_d1.pk, case.number)}
    # Run again: nothing more (the case is no longer overdue).
    assert sweep(late + timedelta(hours=1)).escalated == []
    assert case.transfers.count() == 1


def test_an_overdue_high_risk_case_at_the_top_is_warned_not_moved(tree: Tree) -> None:
    case = register(actor=tree.admin, centre=tree.c, at=START, risk_level=RiskLevel.HIGH)

    result = sweep(START + timedelta(days=2))  # acceptance was due within a day

    assert result.escalated == [] and result.overdue == 1
    case.refresh_from_db()
    assert case.centre == tree.c and case.status == Status.REGISTERED
    assert notified(NotificationKind.OVERDUE) == {(tree.director_c.pk, case.number)}


def test_nearest_directors_climb_to_the_first_centre_that_has_one(tree: Tree) -> None:
    assert list(nearest_directors(tree.k1)) == [tree.director_d1]
    assert list(nearest_directors(tree.d2)) == [tree.director_d2]
    assert list(nearest_directors(tree.c)) == [tree.director_c]


def test_the_sweep_runs_every_hour_as_a_task(tree: Tree) -> None:
    case = in_mediation(tree)
    entry = app.conf.beat_schedule["sweep-deadlines"]
    assert entry["task"] == sweep_deadlines.name
    assert entry["schedule"].minute == {5}  # at five past every hour

    with time_machine.travel(START + timedelta(days=31), tick=False):
        outcome = sweep_deadlines.delay().get()

    assert outcome == {
        "due_soon": 0,
        "overdue": 1,
        "escalated": 0,
        "follow_ups": 0,
        "performance": 0,
        "confirmation": 0,
    }
    assert Notification.objects.filter(case=case, kind=NotificationKind.OVERDUE).count() == 2


# --- Clocks configured per centre and channel -----------------------------------------------------


def test_deadlines_follow_the_nearest_policy_up_the_tree(tree: Tree) -> None:
    DeadlinePolicy.objects.create(centre=tree.d1, mediation_days=20)
    DeadlinePolicy.objects.create(centre=tree.s1, channel="hotline", acceptance_days=5)
    DeadlinePolicy.objects.create(centre=tree.k1, channel="walk_in", mediation_days=10)

    hotline = register(actor=tree.admin, centre=tree.k1, channel="hotline", at=START)
    walk_in = register(actor=tree.admin, centre=tree.k1, channel="walk_in", at=START)
    elsewhere = register(actor=tree.admin, centre=tree.s2, channel="hotline", at=START)

    # Working days after Monday 2 March (docs/deadlines.md).
    assert hotline.acceptance_due_at == end_of(2026, 3, 9)  # S1's 5, for the hotline
    assert walk_in.acceptance_due_at == end_of(2026, 3, 5)  # the default 3
    assert elsewhere.acceptance_due_at == end_of(2026, 3, 5)  # not below S1
    hotline = workflow.transition(case=hotline, name="accept", actor=tree.admin, at=START)
    walk_in = workflow.transition(case=walk_in, name="accept", actor=tree.admin, at=START)
    assert hotline.due_at == START + timedelta(days=20)  # D1's, inherited
    assert walk_in.due_at == START + timedelta(days=10)  # K1's own for walk-ins


def test_a_transferred_case_runs_on_the_receiving_centres_clock(tree: Tree) -> None:
    DeadlinePolicy.objects.create(centre=tree.d2, mediation_days=15)
    case = register(actor=tree.admin, centre=tree.s1, at=START)
    workflow.transition(
        case=case, name="transfer", actor=tree.admin,
        data={"target_centre": tree.s2.pk, "reason": "属地"}, at=START,
    )  # fmt: skip
    later = START + timedelta(days=2)

    case = workflow.transition(case=case, name="accept_transfer", actor=tree.admin, at=later)

    assert case.due_at == later + timedelta(days=15)


def test_raising_a_registered_case_to_high_risk_shortens_its_acceptance_deadline(
    tree: Tree,
) -> None:
    from cases.services.cases import edit_case

    case = register(actor=tree.admin, centre=tree.s1, at=START)
    edited_at = START + timedelta(hours=5)
    with time_machine.travel(edited_at, tick=False):
        case = edit_case(case=case, actor=tree.admin, changes={"risk_level": RiskLevel.HIGH})

    assert case.acceptance_due_at == edited_at + timedelta(days=1)
    event = Event.objects.filter(case=case, name="edit").get()
    assert "acceptance_due_at" in event.after
