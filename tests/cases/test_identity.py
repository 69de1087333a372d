"""Identity numbers and phones (cases/identity.py): the GB 11643 and GB 32100 check characters, the
date of birth and gender a resident ID number gives, the shapes of the other documents, and which
phone numbers can be dialled."""

import hashlib
import hmac
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from cases import identity, personal_data
from cases.identity import InvalidNumber, check_document
from cases.models import DocumentType, Gender
from cases.personal_data import Kind


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """The reasons are compared as written (in English); their Chinese is checked at intake."""
    with translation.override("en"):
        yield


DIGITS = "0123456789"
TODAY = date(2026, 3, 10)


@st.composite
def resident_ids(draw: st.DrawFn) -> tuple[str, date, str]:
    """A valid resident ID number, with the date of birth and gender it gives."""
    region = draw(st.text(DIGITS, min_size=6, max_size=6))
    born = draw(st.dates(min_value=date(1900, 1, 1), max_value=TODAY))
    sequence = draw(st.integers(min_value=0, max_value=999))
    body = f"{region}{born:%Y%m%d}{sequence:03d}"
    gender = Gender.MALE if sequence % 2 else Gender.FEMALE
    return body + identity.resident_id_check(body), born, gender


credit_codes = st.text(identity.CREDIT_CODE_ALPHABET, min_size=17, max_size=17).map(
    lambda body: body + identity.credit_code_check(body)
)
# What a typo may put in a number: a digit, an upper-case letter (every letter, I O Z S V too).
TYPED = DIGITS + "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def changed(value: str, position: int, character: str) -> str:
    return value[:position] + character + value[position + 1 :]


@given(resident_ids())
def test_a_valid_resident_id_number_passes_and_gives_date_of_birth_and_gender(
    drawn: tuple[str, date, str],
) -> None:
    number, born, gender = drawn
    assert check_document(DocumentType.RESIDENT_ID, number, today=TODAY) == identity.Derived(
        birth_date=born, gender=gender
    )


@given(resident_ids(), st.integers(min_value=0, max_value=17), st.sampled_from(TYPED))
def test_any_single_changed_character_of_a_resident_id_number_fails(
    drawn: tuple[str, date, str], position: int, character: str
) -> None:
    number = drawn[0]
    typo = changed(number, position, character)
    if typo == number:
        return
    with pytest.raises(InvalidNumber):
        check_document(DocumentType.RESIDENT_ID, typo, today=TODAY)


@given(credit_codes)
def test_a_valid_credit_code_passes(code: str) -> None:
    assert check_document(DocumentType.CREDIT_CODE, code) is None
    assert identity.valid_credit_code(code)


@given(credit_codes, st.integers(min_value=0, max_value=17), st.sampled_from(TYPED))
def test_any_single_changed_character_of_a_credit_code_fails(
    code: str, position: int, character: str
) -> None:
    typo = changed(code, position, character)
    if typo == code:
        return
    with pytest.raises(InvalidNumber):
        check_document(DocumentType.CREDIT_CODE, typo)


def test_published_examples_pass() -> None:
    # GB 11643's own example and a credit code printed on a business licence.
    assert check_document(DocumentType.RESIDENT_ID, "11010519491231002X") == identity.Derived(
        birth_date=date(1949, 12, 31), gender=Gender.FEMALE
    )
    assert check_document(DocumentType.RESIDENT_ID, "1101 0519 4912 31002x") is not None
    assert check_document(DocumentType.CREDIT_CODE, "91350100M000100Y43") is None


def checked(body: str) -> str:
    """``body`` with its correct GB 11643 check character: only what else is wrong is tested."""
    return body + identity.resident_id_check(body)


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("42010619800101123", "An ID number has 18 characters: 17 digits and a digit or X."),
        ("420106198001011234", "The check digit of this ID number is wrong: check for a typo."),
        (checked("42010619800230123"), "This ID number holds no valid date of birth."),
        (checked("42010618990101123"), "This ID number holds no valid date of birth."),
        (checked("42010620270101123"), "This ID number holds no valid date of birth."),
    ],
    ids=["17 digits", "wrong check digit", "30 February", "before 1900", "in the future"],
)
def test_a_resident_id_number_that_cannot_be_right_is_refused_with_the_reason(
    number: str, message: str
) -> None:
    with pytest.raises(InvalidNumber) as refused:
        check_document(DocumentType.RESIDENT_ID, number, today=TODAY)
    assert str(refused.value.message) == message


@pytest.mark.parametrize("letter", "IOZSV")
def test_a_credit_code_with_a_letter_outside_gb_32100_is_refused(letter: str) -> None:
    body = "91350100M00010" + letter + "Y4"
    with pytest.raises(InvalidNumber) as refused:
        check_document(DocumentType.CREDIT_CODE, body + "3")
    assert "other than I, O, Z, S and V" in str(refused.value.message)


def test_a_credit_code_with_a_wrong_check_character_is_refused() -> None:
    with pytest.raises(InvalidNumber) as refused:
        check_document(DocumentType.CREDIT_CODE, "91350100M000100Y44")
    assert str(refused.value.message) == (
        "The check character of this credit code is wrong: check for a typo."
    )


