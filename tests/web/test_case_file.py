"""The whole case file (卷宗) in the web UI: a print page and one PDF with the cover, the index, the
registration form, the session records and notes, the agreement, the follow-up and the attachments
listed, in that order; the agreement in clear only for a user who may reveal (one logged event)."""

import io
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from pypdf import PdfReader

from cases import workflow
from cases.documents.case_file import page_words
from cases.models import Attachment, Case, Event, EventKind, FollowUp, Status
from cases.services import sessions
from cases.services.attachments import upload_attachment, withdraw_attachment
from cases.services.follow_ups import record_follow_up
from cases.services.notes import write_note
from tests.attachment_files import jpeg, pdf, upload, use_tmp_storage
from tests.factories import Tree, agreement_data, drive, register

pytestmark = pytest.mark.django_db

CLEAR_ID = "420106198001011237"  # 张三's, from tests.factories.APPLICANT
MASKED_ID = "420***********1237"
STATEMENTS = ("要求赔偿维修费三千元", "只愿承担两千元", "同意再谈一次", "愿意承担两千五百元")
NOTES = ("电话联系被申请人，约定周二来中心", "走访楼下住户，查看天花板受损情况")
TERMS = "被申请人于下月底前支付申请人维修费两千五百元。"


@dataclass
class Filed:
    case: Case
    tree: Tree


def add_session(tree: Tree, case: Case, days_ago: int, applicant: str, respondent: str) -> None:
    starts = timezone.now().replace(microsecond=0) - timedelta(days=days_ago, hours=2)
    session = sessions.book_session(
        case=case,
        actor=tree.director_d1,
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        mediators=[tree.med_s1],
        place="社区调解室",
    )
    sessions.record_session(
        session=session,
        actor=tree.mediator_s1_user,
        parties_present=list(case.parties.all()),
        result="",
        others_present="",
        applicant_statement=applicant,
        respondent_statement=respondent,
        agreed="",
        next_step="",
        minutes="",
    )


def build_case(tree: Tree, *, sessions_held: int = 2, extra: int = 0, first_day: int = 10) -> Case:
    """A case at S1 with ``sessions_held`` sessions recorded (the first two with STATEMENTS),
    two notes, three attachments (one on the first session, one withdrawn) plus ``extra`` more
    of each, resolved with an agreement, closed, its follow-up visit recorded."""
    case = drive(
        register(actor=tree.intake_s1, centre=tree.s1, summary="楼上漏水"),
        Status.IN_MEDIATION,
        actor=tree.director_d1,
        mediator=tree.med_s1,
    )
    for number in range(sessions_held + extra):
        applicant, respondent = (
            STATEMENTS[2 * number : 2 * number + 2] if number < 2 else (f"陈述{number}", "答辩")
        )
        add_session(
            tree, case, days_ago=first_day - number, applicant=applicant, respondent=respondent
        )
    for number, text in enumerate([*NOTES, *(f"补充记录{n}" for n in range(extra))]):
        write_note(
            case=case,
            actor=tree.mediator_s1_user,
            kind="call" if number % 2 == 0 else "visit",
            text=text,
            happened_on=timezone.localdate() - timedelta(days=5 - min(number, 4)),
        )
    first_session = case.sessions.order_by("starts_at").first()
    upload_attachment(
        case=case,
        actor=tree.mediator_s1_user,
        file=upload("借条照片.jpg", jpeg()),
        kind="contract",
        session=first_session,
    )
    upload_attachment(
        case=case, actor=tree.mediator_s1_user, file=upload("维修报价单.pdf", pdf()), kind="other"
    )
    wrong = upload_attachment(
        case=case, actor=tree.mediator_s1_user, file=upload("错传的照片.jpg", jpeg()), kind="photo"
    )
    withdraw_attachment(attachment=wrong, actor=tree.mediator_s1_user, reason="传错了案件")
    for number in range(extra):
        upload_attachment(
            case=case, actor=tree.mediator_s1_user, file=upload(f"补充{number}.pdf", pdf()),
            kind="other",
        )  # fmt: skip
    case = workflow.transition(
        case=case, name="resolve", actor=tree.director_d1, data=agreement_data(terms=TERMS)
    )
    case = workflow.transition(case=case, name="close", actor=tree.director_d1, data={})
    record_follow_up(
        follow_up=FollowUp.objects.get(case=case),
        actor=tree.mediator_s1_user,
        contact_method="phone",
        fulfilment="fulfilled",
        satisfaction=5,
        note="双方均表示满意",
    )
    return Case.objects.get(pk=case.pk)


