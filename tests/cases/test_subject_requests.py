"""Requests from the people concerned (issue 22): a person's data found by the keyed hash of their
ID number or phone in the requester's scope only, the city-wide search after approval (run once),
the export for the person, erasure approved (every case anonymised at once, held ones skipped) and
refused (nothing changed); one audit record per act, the numbers masked."""

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from cases import workflow
from cases.errors import InvalidInput, NotPermitted
from cases.models import (
    AuditAction,
    AuditRecord,
    Case,
    Notification,
    NotificationKind,
    Party,
    PartyRole,
    Status,
    SubjectRequest,
    SubjectRequestStatus,
)
from cases.queries.subject_requests import export_content
from cases.services import subject_requests
from cases.services.intake import PartyData
from cases.services.retention import set_legal_hold
from cases.services.sessions import book_session
from tests.factories import APPLICANT, Tree, agreement_data, data_for, drive, register

pytestmark = pytest.mark.django_db

CLEAR_ID = "420106198001011237"  # APPLICANT's
CLEAR_PHONE = "13812345678"
MASKED = {"id_number": "420***********1237", "phone": "138****5678"}
OTHER = PartyData(name="王五", role=PartyRole.RESPONDENT, phone="13700002222")


@pytest.fixture
def two_cases(tree: Tree) -> tuple[Case, Case]:
    """张三 (APPLICANT) in a case of S1 (district D1) and in a case of S2 (district D2)."""
    s1 = register(actor=tree.intake_s1, centre=tree.s1, summary="一区噪音")
    s2 = register(actor=tree.admin, centre=tree.s2, summary="二区欠款", parties=(APPLICANT, OTHER))
    return s1, s2


def _new_records(before: int) -> list[AuditRecord]:
    return list(AuditRecord.objects.filter(pk__gt=before).order_by("pk"))


def _last() -> int:
    return AuditRecord.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def _no_clear_numbers(records: list[AuditRecord]) -> None:
    text = json.dumps([r.details for r in records], ensure_ascii=False)
    assert CLEAR_ID not in text and CLEAR_PHONE not in text


# --- Searching in scope, and city-wide after approval -------------------------------------------


def test_a_district_director_finds_the_person_only_in_their_district(
    tree: Tree, two_cases: tuple[Case, Case]
) -> None:
    s1, s2 = two_cases
    before = _last()
    found = subject_requests.search(actor=tree.director_d2, id_number=CLEAR_ID)
    assert [(p.case.number, p.role) for p in found] == [(s2.number, "applicant")]
    found = subject_requests.search(actor=tree.director_d1, phone="138-1234-5678")
    assert [p.case.number for p in found] == [s1.number]
    assert [p.case.number for p in subject_requests.search(actor=tree.admin, id_number=CLEAR_ID)]
    (d2, d1, admin) = _new_records(before)
    assert (d2.action, d2.actor, d2.details) == (
        AuditAction.SUBJECT_SEARCH,
        tree.director_d2,
        {"id_number": MASKED["id_number"], "phone": "", "scope": "own", "request": None,
         "parties": 1, "cases": 1},
    )  # fmt: skip
    assert d2.centre == tree.d2 and d1.centre == tree.d1
    assert admin.details["cases"] == 2
    _no_clear_numbers([d2, d1, admin])


def test_only_directors_and_administrators_search(tree: Tree, two_cases: Any) -> None:
    for user in (tree.intake_s1, tree.mediator_s1_user, tree.observer_d1, tree.court_liaison):
        with pytest.raises(NotPermitted):
            subject_requests.search(actor=user, id_number=CLEAR_ID)
    with pytest.raises(InvalidInput) as raised:
        subject_requests.search(actor=tree.director_d1)
    assert list(raised.value.fields) == ["id_number"]
    assert not AuditRecord.objects.filter(action=AuditAction.SUBJECT_SEARCH).exists()


