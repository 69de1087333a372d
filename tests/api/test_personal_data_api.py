"""Requests from the people concerned over HTTP (issue 22): `/api/v1/personal-data/` — the search
in the caller's scope, a city-wide search asked, approved and run once, the export as JSON, an
erasure asked and approved (held cases listed), errors in the API's shape naming the fields."""

from typing import Any

import pytest

from cases.models import AuditAction, AuditRecord, Case, Party
from cases.services.intake import PartyData
from cases.services.retention import set_legal_hold
from tests.api.support import assert_error, client_for
from tests.factories import APPLICANT, Tree, register

pytestmark = pytest.mark.django_db

CLEAR_ID = "420106198001011237"
REQUESTS = "/api/v1/personal-data/requests/"
SEARCH = "/api/v1/personal-data/search/"
EXPORT = "/api/v1/personal-data/export/"


@pytest.fixture
def two_cases(tree: Tree) -> tuple[Case, Case]:
    other = PartyData(name="王五", role="respondent", phone="13700002222")
    s1 = register(actor=tree.intake_s1, centre=tree.s1, summary="一区噪音")
    s2 = register(actor=tree.admin, centre=tree.s2, summary="二区欠款", parties=(APPLICANT, other))
    return s1, s2


def test_the_search_answers_only_the_callers_cases(tree: Tree, two_cases: Any) -> None:
    s1, s2 = two_cases
    response = client_for(tree.director_d2).post(SEARCH, {"id_number": CLEAR_ID}, format="json")
    assert response.status_code == 200, response.content
    (row,) = response.json()
    assert (row["case_number"], row["role"], row["role_label"], row["name"]) == (
        s2.number, "applicant", "Applicant", "张三"
    )  # fmt: skip
    assert s1.number not in response.content.decode()
    bad = client_for(tree.director_d2).post(SEARCH, {"phone": "12"}, format="json")
    assert list(assert_error(bad, 400, "invalid")["fields"]) == ["phone"]
    refused = client_for(tree.intake_s1).post(SEARCH, {"id_number": CLEAR_ID}, format="json")
    assert_error(refused, 403, "permission_denied")


def test_a_city_wide_search_end_to_end(tree: Tree, two_cases: Any) -> None:
    s1, s2 = two_cases
    asker = client_for(tree.director_d2)
    made = asker.post(
        REQUESTS, {"kind": "search", "id_number": CLEAR_ID, "reason": "本人申请"}, format="json"
    )
    assert made.status_code == 201, made.content
    body = made.json()
    assert (body["kind"], body["status"], body["id_number_masked"]) == (
        "search", "pending", "420***********1237"
    )  # fmt: skip
    assert CLEAR_ID not in made.content.decode()
    early = asker.post(SEARCH, {"request": body["id"]}, format="json")
    assert list(assert_error(early, 400, "invalid")["fields"]) == ["request"]
    # A district director may not decide it; the city's director does.
    decide = f"{REQUESTS}{body['id']}/decide/"
    denied = client_for(tree.director_d1).post(
        decide, {"approve": True, "reason": "可"}, format="json"
    )
    assert denied.status_code == 404  # not even readable to them
    no_reason = client_for(tree.director_c).post(decide, {"approve": True}, format="json")
    assert list(assert_error(no_reason, 400, "invalid")["fields"]) == ["reason"]
    approved = client_for(tree.director_c).post(
        decide, {"approve": True, "reason": "依法答复"}, format="json"
    )
    assert approved.json()["status"] == "approved"
    found = asker.post(SEARCH, {"request": body["id"]}, format="json")
    assert sorted(r["case_number"] for r in found.json()) == sorted([s1.number, s2.number])
    again = asker.post(SEARCH, {"request": body["id"]}, format="json")
    assert_error(again, 400, "invalid")
    exported = asker.post(EXPORT, {"request": body["id"]}, format="json")
    assert sorted(c["number"] for c in exported.json()["cases"]) == sorted([s1.number, s2.number])
    assert exported.json()["parties"][0]["id_number"] == CLEAR_ID
    listed = asker.get(REQUESTS).json()
    assert [r["id"] for r in listed["results"]] == [body["id"]]


def test_an_erasure_over_the_api(tree: Tree, two_cases: Any) -> None:
    s1, s2 = two_cases
    set_legal_hold(case=s2, actor=tree.admin, hold=True, reason="诉讼中")
    made = client_for(tree.intake_s1).post(
        REQUESTS, {"kind": "erasure", "id_number": CLEAR_ID, "reason": "本人要求"}, format="json"
    )
    assert made.status_code == 201, made.content
    decided = client_for(tree.admin).post(
        f"{REQUESTS}{made.json()['id']}/decide/", {"approve": True, "reason": "同意"}, format="json"
    )
    assert decided.status_code == 200, decided.content
    assert decided.json()["result"] == {"anonymised": [s1.number], "held": [s2.number]}
    assert Party.objects.get(case=s1, role="applicant").name == "申请人1"
    assert Party.objects.get(case=s2, role="applicant").name == "张三"
    # The requester (S1's intake) reads the decision, and only the case numbers they see.
    read = client_for(tree.intake_s1).get(f"{REQUESTS}{made.json()['id']}/")
    assert read.json()["result"] == {"anonymised": [s1.number], "held": []}
    assert AuditRecord.objects.filter(action=AuditAction.ERASURE_APPROVED).count() == 1
    nobody = client_for(tree.intake_s1).post(
        REQUESTS, {"kind": "erasure", "phone": "13700002222", "reason": "本人要求"}, format="json"
    )
    assert list(assert_error(nobody, 400, "invalid")["fields"]) == ["id_number"]
    mediator = client_for(tree.mediator_s1_user).get(REQUESTS)
    assert_error(mediator, 403, "permission_denied")


@pytest.mark.parametrize("path", [SEARCH, EXPORT])
def test_options_describes_what_the_search_and_the_export_read(tree: Tree, path: str) -> None:
    response = client_for(tree.director_d1).options(path)
    assert response.status_code == 200
    assert set(response.json()["actions"]["POST"]) == {"id_number", "phone", "request"}