@pytest.fixture
def files(settings: Any, tmp_path: Path) -> Path:
    return use_tmp_storage(settings, tmp_path)


@pytest.fixture
def filed(tree: Tree, files: Path) -> Filed:
    return Filed(case=build_case(tree), tree=tree)


def print_url(case: Case, pdf: bool = False) -> str:
    return reverse("web:case_file_pdf" if pdf else "web:case_file_print", args=[case.pk])


def pdf_text(content: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def squeezed(text: str) -> str:
    return "".join(text.split())


def reveals(case: Case) -> list[Event]:
    return list(Event.objects.filter(case=case, kind=EventKind.REVEAL).order_by("id"))


def assert_in_order(text: str, *parts: str) -> None:
    position = 0
    for part in parts:
        found = text.find(part, position)
        assert found >= 0, f"{part!r} missing after position {position}"
        position = found + len(part)


# --- The page and the PDF -------------------------------------------------------------------------


def test_the_case_page_links_the_case_file(filed: Filed, client_for: Callable[..., Client]) -> None:
    page = client_for(filed.tree.observer_d1).get(reverse("web:case_detail", args=[filed.case.pk]))
    assert f'href="{print_url(filed.case)}" data-case-file>Case file</a>' in page.content.decode()


def test_the_pdf_has_each_section_in_order(filed: Filed, client_for: Callable[..., Client]) -> None:
    case = filed.case
    response = client_for(filed.tree.director_d1).get(print_url(case, pdf=True))

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert f"{case.number}-case-file.pdf" in response["Content-Disposition"]
    reader = PdfReader(io.BytesIO(response.content))
    text = squeezed("".join(page.extract_text() for page in reader.pages))
    assert_in_order(
        text,
        "People'smediationcasefile",  # the cover
        squeezed(case.number_zh),
        case.number,
        "Index",
        "Disputeregistrationform",
        STATEMENTS[0],  # the first session's record
        STATEMENTS[1],
        STATEMENTS[2],  # the second session's, after it
        squeezed(NOTES[0]),
        squeezed(NOTES[1]),
        "People'sMediationAgreement",
        squeezed(TERMS),
        "Follow-up",
        "双方均表示满意",
        "借条照片.jpg",
        "维修报价单.pdf",
        "错传的照片.jpg",
        "Withdrawn",
        "传错了案件",
        "Volumenote",
    )
    # The index names each section with its page number.
    index_page = squeezed(reader.pages[1].extract_text())
    for title in (
        "Disputeregistrationform",
        "Mediationsessionrecord1",
        "Mediationsessionrecord2",
        "Casenotes",
        "People'sMediationAgreement",
        "Follow-up",
        "Attachments",
    ):
        assert re.search(re.escape(title) + r"\.+\d+", index_page), title
    # Each section on its own page, every page numbered in the footer.
    pages = len(reader.pages)
    assert pages >= 9
    assert f"Page{pages}of{pages}" in squeezed(reader.pages[-1].extract_text())


def test_the_file_in_chinese_numbers_pages_as_a_chinese_document(
    filed: Filed, client_for: Callable[..., Client]
) -> None:
    response = client_for(filed.tree.director_d1, "zh-hans").get(print_url(filed.case, pdf=True))
    reader = PdfReader(io.BytesIO(response.content))
    pages = len(reader.pages)
    with translation.override("zh-hans"):
        # "第 {page} 页 / 共 {pages} 页" and "人民调解卷宗" in the catalogue
        before, middle, after = page_words()
        title = gettext("People's mediation case file")
    first = squeezed(reader.pages[0].extract_text())
    assert squeezed(title) in first and squeezed(filed.case.number_zh) in first
    assert squeezed(f"{before}1{middle}{pages}{after}") in first
    assert "申请人张三、被申请人李四" in first  # full-width list separator
    text = squeezed("".join(page.extract_text() for page in reader.pages))
    assert_in_order(text, STATEMENTS[0], "工作记录", "人民调解协议书", "回访", "附件")


def test_the_print_page_shows_the_cover_and_the_attachments(
    filed: Filed, client_for: Callable[..., Client]
) -> None:
    case = filed.case
    response = client_for(filed.tree.director_d1).get(print_url(case))
    page = response.content.decode()
    assert response.status_code == 200
    sections = re.findall(r'data-section="([a-z-]+)"', page)
    assert sections == [
        "cover", "index", "registration", "record", "record", "notes", "agreement",
        "follow-up", "attachments", "volume-note",
    ]  # fmt: skip
    assert case.number in page and case.number_zh in page and "楼上漏水" in page
    assert "张三" in page and "李四" in page
    assert filed.tree.director_d1.username in page or filed.tree.director_d1.last_name in page
    sha = Attachment.objects.get(case=case, original_name="借条照片.jpg").sha256
    assert sha[:12] in page and sha not in page
    assert page.count("data-withdrawn") == 1
    events = Event.objects.filter(case=case).count()
    assert f"holds {events} events" in page
    assert print_url(case, pdf=True) in page


# --- The agreement inside: in clear for who may reveal, one event ---------------------------------


def test_the_director_gets_the_agreement_in_clear_and_one_reveal_event(
    filed: Filed, client_for: Callable[..., Client]
) -> None:
    case = filed.case
    client = client_for(filed.tree.director_d1)
    before = len(reveals(case))

    response = client.get(print_url(case, pdf=True))

    text = squeezed(pdf_text(response.content))
    assert CLEAR_ID in text and "Copy,notforsignature" not in text
    cache_control = response["Cache-Control"]
    assert "no-store" in cache_control and "private" in cache_control
    [event] = reveals(case)[before:]
    assert event.actor == filed.tree.director_d1
    assert event.after["document"] == "case_file"
    assert [p["name"] for p in event.after["parties"]] == ["张三", "李四"]
    assert CLEAR_ID not in str(event.after)
    # The print page is a document made too: one more event, no more.
    assert CLEAR_ID in client.get(print_url(case)).content.decode()
    assert len(reveals(case)) == before + 2
    timeline = client.get(reverse("web:case_detail", args=[case.pk])).content.decode()
    assert "Personal data revealed" in timeline and "Case file" in timeline


def test_an_observer_gets_the_masked_copy_and_no_event(
    filed: Filed, client_for: Callable[..., Client]
) -> None:
    case = filed.case
    before = len(reveals(case))

    response = client_for(filed.tree.observer_d1).get(print_url(case, pdf=True))

    text = squeezed(pdf_text(response.content))
    assert CLEAR_ID not in text and MASKED_ID in text
    assert "Copy,notforsignature" in text
    page = client_for(filed.tree.observer_d1).get(print_url(case)).content.decode()
    assert 'class="watermark"' in page and CLEAR_ID not in page
    assert len(reveals(case)) == before


def test_no_renderer_no_pdf_and_nothing_revealed(
    filed: Filed, client_for: Callable[..., Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # "import weasyprint" now fails
    before = len(reveals(filed.case))
    response = client_for(filed.tree.director_d1).get(print_url(filed.case, pdf=True))
    assert response.status_code == 503
    assert "PDF documents cannot be produced on this server" in response.content.decode()
    assert print_url(filed.case) in response.content.decode()
    assert len(reveals(filed.case)) == before


def test_a_case_without_agreement_or_sessions(
    tree: Tree, files: Path, client_for: Callable[..., Client]
) -> None:
    case = register(actor=tree.intake_s1, centre=tree.s1)
    page = client_for(tree.intake_s1).get(print_url(case)).content.decode()
    assert re.findall(r'data-section="([a-z-]+)"', page) == [
        "cover", "index", "registration", "notes", "follow-up", "attachments", "volume-note",
    ]  # fmt: skip
    assert "No attachments." in page and reveals(case) == []


@pytest.mark.parametrize("pdf", [False, True])
def test_out_of_scope_there_is_no_case_file(
    filed: Filed, client_for: Callable[..., Client], pdf: bool
) -> None:
    before = Event.objects.count()
    response = client_for(filed.tree.director_d2).get(print_url(filed.case, pdf=pdf))
    assert response.status_code == 404
    assert Event.objects.count() == before


# --- Query count ----------------------------------------------------------------------------------


def test_the_query_count_does_not_grow_with_the_file(
    tree: Tree, files: Path, client_for: Callable[..., Client]
) -> None:
    small = build_case(tree, sessions_held=1)
    large = build_case(tree, sessions_held=2, extra=3, first_day=30)
    client = client_for(tree.director_d1)
    counts = []
    for case in (small, large):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(print_url(case)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    assert counts[1] <= 40
