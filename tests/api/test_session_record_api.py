"""The session record (调解笔录) through the API: written and corrected with PATCH (omitted fields
keep their value), downloaded as a PDF; the registration form (受理登记表) as a PDF."""

import io
from typing import Any

import pytest
from pypdf import PdfReader

from cases.models import Event, Session, SessionStatus
from cases.services import sessions
from cases.services.sessions import RECORD_TEXT_MAX
from tests.api.support import assert_error, client_for
from tests.factories import Tree
from tests.web.test_session_record import RECORD, case_with_session

pytestmark = pytest.mark.django_db


def url(session: Session, tail: str = "") -> str:
    return f"/api/v1/sessions/{session.pk}/{tail}"


def pdf_text(response: Any) -> str:
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)


def test_writing_the_record_and_correcting_one_field(tree: Tree) -> None:
    case, session = case_with_session(tree)
    applicant = case.parties.get(name="张三")
    client = client_for(tree.mediator_s1_user)

    response = client.patch(
        url(session), {**RECORD, "parties_present": [applicant.pk]}, format="json"
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "held" and body["parties_present"] == [applicant.pk]
    for name, value in RECORD.items():
        assert body[name] == value
    assert body["recorded_by"] == tree.mediator_s1_user.username
    assert body["recorded_at"] is not None

    corrected = client.patch(url(session), {"agreed": "双方仍有分歧"}, format="json")

    assert corrected.status_code == 200
    body = corrected.json()
    assert body["agreed"] == "双方仍有分歧"
    assert body["applicant_statement"] == RECORD["applicant_statement"]  # omitted: kept
    assert body["parties_present"] == [applicant.pk]
    [correction] = Event.objects.filter(case=case, name="correct_session_record")
    assert correction.before == {"session": session.pk, "agreed": RECORD["agreed"]}
    assert correction.after == {"session": session.pk, "agreed": "双方仍有分歧"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"applicant_statement": "长" * (RECORD_TEXT_MAX + 1)}, "applicant_statement"),
        ({"result": "长" * 256}, "result"),
        ({"agreed": None}, "agreed"),
        ({"parties_present": ["x"]}, "parties_present.0"),
    ],
)
def test_bad_input_names_the_field_and_changes_nothing(
    tree: Tree, body: dict[str, Any], field: str
) -> None:
    _, session = case_with_session(tree)
    events = Event.objects.count()
    response = client_for(tree.mediator_s1_user).patch(url(session), body, format="json")
    error = assert_error(response, 400, "invalid")
    assert field in error["fields"]
    session.refresh_from_db()
    assert session.status == SessionStatus.SCHEDULED and Event.objects.count() == events


def test_a_party_of_another_case_is_refused(tree: Tree) -> None:
    _, session = case_with_session(tree)
    other, _ = case_with_session(tree, days_ago=1)
    stranger = other.parties.first()
    assert stranger is not None
    events = Event.objects.count()
    response = client_for(tree.mediator_s1_user).patch(
        url(session), {"result": "x", "parties_present": [stranger.pk]}, format="json"
    )
    assert "parties_present" in assert_error(response, 400, "invalid")["fields"]
    assert Event.objects.count() == events


def test_a_cancelled_session_cannot_be_recorded_and_has_no_record(tree: Tree) -> None:
    _, session = case_with_session(tree)
    sessions.cancel_session(session=session, actor=tree.admin)
    client = client_for(tree.mediator_s1_user)
    events = Event.objects.count()
    assert_error(
        client.patch(url(session), {"agreed": "x"}, format="json"), 409, "transition_not_allowed"
    )
    assert Event.objects.count() == events
    assert_error(client.get(url(session, "record/")), 404, "not_found")


def test_the_record_as_a_pdf(tree: Tree) -> None:
    case, session = case_with_session(tree)
    applicant = case.parties.get(name="张三")
    sessions.record_session(
        session=session, actor=tree.mediator_s1_user, parties_present=[applicant], **RECORD
    )

    response = client_for(tree.observer_d1).get(url(session, "record/"))

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="{case.number}-session-{session.pk}.pdf"'
    )
    text = pdf_text(response)
    assert "张三" in text and RECORD["respondent_statement"] in text


def test_the_registration_form_as_a_pdf(tree: Tree) -> None:
    case, _ = case_with_session(tree)

    response = client_for(tree.intake_s1).get(f"/api/v1/cases/{case.pk}/registration-form/")

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="{case.number}-registration.pdf"'
    )
    text = pdf_text(response)
    assert "张三" in text and "李四" in text and "Dispute registration form" in text
    assert "420106198001011234" not in text


def test_out_of_scope_the_documents_are_not_found(tree: Tree) -> None:
    case, session = case_with_session(tree)
    client = client_for(tree.director_d2)
    assert_error(client.get(url(session, "record/")), 404, "not_found")
    assert_error(client.get(f"/api/v1/cases/{case.pk}/registration-form/"), 404, "not_found")
