"""The mediation agreement (调解协议书) as a document: what its page and its PDF show.

The parties sign it, so it states who they are in full, as the People's Mediation Law expects: a
person's name, gender, ethnicity, date of birth, document and number, address and phone; an
organisation's name, credit code, address and legal representative; each one's agent. Those numbers
are decrypted only by ``services.cases.reveal_parties``, for a user with the reveal permission, and
each document made that way is one ``reveal`` event (``agreement_document``). Anyone else who may
see the case gets a copy with the numbers masked, marked "not for signature".

Amounts of money are stated in figures and, in Chinese, in capital numerals beside them.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.contrib.auth.models import User
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _

from ..access import can
from ..deadlines import confirmation_deadline
from ..models import (
    Agreement,
    Case,
    DocumentType,
    Party,
    PartyKind,
    PartyRole,
    PrintedDocument,
)
from ..services.cases import Revealed, reveal_parties

CAPITAL_DIGITS = "零壹贰叁肆伍陆柒捌玖"
CAPITAL_UNITS = ("", "拾", "佰", "仟")
CAPITAL_GROUPS = ("", "万", "亿", "万亿")


def _capital_group(number: int) -> str:
    """0 < number < 10000 in capital numerals, zeros inside collapsed to one 零 (1010 → 壹仟零壹拾)."""
    text, zero = "", False
    for position in range(3, -1, -1):
        digit = number // 10**position % 10
        if digit == 0:
            zero = bool(text)
        else:
            text += ("零" if zero else "") + CAPITAL_DIGITS[digit] + CAPITAL_UNITS[position]
            zero = False
    return text


def yuan_in_capitals(amount: Decimal) -> str:
    """An amount in yuan written in Chinese capital numerals, as documents about money state it
    beside the figures so that they cannot be altered: 1234.5 → 壹仟贰佰叁拾肆元伍角."""
    cents = int((amount * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    yuan, rest = divmod(cents, 100)
    jiao, fen = divmod(rest, 10)
    groups = []
    while yuan:
        yuan, group = divmod(yuan, 10000)
        groups.append(group)
    text, skipped = "", False
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            skipped = bool(text)
            continue
        if text and (skipped or group < 1000):
            text += "零"
        text += _capital_group(group) + CAPITAL_GROUPS[index]
        skipped = False
    if not text and not (jiao or fen):
        return "零元整"
    if text:
        text += "元"
    if not (jiao or fen):
        return text + "整"
    if jiao:
        text += CAPITAL_DIGITS[jiao] + "角"
    if fen:
        text += ("零" if text and not jiao else "") + CAPITAL_DIGITS[fen] + "分"
    return text


def format_yuan(amount: Decimal) -> str:
    """¥1,234.56"""
    return f"¥{amount:,.2f}"


def field_labels(model: Any, *names: str) -> dict[str, str]:
    """Field labels from the model's verbose names, translated and capitalised."""
    return {name: capfirst(model._meta.get_field(name).verbose_name) for name in names}


@dataclass(frozen=True)
class IdentityItem:
    """One part of a party's identity line: "性别" values stand bare (``label`` empty), numbers and
    addresses after their label."""

    label: str
    value: str


@dataclass(frozen=True)
class PartyIdentity:
    """A party as the agreement states it: "申请人：张三，男，汉族，1980年1月1日出生，…"."""

    party: Party
    items: tuple[IdentityItem, ...]


# Applicants first, then respondents, then third parties, each in the order registered.
ROLE_ORDER = {PartyRole.APPLICANT: 0, PartyRole.RESPONDENT: 1, PartyRole.THIRD_PARTY: 2}


def _document_label(party: Party) -> str:
    """What the number is: "居民身份证号码", "统一社会信用代码", "护照号码"; plain "证件号码" when
    the document is not known."""
    if party.document_type == DocumentType.CREDIT_CODE:
        return str(DocumentType.CREDIT_CODE.label)
    if party.document_type and party.document_type != DocumentType.OTHER:
        return _("%(document)s number") % {"document": party.get_document_type_display()}
    return str(capfirst(Party._meta.get_field("id_number_masked").verbose_name))


