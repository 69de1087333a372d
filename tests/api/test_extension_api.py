"""The director's one extension over the API: ``POST /cases/{id}/transitions/extend/``.

Nothing in the API is specific to it: the transition table offers it, describes its fields and
performs it. These tests check what an integrator sees.
"""

from datetime import datetime
from typing import Any

import pytest
import time_machine
from rest_framework.test import APIClient

from cases.models import Case, Event, Status
from tests.api.support import assert_error, client_for
from tests.factories import Tree, aware, drive, end_of, register

pytestmark = pytest.mark.django_db

CASES = "/api/v1/cases/"
REASON = "当事人外出务工，需延期"


def in_mediation(tree: Tree) -> Case:
    return drive(
        register(actor=tree.intake_s1, centre=tree.s1),
        Status.IN_MEDIATION,
        actor=tree.admin,
        mediator=tree.med_s1,
    )


def post_extend(client: APIClient, case: Case, body: dict[str, Any], etag: str) -> Any:
    return client.post(
        f"{CASES}{case.pk}/transitions/extend/", body, format="json", headers={"If-Match": etag}
    )


def offered(client: APIClient, case: Case) -> dict[str, dict[str, Any]]:
    response = client.get(f"{CASES}{case.pk}/transitions/")
    assert response.status_code == 200, response.content
    return {t["name"]: t for t in response.json()}


def test_a_director_extends_once_and_the_second_time_is_refused(tree: Tree) -> None:
    director = client_for(tree.director_d1)
    with time_machine.travel(aware(2026, 12, 5, 9, 0), tick=False) as clock:
        case = in_mediation(tree)
        assert case.due_at == aware(2027, 1, 4, 9, 0)
        offer = offered(director, case)["extend"]
        assert offer["label"] == "Extend the deadline"
        assert offer["fields"] == [
            {"name": "days", "type": "integer", "required": True, "choices": None},
            {"name": "reason", "type": "string", "required": True, "choices": None},
        ]
        clock.move_to(aware(2026, 12, 20, 17, 45))

        response = post_extend(director, case, {"days": 14, "reason": REASON}, f'"{case.version}"')

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "in_mediation"
    assert datetime.fromisoformat(body["due_at"]) == aware(2027, 1, 18, 9, 0)
    assert datetime.fromisoformat(body["extended_at"]) == aware(2026, 12, 20, 17, 45)
    assert (body["extension_days"], body["extension_reason"]) == (14, REASON)
    assert body["version"] == case.version + 1
    assert response["ETag"] == f'"{case.version + 1}"'
    assert "extend" not in offered(director, case)

    events = client_for(tree.admin).get(f"{CASES}{case.pk}/events/").json()["results"]
    assert [e["name"] for e in events][-1] == "extend"

    before_events = Event.objects.filter(case=case).count()
    again = post_extend(director, case, {"days": 1, "reason": "再延"}, response["ETag"])
    error = assert_error(again, 409, "transition_not_allowed")
    assert error["message"] == "The deadline has already been extended once."
    assert error["fields"] == {}
    now = Case.objects.get(pk=case.pk)
    assert (now.version, now.due_at, now.extension_days) == (
        case.version + 1,
        aware(2027, 1, 18, 9, 0),
        14,
    )
    assert Event.objects.filter(case=case).count() == before_events


def test_a_registered_case_extends_its_acceptance_decision(tree: Tree) -> None:
    with time_machine.travel(aware(2026, 4, 30, 22, 0), tick=False):
        case = register(actor=tree.intake_s1, centre=tree.s1)
        response = post_extend(
            client_for(tree.admin), case, {"days": 2, "reason": REASON}, f'"{case.version}"'
        )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "registered"
    # Three working days after the Labour Day holiday (1-5 May): the end of 8 May, and 2 days more.
    assert datetime.fromisoformat(body["acceptance_due_at"]) == end_of(2026, 5, 10)
    assert body["due_at"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"days": 0, "reason": REASON}, "days"),
        ({"days": 31, "reason": REASON}, "days"),
        ({"days": "many", "reason": REASON}, "days"),
        ({"reason": REASON}, "days"),
        ({"days": 5}, "reason"),
        ({"days": 5, "reason": ""}, "reason"),
    ],
)
def test_bad_input_answers_400_naming_the_field(
    tree: Tree, body: dict[str, Any], field: str
) -> None:
    case = in_mediation(tree)
    response = post_extend(client_for(tree.director_d1), case, body, f'"{case.version}"')
    error = assert_error(response, 400, "invalid")
    assert list(error["fields"]) == [field]
    now = Case.objects.get(pk=case.pk)
    assert (now.version, now.due_at, now.extended_at) == (case.version, case.due_at, None)


def test_who_may_not_extend(tree: Tree) -> None:
    case = in_mediation(tree)
    etag = f'"{case.version}"'
    body = {"days": 5, "reason": REASON}
    # The lead mediator and an observer see the case, but may not extend it.
    for user in (tree.mediator_s1_user, tree.observer_d1):
        client = client_for(user)
        assert "extend" not in offered(client, case)
        assert_error(post_extend(client, case, body, etag), 409, "transition_not_allowed")
    # Another district's director does not see it at all.
    assert_error(post_extend(client_for(tree.director_d2), case, body, etag), 404, "not_found")
    # A stale ETag changes nothing either.
    assert_error(
        post_extend(client_for(tree.director_d1), case, body, f'"{case.version - 1}"'),
        412,
        "precondition_failed",
    )
    now = Case.objects.get(pk=case.pk)
    assert (now.version, now.extended_at) == (case.version, None)
