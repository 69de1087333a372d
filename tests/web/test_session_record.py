"""The session record (调解笔录) in the web UI: written and corrected through its form, printed as a
page in the agreement's frame and as a PDF; and the registration form (受理登记表) likewise."""

import io
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from cases.models import Case, Event, Party, Session, SessionStatus, Status
from cases.services import sessions
from cases.services.sessions import RECORD_TEXT_MAX
from tests.factories import Tree, drive, register

pytestmark = pytest.mark.django_db

RECORD: dict[str, Any] = {
    "result": "达成初步共识",
    "others_present": "申请人之子张小明",
    "applicant_statement": "要求赔偿维修费三千元",
    "respondent_statement": "只愿承担两千元",
    "agreed": "双方同意以两千五百元了结",
    "next_step": "下周二签署调解协议书",
    "minutes": "",
}


def case_with_session(tree: Tree, days_ago: int = 0) -> tuple[Case, Session]:
    case = drive(
        register(actor=tree.intake_s1, centre=tree.s1, summary="楼上漏水"),
        Status.IN_MEDIATION,
        actor=tree.director_d1,
        mediator=tree.med_s1,
    )
    starts = timezone.now().replace(microsecond=0) - timedelta(days=days_ago, hours=2)
    session = sessions.book_session(
        case=case,
        actor=tree.director_d1,
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        mediators=[tree.med_s1],
        place="社区调解室",
    )
    return case, session


def written(tree: Tree) -> tuple[Case, Session]:
    case, session = case_with_session(tree)
    applicant = case.parties.get(name="张三")
    sessions.record_session(
        session=session,
        actor=tree.mediator_s1_user,
        parties_present=[applicant],
        **RECORD,
    )
    return case, session


def record_url(session: Session) -> str:
    return reverse("web:session_record", args=[session.pk])


def print_url(session: Session, pdf: bool = False) -> str:
    name = "web:session_record_pdf" if pdf else "web:session_record_print"
    return reverse(name, args=[session.case_id, session.pk])


