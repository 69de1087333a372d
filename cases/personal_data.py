"""Personal data at rest (DESIGN §6): ID-document numbers and phone numbers.

Each value is kept three ways and never in clear:

- encrypted with Fernet (``cryptography``) under the current key, prefixed with the key's id
  (``"k2$gAAAA..."``) so old rows still decrypt after the key is rotated;
- a keyed hash (HMAC-SHA256 under ``FIELD_HASH_KEY``) of the normalised value, for equality search
  ("has this person been in a dispute before?") without decrypting any row; a phone also has a
  keyed hash of its last four digits (``Kind.PHONE_TAIL``: "尾号4803" is searched by it);
- the masked form shown everywhere: ``420***********1234``, ``138****5678``.

Settings: ``FIELD_ENCRYPTION_KEY`` is ``"id:key[,id:key...]"``, the first pair encrypting, every pair
decrypting. ``FIELD_HASH_KEY`` must not change once data exists.
"""

import hashlib
import hmac
import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from . import identity


class Kind(StrEnum):
    ID_NUMBER = "id_number"
    PHONE = "phone"
    # The last four digits of a phone: hashed under its own prefix, so a tail's hash can never
    # equal a whole number's.
    PHONE_TAIL = "phone_tail"


@dataclass(frozen=True)
class Sealed:
    encrypted: str
    digest: str
    masked: str
    tail_digest: str = ""  # a phone's: the keyed hash of its last four digits

    def __repr__(self) -> str:  # The dataclass repr is fine: nothing here is clear text.
        return f"Sealed(masked={self.masked!r})"


EMPTY = Sealed(encrypted="", digest="", masked="")


@dataclass(frozen=True)
class _Keyring:
    current_id: str
    fernets: dict[str, Fernet]


@cache
def _keyring(spec: str) -> _Keyring:
    fernets: dict[str, Fernet] = {}
    current_id = ""
    for item in spec.split(","):
        key_id, sep, key = item.strip().partition(":")
        if not sep or not key_id or "$" in key_id:
            raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY must be 'id:key[,id:key...]'.")
        try:
            fernets[key_id] = Fernet(key.encode())
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"FIELD_ENCRYPTION_KEY {key_id!r} is not a 32-byte url-safe base64 key."
            ) from exc
        current_id = current_id or key_id
    return _Keyring(current_id=current_id, fernets=fernets)


def keyring() -> _Keyring:
    return _keyring(settings.FIELD_ENCRYPTION_KEY)


def normalise(kind: Kind, value: str) -> str:
    """The canonical form that is hashed: the same person typed two ways hashes the same."""
    value = re.sub(r"[\s\-]", "", value or "")
    if kind in (Kind.PHONE, Kind.PHONE_TAIL):
        value = re.sub(r"^(\+?86)(?=1\d{10}$)", "", value)
    return value.upper()


def digest(kind: Kind, value: str) -> str:
    """The keyed hash used for equality search; empty for an empty value."""
    value = normalise(kind, value)
    if not value:
        return ""
    message = f"{kind}:{value}".encode()
    return hmac.new(settings.FIELD_HASH_KEY.encode(), message, hashlib.sha256).hexdigest()


def tail_digest(phone: str) -> str:
    """The keyed hash of a phone's last four digits; empty for a phone of fewer than four."""
    value = normalise(Kind.PHONE, phone)
    if len(value) < 4:
        return ""
    return digest(Kind.PHONE_TAIL, value[-4:])


def mask(kind: Kind, value: str) -> str:
    """First three and last four shown: ``420***********1234``, ``138****5678``."""
    value = normalise(kind, value)
    if len(value) <= 7:
        return "*" * max(len(value) - 2, 0) + value[-2:] if value else ""
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def encrypt(value: str) -> str:
    ring = keyring()
    token = ring.fernets[ring.current_id].encrypt(value.encode()).decode()
    return f"{ring.current_id}${token}"


def decrypt(stored: str) -> str:
    if not stored:
        return ""
    key_id, _, token = stored.partition("$")
    fernet = keyring().fernets.get(key_id)
    if fernet is None:
        raise ImproperlyConfigured(f"No FIELD_ENCRYPTION_KEY with id {key_id!r} is configured.")
    try:
        return fernet.decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured(f"Key {key_id!r} does not decrypt this value.") from exc


def needs_rotation(stored: str) -> bool:
    return bool(stored) and stored.partition("$")[0] != keyring().current_id


def seal(kind: Kind, value: str) -> Sealed:
    """Everything that is stored for one value."""
    value = normalise(kind, value)
    if not value:
        return EMPTY
    return Sealed(
        encrypted=encrypt(value),
        digest=digest(kind, value),
        masked=mask(kind, value),
        tail_digest=tail_digest(value) if kind is Kind.PHONE else "",
    )


def looks_valid(kind: Kind, value: str, document_type: str = "") -> bool:
    """Whether a phone or ID-document number can be right (``cases.identity``'s rules).

    A phone is a mainland mobile or a fixed line with its area code. An ID number is checked as a
    number of ``document_type``; with no type, as a resident ID number or a unified social credit
    code (the documents of a person and an organisation when none is named).
    """
    if kind is Kind.PHONE:
        return identity.valid_phone(value)
    if document_type:
        return identity.valid_document(document_type, value)
    return identity.valid_document(identity.RESIDENT_ID, value) or identity.valid_credit_code(value)


# --- Numbers inside free text (a search box, a URL, a log line) -----------------------------------
#
# What a person types into a search or what a URL carries: a mainland mobile (``+86`` optional,
# digits in groups), a fixed line with its area code, a resident ID number (18 characters, the last
# may be X) or an old 15-digit one. Groups may be split by a space or a dash, typed or as a URL
# encodes them (``+``, ``%20``, ``%2D``). Ends are "no digit next to it", so a URL-encoded ``%2B86``
# prefix and a number glued to letters are still found.
_SEP = r"(?:[ \-+]|%20|%2[Dd])?"
_DAY = r"(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
_NUMBERS = re.compile(
    rf"(?:(?<![\d%])|(?<=%20)|(?<=%2[BbDd]))(?:"
    rf"(?P<id18>\d{{6}}{_SEP}(?:18|19|20)\d\d{_DAY}{_SEP}\d{{3}}[\dXx])"
    rf"|(?P<id15>\d{{6}}{_SEP}\d\d{_DAY}{_SEP}\d{{3}})"
    rf"|(?P<mobile>(?:\+?86{_SEP})?1[3-9]\d(?:{_SEP}\d){{8}})"
    rf"|(?P<fixed>0\d{{2,3}}{_SEP}\d{{3,4}}{_SEP}\d{{4}})"
    rf")(?![\d])"
)
_SEPARATORS = re.compile(r"%20|%2[Dd]|[ \-+]")


def contains_number(text: str) -> bool:
    """Whether ``text`` holds a phone or ID number: such a search is kept out of URLs."""
    return bool(_NUMBERS.search(text or ""))


def _masked(match: re.Match[str]) -> str:
    compact = _SEPARATORS.sub("", match.group())
    kind = Kind.PHONE if match.lastgroup in ("mobile", "fixed") else Kind.ID_NUMBER
    return mask(kind, compact)


def mask_numbers(text: str) -> str:
    """``text`` with every phone and ID number in it masked as the product shows them
    (``138****5678``, ``420***********1234``): for log lines and anything else written out."""
    return _NUMBERS.sub(_masked, text)
