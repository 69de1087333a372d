"""``GET /api/v1/agreements/{id}/pdf/`` (issue 19): the 调解协议书 to sign, each party's identity in
clear; only for users who may reveal personal data, each download one logged reveal."""

import io
import sys
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from django.utils import translation
from django.utils.formats import date_format
from pypdf import PdfReader

from cases.models import (
    Case,
    DocumentType,
    Ethnicity,
    Event,
    EventKind,
    Gender,
    PartyKind,
    PartyRole,
    Status,
)
from cases.services.intake import PartyData
from tests.api.support import assert_error, client_for
from tests.factories import Tree, drive, register

pytestmark = pytest.mark.django_db

CLEAR_ID = "420102197503152048"
CREDIT_CODE = "91420102MA4K2X8P0U"
PHONE = "13812345678"


@dataclass
class Signed:
    tree: Tree
    case: Case

    @property
    def url(self) -> str:
        return f"/api/v1/agreements/{self.case.agreement.pk}/pdf/"

    def reveals(self) -> list[Event]:
        return list(Event.objects.filter(case=self.case, kind=EventKind.REVEAL).order_by("id"))


@pytest.fixture
def signed(tree: Tree) -> Signed:
    """A resolved case at S1 (mediator 王调解) between a woman and a company."""
    parties = [
        PartyData(name="刘芳", id_number=CLEAR_ID, phone=PHONE, address="武汉市江汉区新华路8号"),
        PartyData(
            name="武汉某装修公司",
            role=PartyRole.RESPONDENT,
            kind=PartyKind.ORGANISATION,
            id_number=CREDIT_CODE,
            address="武汉市江汉区建设大道1号",
            agent="周律师",
        ),
    ]
    case = register(actor=tree.admin, centre=tree.s1, parties=parties)
    # What intake records beside the numbers (issue 19's identity fields).
    case.parties.filter(name="刘芳").update(
        document_type=DocumentType.RESIDENT_ID,
        gender=Gender.FEMALE,
        ethnicity=Ethnicity.HUI,
        birth_date=date(1975, 3, 15),
    )
    case.parties.filter(name="武汉某装修公司").update(
        document_type=DocumentType.CREDIT_CODE, legal_representative="陈总"
    )
    case = drive(case, Status.RESOLVED, actor=tree.admin, mediator=tree.med_s1)
    return Signed(tree=tree, case=Case.objects.get(pk=case.pk))


def _text(response: Any) -> str:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return "".join("".join(page.extract_text().split()) for page in reader.pages)


@pytest.mark.parametrize("role", ["mediator_s1", "director_d1", "intake_s1", "admin"])
def test_who_may_reveal_gets_the_agreement_with_each_party_in_full(
    signed: Signed, role: str
) -> None:
    response = client_for(signed.tree.users[role]).get(signed.url)
    text = _text(response)
    assert response["Content-Disposition"] == (
        f'attachment; filename="{signed.case.number}-agreement.pdf"'
    )
    cache_control = response["Cache-Control"]
    assert "no-store" in cache_control and "private" in cache_control
    with translation.override("en"):
        born = "".join(date_format(date(1975, 3, 15), "DATE_FORMAT").split())
    assert f"刘芳,Female,Hui,born{born},Residentidentitycardnumber:{CLEAR_ID}" in text
    assert f"Address:武汉市江汉区新华路8号,Contactphone:{PHONE}" in text
    assert f"武汉某装修公司,Unifiedsocialcreditcode:{CREDIT_CODE}" in text
    assert "Address:武汉市江汉区建设大道1号,Legalrepresentative:陈总" in text
    assert "Authorisedagent:周律师" in text
    assert "Copy,notforsignature" not in text


def test_in_chinese_the_document_is_the_chinese_agreement(signed: Signed) -> None:
    client = client_for(signed.tree.mediator_s1_user, language="zh-hans")
    text = _text(client.get(signed.url))
    assert "人民调解协议书" in text and signed.case.number_zh in text
    assert "申请人：刘芳" in text and "1975年3月15日" in text and CLEAR_ID in text


def test_each_download_is_one_reveal_event_with_masked_values(signed: Signed) -> None:
    client = client_for(signed.tree.mediator_s1_user)
    for downloads in (1, 2):
        assert client.get(signed.url).status_code == 200
        assert len(signed.reveals()) == downloads
    event = signed.reveals()[-1]
    assert event.actor == signed.tree.mediator_s1_user and event.name == "reveal"
    person, company = signed.case.parties.order_by("position", "id")
    assert event.after == {
        "document": "agreement",
        "parties": [
            {"party": person.pk, "name": "刘芳", "role": "applicant",
             "id_number": person.id_number_masked, "phone": person.phone_masked},
            {"party": company.pk, "name": "武汉某装修公司", "role": "respondent",
             "id_number": company.id_number_masked, "phone": ""},
        ],
    }  # fmt: skip
    assert CLEAR_ID not in str(event.after) and CREDIT_CODE not in str(event.after)
    # The integrator reading the case's timeline sees it too.
    timeline = client.get(f"/api/v1/cases/{signed.case.pk}/events/").json()
    reveals = [e for e in timeline["results"] if e["kind"] == "reveal"]
    assert len(reveals) == 2


def test_without_the_reveal_permission_403_and_nothing_revealed(signed: Signed) -> None:
    response = client_for(signed.tree.observer_d1).get(signed.url)
    error = assert_error(response, 403, "permission_denied")
    assert error["message"] == (
        "You may not print the agreement: it states the parties' personal data."
    )
    assert CLEAR_ID not in response.content.decode()
    assert signed.reveals() == []
    # The observer still reads the agreement itself, as before.
    assert (
        client_for(signed.tree.observer_d1)
        .get(f"/api/v1/agreements/{signed.case.agreement.pk}/")
        .status_code
        == 200
    )


def test_out_of_scope_is_404_and_nothing_revealed(signed: Signed) -> None:
    response = client_for(signed.tree.director_d2).get(signed.url)
    assert_error(response, 404, "not_found")
    assert signed.reveals() == []


def test_pdf_unavailable_is_503_and_nothing_revealed(
    signed: Signed, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # "import weasyprint" now fails
    response = client_for(signed.tree.mediator_s1_user).get(signed.url)
    error = assert_error(response, 503, "pdf_unavailable")
    assert "PDF renderer" in error["message"]
    assert signed.reveals() == []


def test_the_schema_declares_one_binary_pdf_and_its_errors(schema: dict[str, Any]) -> None:
    operation = schema["paths"]["/api/v1/agreements/{id}/pdf/"]["get"]
    ok = operation["responses"]["200"]
    assert ok["content"] == {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}
    assert "Content-Disposition" in ok["headers"]
    for status in ("403", "404", "503"):
        assert set(operation["responses"][status]["content"]) == {"application/json"}
    assert "reveal" in operation["description"]
