"""The case list's search by number (issue 21): what a search box holds when it is a number.

``number_q`` reads the text and answers the cases it names, or ``None`` when the text is no number
(then the caller searches names and text). One function per path, each a single indexed lookup:

- a case number in either form, whole or in part: ``JA01-2026-00096`` (or its beginning),
  ``（2026）江岸大智调字第96号`` (``cases.queries.case_list.case_number_q``), and the sequence alone,
  ``00096``, ``96``, ``96号``, ``第96号``: the cases of that sequence registered at the caller's own
  centres (``access.visible_centres``: where they work, and below the centres they direct or
  observe), through the ``case_sequence_centre`` index, never a scan of the city;
- the last four digits of a phone, ``尾号4803`` or ``4803``: the parties whose keyed hash of the
  last four digits (``Party.phone_tail_hash``) is the text's; four digits alone also name a sequence;
- a phone or an ID number (a valid phone, resident ID number or credit code, with spaces, dashes,
  ``+86``; or digits alone): the parties whose ``phone_hash`` or ``id_number_hash`` is the text's,
  and nothing else, so that PostgreSQL starts from those indexes instead of scanning every party
  for a name. Another document's number (``E12345678``, a passport) has the shape of a centre's
  code, so the cases numbered from it are searched too.

Each answers a filter on ``Case`` that the caller applies to a scoped queryset: the candidates
come from an index, and only those the caller may see remain.
"""

import re

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q, QuerySet

from .. import access, personal_data
from ..models import Case, Party

# A case number as the system writes it (``JA01-2026-00096``, or its beginning) and as documents
# print it (``（2026）江岸调字第96号``: year, the registering centre's Chinese abbreviation or name,
# sequence), with full-width or ASCII brackets and spaces anywhere.
INTERNAL_NUMBER = re.compile(r"[A-Za-z0-9]+-\d{4}-\d+")
NUMBER_PREFIX = re.compile(r"[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*-[\d-]*")
PRINTED_NUMBER = re.compile(r"[（(]\s*(\d{4})\s*[）)]\s*(\S+?)\s*调字\s*第\s*(\d{1,9})\s*号")
# The sequence of a case number: up to six digits alone, or up to nine followed by 号.
SEQUENCE = re.compile(r"(?:第\s*)?(?:(?P<bare>\d{1,6})|(?P<marked>\d{1,9})\s*号)")
# The last four digits of a phone: marked (``尾号4803``), or four digits alone.
MARKED_TAIL = re.compile(r"尾号\s*(?P<tail>\d{4})")
BARE_TAIL = re.compile(r"\d{4}")
# An ID-document number of another kind (a passport, a permit, an old 15-digit ID) once spaces
# and dashes are gone: up to two letters, six digits or more, perhaps a check letter. Not a case
# number's beginning (``JA0101``, ``JA01-2026``): those go to the text search.
OTHER_DOCUMENT = re.compile(r"[A-Z]{0,2}\d{7,}[A-Z]?")

AnyUser = User | AnonymousUser | None


def case_number_q(text: str) -> Q | None:
    """The cases numbered ``text`` (in either form, whole), or ``None`` when ``text`` is no case
    number. A printed number names its registering centre by abbreviation, or by name where it
    has none."""
    value = text.strip()
    if INTERNAL_NUMBER.fullmatch(value):
        return Q(number__iexact=value)
    printed = PRINTED_NUMBER.fullmatch(value)
    if printed is None:
        return None
    year, short, sequence = printed.groups()
    return Q(year=int(year), sequence=int(sequence)) & (
        Q(registering_centre__abbreviation_zh=short)
        | Q(registering_centre__abbreviation_zh="", registering_centre__name_zh=short)
    )


def number_q(text: str, user: AnyUser) -> Q | None:
    """The cases ``text`` names as a number (see the module), or ``None`` when it is no number."""
    value = text.strip()
    # A phone first: 139-1234-4803 has the shape of an internal number.
    if personal_data.looks_valid(personal_data.Kind.PHONE, value):
        return identifier_q(value)
    if INTERNAL_NUMBER.fullmatch(value) or NUMBER_PREFIX.fullmatch(value):
        return Q(number__istartswith=value)
    if PRINTED_NUMBER.fullmatch(value):
        return case_number_q(value)
    marked = MARKED_TAIL.fullmatch(value)
    if marked:
        return phone_tail_q(marked["tail"])
    sequence = SEQUENCE.fullmatch(value)
    if sequence:
        number = int(sequence["bare"] or sequence["marked"])
        if BARE_TAIL.fullmatch(value):
            # No ORDER BY inside a UNION (SQLite refuses one; PostgreSQL has no use for it).
            tails = tail_parties(value).order_by().values("case_id")
            return Q(pk__in=tails.union(sequence_cases(number, user).order_by().values("pk")))
        return sequence_q(number, user)
    compact = personal_data.normalise(personal_data.Kind.ID_NUMBER, value)
    if personal_data.looks_valid(personal_data.Kind.ID_NUMBER, value) or compact.isdigit():
        return identifier_q(value)
    if OTHER_DOCUMENT.fullmatch(compact):
        return identifier_q(value) | Q(number__istartswith=value)
    return None


def sequence_cases(sequence: int, user: AnyUser) -> QuerySet[Case]:
    """The cases numbered ``sequence`` (any year) registered at the centres of ``user``."""
    cases = Case.objects.filter(sequence=sequence)
    if not access.scope_of(user).is_admin:
        cases = cases.filter(registering_centre__in=access.visible_centres(user or AnonymousUser()))
    return cases


def sequence_q(sequence: int, user: AnyUser) -> Q:
    return Q(pk__in=sequence_cases(sequence, user).values("pk"))


def tail_parties(tail: str) -> QuerySet[Party]:
    """The parties whose phone ends in the four digits ``tail``."""
    return Party.objects.filter(phone_tail_hash=personal_data.tail_digest(tail))


def phone_tail_q(tail: str) -> Q:
    return Q(pk__in=tail_parties(tail).values("case_id"))


def identifier_parties(text: str) -> QuerySet[Party]:
    """The parties whose phone or ID number is ``text`` (keyed hashes only)."""
    phone = personal_data.digest(personal_data.Kind.PHONE, text)
    id_number = personal_data.digest(personal_data.Kind.ID_NUMBER, text)
    return Party.objects.filter(Q(phone_hash=phone) | Q(id_number_hash=id_number))


def identifier_q(text: str) -> Q:
    return Q(pk__in=identifier_parties(text).values("case_id"))
