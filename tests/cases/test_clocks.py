"""Clock arithmetic with a frozen clock (DESIGN §4): across suspension, resumption, extension and
transfer, over month and year ends, and on both sides of midnight in Asia/Shanghai (16:00 UTC)."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import time_machine

from cases import deadlines, workflow
from cases.models import Case, Status
from cases.services.sweep import sweep
from tests.factories import (
    Tree,
    aware,
    build_tree,
    data_for,
    end_of,
    register,
    register_entrusted,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree() -> Tree:
    return build_tree()


def step(case: Case, name: str, tree: Tree, at: datetime, **data: Any) -> Case:
    with time_machine.travel(at, tick=False):
        return workflow.transition(case=case, name=name, actor=tree.admin, data=data or None)


def test_a_case_through_suspension_extension_and_transfer_over_the_year_end(tree: Tree) -> None:
    registered = aware(2026, 12, 28, 9)
    with time_machine.travel(registered, tick=False):
        case = register(actor=tree.admin, centre=tree.s1)
    assert case.acceptance_due_at == end_of(2026, 12, 31)  # 3 working days: Tue, Wed, Thu

    case = step(case, "accept", tree, aware(2026, 12, 29, 10))
    assert case.due_at == aware(2027, 1, 28, 10)  # 30 days, into the new year
    case = step(case, "assign", tree, aware(2026, 12, 29, 11), lead_mediator=tree.med_s1.pk)

    # Suspended over New Year for 9 days 4 hours: the deadline moves by exactly that.
    case = step(case, "suspend", tree, aware(2026, 12, 30, 14), reason="春节前当事人返乡")
    assert case.due_at == aware(2027, 1, 28, 10)  # unchanged while paused
    case = step(case, "resume", tree, aware(2027, 1, 8, 18))
    assert case.due_at == aware(2027, 2, 6, 14)

    # The director's one extension: 10 days more.
    case = step(case, "extend", tree, aware(2027, 1, 20, 9), **data_for("extend"))
    assert case.due_at == aware(2027, 2, 16, 14)

    # Sent up and accepted by the district: the district's own 30 days from its acceptance.
    case = step(
        case, "transfer", tree, aware(2027, 2, 1, 9), target_centre=tree.d1.pk, reason="上交"
    )
    case = step(case, "accept_transfer", tree, aware(2027, 2, 3, 15))
    assert case.due_at == aware(2027, 3, 5, 15)  # February 2027 has 28 days
    assert case.status == Status.ACCEPTED


def test_thirty_days_from_the_end_of_january_cross_february(tree: Tree) -> None:
    with time_machine.travel(aware(2026, 1, 30, 16), tick=False):
        case = register(actor=tree.admin, centre=tree.s1)
    case = step(case, "accept", tree, aware(2026, 1, 31, 17))

    assert case.due_at == aware(2026, 3, 2, 17)


def test_the_case_number_takes_the_year_of_the_day_in_shanghai(tree: Tree) -> None:
    """15:59 UTC on 31 December is 23:59 in Shanghai; 16:01 UTC is already 1 January there."""
    with time_machine.travel(datetime(2026, 12, 31, 15, 59, tzinfo=UTC), tick=False):
        old_year = register(actor=tree.admin, centre=tree.s1)
    with time_machine.travel(datetime(2026, 12, 31, 16, 1, tzinfo=UTC), tick=False):
        new_year = register(actor=tree.admin, centre=tree.s1)

    assert (old_year.year, new_year.year) == (2026, 2027)
    assert new_year.number.endswith("-2027-00001")


@pytest.mark.parametrize(
    ("closed_utc", "visit_on"),
    [
        (datetime(2026, 3, 31, 15, 30, tzinfo=UTC), date(2026, 4, 30)),  # 23:30 on 31 March
        (datetime(2026, 3, 31, 16, 30, tzinfo=UTC), date(2026, 5, 1)),  # 00:30 on 1 April
    ],
)
def test_the_follow_up_visit_counts_days_in_shanghai(
    tree: Tree, closed_utc: datetime, visit_on: date
) -> None:
    with time_machine.travel(closed_utc - timedelta(days=3), tick=False):
        case = register(actor=tree.admin, centre=tree.s1)
    case = step(case, "accept", tree, closed_utc - timedelta(days=2))
    case = step(case, "assign", tree, closed_utc - timedelta(days=2), lead_mediator=tree.med_s1.pk)
    with time_machine.travel(closed_utc - timedelta(days=1), tick=False):
        case = workflow.transition(
            case=case, name="resolve", actor=tree.admin, data=data_for("resolve")
        )
    case = step(case, "close", tree, closed_utc)

    assert case.follow_ups.get().due_on == visit_on


def test_a_court_entrusted_case_is_due_thirty_days_from_the_entrustment_day(tree: Tree) -> None:
    with time_machine.travel(aware(2026, 6, 10, 9), tick=False):
        case = register_entrusted(actor=tree.admin, centre=tree.s1, court=tree.court)
    assert case.entrusted_on == date(2026, 6, 10)

    case = step(case, "accept", tree, aware(2026, 6, 20, 9))

    # From the start of the entrustment day in Shanghai, not from the acceptance.
    assert case.due_at == aware(2026, 7, 10, 0)


def test_overdue_starts_the_instant_the_deadline_passes(tree: Tree) -> None:
    with time_machine.travel(aware(2026, 3, 2, 9), tick=False):
        case = register(actor=tree.admin, centre=tree.s1)
    due = case.acceptance_due_at
    assert due == end_of(2026, 3, 5)

    assert deadlines.urgency(due, due - timedelta(days=3, seconds=1)) == deadlines.Urgency.OK
    assert deadlines.urgency(due, due - timedelta(days=3)) == deadlines.Urgency.SOON
    assert deadlines.urgency(due, due) == deadlines.Urgency.SOON
    assert deadlines.urgency(due, due + timedelta(seconds=1)) == deadlines.Urgency.OVERDUE
    assert sweep(due).overdue == 0
    assert sweep(due + timedelta(seconds=1)).overdue == 1
