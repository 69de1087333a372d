"""``POST /api/v1/agreements/{id}/judicial-confirmation/`` (DESIGN §9): the entrusting court's
liaison or an administrator records the application and the court's ruling."""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from cases.models import (
    Agreement,
    Case,
    Centre,
    CentreKind,
    CentreLevel,
    Event,
    IdempotencyKey,
    Role,
)
from tests.api.support import assert_error, client_for
from tests.cases.test_judicial_confirmation import resolved_entrusted
from tests.factories import CentreFactory, MembershipFactory, Tree

pytestmark = pytest.mark.django_db

RULING = "（2026）鄂0102民特12号"


@dataclass
class Setup:
    tree: Tree
    case: Case
    agreement: Agreement  # took effect ten days ago
    other_court: Centre
    other_liaison: Any

    @property
    def url(self) -> str:
        return f"/api/v1/agreements/{self.agreement.pk}/judicial-confirmation/"


@pytest.fixture
def setup(tree: Tree) -> Setup:
    case = resolved_entrusted(tree)
    other_court = CentreFactory.create(
        parent=tree.d2, level=CentreLevel.STREET, kind=CentreKind.COURT
    )
    other_liaison = MembershipFactory.create(centre=other_court, role=Role.COURT_LIAISON).user
    return Setup(
        tree=tree,
        case=case,
        agreement=Agreement.objects.get(case=case),
        other_court=other_court,
        other_liaison=other_liaison,
    )


def today(days: int = 0) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


def snapshot(setup: Setup) -> tuple[Any, ...]:
    fresh = Agreement.objects.get(pk=setup.agreement.pk)
    return (
        fresh.judicial_confirmation,
        fresh.confirmation_applied_on,
        fresh.ruling_number,
        fresh.ruling_on,
        Event.objects.filter(case=setup.case).count(),
    )


def test_applied_then_confirmed(setup: Setup) -> None:
    client = client_for(setup.tree.court_liaison)
    applied_on = (setup.agreement.effective_on + timedelta(days=2)).isoformat()
    response = client.post(
        setup.url, {"status": "applied", "applied_on": applied_on}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] == setup.agreement.pk and body["case"] == setup.case.pk
    assert body["judicial_confirmation"] == "applied"
    assert body["judicial_confirmation_label"] == "Applied"
    assert body["confirmation_applied_on"] == applied_on
    assert (body["ruling_number"], body["ruling_on"]) == ("", None)
    assert "ETag" not in response  # an agreement change needs no If-Match, and gets no ETag

    response = client.post(
        setup.url,
        {"status": "confirmed", "ruling_number": RULING, "ruling_on": today()},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["judicial_confirmation"] == "confirmed"
    assert body["judicial_confirmation_label"] == "Confirmed"
    assert body["confirmation_applied_on"] == applied_on
    assert (body["ruling_number"], body["ruling_on"]) == (RULING, today())
    # The agreement's own page says the same; the timeline has one event per step.
    shown = client.get(f"/api/v1/agreements/{setup.agreement.pk}/").json()
    assert {k: shown[k] for k in body} == body
    events = client.get(f"/api/v1/cases/{setup.case.pk}/events/").json()["results"]
    names = [e["name"] for e in events if e["name"] == "judicial_confirmation"]
    assert len(names) == 2


def test_the_labels_follow_the_callers_language(setup: Setup) -> None:
    client = client_for(setup.tree.court_liaison, language="zh-hans")
    response = client.post(setup.url, {"status": "applied", "applied_on": today()}, format="json")
    assert response.status_code == 200
    assert response.json()["judicial_confirmation_label"] == "已申请"


def test_a_ruling_at_once_and_then_final(setup: Setup) -> None:
    client = client_for(setup.tree.admin)
    body = {"status": "rejected", "applied_on": today(-2), "ruling_number": RULING}
    response = client.post(setup.url, {**body, "ruling_on": today()}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["judicial_confirmation"] == "rejected"
    before = snapshot(setup)
    again = client.post(
        setup.url,
        {"status": "confirmed", "ruling_number": RULING, "ruling_on": today()},
        format="json",
    )
    error = assert_error(again, 400, "invalid")
    assert list(error["fields"]) == ["status"]
    assert snapshot(setup) == before


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"status"}),
        ({"status": "not_applied", "applied_on": today()}, {"status"}),
        ({"status": "done", "applied_on": today()}, {"status"}),
        ({"status": "applied"}, {"applied_on"}),
        ({"status": "applied", "applied_on": "yesterday"}, {"applied_on"}),
        ({"status": "applied", "applied_on": today(1)}, {"applied_on"}),
        ({"status": "applied", "applied_on": today(-11)}, {"applied_on"}),  # before effect
        ({"status": "applied", "applied_on": today(), "ruling_number": RULING}, {"ruling_number"}),
        (
            {"status": "confirmed", "applied_on": today(-1)},
            {"ruling_number", "ruling_on"},
        ),
        (
            {
                "status": "confirmed",
                "applied_on": today(-1),
                "ruling_number": "号" * 65,
                "ruling_on": today(),
            },
            {"ruling_number"},
        ),
        (
            {
                "status": "confirmed",
                "applied_on": today(-1),
                "ruling_number": RULING,
                "ruling_on": today(-2),
            },
            {"ruling_on"},
        ),
        (
            {"status": "rejected", "ruling_number": RULING, "ruling_on": today()},
            {"applied_on"},
        ),
    ],
)
def test_bad_input_names_the_fields_and_changes_nothing(
    setup: Setup, body: dict[str, Any], fields: set[str]
) -> None:
    before = snapshot(setup)
    response = client_for(setup.tree.court_liaison).post(setup.url, body, format="json")
    error = assert_error(response, 400, "invalid")
    assert set(error["fields"]) == fields, error
    assert snapshot(setup) == before


