"""A case's parties over HTTP: `POST /api/v1/cases/{id}/parties/`, `PATCH` and `DELETE
/api/v1/cases/{id}/parties/{party_pk}/`, each with `If-Match` on the case (issue 19; docs/api.md
"Changing a case's parties")."""

from typing import Any

import pytest

from cases.models import Case, Event, Party, PartyRole, Status
from tests.api.support import assert_error, client_for
from tests.factories import Tree, drive, register

pytestmark = pytest.mark.django_db

WANG = {
    "role": "third_party", "kind": "person", "name": "王五", "id_number": "11010519491231002X",
    "phone": "13712345678", "reason": "登记时漏登第三人",
}  # fmt: skip


def s1_case(tree: Tree, status: str = Status.IN_MEDIATION) -> Case:
    case = register(actor=tree.intake_s1, centre=tree.s1)
    return drive(case, status, actor=tree.director_d1, mediator=tree.med_s1)


def etag(case: Case) -> dict[str, str]:
    case.refresh_from_db()
    return {"If-Match": f'"{case.version}"'}


def state(case: Case) -> tuple[Any, ...]:
    case.refresh_from_db()
    rows = list(Party.objects.filter(case=case).order_by("pk").values())
    return case.version, rows, Event.objects.filter(case=case).count()


def parties_url(case: Case) -> str:
    return f"/api/v1/cases/{case.pk}/parties/"


def party_url(case: Case, party: Any) -> str:
    pk = party if isinstance(party, int) else party.pk
    return f"/api/v1/cases/{case.pk}/parties/{pk}/"


def test_add_then_correct_then_remove_each_a_new_etag_and_one_event(tree: Tree) -> None:
    case = s1_case(tree)
    client = client_for(tree.mediator_s1_user)
    old = etag(case)

    added = client.post(parties_url(case), WANG, format="json", headers=old)

    assert added.status_code == 201, added.content
    body = added.json()
    assert (body["name"], body["role"], body["case"]) == ("王五", "third_party", case.pk)
    assert body["id_number"] != WANG["id_number"] and body["phone"] == "137****5678"
    case.refresh_from_db()
    assert added["ETag"] == f'"{case.version}"' != old["If-Match"]
    # The case read afterwards has the party, and the same ETag.
    read = client.get(f"/api/v1/cases/{case.pk}/")
    assert read["ETag"] == added["ETag"]
    assert "王五" in [p["name"] for p in read.json()["parties"]]

    corrected = client.patch(
        party_url(case, body["id"]), {"phone": "13987654321", "reason": "电话录错"},
        format="json", headers={"If-Match": added["ETag"]},
    )  # fmt: skip
    assert corrected.status_code == 200, corrected.content
    assert corrected.json()["phone"] == "139****4321"
    assert corrected.json()["id_number"] == body["id_number"]  # not given: kept
    assert corrected["ETag"] != added["ETag"]

    removed = client.delete(
        party_url(case, body["id"]) + "?reason=误登", headers={"If-Match": corrected["ETag"]}
    )
    assert removed.status_code == 204, removed.content
    case.refresh_from_db()
    assert removed["ETag"] == f'"{case.version}"'
    assert not Party.objects.filter(pk=body["id"]).exists()

    timeline = client.get(f"/api/v1/cases/{case.pk}/events/").json()["results"]
    names = [(e["kind"], e["name"]) for e in timeline[-3:]]
    assert names == [("parties", n) for n in ("add_party", "correct_party", "remove_party")]
    assert "13987654321" not in str(timeline) and WANG["id_number"] not in str(timeline)
    assert timeline[-2]["after"]["reason"] == "电话录错"


def test_if_match_is_required_and_must_be_current(tree: Tree) -> None:
    case = s1_case(tree)
    party = case.parties.get(role=PartyRole.RESPONDENT)
    client = client_for(tree.director_d1)
    before = state(case)
    stale = {"If-Match": f'"{case.version - 1}"'}
    calls = [
        lambda h: client.post(parties_url(case), WANG, format="json", headers=h),
        lambda h: client.patch(
            party_url(case, party), {"name": "李肆", "reason": "笔误"}, format="json", headers=h
        ),
        lambda h: client.delete(party_url(case, party) + "?reason=误登", headers=h),
    ]
    for call in calls:
        assert_error(call({}), 428, "precondition_required")
        refused = call(stale)
        error = assert_error(refused, 412, "precondition_failed")
        assert error["current_version"] == case.version
    assert state(case) == before


