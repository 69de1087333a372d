"""The printable mediation agreement (HTML and PDF), recording fulfilment, and the follow-up visit."""

import html
import io
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from pypdf import PdfReader

from cases import workflow
from cases.documents import pdf
from cases.documents.agreement import format_yuan, yuan_in_capitals
from cases.errors import InvalidInput, TransitionNotAllowed
from cases.models import (
    Agreement,
    Case,
    DocumentType,
    Ethnicity,
    Event,
    EventKind,
    FollowUp,
    Fulfilment,
    Gender,
    PartyKind,
    PartyRole,
    Status,
)
from cases.services.intake import PartyData
from tests.factories import Tree, agreement_data, register

# Every test runs in a savepoint inside the module's shared data, so what it records is undone.
pytestmark = pytest.mark.django_db

CLEAR_ID = "420106198001011237"
CREDIT_CODE = "91420102MA4K2X8P0U"  # GB 32100 check character "U"
CLEAR_PHONES = ["138 1234 5678", "13812345678", "13900001111"]

APPLICANT = PartyData(
    name="张三",
    role=PartyRole.APPLICANT,
    id_number=CLEAR_ID,
    phone="138 1234 5678",
    address="武汉市江岸区大智路1号",
    agent="王律师",
)
RESPONDENT = PartyData(
    name="武汉某物业公司",
    role=PartyRole.RESPONDENT,
    kind=PartyKind.ORGANISATION,
    id_number=CREDIT_CODE,
    phone="13900001111",
    address="武汉市江岸区解放大道100号",
)
TERMS = "一、被申请人于4月1日前向申请人支付1234.56元。\n二、双方就本纠纷再无其他争议。"


@dataclass
class Agreements:
    tree: Tree
    resolved: Case  # resolved at S1: lead med_s1, co-mediator med_s1b; signed ten days ago
    closed: Case  # resolved and closed at S1 (lead med_s1): its follow-up is scheduled
    follow_up: FollowUp
    in_mediation: Case  # no agreement


def _resolve(case: Case, actor: Any, **agreement: Any) -> Case:
    return workflow.transition(
        case=case, name="resolve", actor=actor, data=agreement_data(**agreement)
    )


@pytest.fixture(scope="module")
def docs(shared_tree_with_cases: Tree, django_db_blocker: Any) -> Agreements:
    """Cases with agreements, added inside the module's shared (rolled back) tree."""
    tree = shared_tree_with_cases
    admin = tree.admin
    today = timezone.localdate()
    with django_db_blocker.unblock():
        case = register(
            actor=admin,
            centre=tree.s1,
            parties=[APPLICANT, RESPONDENT],
            summary="物业费与漏水赔偿纠纷",
            facts="申请人家中因楼上管道漏水受损。\n申请人要求物业公司赔偿。",
            amount_in_dispute=Decimal("5000"),
        )
        _set_identities(case)
        for name, data in [
            ("accept", {}),
            ("assign", {"lead_mediator": tree.med_s1.pk, "co_mediators": [tree.med_s1b.pk]}),
        ]:
            case = workflow.transition(case=case, name=name, actor=admin, data=data)
        resolved = _resolve(
            case,
            admin,
            terms=TERMS,
            amount_agreed="1234.56",
            signed_on=today - timedelta(days=10),
            effective_on=today - timedelta(days=10),
            performance_deadline=today + timedelta(days=20),
        )
        closed = register(actor=admin, centre=tree.s1)
        for name, data in [
            ("accept", {}),
            ("assign", {"lead_mediator": tree.med_s1.pk, "co_mediators": []}),
        ]:
            closed = workflow.transition(case=closed, name=name, actor=admin, data=data)
        closed = _resolve(closed, admin)
        closed = workflow.transition(case=closed, name="close", actor=admin, data={})
    return Agreements(
        tree=tree,
        resolved=resolved,
        closed=closed,
        follow_up=FollowUp.objects.get(case=closed),
        in_mediation=tree.cases["s1_mine"],
    )


def _set_identities(case: Case) -> None:
    """What intake records of a person and an organisation beside the numbers (issue 19)."""
    case.parties.filter(name="张三").update(
        document_type=DocumentType.RESIDENT_ID,
        gender=Gender.MALE,
        ethnicity=Ethnicity.HAN,
        birth_date=date(1980, 1, 1),
    )
    case.parties.filter(name="武汉某物业公司").update(
        document_type=DocumentType.CREDIT_CODE, legal_representative="李经理"
    )


