"""Whether an identity document number or a phone number can be right (docs/architecture.md, "Identities").

- Mainland resident ID numbers (居民身份证号码, GB 11643-1999): 17 digits and a check character
  (ISO 7064 MOD 11-2, ``0``-``9`` or ``X``); digits 7-14 are the date of birth (from 1900, not in
  the future), the 17th digit is odd for a man and even for a woman.
- Unified social credit codes of organisations (统一社会信用代码, GB 32100-2015): 18 characters of
  ``0-9A-HJ-NPQRTUWXY`` (no I, O, Z, S, V), the last a MOD 31 check character.
- The other documents a person may show, by their shape: Hong Kong/Macao and Taiwan travel
  permits, Hong Kong/Macao/Taiwan residence permits (GB 11643 like a resident ID, starting 81, 82
  or 83), foreign permanent resident ID cards, passports and "other".
- Mobile numbers (``1[3-9]`` and 9 digits, ``+86``/``86`` allowed in front) and fixed lines with
  their area code (``027-85551234``, ``010-12345678-123``).

Every check takes the value as typed: spaces and dashes are ignored and letters are upper-cased,
exactly as ``personal_data.normalise`` does before hashing, so the value that passes here is the one
whose keyed hash the duplicate-person hint looks up.
"""

import re
from dataclasses import dataclass
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# ``cases.models.identities.DocumentType`` and ``Gender`` by value: this module is imported with
# ``personal_data`` by the logging configuration, before the models can be (tests check they agree).
RESIDENT_ID = "resident_id"
HK_MACAO_PERMIT = "hk_macao_permit"
TAIWAN_PERMIT = "taiwan_permit"
HMT_RESIDENCE = "hmt_residence"
FOREIGN_PERMANENT = "foreign_permanent"
PASSPORT = "passport"
CREDIT_CODE = "credit_code"
OTHER = "other"
MALE = "male"
FEMALE = "female"

# --- GB 11643: resident ID numbers ------------------------------------------------------------

RESIDENT_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
RESIDENT_ID_CHECK = "10X98765432"
EARLIEST_BIRTH_YEAR = 1900


def resident_id_check(body: str) -> str:
    """The check character of a resident ID number's first 17 digits (ISO 7064 MOD 11-2)."""
    if not re.fullmatch(r"\d{17}", body):
        raise ValueError("A resident ID number's body is 17 digits.")
    total = sum(int(d) * w for d, w in zip(body, RESIDENT_ID_WEIGHTS, strict=True))
    return RESIDENT_ID_CHECK[total % 11]


# --- GB 32100: unified social credit codes ----------------------------------------------------

CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CREDIT_VALUE = {c: i for i, c in enumerate(CREDIT_CODE_ALPHABET)}


def credit_code_check(body: str) -> str:
    """The check character of a credit code's first 17 characters (GB 32100, MOD 31)."""
    if len(body) != 17 or any(c not in _CREDIT_VALUE for c in body):
        raise ValueError("A credit code's body is 17 characters of the GB 32100 alphabet.")
    total = sum(_CREDIT_VALUE[c] * w for c, w in zip(body, CREDIT_CODE_WEIGHTS, strict=True))
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def valid_credit_code(value: str) -> bool:
    value = compact(value)
    return (
        len(value) == 18
        and all(c in _CREDIT_VALUE for c in value)
        and credit_code_check(value[:17]) == value[17]
    )


# --- documents ---------------------------------------------------------------------------------


def compact(value: str) -> str:
    """The value as it is checked and hashed: no spaces or dashes, letters upper-cased."""
    return re.sub(r"[\s\-]", "", value or "").upper()


@dataclass(frozen=True)
class Derived:
    """What a GB 11643 number tells about its holder."""

    birth_date: date
    gender: str


class InvalidNumber(ValueError):
    """An ID-document number that cannot be right; ``message`` says why, in the user's language."""

    def __init__(self, message: object) -> None:
        super().__init__(str(message))
        self.message = message