def test_a_city_wide_search_runs_once_after_a_city_director_approves_it(
    tree: Tree, two_cases: tuple[Case, Case]
) -> None:
    s1, s2 = two_cases
    before = _last()
    asked = subject_requests.request_city_search(
        actor=tree.director_d2, id_number=CLEAR_ID, reason="本人申请查询"
    )
    assert (asked.status, asked.id_number_masked, asked.centre) == (
        "pending",
        MASKED["id_number"],
        tree.d2,
    )
    assert SubjectRequest.objects.filter(id_number_hash=asked.id_number_hash).count() == 1
    # Not before the approval; not by the requester; not by a district director.
    with pytest.raises(InvalidInput):
        subject_requests.search(actor=tree.director_d2, request=asked)
    assert not subject_requests.can_decide(tree.director_d2, asked)
    assert not subject_requests.can_decide(tree.director_d1, asked)
    assert subject_requests.can_decide(tree.director_c, asked)
    with pytest.raises(NotPermitted):
        subject_requests.decide(actor=tree.director_d1, request=asked, approve=True, reason="可")
    subject_requests.decide(actor=tree.director_c, request=asked, approve=True, reason="依法答复")
    # Nobody else runs it.
    with pytest.raises(NotPermitted):
        subject_requests.search(actor=tree.director_d1, request=asked)
    found = subject_requests.search(actor=tree.director_d2, request=asked)
    assert sorted(p.case.number for p in found) == sorted([s1.number, s2.number])
    asked.refresh_from_db()
    assert asked.status == SubjectRequestStatus.USED and asked.used_at is not None
    with pytest.raises(InvalidInput):  # once
        subject_requests.search(actor=tree.director_d2, request=asked)
    records = _new_records(before)
    assert [r.action for r in records] == [
        AuditAction.SUBJECT_SEARCH_REQUESTED,
        AuditAction.SUBJECT_SEARCH_DECIDED,
        AuditAction.SUBJECT_SEARCH,
    ]
    assert records[1].details == {
        **MASKED, "phone": "", "request": asked.pk, "reason": "依法答复", "approved": True
    }  # fmt: skip
    assert records[2].details["scope"] == "city" and records[2].details["cases"] == 2
    _no_clear_numbers(records)
    (told,) = Notification.objects.filter(kind=NotificationKind.REQUEST_DECIDED)
    assert told.user == tree.director_d2 and told.subject_request_id == asked.pk


def test_a_refused_city_wide_search_never_runs(tree: Tree, two_cases: Any) -> None:
    asked = subject_requests.request_city_search(
        actor=tree.director_d2, phone=CLEAR_PHONE, reason="查询"
    )
    subject_requests.decide(actor=tree.admin, request=asked, approve=False, reason="理由不足")
    with pytest.raises(InvalidInput):
        subject_requests.search(actor=tree.director_d2, request=asked)
    with pytest.raises(InvalidInput):
        subject_requests.export(actor=tree.director_d2, file_format="json", request=asked)


# --- The export for the person -----------------------------------------------------------------


def test_the_export_holds_the_persons_records_cases_sessions_and_agreements(
    tree: Tree, two_cases: tuple[Case, Case]
) -> None:
    s1, _s2 = two_cases
    s1 = drive(s1, Status.IN_MEDIATION, actor=tree.director_d1, mediator=tree.med_s1)
    starts = timezone.now() + timedelta(days=2)
    book_session(
        case=s1, actor=tree.director_d1, starts_at=starts, ends_at=starts + timedelta(hours=1),
        mediators=[tree.med_s1], place="调解室",
    )  # fmt: skip
    resolved = workflow.transition(
        case=s1, name="resolve", actor=tree.director_d1, data=data_for("resolve")
    )
    before = _last()
    parties = subject_requests.export(
        actor=tree.director_d1, file_format="json", id_number=CLEAR_ID
    )
    (record,) = _new_records(before)
    assert (record.action, record.details["format"], record.details["cases"]) == (
        AuditAction.SUBJECT_EXPORT, "json", 1
    )  # fmt: skip
    _no_clear_numbers([record])
    with translation.override("en"):
        content = export_content(parties)
    (party,) = content["parties"]
    assert party == {
        "case_number": s1.number, "role": "applicant", "role_label": "Applicant",
        "kind": "person", "name": "张三", "id_number": CLEAR_ID, "phone": CLEAR_PHONE,
        "address": "", "birth_date": "1980-01-01",
    } | {"birth_date": party["birth_date"]}  # fmt: skip
    (case,) = content["cases"]
    assert (case["number"], case["summary"], case["status"], case["outcome"]) == (
        s1.number, "一区噪音", "resolved", resolved.outcome
    )  # fmt: skip
    assert case["agreement"]["terms"] == agreement_data()["agreement"]["terms"]
    (session,) = case["sessions"]
    assert session["starts_at"] == starts.isoformat()


# --- Erasure --------------------------------------------------------------------------------------