def _text(response: Any) -> str:
    return html.unescape(response.content.decode())


def _events(case: Case, name: str) -> int:
    return Event.objects.filter(case=case, name=name).count()


# --- Capitals and amounts ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("0", "零元整"),
        ("0.5", "伍角"),
        ("0.05", "伍分"),
        ("1", "壹元整"),
        ("10", "壹拾元整"),
        ("15", "壹拾伍元整"),
        ("100", "壹佰元整"),
        ("1005", "壹仟零伍元整"),
        ("1010", "壹仟零壹拾元整"),
        ("1234.56", "壹仟贰佰叁拾肆元伍角陆分"),
        ("3000.05", "叁仟元零伍分"),
        ("10200", "壹万零贰佰元整"),
        ("12000", "壹万贰仟元整"),
        ("100001", "壹拾万零壹元整"),
        ("100010000", "壹亿零壹万元整"),
        ("100000001", "壹亿零壹元整"),
        ("1.50", "壹元伍角"),
    ],
)
def test_amount_in_chinese_capitals(amount: str, words: str) -> None:
    assert yuan_in_capitals(Decimal(amount)) == words


def test_amount_in_figures() -> None:
    assert format_yuan(Decimal("1234.56")) == "¥1,234.56"
    assert format_yuan(Decimal("500")) == "¥500.00"


# --- The printable agreement ---------------------------------------------------------------------


def test_print_view_in_chinese_by_default(docs: Agreements, settings: Any) -> None:
    settings.LANGUAGE_CODE = "zh-hans"
    case = docs.resolved
    client = Client()  # no Accept-Language: the site's default language
    client.force_login(docs.tree.mediator_s1_user)
    response = client.get(reverse("web:agreement_print", args=[case.pk]))
    assert response.status_code == 200
    page = _text(response)
    assert '<html lang="zh-hans">' in page
    assert "<h1>人民调解协议书</h1>" in page
    assert case.number_zh in page and case.number in page
    assert case.number_zh.startswith(f"（{case.year}）") and case.number_zh.endswith("号")
    assert "大智街调解中心" in page  # the handling centre, by its Chinese name
    # Parties: the mediator may reveal, so the document to sign states them in full, applicant
    # first, each on one line "申请人：张三，…，1980年1月1日…，…420106198001011237，…".
    assert "张三" in page and "武汉某物业公司" in page
    applicant = page.index('<span class="party-name">张三</span>')
    respondent = page.index('<span class="party-name">武汉某物业公司</span>')
    assert applicant < respondent
    line = page[applicant : page.index("</p>", applicant)]
    assert "1980年1月1日" in line and CLEAR_ID in line and "13812345678" in line
    assert "武汉市江岸区大智路1号" in line
    assert "王律师" in page
    organisation = page[respondent : page.index("</p>", respondent)]
    assert CREDIT_CODE in organisation and "李经理" in organisation
    assert "武汉市江岸区解放大道100号" in organisation and "13900001111" in organisation
    assert "420***********1237" not in page  # no masked value left
    assert 'class="watermark"' not in page
    # The dispute, the terms with their line breaks, the amount in figures and in words.
    assert "噪音扰民" in page and "申请人家中因楼上管道漏水受损。" in page
    assert "一、被申请人于4月1日前向申请人支付1234.56元。<br>二、双方就本纠纷再无其他争议。" in page
    assert "¥1,234.56" in page and "壹仟贰佰叁拾肆元伍角陆分" in page
    deadline = case.agreement.performance_deadline
    assert deadline is not None
    assert f"{deadline.year}年{deadline.month}月{deadline.day}日" in page
    # Mediators, and a signature block for each party and each mediator, and the seal block.
    assert "王调解" in page and "赵调解" in page
    assert page.count('class="signature"') == 4
    assert 'class="seal-block"' in page and 'class="seal"' in page
    # The bar to print, download and go back is there (and hidden in print by the stylesheet).
    assert 'class="print-bar no-print"' in page
    assert reverse("web:agreement_pdf", args=[case.pk]) in page