def _gb11643(value: str, today: date | None) -> Derived:
    if not re.fullmatch(r"\d{17}[\dX]", value):
        raise InvalidNumber(_("An ID number has 18 characters: 17 digits and a digit or X."))
    if resident_id_check(value[:17]) != value[17]:
        raise InvalidNumber(_("The check digit of this ID number is wrong: check for a typo."))
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise InvalidNumber(_("This ID number holds no valid date of birth.")) from None
    today = today or timezone.localdate()
    if born.year < EARLIEST_BIRTH_YEAR or born > today:
        raise InvalidNumber(_("This ID number holds no valid date of birth."))
    return Derived(birth_date=born, gender=MALE if int(value[16]) % 2 else FEMALE)


# The shape of each document's number once compacted; GB 11643 numbers are checked in full.
_SHAPES: dict[str, str] = {
    HK_MACAO_PERMIT: r"[HM](?:\d{8}|\d{10})",
    TAIWAN_PERMIT: r"\d{8}|[0-9A-Z]{10}",
    FOREIGN_PERMANENT: r"[A-Z]{3}\d{12}|9\d{16}[\dX]",
    PASSPORT: r"[0-9A-Z]{5,17}",
    OTHER: r".{1,40}",
}
_SHAPE_MESSAGES = {
    HK_MACAO_PERMIT: _("A Hong Kong/Macao permit number is H or M and 8 or 10 digits."),
    TAIWAN_PERMIT: _("A Taiwan permit number has 8 digits, or 10 digits and letters."),
    FOREIGN_PERMANENT: _(
        "A foreign permanent resident card number has 15 characters (3 letters and 12 digits) "
        "or 18 starting with 9."
    ),
    PASSPORT: _("A passport number has 5 to 17 letters and digits."),
    OTHER: _("A document number has at most 40 characters."),
}


def check_document(document_type: str, value: str, *, today: date | None = None) -> Derived | None:
    """Check ``value`` as a number of ``document_type``; what it tells of its holder, if anything.

    Raises ``InvalidNumber`` with the reason. A resident ID number (or a Hong Kong/Macao/Taiwan
    residence permit's, which follows GB 11643 too) gives the date of birth and gender.
    """
    value = compact(value)
    if document_type == RESIDENT_ID:
        return _gb11643(value, today)
    if document_type == HMT_RESIDENCE:
        if not re.fullmatch(r"8[123]\d{15}[\dX]", value):
            raise InvalidNumber(
                _("A residence permit number has 18 characters and starts with 81, 82 or 83.")
            )
        return _gb11643(value, today)
    if document_type == CREDIT_CODE:
        if len(value) != 18 or any(c not in _CREDIT_VALUE for c in value):
            raise InvalidNumber(
                _(
                    "A unified social credit code has 18 characters: digits and capital letters "
                    "other than I, O, Z, S and V."
                )
            )
        if credit_code_check(value[:17]) != value[17]:
            raise InvalidNumber(
                _("The check character of this credit code is wrong: check for a typo.")
            )
        return None
    shape = _SHAPES.get(document_type)
    if shape is None:
        raise InvalidNumber(_("Choose the type of the ID document."))
    if not re.fullmatch(shape, value):
        raise InvalidNumber(_SHAPE_MESSAGES[document_type])
    return None


def valid_document(document_type: str, value: str) -> bool:
    try:
        check_document(document_type, value)
    except InvalidNumber:
        return False
    return True


# --- phones ------------------------------------------------------------------------------------

# After compaction (``personal_data.normalise``: no spaces or dashes, ``+86``/``86`` dropped in
# front of a mobile): a mobile, or 0 + a 2-digit area code (10, 2x) + 8 digits or a 3-digit one +
# 7 or 8 digits, an extension of up to 6 digits after it.
_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"0(?:(?:10|2\d)\d{8}|[3-9]\d{2}\d{7,8})(?:\d{1,6})?")


def compact_phone(value: str) -> str:
    value = re.sub(r"[\s\-]", "", value or "")
    return re.sub(r"^(\+?86)(?=1\d{10}$)", "", value)


def valid_phone(value: str) -> bool:
    """A mainland mobile (``138 1234 5678``, ``+86 13812345678``) or a fixed line with its area
    code (``027-85551234``, ``010-12345678-123``)."""
    value = compact_phone(value)
    return bool(_MOBILE.fullmatch(value) or _LANDLINE.fullmatch(value))
