"""The mediation agreement (调解协议书) as a document: what its page and its PDF show.

The document is built from the case alone (parties masked as stored, never decrypted). Amounts of
money are stated in figures and, in Chinese, in capital numerals beside them.
"""

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import get_language

from ..deadlines import confirmation_deadline
from ..models import Agreement, Case, Party

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


def agreement_context(case: Case, *, for_pdf: bool) -> dict[str, Any]:
    """What the agreement's template shows, as a page to print or (``for_pdf``) as a PDF."""
    agreement = case.agreement
    parties = list(case.parties.all())
    mediators = [m for m in [case.lead_mediator, *case.co_mediators.all()] if m is not None]
    amount = agreement.amount_agreed
    chinese = not (get_language() or "").startswith("en")
    return {
        "case": case,
        "agreement": agreement,
        "parties": parties,
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
        "list_separator": "、" if chinese else ", ",
        "party_labels": field_labels(
            Party, "kind", "id_number_masked", "phone_masked", "address", "agent"
        ),
        "case_labels": field_labels(
            Case, "category", "summary", "facts", "amount_in_dispute", "location"
        ),
        "agreement_labels": field_labels(
            Agreement, "form", "signed_on", "effective_on", "performance_deadline"
        ),
    }
