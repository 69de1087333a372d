"""Cases over HTTP as an integrator uses them: intake, filters, search, ordering, cursor pages,
the transitions on offer, and a whole lifecycle carried by ETags (DESIGN §4, §6, §9)."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from cases.models import Case, Event, FollowUp, Status
from tests.api.support import all_ids, assert_error, client_for, results
from tests.factories import CITY_LABELS as EVERY
from tests.factories import Tree, category, data_for, seeded_category

pytestmark = pytest.mark.django_db

CASES = "/api/v1/cases/"


# --- Filters, search, ordering ------------------------------------------------------------------


# --- Intake -------------------------------------------------------------------------------------


def test_intake_registers_a_case_with_two_parties_in_one_request(city: Tree) -> None:
    tree = city
    sequence = Case.objects.filter(registering_centre=tree.s1).count() + 1
    client = client_for(tree.intake_s1)
    response = client.post(
        CASES,
        {
            "centre": tree.s1.pk,
            "channel": "hotline",
            "category": category("water_leak").pk,
            "summary": "楼上漏水致天花板受损",
            "facts": "持续三个月",
            "amount_in_dispute": "3000.00",
            "risk_level": "attention",
            "parties": [
                {
                    "role": "applicant",
                    "name": "张三",
                    "phone": "13812345678",
                    "id_number": "420102199001011236",
                },
                {"role": "respondent", "kind": "person", "name": "李四", "phone": "139 0013 9000"},
            ],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    case = response.json()
    year = timezone.localdate().year
    assert case["number"] == f"JA01-{year}-{sequence:05d}"
    assert case["number_zh"] == f"（{year}）大智街调解中心调字第{sequence}号"
    assert (case["status"], case["centre"], case["registering_centre"]) == (
        "registered",
        tree.s1.pk,
        tree.s1.pk,
    )
    assert (case["channel"], case["risk_level"], case["amount_in_dispute"]) == (
        "hotline",
        "attention",
        "3000.00",
    )
    assert response["ETag"] == f'"{case["version"]}"'
    applicant, respondent = case["parties"]
    assert (applicant["name"], applicant["role"], applicant["phone"]) == (
        "张三",
        "applicant",
        "138****5678",
    )
    assert applicant["id_number"] == "420***********1236"
    assert (respondent["name"], respondent["role"], respondent["phone"]) == (
        "李四",
        "respondent",
        "139****9000",
    )
    # The clear values are nowhere in what the API answers.
    shown = client.get(f"{CASES}{case['id']}/").content.decode()
    assert "13812345678" not in shown and "420102199001011236" not in shown
    timeline = results(client.get(f"{CASES}{case['id']}/events/"))
    assert [e["kind"] for e in timeline] == ["intake"]
    assert "13812345678" not in str(timeline)


def test_intake_refuses_a_case_without_an_applicant(city: Tree) -> None:
    tree, count = city, Case.objects.count()
    response = client_for(tree.intake_s1).post(
        CASES,
        {
            "centre": tree.s1.pk,
            "channel": "walk_in",
            "category": seeded_category().pk,
            "summary": "无申请人",
            "parties": [{"role": "respondent", "name": "李四"}],
        },
        format="json",
    )
    error = assert_error(response, 400, "invalid")
    assert "parties" in error["fields"]
    assert Case.objects.count() == count


def labels(city: Tree, ids: list[int]) -> set[str]:
    by_id = {case.pk: label for label, case in city.cases.items()}
    return {by_id[i] for i in ids}


def listed(city: Tree, client: APIClient, **params: Any) -> set[str]:
    return labels(city, all_ids(client, CASES, params))


@pytest.fixture
def admin(city: Tree) -> APIClient:
    return client_for(city.admin)


def test_everything_is_listed_for_the_administrator(city: Tree, admin: APIClient) -> None:
    assert listed(city, admin) == EVERY


def test_filter_by_status(city: Tree, admin: APIClient) -> None:
    assert listed(city, admin, status="in_mediation") == {
        "s1_mine",
        "s1_other",
        "s1_co",
        "s2_assigned",
    }
    assert listed(city, admin, status=["declined", "accepted"]) == {
        "s1_declined",
        "d1_accepted",
        "overdue",
    }


def test_filter_by_centre_with_and_without_its_subtree(city: Tree, admin: APIClient) -> None:
    assert listed(city, admin, centre=city.d1.pk) == {"d1_open", "d1_accepted", "d1_court"}
    assert listed(city, admin, centre=city.d1.pk, subtree="true") == {
        "d1_open", "d1_accepted", "d1_court", "s1_queue", "s1_mine", "s1_other", "s1_co",
        "s1_declined", "k1_open", "water", "overdue",
    }  # fmt: skip
    assert listed(city, admin, centre=city.s2.pk, subtree="true") == {
        "s2_assigned",
        "s2_court",
        "loan",
    }


def test_a_filter_never_widens_the_scope(city: Tree) -> None:
    director = client_for(city.director_d1)
    assert listed(city, director, centre=city.d2.pk, subtree="true") == set()
    assert listed(city, director, q=city.cases["loan"].number) == set()


def test_filter_by_category_includes_its_sub_categories(city: Tree, admin: APIClient) -> None:
    noise_cases = {label for label in EVERY if label not in {"water", "loan", "overdue"}}
    assert listed(city, admin, category=category("neighbours").pk) == noise_cases | {
        "water",
        "overdue",
    }
    assert listed(city, admin, category=category("water_leak").pk) == {"water"}
    assert listed(city, admin, category=category("contract").pk) == {"loan"}


def test_filter_by_channel_and_risk(city: Tree, admin: APIClient) -> None:
    assert listed(city, admin, channel="court_entrusted") == {"d1_court", "s2_court"}
    assert listed(city, admin, channel=["hotline", "grid"]) == {"water", "loan"}
    assert listed(city, admin, risk_level="high") == {"water"}
    assert listed(city, admin, risk_level=["high", "attention"]) == {"water", "loan"}


def test_filter_by_mediator_lead_or_co(city: Tree, admin: APIClient) -> None:
    assert listed(city, admin, mediator=city.med_s1.pk) == {"s1_mine", "s1_co"}
    assert listed(city, admin, mediator=city.med_s1b.pk) == {"s1_other", "s1_co"}


def test_filter_by_registration_dates(city: Tree, admin: APIClient) -> None:
    now = timezone.now()
    month_ago = (now - timedelta(days=30)).isoformat()
    assert listed(city, admin, registered_before=month_ago) == {"water", "overdue"}
    assert listed(city, admin, registered_after=month_ago) == EVERY - {"water", "overdue"}
    assert listed(
        city,
        admin,
        registered_after=(now - timedelta(days=20)).isoformat(),
        registered_before=(now - timedelta(days=5)).isoformat(),
    ) == {"loan"}


def test_filter_overdue(city: Tree, admin: APIClient) -> None:
    # Past the mediation deadline ("overdue", accepted 45 days ago) or, still registered, past the
    # acceptance decision ("water" 60 days ago, "loan" 10 days ago; the others are registered now).
    late = {"overdue", "water", "loan"}
    assert listed(city, admin, overdue="true") == late
    assert listed(city, admin, overdue="false") == EVERY - late


def test_search_by_case_number(city: Tree, admin: APIClient) -> None:
    water = city.cases["water"]
    assert listed(city, admin, q=water.number) == {"water"}
    assert listed(city, admin, q=water.number.lower()) == {"water"}
    assert listed(city, admin, q=water.number.rsplit("-", 1)[0]) == {"k1_open", "water"}


def test_search_by_party_name(city: Tree, admin: APIClient) -> None:
    assert listed(city, admin, q="欧阳") == {"water"}


@pytest.mark.parametrize(
    "typed", ["13800138000", "+86 138 0013 8000", "138-0013-8000", " 8613800138000 "]
)
def test_search_by_phone_however_it_is_typed(city: Tree, admin: APIClient, typed: str) -> None:
    assert listed(city, admin, q=typed) == {"water"}


def test_search_by_id_number(city: Tree, admin: APIClient) -> None:
    # The factory's applicant (420106198001011237) is a party to every case but "water".
    assert listed(city, admin, q="420106198001011237") == EVERY - {"water"}
    assert listed(city, admin, q="420106198001011235") == set()


def test_ordering(city: Tree, admin: APIClient) -> None:
    def order(ordering: str, field: str) -> list[Any]:
        return [c[field] for c in results(admin.get(CASES, {"ordering": ordering}))]

    assert order("number", "number") == sorted(order("number", "number"))
    assert len(order("number", "number")) == len(EVERY)
    assert order("-number", "number") == sorted(order("number", "number"), reverse=True)
    registered = order("registered_at", "registered_at")
    assert registered == sorted(registered)
    assert order("-id", "id") == sorted(order("id", "id"), reverse=True)


def test_cursor_pages_stay_stable_while_cases_are_registered(city: Tree) -> None:
    client = client_for(city.admin)
    before = set(Case.objects.values_list("pk", flat=True))
    first = client.get(CASES, {"page_size": 5})
    seen = [c["id"] for c in results(first)]
    following = first.json()["next"]
    assert "cursor=" in following and "page=" not in following
    registered = client.post(
        CASES,
        {
            "centre": city.s1.pk,
            "channel": "walk_in",
            "category": seeded_category().pk,
            "summary": "翻页时新登记的案件",
            "parties": [{"role": "applicant", "name": "新人"}],
        },
        format="json",
    )
    assert registered.status_code == 201
    while following:
        page = client.get(following)
        seen += [c["id"] for c in results(page)]
        following = page.json()["next"]
    assert len(seen) == len(set(seen)), "a case appeared on two pages"
    assert set(seen) == before, "a case was skipped (or a newer one slipped in behind the cursor)"
    assert seen == sorted(seen, reverse=True)


def test_page_size_is_bounded(city: Tree, admin: APIClient) -> None:
    assert len(results(admin.get(CASES, {"page_size": 3}))) == 3
    assert len(results(admin.get(CASES, {"page_size": 100000}))) == len(EVERY)


# --- Transitions on offer -----------------------------------------------------------------------


def offered(client: APIClient, case: Case) -> dict[str, dict[str, Any]]:
    response = client.get(f"{CASES}{case.pk}/transitions/")
    assert response.status_code == 200, response.content
    assert response["ETag"] == f'"{Case.objects.get(pk=case.pk).version}"'
    return {t["name"]: t for t in response.json()}


def test_a_director_is_offered_the_decisions_and_an_observer_nothing(city: Tree) -> None:
    registered = city.cases["d1_open"]
    director = offered(client_for(city.director_d1), registered)
    assert set(director) == {"accept", "decline", "transfer", "extend"}
    assert director["accept"]["fields"] == []
    assert director["decline"]["fields"] == [
        {"name": "reason", "type": "string", "required": True, "choices": None}
    ]
    assert [(f["name"], f["type"], f["required"]) for f in director["transfer"]["fields"]] == [
        ("target_centre", "integer", True),
        ("reason", "string", True),
    ]
    assert offered(client_for(city.observer_d1), registered) == {}


def test_what_is_offered_follows_the_status_and_the_role(city: Tree) -> None:
    mine = city.cases["s1_mine"]
    assert set(offered(client_for(city.director_d1), mine)) == {
        "assign",
        "suspend",
        "resolve",
        "fail",
        "withdraw",
        "transfer",
        "extend",
    }
    as_mediator = offered(client_for(city.mediator_s1_user), mine)
    assert set(as_mediator) == {"suspend", "resolve", "fail", "withdraw"}
    (agreement,) = as_mediator["resolve"]["fields"]
    assert (agreement["name"], agreement["type"], agreement["required"]) == (
        "agreement",
        "object",
        True,
    )
    assert {f["name"] for f in agreement["fields"]} >= {"terms", "amount_agreed", "signed_on"}
    guidance = next(f for f in as_mediator["fail"]["fields"] if f["name"] == "guidance")
    assert {c["value"] for c in guidance["choices"]} == {
        "litigation",
        "arbitration",
        "administrative",
        "other",
    }
    assert offered(client_for(city.observer_d1), mine) == {}
    assert offered(client_for(city.director_c), city.cases["s1_declined"]) == {}


# --- A whole lifecycle over HTTP ----------------------------------------------------------------


def test_a_case_from_the_window_to_closing(city: Tree) -> None:
    tree = city
    window, director = client_for(tree.intake_s1), client_for(tree.director_d1)
    mediator = client_for(tree.mediator_s1_user)
    created = window.post(
        CASES,
        {
            "centre": tree.s1.pk,
            "channel": "walk_in",
            "category": category("noise").pk,
            "summary": "装修噪音",
            "parties": [
                {"role": "applicant", "name": "张三", "phone": "13812345678"},
                {"role": "respondent", "name": "李四"},
            ],
        },
        format="json",
        headers={"Idempotency-Key": "window-1"},
    )
    assert created.status_code == 201
    case_id, tag = created.json()["id"], created["ETag"]

    def step(client: APIClient, name: str, body: dict[str, Any], etag: str) -> Any:
        response = client.post(
            f"{CASES}{case_id}/transitions/{name}/", body, format="json", headers={"If-Match": etag}
        )
        assert response.status_code == 200, (name, response.content)
        assert response["ETag"] == f'"{response.json()["version"]}"' != etag
        return response

    accepted = step(director, "accept", {}, tag)
    assert accepted.json()["status"] == "accepted" and accepted.json()["due_at"]
    assigned = step(director, "assign", data_for("assign", mediator=tree.med_s1), accepted["ETag"])
    assert assigned.json()["lead_mediator"] == tree.med_s1.pk
    # The mediator reads the case first, as a client would, and works from that ETag.
    read = mediator.get(f"{CASES}{case_id}/")
    assert read["ETag"] == assigned["ETag"]
    resolved = step(
        mediator,
        "resolve",
        {"agreement": {"terms": "晚十点后不再施工", "amount_agreed": "500.00"}},
        read["ETag"],
    )
    assert (resolved.json()["status"], resolved.json()["outcome"]) == ("resolved", "resolved")
    closed = step(director, "close", {}, resolved["ETag"])
    assert closed.json()["status"] == "closed" and closed.json()["closed_at"]

    case = Case.objects.get(pk=case_id)
    assert case.agreement.terms == "晚十点后不再施工"
    assert FollowUp.objects.filter(case=case, done_at__isnull=True).count() == 1
    timeline = results(director.get(f"{CASES}{case_id}/events/"))
    assert [(e["kind"], e["name"]) for e in timeline] == [
        ("intake", "register"),
        ("transition", "accept"),
        ("transition", "assign"),
        ("transition", "resolve"),
        ("transition", "close"),
    ]
    assert [e["actor"] for e in timeline] == [
        tree.intake_s1.username,
        tree.director_d1.username,
        tree.director_d1.username,
        tree.mediator_s1_user.username,
        tree.director_d1.username,
    ]
    assert [e["case_version"] for e in timeline] == sorted(e["case_version"] for e in timeline)
    assert Event.objects.filter(case=case).count() == 5
    # Closed is final: nothing more is offered, and a late attempt is refused without effect.
    assert offered(director, case) == {}
    late = director.post(
        f"{CASES}{case_id}/transitions/suspend/",
        {"reason": "太迟了"},
        format="json",
        headers={"If-Match": closed["ETag"]},
    )
    assert_error(late, 409, "transition_not_allowed")
    assert Case.objects.get(pk=case_id).status == Status.CLOSED