def test_a_residence_permit_number_follows_gb_11643_and_starts_with_81_82_or_83() -> None:
    number = checked("81000019900307001")
    assert check_document(DocumentType.HMT_RESIDENCE, number) == identity.Derived(
        birth_date=date(1990, 3, 7), gender=Gender.MALE
    )
    with pytest.raises(InvalidNumber):
        check_document(DocumentType.HMT_RESIDENCE, checked("42010619900307001"))
    with pytest.raises(InvalidNumber):
        check_document(DocumentType.HMT_RESIDENCE, changed(number, 17, "X"))


SHAPES = {
    DocumentType.HK_MACAO_PERMIT: (
        ["H12345678", "M1234567890", "h 1234 5678"],
        ["H1234567", "X12345678", "H123456789"],
    ),
    DocumentType.TAIWAN_PERMIT: (
        ["12345678", "1234567890", "12345678AB"],
        ["1234567", "123456789", "12345678901"],
    ),
    DocumentType.FOREIGN_PERMANENT: (
        ["USA123456789012", "911000199001011234"],
        ["US1234567890123", "811000199001011234", "USA12345678901"],
    ),
    DocumentType.PASSPORT: (
        ["E12345678", "G1234", "AB1234567890CDEFG"],
        ["E123", "AB1234567890CDEFGH", "E1234567#"],
    ),
    DocumentType.OTHER: (["军官证字第12345号", "X"], ["x" * 41]),
}


@pytest.mark.parametrize(("document_type", "good", "bad"), [(t, *v) for t, v in SHAPES.items()])
def test_other_documents_are_checked_by_their_shape(
    document_type: str, good: list[str], bad: list[str]
) -> None:
    for number in good:
        assert identity.valid_document(document_type, number), number
    for number in bad:
        assert not identity.valid_document(document_type, number), number


@pytest.mark.parametrize(
    "phone",
    [
        "13812345678",
        "138 1234 5678",
        "+86 138-1234-5678",
        "8613812345678",
        "19912345678",
        "027-85551234",
        "02785551234",
        "010-12345678-123",
        "0755-1234567",
        "0710 3456 7890",
    ],
)
def test_mobiles_and_fixed_lines_with_an_area_code_are_phones(phone: str) -> None:
    assert identity.valid_phone(phone)
    assert personal_data.looks_valid(Kind.PHONE, phone)


@pytest.mark.parametrize(
    "phone",
    [
        "5551234",  # 7 digits: no area code
        "85551234",  # 8 digits: no area code
        "12345678901",  # 11 digits not starting 1[3-9]
        "1381234567",  # a mobile one digit short
        "138123456789",  # one digit long
        "027-555123",  # a fixed line of 6 digits
        "138-1234-567x",
        "+1 415 555 0100",
    ],
)
def test_other_numbers_are_not_phones(phone: str) -> None:
    assert not identity.valid_phone(phone)
    assert not personal_data.looks_valid(Kind.PHONE, phone)


def test_an_id_number_of_no_named_type_is_a_resident_id_number_or_a_credit_code() -> None:
    assert personal_data.looks_valid(Kind.ID_NUMBER, "11010519491231002X")
    assert personal_data.looks_valid(Kind.ID_NUMBER, "91350100M000100Y43")
    for wrong in ("42010619800101123", "420106198001011234", "91350100M000100Y44", "E12345678"):
        assert not personal_data.looks_valid(Kind.ID_NUMBER, wrong), wrong
    assert personal_data.looks_valid(Kind.ID_NUMBER, "E12345678", DocumentType.PASSPORT)


def test_the_keyed_hash_of_a_valid_value_is_what_it_was() -> None:
    """Stored hashes stay searchable: a valid value is hashed as it always was (HMAC-SHA256 of
    ``kind:value`` without spaces or dashes, upper-cased, ``+86`` dropped from a mobile)."""

    def old(kind: str, value: str) -> str:
        message = f"{kind}:{value}".encode()
        return hmac.new(settings.FIELD_HASH_KEY.encode(), message, hashlib.sha256).hexdigest()

    assert personal_data.digest(Kind.PHONE, "+86 138-1234-5678") == old("phone", "13812345678")
    assert personal_data.digest(Kind.PHONE, "027-8555 1234") == old("phone", "02785551234")
    assert personal_data.digest(Kind.ID_NUMBER, "1101 0519 4912 31002x") == old(
        "id_number", "11010519491231002X"
    )


def test_the_document_types_and_genders_are_the_models() -> None:
    assert {
        identity.RESIDENT_ID,
        identity.HK_MACAO_PERMIT,
        identity.TAIWAN_PERMIT,
        identity.HMT_RESIDENCE,
        identity.FOREIGN_PERMANENT,
        identity.PASSPORT,
        identity.CREDIT_CODE,
        identity.OTHER,
    } == set(DocumentType.values)
    assert {identity.MALE, identity.FEMALE} == set(Gender.values)


def test_a_birth_date_today_is_accepted_and_tomorrow_is_not() -> None:
    for born, valid in ((TODAY, True), (TODAY + timedelta(days=1), False)):
        number = checked(f"420106{born:%Y%m%d}001")
        try:
            check_document(DocumentType.RESIDENT_ID, number, today=TODAY)
        except InvalidNumber:
            assert not valid
        else:
            assert valid