def test_print_view_in_english(docs: Agreements, client_for: Callable[..., Client]) -> None:
    case = docs.resolved
    response = client_for(docs.tree.mediator_s1_user).get(
        reverse("web:agreement_print", args=[case.pk])
    )
    assert response.status_code == 200
    page = _text(response)
    assert '<html lang="en">' in page
    assert "<h1>People's Mediation Agreement</h1>" in page
    assert case.number_zh in page  # the Chinese form of the number stays on the document
    assert 'Applicant</span>: <span class="party-name">张三</span>' in page
    assert "Respondent" in page
    assert "¥1,234.56" in page and "壹仟" not in page  # capitals only in Chinese
    assert case.agreement.performance_deadline is not None
    with translation.override("en"):
        deadline = date_format(case.agreement.performance_deadline, "DATE_FORMAT")
        confirmation_by = date_format(
            case.agreement.effective_on + timedelta(days=30), "DATE_FORMAT"
        )
    assert f"<dd>{deadline}</dd>" in page
    assert "People's Mediation Law" in page
    assert f"within 30 days of the day it takes effect (by {confirmation_by})" in page
    assert "3 copies" in page  # two parties and the centre
    assert "(Seal)" in page and "People's mediator: 王调解" in page
    # Each party in full, in the words of the document: a person's gender, ethnicity, date of
    # birth, document and number, address and phone; an organisation's code and representative.
    with translation.override("en"):
        born = date_format(date(1980, 1, 1), "DATE_FORMAT")
    assert (
        '<span class="party-name">张三</span>, <span class="value">Male</span>, '
        f'<span class="value">Han</span>, <span class="value">born {born}</span>, '
        '<span class="label">Resident identity card number</span>: '
        f'<span class="value">{CLEAR_ID}</span>, <span class="label">Address</span>: '
        '<span class="value">武汉市江岸区大智路1号</span>, <span class="label">Contact phone</span>: '
        '<span class="value">13812345678</span>.'
    ) in page
    assert '<span class="label">Authorised agent</span>: 王律师.' in page
    assert (
        '<span class="label">Unified social credit code</span>: '
        f'<span class="value">{CREDIT_CODE}</span>'
    ) in page
    assert (
        '<span class="label">Legal representative</span>: <span class="value">李经理</span>'
    ) in page


@pytest.mark.parametrize(
    "role",
    [
        "admin",
        "director_c",
        "director_d1",
        "observer_d1",
        "intake_s1",
        "mediator_s1",  # lead mediator
        "mediator_s1b",  # co-mediator
    ],
)
def test_print_view_for_every_role_in_scope(
    docs: Agreements, client_for: Callable[..., Client], role: str
) -> None:
    client = client_for(docs.tree.users[role])
    response = client.get(reverse("web:agreement_print", args=[docs.resolved.pk]))
    assert response.status_code == 200
    assert docs.resolved.number_zh in response.content.decode()


@pytest.mark.parametrize("role", ["director_d2", "mediator_s2", "court_liaison"])
@pytest.mark.parametrize("view", ["web:agreement_print", "web:agreement_pdf"])
def test_agreement_out_of_scope_is_404(
    docs: Agreements, client_for: Callable[..., Client], role: str, view: str
) -> None:
    response = client_for(docs.tree.users[role]).get(reverse(view, args=[docs.resolved.pk]))
    assert response.status_code == 404


@pytest.mark.parametrize("view", ["web:agreement_print", "web:agreement_pdf"])
def test_case_without_agreement_is_404(
    docs: Agreements, client_for: Callable[..., Client], view: str
) -> None:
    client = client_for(docs.tree.mediator_s1_user)
    assert client.get(reverse(view, args=[docs.in_mediation.pk])).status_code == 404
    assert client.get(reverse(view, args=[999999])).status_code == 404


def test_print_view_escapes_what_users_typed(
    docs: Agreements, client_for: Callable[..., Client]
) -> None:
    tree = docs.tree
    case = register(actor=tree.admin, centre=tree.s1)
    for name, data in [("accept", {}), ("assign", {"lead_mediator": tree.med_s1.pk})]:
        case = workflow.transition(case=case, name=name, actor=tree.admin, data=data)
    case = _resolve(case, tree.admin, terms="<script>alert(1)</script>")
    page = client_for(tree.admin).get(reverse("web:agreement_print", args=[case.pk]))
    assert "<script>alert(1)</script>" not in page.content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.content.decode()