def test_bad_input_is_400_naming_the_field_and_nothing_changes(tree: Tree) -> None:
    case = s1_case(tree)
    party = case.parties.get(role=PartyRole.RESPONDENT)
    client = client_for(tree.intake_s1)
    before = state(case)

    no_reason = client.post(
        parties_url(case), {**WANG, "reason": ""}, format="json", headers=etag(case)
    )
    assert "reason" in assert_error(no_reason, 400, "invalid")["fields"]
    bad_phone = client.post(
        parties_url(case), {**WANG, "phone": "12"}, format="json", headers=etag(case)
    )
    assert set(assert_error(bad_phone, 400, "invalid")["fields"]) == {"phone"}
    patch_no_reason = client.patch(
        party_url(case, party), {"name": "李肆"}, format="json", headers=etag(case)
    )
    assert set(assert_error(patch_no_reason, 400, "invalid")["fields"]) == {"reason"}
    bad_role = client.patch(
        party_url(case, party), {"role": "judge", "reason": "x"}, format="json",
        headers=etag(case),
    )  # fmt: skip
    assert set(assert_error(bad_role, 400, "invalid")["fields"]) == {"role"}
    delete_no_reason = client.delete(party_url(case, party), headers=etag(case))
    assert set(assert_error(delete_no_reason, 400, "invalid")["fields"]) == {"reason"}
    applicant = case.parties.get(role=PartyRole.APPLICANT)
    last_applicant = client.patch(
        party_url(case, applicant), {"role": "respondent", "reason": "角色录错"}, format="json",
        headers=etag(case),
    )  # fmt: skip
    assert set(assert_error(last_applicant, 400, "invalid")["fields"]) == {"role"}
    assert state(case) == before


def test_refusals_by_state_are_409(tree: Tree) -> None:
    case = s1_case(tree)
    client = client_for(tree.director_d1)
    applicant = case.parties.get(role=PartyRole.APPLICANT)
    before = state(case)
    only = client.delete(party_url(case, applicant) + "?reason=误登", headers=etag(case))
    assert "applicant" in assert_error(only, 409, "transition_not_allowed")["message"]

    closed = s1_case(tree, Status.CLOSED)
    respondent = closed.parties.get(role=PartyRole.RESPONDENT)
    closed_before = state(closed)
    for response in (
        client.post(parties_url(closed), WANG, format="json", headers=etag(closed)),
        client.patch(
            party_url(closed, respondent), {"name": "李肆", "reason": "笔误"}, format="json",
            headers=etag(closed),
        ),
        client.delete(party_url(closed, respondent) + "?reason=误登", headers=etag(closed)),
    ):  # fmt: skip
        assert_error(response, 409, "transition_not_allowed")
    assert state(case) == before and state(closed) == closed_before


def test_scope_read_only_roles_and_other_cases_parties(tree: Tree) -> None:
    case = s1_case(tree)
    party = case.parties.get(role=PartyRole.RESPONDENT)
    other = s1_case(tree)
    before, other_before = state(case), state(other)

    # The observer sees the case but may not change it: 403 before the body is read.
    observer = client_for(tree.observer_d1)
    assert_error(observer.post(parties_url(case), {}, format="json", headers=etag(case)), 403)
    assert_error(observer.patch(party_url(case, party), {}, format="json", headers=etag(case)), 403)
    # Outside the scope: 404, as a missing case.
    foreign = client_for(tree.director_d2)
    assert_error(
        foreign.post(parties_url(case), WANG, format="json", headers=etag(case)), 404, "not_found"
    )
    # Another case's party through this case: 404, nothing changed on either.
    director = client_for(tree.director_d1)
    wrong = director.patch(
        party_url(case, other.parties.get(role=PartyRole.RESPONDENT)),
        {"name": "李肆", "reason": "笔误"}, format="json", headers=etag(case),
    )  # fmt: skip
    assert_error(wrong, 404, "not_found")
    assert state(case) == before and state(other) == other_before


def test_sms_consent_is_recorded_with_who_and_when_and_logged(tree: Tree) -> None:
    case = s1_case(tree)
    client = client_for(tree.mediator_s1_user)
    party = case.parties.get(role=PartyRole.RESPONDENT)
    before = client.get(f"/api/v1/cases/{case.pk}/").json()["parties"]
    assert {(p["sms_consent"], p["sms_consent_at"]) for p in before} == {(False, None)}

    agreed = client.patch(
        party_url(case, party), {"sms_consent": True, "reason": "当事人同意短信提醒"},
        format="json", headers=etag(case),
    )  # fmt: skip

    assert agreed.status_code == 200, agreed.content
    assert agreed.json()["sms_consent"] is True and agreed.json()["sms_consent_at"]
    party.refresh_from_db()
    assert party.sms_consent_by == tree.mediator_s1_user
    event = Event.objects.filter(case=case).latest("pk")
    assert (event.name, event.before, event.after["sms_consent"]) == (
        "correct_party",
        {"party": party.pk, "sms_consent": False},
        True,
    )
    added = client.post(
        parties_url(case), {**WANG, "sms_consent": True}, format="json", headers=etag(case)
    )
    assert added.status_code == 201, added.content
    assert Party.objects.get(pk=added.json()["id"]).sms_consent_by == tree.mediator_s1_user