def pdf_text(content: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


# --- Writing and correcting -----------------------------------------------------------------------


def test_the_mediator_writes_the_record(tree: Tree, client_for: Callable[..., Client]) -> None:
    case, session = case_with_session(tree)
    applicant = case.parties.get(name="张三")
    client = client_for(tree.mediator_s1_user)
    form = client.get(record_url(session)).content.decode()
    assert "What the applicant side said" in form and "Others present" in form

    response = client.post(record_url(session), {**RECORD, "parties_present": [applicant.pk]})

    assert response.status_code == 303
    session.refresh_from_db()
    assert session.status == SessionStatus.HELD
    assert session.applicant_statement == RECORD["applicant_statement"]
    assert session.respondent_statement == RECORD["respondent_statement"]
    assert (session.agreed, session.next_step) == (RECORD["agreed"], RECORD["next_step"])
    assert session.others_present == RECORD["others_present"]
    assert session.recorded_by == tree.mediator_s1_user and session.recorded_at is not None
    assert list(session.parties_present.all()) == [applicant]


def test_a_held_sessions_record_opens_filled_in_and_is_corrected(
    tree: Tree, client_for: Callable[..., Client]
) -> None:
    case, session = written(tree)
    client = client_for(tree.mediator_s1_user)
    detail = client.get(reverse("web:case_detail", args=[case.pk])).content.decode()
    assert f'data-session-correct="{session.pk}"' in detail

    form = client.get(record_url(session)).content.decode()
    assert "Correct the session record" in form and RECORD["respondent_statement"] in form

    applicant = case.parties.get(name="张三")
    response = client.post(
        record_url(session),
        {**RECORD, "next_step": "下周三签署调解协议书", "parties_present": [applicant.pk]},
    )

    assert response.status_code == 303
    [correction] = Event.objects.filter(case=case, name="correct_session_record")
    assert correction.after == {"session": session.pk, "next_step": "下周三签署调解协议书"}
    timeline = client.get(reverse("web:case_detail", args=[case.pk])).content.decode()
    assert "Session record corrected" in timeline


def test_a_text_too_long_is_refused_at_its_field(
    tree: Tree, client_for: Callable[..., Client]
) -> None:
    _case, session = case_with_session(tree)
    events = Event.objects.count()

    response = client_for(tree.mediator_s1_user).post(
        record_url(session), {**RECORD, "agreed": "长" * (RECORD_TEXT_MAX + 1)}
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert f"at most {RECORD_TEXT_MAX} characters" in page
    session.refresh_from_db()
    assert session.status == SessionStatus.SCHEDULED and session.agreed == ""
    assert Event.objects.count() == events


# --- The printed record -----------------------------------------------------------------------------


def test_the_printed_record_shows_what_was_said_and_signature_lines(
    tree: Tree, client_for: Callable[..., Client]
) -> None:
    case, session = written(tree)
    client = client_for(tree.observer_d1)  # whoever may see the case
    detail = client.get(reverse("web:case_detail", args=[case.pk])).content.decode()
    assert print_url(session) in detail

    page = client.get(print_url(session)).content.decode()

    assert "Mediation session record" in page and case.number in page
    assert tree.s1.name in page and "社区调解室" in page and tree.med_s1.name in page
    for text in RECORD.values():
        assert text in page
    assert "张三" in page and "420***********1237" in page  # present, masked
    assert "420106198001011237" not in page
    assert tree.mediator_s1_user.username in page or tree.mediator_s1_user.last_name in page
    assert page.count('class="signature"') == 3  # the party present, the mediator, the recorder
    assert print_url(session, pdf=True) in page


def test_the_record_in_chinese(tree: Tree, client_for: Callable[..., Client]) -> None:
    _, session = written(tree)
    page = client_for(tree.observer_d1, "zh-hans").get(print_url(session)).content.decode()
    assert '<html lang="zh-hans">' in page
    assert "申请人：张三" in page  # the role's label and full-width punctuation


def test_a_session_not_yet_recorded_prints_a_blank_record(
    tree: Tree, client_for: Callable[..., Client]
) -> None:
    _case, session = case_with_session(tree)
    page = client_for(tree.mediator_s1_user).get(print_url(session)).content.decode()
    assert 'class="blank-lines"' in page
    assert "张三" in page and "李四" in page  # every party, to sign
    assert page.count('class="signature"') == 4


def test_the_record_as_a_pdf(tree: Tree, client_for: Callable[..., Client]) -> None:
    case, session = written(tree)

    response = client_for(tree.mediator_s1_user).get(print_url(session, pdf=True))

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert f"{case.number}-session-{session.pk}.pdf" in response["Content-Disposition"]
    text = pdf_text(response.content)
    assert "张三" in text
    assert RECORD["applicant_statement"] in text and RECORD["respondent_statement"] in text


def test_a_cancelled_session_or_another_cases_session_has_no_record(
    tree: Tree, client_for: Callable[..., Client]
) -> None:
    case, session = case_with_session(tree)
    _, elsewhere = case_with_session(tree, days_ago=1)
    client = client_for(tree.mediator_s1_user)
    mixed = reverse("web:session_record_print", args=[case.pk, elsewhere.pk])
    assert client.get(mixed).status_code == 404
    sessions.cancel_session(session=session, actor=tree.admin)
    assert client.get(print_url(session)).status_code == 404
    assert client.get(print_url(session, pdf=True)).status_code == 404


# --- The registration form ------------------------------------------------------------------------


def test_the_registration_form_shows_the_case_as_registered(
    tree: Tree, client_for: Callable[..., Client]
) -> None:
    case, _ = case_with_session(tree)
    Party.objects.filter(case=case, name="张三").update(
        gender="male",
        ethnicity="01",
        birth_date=date(1980, 1, 1),
        address="江岸区大智路1号",
        document_type="resident_id",
    )
    Case.objects.filter(pk=case.pk).update(facts="楼上卫生间漏水三个月")
    client = client_for(tree.observer_d1)
    detail = client.get(reverse("web:case_detail", args=[case.pk])).content.decode()
    assert reverse("web:registration_print", args=[case.pk]) in detail

    page = client.get(reverse("web:registration_print", args=[case.pk])).content.decode()

    assert "Dispute registration form" in page and case.number in page
    assert "楼上漏水" in page and "楼上卫生间漏水三个月" in page and "Walk-in" in page
    assert "张三" in page and "李四" in page and "江岸区大智路1号" in page
    assert "Male" in page and "Han" in page and "1980" in page
    assert "420***********1237" in page and "420106198001011237" not in page
    assert "13812345678" not in page and "139****1111" in page
    assert tree.director_d1.username in page or tree.director_d1.last_name in page  # accepted by
    assert "data-accepted-at" in page


def test_a_case_not_yet_accepted_says_so(tree: Tree, client_for: Callable[..., Client]) -> None:
    case = register(actor=tree.intake_s1, centre=tree.s1)
    page = client_for(tree.intake_s1).get(reverse("web:registration_print", args=[case.pk]))
    assert "Not accepted yet." in page.content.decode()


def test_the_registration_form_as_a_pdf(tree: Tree, client_for: Callable[..., Client]) -> None:
    case, _ = case_with_session(tree)
    response = client_for(tree.intake_s1, "zh-hans").get(
        reverse("web:registration_pdf", args=[case.pk])
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "张三" in text and "李四" in text and "楼上漏水" in text
    assert "420106198001011234" not in text


@pytest.mark.parametrize(
    "view",
    ["web:registration_print", "web:registration_pdf"],
)
def test_out_of_scope_the_documents_do_not_exist(
    tree: Tree, client_for: Callable[..., Client], view: str
) -> None:
    case, session = written(tree)
    client = client_for(tree.director_d2)
    assert client.get(reverse(view, args=[case.pk])).status_code == 404
    assert client.get(print_url(session)).status_code == 404
    assert client.get(print_url(session, pdf=True)).status_code == 404