def test_print_view_queries_do_not_grow_with_parties(
    docs: Agreements, client_for: Callable[..., Client]
) -> None:
    tree = docs.tree
    client = client_for(tree.admin)

    def queries_for(parties: int) -> int:
        people = [PartyData(name=f"当事人{i}", phone=f"1380000{i:04d}") for i in range(parties)]
        case = register(actor=tree.admin, centre=tree.s1, parties=people)
        for name, data in [
            ("accept", {}),
            ("assign", {"lead_mediator": tree.med_s1.pk, "co_mediators": [tree.med_s1b.pk]}),
        ]:
            case = workflow.transition(case=case, name=name, actor=tree.admin, data=data)
        case = _resolve(case, tree.admin)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("web:agreement_print", args=[case.pk])).status_code == 200
        return len(captured)

    few, many = queries_for(2), queries_for(12)
    assert few == many
    # session, user, memberships, mediator profile, case, parties, co-mediators; the reveal: the
    # case read in the caller's scope, its event, its audit record, in a savepoint (issue 22).
    assert many <= 12


# --- The PDF -----------------------------------------------------------------------------------


def test_pdf_embeds_the_cjk_font(docs: Agreements, client_for: Callable[..., Client]) -> None:
    case = docs.resolved
    client = client_for(docs.tree.mediator_s1_user, language="zh-hans")
    response = client.get(reverse("web:agreement_pdf", args=[case.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="{case.number}.pdf"'
    assert response.content.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(response.content))
    text = "".join(page.extract_text() for page in reader.pages)
    squeezed = "".join(text.split())
    assert case.number_zh in squeezed
    assert "张三" in squeezed and "壹仟贰佰叁拾肆元伍角陆分" in squeezed
    assert CLEAR_ID in squeezed  # the mediator may reveal: the document to sign
    # The print bar is not part of the document; the pages are numbered in the footer.
    assert "Download PDF" not in text
    assert f"1/{len(reader.pages)}" in squeezed
    fonts = set()
    for page in reader.pages:
        resources: Any = page["/Resources"]
        for font in resources["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    # Subset names such as "/LWGGBP+Noto-Serif-CJK-SC".
    names = {name.replace("-", "") for name in fonts}
    assert any("NotoSerifCJKSC" in name or "NotoSansCJKSC" in name for name in names), fonts


def test_pdf_unavailable_without_weasyprint(
    docs: Agreements, client_for: Callable[..., Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # "import weasyprint" now fails
    case = docs.resolved
    response = client_for(docs.tree.mediator_s1_user).get(
        reverse("web:agreement_pdf", args=[case.pk])
    )
    assert response.status_code == 503
    page = _text(response)
    assert "PDF documents cannot be produced on this server" in page
    assert reverse("web:agreement_print", args=[case.pk]) in page
    assert _events(case, "reveal") == 0  # no document, nothing revealed


def test_pdf_renderer_reads_only_local_static_files(settings: Any) -> None:
    found = pdf.static_file_path("http://testserver/static/web/print.css")
    assert found is not None and found.name == "print.css" and found.is_file()
    assert pdf.static_file_path("https://cdn.example.com/static/web/print.css") is not None
    assert pdf.static_file_path("https://cdn.example.com/style.css") is None
    assert pdf.static_file_path("http://testserver/static/../mediation/settings.py") is None
    assert pdf.static_file_path("http://testserver/static/web/missing.css") is None


# --- The full document is a logged reveal ---------------------------------------------------------


def _pdf_text(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return "".join(page.extract_text() for page in reader.pages)


def test_pdf_states_each_party_in_full(docs: Agreements, client_for: Callable[..., Client]) -> None:
    case = docs.resolved
    response = client_for(docs.tree.director_d1).get(reverse("web:agreement_pdf", args=[case.pk]))
    text = _pdf_text(response)
    squeezed = "".join(text.split())
    with translation.override("en"):
        born = "".join(date_format(date(1980, 1, 1), "DATE_FORMAT").split())
    assert f"张三,Male,Han,born{born},Residentidentitycardnumber:{CLEAR_ID}" in squeezed
    assert "Address:武汉市江岸区大智路1号" in squeezed and "Contactphone:13812345678" in squeezed
    assert f"Unifiedsocialcreditcode:{CREDIT_CODE}" in squeezed
    assert "Legalrepresentative:李经理" in squeezed
    assert "Copy, not for signature" not in text


@pytest.mark.parametrize("view", ["web:agreement_print", "web:agreement_pdf"])
def test_each_document_is_one_reveal_event_with_masked_values(
    docs: Agreements, client_for: Callable[..., Client], view: str
) -> None:
    case = docs.resolved
    client = client_for(docs.tree.mediator_s1_user)
    for printed in (1, 2):
        response = client.get(reverse(view, args=[case.pk]))
        assert response.status_code == 200
        # Clear personal data: kept by no browser and no proxy.
        cache_control = response["Cache-Control"]
        assert "no-store" in cache_control and "private" in cache_control
        assert _events(case, "reveal") == printed
    event = Event.objects.filter(case=case, name="reveal").latest("id")
    assert event.kind == EventKind.REVEAL and event.actor == docs.tree.mediator_s1_user
    applicant, respondent = case.parties.get(name="张三"), case.parties.get(name="武汉某物业公司")
    assert event.after == {
        "document": "agreement",
        "parties": [
            {"party": applicant.pk, "name": "张三", "role": "applicant",
             "id_number": applicant.id_number_masked, "phone": applicant.phone_masked},
            {"party": respondent.pk, "name": "武汉某物业公司", "role": "respondent",
             "id_number": respondent.id_number_masked, "phone": respondent.phone_masked},
        ],
    }  # fmt: skip
    stored = str(event.after)
    assert CLEAR_ID not in stored and CREDIT_CODE not in stored and "13812345678" not in stored
    # The case's timeline says who printed which document with whose data.
    page = _text(client.get(reverse("web:case_detail", args=[case.pk])))
    assert "Personal data revealed" in page
    assert "People's Mediation Agreement" in page
    assert "张三 (Applicant), 武汉某物业公司 (Respondent)" in page


def test_without_the_reveal_permission_a_masked_copy_not_for_signature(
    docs: Agreements, client_for: Callable[..., Client]
) -> None:
    case = docs.resolved
    client = client_for(docs.tree.observer_d1)  # an observer sees the case but may not reveal
    page = _text(client.get(reverse("web:agreement_print", args=[case.pk])))
    applicant = case.parties.get(name="张三")
    assert applicant.id_number_masked in page and applicant.phone_masked in page
    assert CLEAR_ID not in page and "13812345678" not in page and CREDIT_CODE not in page
    assert '<div class="watermark" aria-hidden="true">Copy, not for signature</div>' in page
    assert "the parties' ID numbers and phones are masked" in page
    text = _pdf_text(client.get(reverse("web:agreement_pdf", args=[case.pk])))
    assert "Copy, not for signature" in text
    assert applicant.id_number_masked in text and CLEAR_ID not in "".join(text.split())
    assert _events(case, "reveal") == 0


# --- Fulfilment --------------------------------------------------------------------------------


def _fulfilment_url(case: Case) -> str:
    return reverse("web:fulfilment", args=[case.agreement.pk])


def test_fulfilment_form(docs: Agreements, client_for: Callable[..., Client]) -> None:
    response = client_for(docs.tree.mediator_s1_user).get(_fulfilment_url(docs.resolved))
    assert response.status_code == 200
    page = _text(response)
    assert docs.resolved.number in page and "Record fulfilment" in page
    assert 'name="fulfilment"' in page and 'value="partly"' in page
    assert 'value="pending"' not in page  # pending is what nobody has checked yet
    assert f'value="{timezone.localdate().isoformat()}"' in page


@pytest.mark.parametrize("role", ["mediator_s1", "mediator_s1b", "director_d1", "admin"])
def test_fulfilment_recorded(
    docs: Agreements, client_for: Callable[..., Client], role: str
) -> None:
    case = docs.resolved
    before = _events(case, "record_fulfilment")
    response = client_for(docs.tree.users[role]).post(
        _fulfilment_url(case),
        {"fulfilment": Fulfilment.PARTLY, "checked_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 303
    assert response["Location"] == reverse("web:case_detail", args=[case.pk])
    agreement = Agreement.objects.get(case=case)
    assert agreement.fulfilment == Fulfilment.PARTLY
    assert agreement.fulfilment_recorded_at is not None
    assert _events(case, "record_fulfilment") == before + 1
    event = Event.objects.filter(case=case, name="record_fulfilment").latest("id")
    assert event.after == {"fulfilment": "partly"}
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "The fulfilment of the agreement has been recorded."
    ]


def test_fulfilment_on_an_earlier_day(docs: Agreements, client_for: Callable[..., Client]) -> None:
    case = docs.resolved
    day = timezone.localdate() - timedelta(days=3)
    response = client_for(docs.tree.mediator_s1_user).post(
        _fulfilment_url(case), {"fulfilment": Fulfilment.FULFILLED, "checked_on": day.isoformat()}
    )
    assert response.status_code == 303
    agreement = Agreement.objects.get(case=case)
    assert agreement.fulfilment == Fulfilment.FULFILLED
    assert agreement.fulfilment_recorded_at is not None
    assert timezone.localdate(agreement.fulfilment_recorded_at) == day


def test_fulfilment_with_htmx_redirects_by_header(
    docs: Agreements, client_for: Callable[..., Client]
) -> None:
    case = docs.resolved
    response = client_for(docs.tree.mediator_s1_user).post(
        _fulfilment_url(case),
        {"fulfilment": Fulfilment.FULFILLED, "checked_on": timezone.localdate().isoformat()},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("web:case_detail", args=[case.pk])


def test_fulfilment_form_alone_for_htmx(
    docs: Agreements, client_for: Callable[..., Client]
) -> None:
    """The case page can load the form into itself; errors come back in place (400)."""
    case = docs.resolved
    client = client_for(docs.tree.mediator_s1_user)
    shown = client.get(_fulfilment_url(case), headers={"HX-Request": "true"})
    assert shown.status_code == 200
    page = shown.content.decode()
    assert "<html" not in page and 'class="fulfilment-form"' in page
    assert f'hx-post="{_fulfilment_url(case)}"' in page
    refused = client.post(
        _fulfilment_url(case), {"fulfilment": "done"}, headers={"HX-Request": "true"}
    )
    assert refused.status_code == 400
    assert "<html" not in refused.content.decode()
    assert "Select a valid choice." in _text(refused)
    assert Agreement.objects.get(case=case).fulfilment == Fulfilment.PENDING


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"fulfilment": "done"}, "fulfilment", "Select a valid choice."),
        ({"fulfilment": ""}, "fulfilment", "This field is required."),
        ({"checked_on": "tomorrow"}, "checked_on", "Enter a valid date."),
        ({"checked_on": "+1"}, "checked_on", "This date is in the future."),
        ({"checked_on": "-11"}, "checked_on", "This date is before the agreement was signed."),
    ],
)
def test_fulfilment_bad_input(
    docs: Agreements,
    client_for: Callable[..., Client],
    data: dict[str, str],
    field: str,
    message: str,
) -> None:
    case = docs.resolved
    today = timezone.localdate()
    posted = {"fulfilment": Fulfilment.FULFILLED, "checked_on": today.isoformat(), **data}
    if posted["checked_on"] in {"+1", "-11"}:
        posted["checked_on"] = (today + timedelta(days=int(posted["checked_on"]))).isoformat()
    before = _events(case, "record_fulfilment")
    response = client_for(docs.tree.mediator_s1_user).post(_fulfilment_url(case), posted)
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert message in _text(response)
    agreement = Agreement.objects.get(case=case)
    assert agreement.fulfilment == Fulfilment.PENDING
    assert agreement.fulfilment_recorded_at is None
    assert _events(case, "record_fulfilment") == before


def test_fulfilment_service_error_shown_at_the_field(
    docs: Agreements, client_for: Callable[..., Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(**kwargs: Any) -> None:
        raise InvalidInput(fields={"fulfilment": ["Refused by the service."]})

    monkeypatch.setattr("cases.web.views.agreements.record_fulfilment", refuse)
    response = client_for(docs.tree.mediator_s1_user).post(
        _fulfilment_url(docs.resolved),
        {"fulfilment": Fulfilment.FULFILLED, "checked_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["fulfilment"] == ["Refused by the service."]


@pytest.mark.parametrize("role", ["observer_d1", "intake_s1"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_fulfilment_forbidden_to_those_who_only_read(
    docs: Agreements, client_for: Callable[..., Client], role: str, method: str
) -> None:
    case = docs.resolved
    data = {"fulfilment": Fulfilment.FULFILLED, "checked_on": timezone.localdate().isoformat()}
    client = client_for(docs.tree.users[role])
    response = (
        client.get(_fulfilment_url(case))
        if method == "get"
        else client.post(_fulfilment_url(case), data)
    )
    assert response.status_code == 403
    assert Agreement.objects.get(case=case).fulfilment == Fulfilment.PENDING


@pytest.mark.parametrize("role", ["director_d2", "mediator_s2", "court_liaison"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_fulfilment_out_of_scope_is_404(
    docs: Agreements, client_for: Callable[..., Client], role: str, method: str
) -> None:
    case = docs.resolved
    data = {"fulfilment": Fulfilment.FULFILLED, "checked_on": timezone.localdate().isoformat()}
    client = client_for(docs.tree.users[role])
    response = (
        client.get(_fulfilment_url(case))
        if method == "get"
        else client.post(_fulfilment_url(case), data)
    )
    assert response.status_code == 404
    assert Agreement.objects.get(case=case).fulfilment == Fulfilment.PENDING


# --- The follow-up visit -----------------------------------------------------------------------


def _follow_up_url(docs: Agreements) -> str:
    return reverse("web:follow_up_record", args=[docs.follow_up.pk])


def _visit(**overrides: Any) -> dict[str, Any]:
    return {
        "done_on": timezone.localdate().isoformat(),
        "contact_method": "phone",
        "fulfilment": Fulfilment.FULFILLED,
        "satisfaction": "5",
        "note": "双方均表示满意。",
        **overrides,
    }


def test_follow_up_form(docs: Agreements, client_for: Callable[..., Client]) -> None:
    response = client_for(docs.tree.mediator_s1_user).get(_follow_up_url(docs))
    assert response.status_code == 200
    page = _text(response)
    assert docs.closed.number in page and "Follow-up visit" in page
    for name in ["done_on", "contact_method", "fulfilment", "satisfaction", "note"]:
        assert f'name="{name}"' in page
    assert docs.follow_up.due_on.isoformat() in page


@pytest.mark.parametrize("role", ["mediator_s1", "director_d1", "admin"])
def test_follow_up_recorded(docs: Agreements, client_for: Callable[..., Client], role: str) -> None:
    case = docs.closed
    before = _events(case, "record_follow_up")
    user = docs.tree.users[role]
    response = client_for(user).post(_follow_up_url(docs), _visit())
    assert response.status_code == 303
    assert response["Location"] == reverse("web:case_detail", args=[case.pk])
    follow_up = FollowUp.objects.get(pk=docs.follow_up.pk)
    assert follow_up.done_at is not None
    assert (follow_up.contact_method, follow_up.fulfilment) == ("phone", "fulfilled")
    assert follow_up.satisfaction == 5 and follow_up.note == "双方均表示满意。"
    assert follow_up.recorded_by == user
    assert _events(case, "record_follow_up") == before + 1
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "The follow-up has been recorded."
    ]


def test_follow_up_without_a_score(docs: Agreements, client_for: Callable[..., Client]) -> None:
    response = client_for(docs.tree.mediator_s1_user).post(
        _follow_up_url(docs), _visit(satisfaction="", note="")
    )
    assert response.status_code == 303
    follow_up = FollowUp.objects.get(pk=docs.follow_up.pk)
    assert follow_up.done_at is not None and follow_up.satisfaction is None


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"satisfaction": "6"}, "satisfaction", "Satisfaction is a score from 1 to 5."),
        ({"satisfaction": "0"}, "satisfaction", "Satisfaction is a score from 1 to 5."),
        ({"contact_method": ""}, "contact_method", "This field is required."),
        ({"contact_method": "pigeon"}, "contact_method", "Select a valid choice."),
        ({"fulfilment": "done"}, "fulfilment", "Select a valid choice."),
        ({"done_on": ""}, "done_on", "This field is required."),
        ({"done_on": "+1"}, "done_on", "This date is in the future."),
        ({"done_on": "-1"}, "done_on", "A follow-up comes after the case was closed."),
    ],
)
def test_follow_up_bad_input(
    docs: Agreements,
    client_for: Callable[..., Client],
    data: dict[str, str],
    field: str,
    message: str,
) -> None:
    case = docs.closed
    if data.get("done_on") in {"+1", "-1"}:
        data = {
            "done_on": (timezone.localdate() + timedelta(days=int(data["done_on"]))).isoformat()
        }
    before = _events(case, "record_follow_up")
    response = client_for(docs.tree.mediator_s1_user).post(_follow_up_url(docs), _visit(**data))
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert message in _text(response)
    follow_up = FollowUp.objects.get(pk=docs.follow_up.pk)
    assert follow_up.done_at is None and follow_up.satisfaction is None
    assert _events(case, "record_follow_up") == before


def test_follow_up_recorded_only_once(docs: Agreements, client_for: Callable[..., Client]) -> None:
    client = client_for(docs.tree.mediator_s1_user)
    assert client.post(_follow_up_url(docs), _visit()).status_code == 303
    events = _events(docs.closed, "record_follow_up")

    shown = client.get(_follow_up_url(docs))
    assert shown.status_code == 200
    page = _text(shown)
    assert "This follow-up has already been recorded" in page
    assert "双方均表示满意。" in page and '<form method="post" action="/follow-ups' not in page

    again = client.post(_follow_up_url(docs), _visit(satisfaction="1", note="改主意了"))
    assert again.status_code == 409
    assert "This follow-up has already been recorded" in _text(again)
    follow_up = FollowUp.objects.get(pk=docs.follow_up.pk)
    assert follow_up.satisfaction == 5 and follow_up.note == "双方均表示满意。"
    assert _events(docs.closed, "record_follow_up") == events


def test_follow_up_form_alone_for_htmx(docs: Agreements, client_for: Callable[..., Client]) -> None:
    client = client_for(docs.tree.mediator_s1_user)
    shown = client.get(_follow_up_url(docs), headers={"HX-Request": "true"})
    assert shown.status_code == 200
    assert "<html" not in shown.content.decode()
    assert 'class="follow-up-form"' in shown.content.decode()
    refused = client.post(
        _follow_up_url(docs), _visit(satisfaction="6"), headers={"HX-Request": "true"}
    )
    assert refused.status_code == 400
    assert "Satisfaction is a score from 1 to 5." in _text(refused)
    done = client.post(_follow_up_url(docs), _visit(), headers={"HX-Request": "true"})
    assert done.status_code == 204
    assert done["HX-Redirect"] == reverse("web:case_detail", args=[docs.closed.pk])
    again = client.post(_follow_up_url(docs), _visit(), headers={"HX-Request": "true"})
    assert again.status_code == 409
    assert "<html" not in again.content.decode()
    assert "This follow-up has already been recorded" in _text(again)


def test_follow_up_recorded_meanwhile_is_a_conflict(
    docs: Agreements, client_for: Callable[..., Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Someone else records the visit between the form loading and this post."""

    def raced(**kwargs: Any) -> None:
        raise TransitionNotAllowed("This follow-up has already been recorded.")

    monkeypatch.setattr("cases.web.views.agreements.record_follow_up", raced)
    response = client_for(docs.tree.mediator_s1_user).post(_follow_up_url(docs), _visit())
    assert response.status_code == 409
    assert "This follow-up has already been recorded." in _text(response)


@pytest.mark.parametrize("role", ["observer_d1", "intake_s1"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_follow_up_forbidden_to_those_who_only_read(
    docs: Agreements, client_for: Callable[..., Client], role: str, method: str
) -> None:
    client = client_for(docs.tree.users[role])
    url = _follow_up_url(docs)
    response = client.get(url) if method == "get" else client.post(url, _visit())
    assert response.status_code == 403
    assert FollowUp.objects.get(pk=docs.follow_up.pk).done_at is None


@pytest.mark.parametrize("role", ["director_d2", "mediator_s2", "court_liaison"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_follow_up_out_of_scope_is_404(
    docs: Agreements, client_for: Callable[..., Client], role: str, method: str
) -> None:
    client = client_for(docs.tree.users[role])
    url = _follow_up_url(docs)
    response = client.get(url) if method == "get" else client.post(url, _visit())
    assert response.status_code == 404
    assert FollowUp.objects.get(pk=docs.follow_up.pk).done_at is None
    assert client.get(reverse("web:follow_up_record", args=[999999])).status_code == 404


def test_the_case_is_closed(docs: Agreements) -> None:
    """The fixture is what the tests above assume."""
    assert Case.objects.get(pk=docs.closed.pk).status == Status.CLOSED
    assert Case.objects.get(pk=docs.resolved.pk).status == Status.RESOLVED
    assert docs.follow_up.done_at is None
