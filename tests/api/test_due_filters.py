"""The due-list filters of the API: agreements by performance deadline (inclusive) and unfulfilled;
follow-ups by due date and done."""

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
import time_machine

from cases import workflow
from cases.models import Agreement, Case, FollowUp, Fulfilment, Status
from cases.services.agreements import record_fulfilment
from cases.services.follow_ups import record_follow_up
from tests.api.support import assert_error, client_for, results
from tests.factories import Tree, agreement_data, aware, drive, register

pytestmark = pytest.mark.django_db

NOW = aware(2026, 6, 1, 10, 0)
TODAY = date(2026, 6, 1)


@pytest.fixture(autouse=True)
def _frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def resolved(tree: Tree, *, deadline: date | None, days_ago: int = 60, centre: Any = None) -> Case:
    at = NOW - timedelta(days=days_ago)
    centre = centre or tree.s1
    case = drive(
        register(actor=tree.admin, centre=centre, at=at),
        Status.IN_MEDIATION,
        actor=tree.admin,
        mediator=tree.mediator_for(centre),
        at=at,
    )
    extra = {"performance_deadline": deadline.isoformat()} if deadline else {}
    return workflow.transition(
        case=case, name="resolve", actor=tree.admin, data=agreement_data(**extra), at=at
    )


def agreement(tree: Tree, deadline: date | None, fulfilment: str = "", **kwargs: Any) -> Agreement:
    found = Agreement.objects.get(case=resolved(tree, deadline=deadline, **kwargs))
    if fulfilment:
        record_fulfilment(agreement=found, actor=tree.admin, fulfilment=fulfilment)
    return found


def follow_up(tree: Tree, *, closed_days_ago: int, centre: Any = None) -> FollowUp:
    """Due 30 days after the case closed."""
    case = resolved(tree, deadline=None, days_ago=closed_days_ago + 5, centre=centre)
    workflow.transition(
        case=case, name="close", actor=tree.admin, at=NOW - timedelta(days=closed_days_ago)
    )
    return FollowUp.objects.get(case=case)


def ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.content[:400]
    return sorted(item["id"] for item in results(response))


def test_agreements_due_in_the_next_7_days_and_unfulfilled(tree: Tree) -> None:
    overdue = agreement(tree, TODAY - timedelta(days=5))
    not_fulfilled = agreement(tree, TODAY - timedelta(days=1), Fulfilment.NOT_FULFILLED)
    on_the_day = agreement(tree, TODAY + timedelta(days=7), Fulfilment.PARTLY)
    fulfilled = agreement(tree, TODAY + timedelta(days=2), Fulfilment.FULFILLED)
    later = agreement(tree, TODAY + timedelta(days=8))
    agreement(tree, None)  # no deadline: never due
    client = client_for(tree.mediator_s1_user)
    week = str(TODAY + timedelta(days=7))

    assert ids(client.get("/api/v1/agreements/", {"performance_deadline_before": week})) == sorted(
        [overdue.pk, not_fulfilled.pk, on_the_day.pk, fulfilled.pk]
    )
    due = {"performance_deadline_before": week, "unfulfilled": "true"}
    assert ids(client.get("/api/v1/agreements/", due)) == sorted(
        [overdue.pk, not_fulfilled.pk, on_the_day.pk]
    )
    assert ids(client.get("/api/v1/agreements/", {"unfulfilled": "false"})) == [fulfilled.pk]
    unfulfilled = ids(client.get("/api/v1/agreements/", {"unfulfilled": "true"}))
    assert later.pk in unfulfilled and fulfilled.pk not in unfulfilled
    # Combined with the older, exclusive due_before: the same day is left out there.
    assert ids(client.get("/api/v1/agreements/", {"due_before": week, "unfulfilled": "true"})) == (
        sorted([overdue.pk, not_fulfilled.pk])
    )


def test_the_agreement_filters_do_not_widen_the_scope(tree: Tree) -> None:
    theirs = agreement(tree, TODAY, centre=tree.s2)
    mine = agreement(tree, TODAY)
    due = {"performance_deadline_before": str(TODAY), "unfulfilled": "true"}
    assert ids(client_for(tree.mediator_s1_user).get("/api/v1/agreements/", due)) == [mine.pk]
    assert ids(client_for(tree.director_d2).get("/api/v1/agreements/", due)) == [theirs.pk]
    assert ids(client_for(tree.court_liaison).get("/api/v1/agreements/", due)) == []


@pytest.mark.parametrize(
    ("url", "params"),
    [
        ("/api/v1/agreements/", {"performance_deadline_before": "2026-13-01"}),
        ("/api/v1/follow-ups/", {"due_before": "tomorrow"}),
    ],
)
def test_bad_filter_values_are_refused_by_name(
    tree: Tree, url: str, params: dict[str, str]
) -> None:
    error = assert_error(client_for(tree.director_d1).get(url, params), 400)
    assert set(params) <= set(error["fields"]), error


def test_follow_ups_due_and_not_done(tree: Tree) -> None:
    overdue = follow_up(tree, closed_days_ago=40)  # due 10 days ago
    in_a_week = follow_up(tree, closed_days_ago=23)  # due in 7 days
    later = follow_up(tree, closed_days_ago=10)  # due in 20 days
    done = follow_up(tree, closed_days_ago=35)
    record_follow_up(
        follow_up=done,
        actor=tree.admin,
        contact_method="phone",
        fulfilment=Fulfilment.FULFILLED,
        satisfaction=4,
    )
    client = client_for(tree.director_d1)
    # due_before is exclusive: "the next 7 days" (today included) is before today + 8.
    due = {"due_before": str(TODAY + timedelta(days=8)), "done": "false"}
    assert ids(client.get("/api/v1/follow-ups/", due)) == sorted([overdue.pk, in_a_week.pk])
    assert ids(client.get("/api/v1/follow-ups/", {"done": "true"})) == [done.pk]
    assert ids(client.get("/api/v1/follow-ups/", {"done": "false"})) == sorted(
        [overdue.pk, in_a_week.pk, later.pk]
    )