def test_an_approved_erasure_anonymises_every_case_but_the_held_ones(
    tree: Tree, two_cases: tuple[Case, Case]
) -> None:
    s1, s2 = two_cases
    third = register(actor=tree.intake_s1, centre=tree.s1, summary="三号", parties=(APPLICANT,))
    set_legal_hold(case=third, actor=tree.director_d1, hold=True, reason="诉讼中")
    before = _last()
    asked = subject_requests.request_erasure(
        actor=tree.intake_s1, id_number=CLEAR_ID, reason="本人要求删除"
    )
    # The person is also in a case of D2: D1's director does not decide; the city's does.
    assert not subject_requests.can_decide(tree.director_d1, asked)
    with pytest.raises(NotPermitted):
        subject_requests.decide(actor=tree.director_d1, request=asked, approve=True, reason="同意")
    assert not subject_requests.can_decide(tree.intake_s1, asked)
    subject_requests.decide(actor=tree.director_c, request=asked, approve=True, reason="同意删除")
    asked.refresh_from_db()
    assert asked.status == SubjectRequestStatus.APPROVED
    assert sorted(asked.result["anonymised"]) == sorted([s1.number, s2.number])
    assert asked.result["held"] == [third.number]
    names = dict(Party.objects.filter(role="applicant").values_list("case_id", "name"))
    assert names == {s1.pk: "申请人1", s2.pk: "申请人1", third.pk: "张三"}
    # The others in those cases keep their data; nobody finds the person any more but in the
    # held case.
    assert Party.objects.get(case=s2, name="王五").phone_masked == "137****2222"
    found = subject_requests.search(actor=tree.admin, id_number=CLEAR_ID)
    assert [p.case_id for p in found] == [third.pk]
    records = _new_records(before)
    assert [r.action for r in records] == [
        AuditAction.ERASURE_REQUESTED, AuditAction.ERASURE_APPROVED, AuditAction.SUBJECT_SEARCH
    ]  # fmt: skip
    assert records[0].actor == tree.intake_s1 and records[0].centre == tree.s1
    assert records[1].details["held"] == [third.number]
    _no_clear_numbers(records)
    (told,) = Notification.objects.filter(kind=NotificationKind.REQUEST_DECIDED)
    assert told.user == tree.intake_s1


def test_a_refused_erasure_changes_nothing(tree: Tree, two_cases: tuple[Case, Case]) -> None:
    before_parties = list(Party.objects.order_by("pk").values())
    asked = subject_requests.request_erasure(
        actor=tree.director_d1, phone=CLEAR_PHONE, reason="本人要求删除"
    )
    before = _last()
    subject_requests.decide(actor=tree.admin, request=asked, approve=False, reason="案件未结")
    assert list(Party.objects.order_by("pk").values()) == before_parties
    (record,) = _new_records(before)
    assert (record.action, record.details["reason"]) == (AuditAction.ERASURE_REFUSED, "案件未结")
    with pytest.raises(InvalidInput):  # decided once
        subject_requests.decide(actor=tree.director_c, request=asked, approve=True, reason="可")


def test_an_erasure_is_asked_only_for_someone_in_the_requesters_cases(
    tree: Tree, two_cases: Any
) -> None:
    with pytest.raises(InvalidInput) as raised:
        subject_requests.request_erasure(
            actor=tree.intake_s1, phone="13700002222", reason="本人要求"
        )  # 王五 is only in S2's case
    assert list(raised.value.fields) == ["id_number"]
    with pytest.raises(NotPermitted):
        subject_requests.request_erasure(
            actor=tree.mediator_s1_user, id_number=CLEAR_ID, reason="本人要求"
        )
    assert not SubjectRequest.objects.exists()


# --- The web pages --------------------------------------------------------------------------------


def _client(user: Any, language: str = "zh-hans") -> Client:
    client = Client(headers={"accept-language": language})
    client.force_login(user)
    return client


def test_the_web_search_shows_only_cases_in_scope_and_exports(
    tree: Tree, two_cases: tuple[Case, Case]
) -> None:
    s1, s2 = two_cases
    client = _client(tree.director_d2)
    page = client.post(reverse("web:personal_data_search"), {"id_number": CLEAR_ID, "search": ""})
    html = page.content.decode()
    assert page.status_code == 200
    assert s2.number in html and s1.number not in html and "一区" not in html
    assert (
        reverse("web:party_correct", args=[s2.pk, Party.objects.get(case=s2, role="applicant").pk])
        in html
    )
    exported = client.post(
        reverse("web:personal_data_export"), {"id_number": CLEAR_ID, "phone": "", "format": "json"}
    )
    assert exported.status_code == 200 and exported["Content-Type"].startswith("application/json")
    body = json.loads(exported.content)
    assert [c["number"] for c in body["cases"]] == [s2.number]
    assert body["parties"][0]["id_number"] == CLEAR_ID
    pdf = client.post(
        reverse("web:personal_data_export"), {"id_number": CLEAR_ID, "phone": "", "format": "pdf"}
    )
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


