"""A party's full identity on the intake page and the case page (issue 19): the fields offered, a
mistake shown at its field with nothing registered, the identity shown on the case page, and the
duplicate-person hint for a valid number of the chosen document."""

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from cases.models import Case, DocumentType, Party, PartyKind, PartyRole
from cases.services.intake import PartyData
from tests.factories import Tree, credit_code, register, resident_id
from tests.web.test_intake import HINT, INTAKE, error_at, options, party, post_data, state

pytestmark = pytest.mark.django_db

ClientFor = Callable[..., Client]

ID_NUMBER = resident_id("42010619850307551")  # a man born 7 March 1985
CREDIT_CODE = credit_code("91420100MA4K12345")


def rows() -> tuple[dict[str, Any], dict[str, Any]]:
    return (
        party(name="张三", id_number=ID_NUMBER, phone="138 1234 5678", ethnicity="15"),
        party(
            name="武汉某某物业服务有限公司",
            role=PartyRole.RESPONDENT,
            kind=PartyKind.ORGANISATION,
            id_number=CREDIT_CODE,
            phone="027-85551234",
            legal_representative="王五",
        ),
    )


def test_the_form_offers_the_identity_fields(tree: Tree, client_for: ClientFor) -> None:
    page = client_for(tree.intake_s1).get(INTAKE).content.decode()
    documents = options(page, "id_parties-0-document_type")
    assert list(documents)[1:] == list(DocumentType.values)
    assert documents["passport"] == "Passport"
    ethnicities = options(page, "id_parties-0-ethnicity")
    assert len(ethnicities) == 57 and ethnicities["01"] == "Han"  # the blank and the 56 groups
    assert options(page, "id_parties-0-gender") == {
        "": "---------",
        "male": "Male",
        "female": "Female",
    }
    for field in ("birth_date", "legal_representative"):
        assert f'id="id_parties-0-{field}"' in page


def test_a_registered_identity_is_shown_on_the_case_page(tree: Tree, client_for: ClientFor) -> None:
    client = client_for(tree.intake_s1)
    response = client.post(INTAKE, post_data(tree.s1, *rows()))
    assert response.status_code == 303, response.content.decode()[:2000]
    case = Case.objects.latest("pk")
    person = case.parties.get(role=PartyRole.APPLICANT)
    assert (str(person.birth_date), person.gender, person.document_type) == (
        "1985-03-07",
        "male",
        "resident_id",
    )

    page = client.get(reverse("web:case_detail", args=[case.pk])).content.decode()
    for shown in (
        '<dd data-identity="document_type">Resident identity card</dd>',
        '<dd data-identity="gender">Male</dd>',
        '<dd data-identity="ethnicity">Tujia</dd>',
        '<dd data-identity="birth_date">1985-03-07</dd>',
        '<dd data-identity="document_type">Unified social credit code</dd>',
        '<dd data-identity="legal_representative">王五</dd>',
    ):
        assert shown in page, shown
    assert ID_NUMBER not in page and CREDIT_CODE not in page


BAD = [
    ("17-digit ID number", 0, {"id_number": ID_NUMBER[:17]}, "id_number",
     "An ID number has 18 characters: 17 digits and a digit or X."),
    ("wrong check digit", 0, {"id_number": ID_NUMBER[:17] + ("1" if ID_NUMBER[17] != "1" else "2")},
     "id_number", "The check digit of this ID number is wrong: check for a typo."),
    ("30 February", 0, {"id_number": resident_id("42010619850230551")}, "id_number",
     "This ID number holds no valid date of birth."),
    ("7-digit phone", 0, {"phone": "5551234"}, "phone", "Enter a valid phone number."),
    ("another gender", 0, {"gender": "female"}, "gender", "The ID number gives the other gender."),
    ("another date of birth", 0, {"birth_date": "1985-03-08"}, "birth_date",
     "The ID number gives another date of birth: 1985-03-07."),
    ("a person's legal representative", 0, {"legal_representative": "王五"},
     "legal_representative", "Only an organisation has this; leave it empty."),
    ("credit code with Z", 1, {"id_number": "91420100MA4KZ2345" + "0"}, "id_number",
     "other than I, O, Z, S and V"),
    ("wrong credit code check", 1, {"id_number": CREDIT_CODE[:17] + ("0" if CREDIT_CODE[17] != "0" else "1")},
     "id_number", "The check character of this credit code is wrong: check for a typo."),
    ("an organisation's ethnicity", 1, {"ethnicity": "01"}, "ethnicity",
     "Only a person has this; leave it empty."),
    ("an organisation's passport", 1, {"document_type": "passport"}, "document_type",
     "This is not a document of an organisation."),
]  # fmt: skip


@pytest.mark.parametrize(
    ("position", "changes", "field", "message"),
    [case[1:] for case in BAD],
    ids=[case[0] for case in BAD],
)
def test_a_wrong_identity_is_shown_at_its_field_and_nothing_is_registered(
    tree: Tree,
    client_for: ClientFor,
    position: int,
    changes: dict[str, str],
    field: str,
    message: str,
) -> None:
    parties = list(rows())
    parties[position] = {**parties[position], **changes}
    before = state()

    response = client_for(tree.intake_s1).post(INTAKE, post_data(tree.s1, *parties))

    assert response.status_code == 400
    page = response.content.decode()
    assert message in error_at(page, f"id_parties-{position}-{field}"), page
    assert state() == before


def test_the_hint_finds_a_passport_holder_when_the_passport_is_chosen(
    tree: Tree, client_for: ClientFor
) -> None:
    register(
        actor=tree.admin,
        centre=tree.s1,
        parties=[PartyData(name="John Smith", id_number="E12345678", document_type="passport")],
    )
    client = client_for(tree.intake_s1)

    def hint(**typed: str) -> str:
        response = client.post(HINT, {"prefix": "parties-0", **typed})
        assert response.status_code == 200
        return response.content.decode()

    found = hint(**{"parties-0-id_number": "E1234 5678", "parties-0-document_type": "passport"})
    assert "This person appears in 1 earlier case:" in found
    # Not a resident ID number, the type assumed when none is chosen: nothing is looked up.
    assert hint(**{"parties-0-id_number": "E12345678"}) == ""
    assert Party.objects.filter(document_type="passport").count() == 1
