"""The judicial confirmation window in the API: each agreement's ``confirmation_window_closes_on``
and the filters ``confirmation_window_open`` and ``confirmation_window_closes_before``."""

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
import time_machine

from cases import workflow
from cases.models import Agreement, JudicialConfirmation, Status
from cases.services.agreements import record_judicial_confirmation
from tests.api.support import assert_error, client_for, results
from tests.factories import Tree, agreement_data, aware, drive, register

pytestmark = pytest.mark.django_db

NOW = aware(2026, 6, 1, 10, 0)
TODAY = date(2026, 6, 1)
URL = "/api/v1/agreements/"


@pytest.fixture(autouse=True)
def _frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def agreement(tree: Tree, effective_on: date) -> Agreement:
    at = NOW - timedelta(days=200)
    case = drive(
        register(actor=tree.admin, centre=tree.s1, at=at),
        Status.IN_MEDIATION,
        actor=tree.admin,
        mediator=tree.med_s1,
        at=at,
    )
    case = workflow.transition(
        case=case,
        name="resolve",
        actor=tree.admin,
        data=agreement_data(signed_on=effective_on, effective_on=effective_on),
        at=NOW,
    )
    return Agreement.objects.get(case=case)


def ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.content[:400]
    return sorted(item["id"] for item in results(response))


@pytest.mark.parametrize(
    ("effective_on", "closes_on"),
    [("2026-01-31", "2026-03-02"), ("2026-05-02", "2026-06-01"), ("2026-05-31", "2026-06-30")],
)
def test_each_agreement_says_when_its_window_closes(
    tree: Tree, effective_on: str, closes_on: str
) -> None:
    found = agreement(tree, date.fromisoformat(effective_on))
    client = client_for(tree.mediator_s1_user)
    body = client.get(f"{URL}{found.pk}/").json()
    assert (body["effective_on"], body["confirmation_window_closes_on"]) == (
        effective_on,
        closes_on,
    )
    listed = {item["id"]: item for item in results(client.get(URL))}
    assert listed[found.pk]["confirmation_window_closes_on"] == closes_on


def test_the_open_windows_and_those_closing_by_a_day(tree: Tree) -> None:
    last_day = agreement(tree, TODAY - timedelta(days=30))  # closes today
    in_a_week = agreement(tree, TODAY - timedelta(days=23))
    later = agreement(tree, TODAY - timedelta(days=5))
    closed = agreement(tree, TODAY - timedelta(days=31))  # closed yesterday
    applied = agreement(tree, TODAY - timedelta(days=10))
    record_judicial_confirmation(
        agreement=applied,
        actor=tree.admin,
        status=JudicialConfirmation.APPLIED,
        applied_on=TODAY,
    )
    client = client_for(tree.mediator_s1_user)

    assert ids(client.get(URL, {"confirmation_window_open": "true"})) == sorted(
        [last_day.pk, in_a_week.pk, later.pk]
    )
    assert ids(client.get(URL, {"confirmation_window_open": "false"})) == sorted(
        [closed.pk, applied.pk]
    )
    week = str(TODAY + timedelta(days=7))
    # Inclusive: the window closing in exactly 7 days is in; a closed one matches the date too.
    assert ids(client.get(URL, {"confirmation_window_closes_before": week})) == sorted(
        [last_day.pk, in_a_week.pk, closed.pk]
    )
    due = {"confirmation_window_open": "true", "confirmation_window_closes_before": week}
    assert ids(client.get(URL, due)) == sorted([last_day.pk, in_a_week.pk])
    day_before = str(TODAY + timedelta(days=6))
    assert ids(client.get(URL, {**due, "confirmation_window_closes_before": day_before})) == [
        last_day.pk
    ]


@pytest.mark.parametrize(
    ("name", "value"),
    [("confirmation_window_closes_before", "2026-13-01"), ("confirmation_window_open", "maybe")],
)
def test_a_bad_value_is_a_400_naming_the_filter(tree: Tree, name: str, value: str) -> None:
    response = client_for(tree.mediator_s1_user).get(URL, {name: value})
    error = assert_error(response, 400)
    assert name in error["fields"]