def test_errors_in_chinese(setup: Setup) -> None:
    response = client_for(setup.tree.court_liaison, language="zh-hans").post(
        setup.url, {"status": "confirmed", "applied_on": today()}, format="json"
    )
    error = assert_error(response, 400, "invalid")
    assert error["fields"]["ruling_number"] == ["请填写人民法院裁定书编号。"]


@pytest.mark.parametrize("role", ["director_d1", "director_c", "mediator_s1", "observer_d1"])
def test_others_in_scope_get_403(setup: Setup, role: str) -> None:
    before = snapshot(setup)
    response = client_for(setup.tree.users[role]).post(
        setup.url, {"status": "applied", "applied_on": today()}, format="json"
    )
    assert_error(response, 403, "permission_denied")
    assert snapshot(setup) == before


def test_another_courts_liaison_and_users_out_of_scope_get_404(setup: Setup) -> None:
    missing = client_for(setup.tree.court_liaison).post(
        "/api/v1/agreements/999999999/judicial-confirmation/",
        {"status": "applied", "applied_on": today()},
        format="json",
    )
    expected = assert_error(missing, 404, "not_found")
    before = snapshot(setup)
    for user in (
        setup.other_liaison,
        setup.tree.director_d2,
        setup.tree.mediator_s2_user,
        setup.tree.mediator_s1b_user,
    ):
        response = client_for(user).post(
            setup.url, {"status": "applied", "applied_on": today()}, format="json"
        )
        assert assert_error(response, 404, "not_found") == expected  # as if it did not exist
        assert client_for(user).get(f"/api/v1/agreements/{setup.agreement.pk}/").status_code == 404
    assert snapshot(setup) == before


def test_anonymous_gets_401(setup: Setup) -> None:
    response = client_for(None).post(setup.url, {"status": "applied"}, format="json")
    assert_error(response, 401)


def test_only_post(setup: Setup) -> None:
    response = client_for(setup.tree.court_liaison).get(setup.url)
    assert_error(response, 405, "method_not_allowed")


def test_an_idempotent_retry_replays_the_answer_and_does_nothing_twice(setup: Setup) -> None:
    client = client_for(setup.tree.court_liaison)
    body = {"status": "applied", "applied_on": today(-1)}
    first = client.post(setup.url, body, format="json", HTTP_IDEMPOTENCY_KEY="jc-1")
    assert first.status_code == 200
    events = Event.objects.filter(case=setup.case, name="judicial_confirmation").count()
    replay = client.post(setup.url, body, format="json", HTTP_IDEMPOTENCY_KEY="jc-1")
    assert replay.status_code == 200
    assert replay["Idempotent-Replayed"] == "true"
    assert replay.json() == first.json()
    # A plain repeat (no key) would be refused: the application is already recorded.
    assert Event.objects.filter(case=setup.case, name="judicial_confirmation").count() == events
    assert IdempotencyKey.objects.filter(user=setup.tree.court_liaison, key="jc-1").count() == 1
    # The same key with another body is a client mistake, not a replay.
    other = client.post(
        setup.url,
        {"status": "confirmed", "ruling_number": RULING, "ruling_on": today()},
        format="json",
        HTTP_IDEMPOTENCY_KEY="jc-1",
    )
    assert_error(other, 422, "idempotency_key_reused")
    assert Agreement.objects.get(pk=setup.agreement.pk).judicial_confirmation == "applied"


def test_a_refusal_is_replayed_too(setup: Setup) -> None:
    client = client_for(setup.tree.court_liaison)
    body = {"status": "applied"}
    first = client.post(setup.url, body, format="json", HTTP_IDEMPOTENCY_KEY="jc-2")
    assert_error(first, 400, "invalid")
    replay = client.post(setup.url, body, format="json", HTTP_IDEMPOTENCY_KEY="jc-2")
    assert replay.status_code == 400 and replay["Idempotent-Replayed"] == "true"
    assert replay.json() == first.json()


def test_the_schema_documents_it() -> None:
    schema = Client().get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/agreements/{id}/judicial-confirmation/"]["post"]
    assert set(operation["responses"]) >= {"200", "400", "403", "404"}
    assert any(p["name"] == "Idempotency-Key" for p in operation["parameters"])
    request = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    name = request.rsplit("/", 1)[-1]
    properties = schema["components"]["schemas"][name]["properties"]
    assert set(properties) == {"status", "applied_on", "ruling_number", "ruling_on"}
    agreement = schema["components"]["schemas"]["Agreement"]["properties"]
    for field in ("judicial_confirmation", "confirmation_applied_on", "ruling_number", "ruling_on"):
        assert agreement[field].get("readOnly") is True


def test_agreements_are_filtered_by_judicial_confirmation(setup: Setup) -> None:
    client = client_for(setup.tree.court_liaison)

    def listed(*states: str) -> list[int]:
        response = client.get("/api/v1/agreements/", {"judicial_confirmation": list(states)})
        assert response.status_code == 200
        return [item["id"] for item in response.json()["results"]]

    assert listed("not_applied") == [setup.agreement.pk]
    assert listed("applied", "confirmed") == []
    client.post(setup.url, {"status": "applied", "applied_on": today()}, format="json")
    assert listed("not_applied") == []
    assert listed("applied", "confirmed") == [setup.agreement.pk]
    bad = client.get("/api/v1/agreements/", {"judicial_confirmation": "maybe"})
    assert "judicial_confirmation" in assert_error(bad, 400, "invalid")["fields"]