def party_identity(party: Party, revealed: Revealed | None) -> PartyIdentity:
    """The party's identity line, with the numbers in clear when ``revealed`` (else masked)."""
    id_number = revealed.id_number if revealed is not None else party.id_number_masked
    phone = revealed.phone if revealed is not None else party.phone_masked
    items: list[IdentityItem] = []
    if party.kind == PartyKind.ORGANISATION:
        if id_number:
            items.append(IdentityItem(_document_label(party), id_number))
        if party.address:
            items.append(IdentityItem(pgettext("organisation", "Address"), party.address))
        if party.legal_representative:
            label = capfirst(Party._meta.get_field("legal_representative").verbose_name)
            items.append(IdentityItem(str(label), party.legal_representative))
    else:
        if party.gender:
            items.append(IdentityItem("", party.get_gender_display()))
        if party.ethnicity:
            items.append(IdentityItem("", party.get_ethnicity_display()))
        if party.birth_date:
            born = _("born %(date)s") % {"date": date_format(party.birth_date, "DATE_FORMAT")}
            items.append(IdentityItem("", born))
        if id_number:
            items.append(IdentityItem(_document_label(party), id_number))
        if party.address:
            items.append(IdentityItem(pgettext("person", "Address"), party.address))
    if phone:
        items.append(IdentityItem(_("Contact phone"), phone))
    return PartyIdentity(party=party, items=tuple(items))


def party_identities(
    parties: Sequence[Party], revealed: Mapping[int, Revealed] | None
) -> list[PartyIdentity]:
    ordered = sorted(parties, key=lambda p: ROLE_ORDER.get(PartyRole(p.role), len(ROLE_ORDER)))
    return [
        party_identity(p, revealed.get(p.pk) if revealed is not None else None) for p in ordered
    ]


def agreement_document(user: User, case: Case, *, for_pdf: bool) -> dict[str, Any]:
    """The agreement as ``user`` may have it: in full, with the parties' numbers in clear, for a
    user with the reveal permission (one ``reveal`` event naming the document and every party);
    otherwise the copy with the numbers masked, marked not for signature. ``case`` comes from
    ``queries.cases.agreement_cases_for``."""
    parties = list(case.parties.all())
    revealed = None
    if can(user, "reveal", case):
        revealed = reveal_parties(
            case=case, parties=parties, actor=user, document=PrintedDocument.AGREEMENT
        )
    return agreement_context(case, for_pdf=for_pdf, parties=parties, revealed=revealed)


def agreement_context(
    case: Case,
    *,
    for_pdf: bool,
    parties: Sequence[Party] | None = None,
    revealed: Mapping[int, Revealed] | None = None,
) -> dict[str, Any]:
    """What the agreement's template shows, as a page to print or (``for_pdf``) as a PDF: in full
    with ``revealed`` (the clear values of every party, from ``reveal_parties``), else the masked
    copy not for signature."""
    agreement = case.agreement
    parties = list(case.parties.all()) if parties is None else list(parties)
    mediators = [m for m in [case.lead_mediator, *case.co_mediators.all()] if m is not None]
    amount = agreement.amount_agreed
    chinese = not (get_language() or "").startswith("en")
    return {
        "case": case,
        "agreement": agreement,
        "parties": parties,
        "identities": party_identities(parties, revealed),
        # The document to sign states the parties in full; without that it is a copy to read.
        "full": revealed is not None,
        "mediators": mediators,
        "amount": format_yuan(amount) if amount is not None else "",
        "amount_in_capitals": yuan_in_capitals(amount) if amount is not None and chinese else "",
        "amount_in_dispute": (
            format_yuan(case.amount_in_dispute) if case.amount_in_dispute is not None else ""
        ),
        # The parties may apply for judicial confirmation until then (People's Mediation Law
        # art. 33); the document states the last day.
        "confirmation_by": confirmation_deadline(agreement),
        # One copy for each party and one kept by the centre.
        "copies": len(parties) + 1,
        "for_pdf": for_pdf,
        "pdf_url": reverse("web:agreement_pdf", args=[case.pk]),
        # Chinese text takes full-width punctuation.
        "colon": "：" if chinese else ": ",
        "comma": "，" if chinese else ", ",
        "full_stop": "。" if chinese else ".",
        "list_separator": "、" if chinese else ", ",
        "case_labels": field_labels(
            Case, "category", "summary", "facts", "amount_in_dispute", "location"
        ),
        "agreement_labels": field_labels(
            Agreement, "form", "signed_on", "effective_on", "performance_deadline"
        ),
    }
