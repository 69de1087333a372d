"""A party's full identity at intake (issue 19): the ID number checked as a number of its document,
date of birth and gender taken from a resident ID number, ethnicity, an organisation's legal
representative; a mistake names its field (``parties.{i}.{field}``) and nothing is written."""

from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from django.utils import translation

from cases.errors import InvalidInput
from cases.models import (
    Case,
    DocumentType,
    Ethnicity,
    Event,
    Gender,
    Party,
    PartyKind,
    PartyRole,
)
from cases.services.intake import PartyData
from tests.factories import Tree, credit_code, register, resident_id, seeded_category

pytestmark = pytest.mark.django_db

ID_NUMBER = resident_id("42010619850307551")  # a man born 7 March 1985
CREDIT_CODE = credit_code("91420100MA4K12345")
PERSON = PartyData(name="张三", role=PartyRole.APPLICANT, id_number=ID_NUMBER, phone="13812345678")
WRONG_CHECK = CREDIT_CODE[:17] + ("0" if CREDIT_CODE[17] != "0" else "1")
ORGANISATION = PartyData(
    name="武汉某某物业服务有限公司",
    role=PartyRole.RESPONDENT,
    kind=PartyKind.ORGANISATION,
    id_number=CREDIT_CODE,
    phone="027-85551234",
    legal_representative="王五",
)


def state() -> tuple[int, int, int]:
    return Case.objects.count(), Party.objects.count(), Event.objects.count()


def test_a_resident_id_number_gives_date_of_birth_and_gender(tree: Tree) -> None:
    case = register(
        actor=tree.admin,
        centre=tree.s1,
        parties=[
            replace(PERSON, ethnicity=Ethnicity.TUJIA, address="江岸区大智路1号"),
            ORGANISATION,
        ],
    )

    person, organisation = case.parties.order_by("position")
    assert (person.document_type, person.birth_date, person.gender, person.ethnicity) == (
        DocumentType.RESIDENT_ID,
        date(1985, 3, 7),
        Gender.MALE,
        "15",
    )
    assert person.address == "江岸区大智路1号"
    assert (organisation.document_type, organisation.legal_representative) == (
        DocumentType.CREDIT_CODE,
        "王五",
    )
    assert (organisation.gender, organisation.birth_date, organisation.ethnicity) == ("", None, "")


def test_a_typed_gender_and_date_of_birth_that_agree_with_the_id_number_are_kept(
    tree: Tree,
) -> None:
    typed = replace(PERSON, gender=Gender.MALE, birth_date=date(1985, 3, 7))
    person = register(actor=tree.admin, centre=tree.s1, parties=[typed]).parties.get()
    assert (person.gender, person.birth_date) == (Gender.MALE, date(1985, 3, 7))


def test_without_an_id_number_gender_and_date_of_birth_are_as_typed(tree: Tree) -> None:
    typed = PartyData(name="李四", gender=Gender.FEMALE, birth_date=date(1960, 5, 1))
    person = register(actor=tree.admin, centre=tree.s1, parties=[typed]).parties.get()
    assert (person.document_type, person.gender, person.birth_date) == (
        "",
        Gender.FEMALE,
        date(1960, 5, 1),
    )


def test_a_passport_is_stored_with_its_type(tree: Tree) -> None:
    typed = PartyData(name="John Smith", id_number="E12345678", document_type="passport")
    person = register(actor=tree.admin, centre=tree.s1, parties=[typed]).parties.get()
    assert (person.document_type, person.id_number_masked, person.birth_date) == (
        DocumentType.PASSPORT,
        "E12**5678",
        None,
    )


BAD = [
    ("17-digit ID number", {"id_number": ID_NUMBER[:17]}, "id_number"),
    ("wrong check digit", {"id_number": ID_NUMBER[:17] + "0"}, "id_number"),
    ("30 February", {"id_number": resident_id("42010619850230551")}, "id_number"),
    ("7-digit phone", {"phone": "5551234"}, "phone"),
    ("another gender than the ID number's", {"gender": Gender.FEMALE}, "gender"),
    ("another date of birth", {"birth_date": date(1985, 3, 8)}, "birth_date"),
    ("a date of birth in the future", {"id_number": "", "birth_date": date(2999, 1, 1)}, "birth_date"),
    ("an unknown ethnicity", {"ethnicity": "57"}, "ethnicity"),
    ("a person's credit code", {"document_type": DocumentType.CREDIT_CODE}, "document_type"),
    ("a document type without a number", {"id_number": "", "document_type": "passport"}, "id_number"),
    ("a person's legal representative", {"legal_representative": "王五"}, "legal_representative"),
    ("a bad passport number", {"id_number": "E12#", "document_type": "passport"}, "id_number"),
]  # fmt: skip
BAD_ORGANISATION = [
    ("credit code with I", {"id_number": "91420100MA4K1234I" + "0"}, "id_number"),
    ("credit code with O", {"id_number": CREDIT_CODE[:10] + "O" + CREDIT_CODE[11:]}, "id_number"),
    ("credit code with Z", {"id_number": CREDIT_CODE[:10] + "Z" + CREDIT_CODE[11:]}, "id_number"),
    ("credit code with S", {"id_number": CREDIT_CODE[:10] + "S" + CREDIT_CODE[11:]}, "id_number"),
    ("credit code with V", {"id_number": CREDIT_CODE[:10] + "V" + CREDIT_CODE[11:]}, "id_number"),
    ("wrong credit code check", {"id_number": WRONG_CHECK}, "id_number"),
    ("a resident ID number for a company", {"id_number": ID_NUMBER}, "id_number"),
    ("an organisation's resident ID card", {"document_type": DocumentType.RESIDENT_ID}, "document_type"),
    ("an organisation's gender", {"gender": Gender.MALE}, "gender"),
    ("an organisation's ethnicity", {"ethnicity": Ethnicity.HAN}, "ethnicity"),
    ("an organisation's date of birth", {"birth_date": date(1990, 1, 1)}, "birth_date"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "field", "position"),
    [(c, f, 0) for _, c, f in BAD] + [(c, f, 1) for _, c, f in BAD_ORGANISATION],
    ids=[label for label, _, _ in BAD + BAD_ORGANISATION],
)
def test_a_wrong_identity_names_its_field_and_writes_nothing(
    tree: Tree, changes: dict[str, Any], field: str, position: int
) -> None:
    seeded_category()
    parties = [PERSON, ORGANISATION]
    parties[position] = replace(parties[position], **changes)
    before = state()

    with pytest.raises(InvalidInput) as refused:
        register(actor=tree.admin, centre=tree.s1, parties=parties)

    assert list(refused.value.fields) == [f"parties.{position}.{field}"], refused.value.fields
    assert state() == before


@pytest.mark.parametrize(
    ("language", "birth_date", "gender"),
    [
        (
            "en",
            "The ID number gives another date of birth: 1985-03-07.",
            "The ID number gives the other gender.",
        ),
        ("zh-hans", "身份证号码中的出生日期为1985-03-07，与填写的不一致。", None),
    ],
)
def test_the_reason_is_told(tree: Tree, language: str, birth_date: str, gender: str | None) -> None:
    with translation.override(language), pytest.raises(InvalidInput) as refused:
        register(
            actor=tree.admin,
            centre=tree.s1,
            parties=[replace(PERSON, birth_date=date(1985, 3, 8), gender=Gender.FEMALE)],
        )
    fields = refused.value.fields
    assert [str(m) for m in fields["parties.0.birth_date"]] == [birth_date]
    if gender is not None:
        assert [str(m) for m in fields["parties.0.gender"]] == [gender]