def test_the_web_city_wide_search_end_to_end(tree: Tree, two_cases: tuple[Case, Case]) -> None:
    s1, s2 = two_cases
    asker = _client(tree.director_d2)
    asked = asker.post(
        reverse("web:personal_data_search"),
        {"id_number": CLEAR_ID, "reason": "本人申请", "city": ""},
    )
    made = SubjectRequest.objects.get()
    assert asked.status_code == 302 and asked["Location"] == reverse(
        "web:personal_data_request", args=[made.pk]
    )
    # The city's director sees it in the list and approves it.
    city = _client(tree.director_c)
    listed = city.get(reverse("web:personal_data"))
    assert reverse("web:personal_data_request", args=[made.pk]) in listed.content.decode()
    decided = city.post(
        reverse("web:personal_data_request", args=[made.pk]),
        {"decision": "approve", "reason": "依法答复"},
    )
    assert decided.status_code == 302
    # Another district's director does not even see the request.
    other = _client(tree.director_d1)
    assert other.get(reverse("web:personal_data_request", args=[made.pk])).status_code == 404
    ran = asker.post(reverse("web:personal_data_request_run", args=[made.pk]))
    html = ran.content.decode()
    assert s1.number in html and s2.number in html
    again = asker.post(reverse("web:personal_data_request_run", args=[made.pk]))
    assert again.status_code == 302
    exported = asker.post(
        reverse("web:personal_data_export"), {"request": made.pk, "format": "json"}
    )
    assert sorted(c["number"] for c in json.loads(exported.content)["cases"]) == sorted(
        [s1.number, s2.number]
    )


def test_the_pages_are_for_directors_intake_and_administrators(tree: Tree) -> None:
    with translation.override("en"):
        for user in (tree.mediator_s1_user, tree.observer_d1, tree.court_liaison):
            assert _client(user).get(reverse("web:personal_data")).status_code == 403
        intake = _client(tree.intake_s1)
        assert intake.get(reverse("web:personal_data")).status_code == 200
        assert intake.get(reverse("web:personal_data_search")).status_code == 403
        assert intake.get(reverse("web:personal_data_erasure")).status_code == 200
        menu = _client(tree.director_d1).get(reverse("web:workbench")).content.decode()
        assert reverse("web:personal_data") in menu


# --- The audit extract for a regulator ----------------------------------------------------------


def test_an_audit_extract_of_a_case_lists_its_events_and_records(
    tree: Tree, two_cases: tuple[Case, Case]
) -> None:
    s1, s2 = two_cases
    subject_requests.search(actor=tree.director_d1, id_number=CLEAR_ID)  # a record not of s1
    reveal = AuditRecord.objects.create(
        actor=tree.director_d1, actor_name="director_d1", action=AuditAction.REVEAL,
        details={"phone": MASKED["phone"]}, centre=tree.s1, case=s1,
    )  # fmt: skip
    client = _client(tree.director_d1, language="en")
    before = _last()
    response = client.post(
        reverse("web:personal_data_extract"), {"case_number": s1.number, "format": "csv"}
    )
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Row type,Time,User name,Action")
    kinds = [line.split(",")[0] for line in lines[1:]]
    assert kinds.count("Event") == s1.events.count() and kinds.count("Audit record") == 1
    assert MASKED["phone"] in lines[-1] and str(reveal.pk) not in lines[0]
    (made,) = _new_records(before)
    assert (made.action, made.case, made.details) == (
        AuditAction.AUDIT_EXTRACT, s1, {"format": "csv", "case": s1.number,
                                        "rows": len(lines) - 1},
    )  # fmt: skip
    # Another district's case is refused like a missing one; the PDF is a PDF.
    refused = client.post(
        reverse("web:personal_data_extract"), {"case_number": s2.number, "format": "csv"}
    )
    assert refused.status_code == 400 and s2.number not in refused.content.decode()
    pdf = client.post(
        reverse("web:personal_data_extract"), {"case_number": s1.number, "format": "pdf"}
    )
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_an_audit_extract_of_a_person_lists_the_records_about_them(
    tree: Tree, two_cases: tuple[Case, Case]
) -> None:
    _s1, _s2 = two_cases
    asked = subject_requests.request_erasure(
        actor=tree.intake_s1, id_number=CLEAR_ID, reason="本人要求"
    )
    someone = PartyData(name="赵六", role=PartyRole.APPLICANT, phone="13600003333")
    unrelated = register(actor=tree.intake_s1, centre=tree.s1, parties=(someone,))
    AuditRecord.objects.create(
        actor=tree.admin, actor_name="admin", action=AuditAction.DOWNLOAD, details={},
        centre=tree.s1, case=unrelated,
    )  # fmt: skip
    events, records = subject_requests.audit_extract(
        actor=tree.director_d1, file_format="csv", id_number=CLEAR_ID
    )
    assert events == []
    assert [(r.action, r.target) for r in records] == [
        (AuditAction.ERASURE_REQUESTED, f"cases.subjectrequest:{asked.pk}")
    ]
    made = AuditRecord.objects.latest("pk")
    assert (made.action, made.details) == (
        AuditAction.AUDIT_EXTRACT, {"format": "csv", **MASKED, "phone": "", "rows": 1}
    )  # fmt: skip
    with pytest.raises(NotPermitted):
        subject_requests.audit_extract(actor=tree.intake_s1, file_format="csv", id_number=CLEAR_ID)
