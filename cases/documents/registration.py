"""The registration form (受理登记表) as a document: what its page and its PDF show.

``context(case)`` builds what ``web/documents/registration_body.html`` shows; the page frame
(``web/document.html``) is separate, so that the whole case file (卷宗) can include this body.
ID numbers and phones are masked, as stored: the full identities are only on the agreement.
"""

from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language

from ..models import Case, Party, PartyKind, user_display_name
from ..queries.cases import acceptance
from .agreement import field_labels, format_yuan

BODY_TEMPLATE = "web/documents/registration_body.html"
PAGE_TEMPLATE = "web/registration.html"


def context(case: Case, *, for_pdf: bool = False) -> dict[str, Any]:
    """What the registration form shows, as a page to print or (``for_pdf``) as a PDF. ``case``
    comes from a scoped query (``queries.cases.cases_for``)."""
    chinese = not (get_language() or "").startswith("en")
    accepted = acceptance(case) if case.accepted_at is not None else None
    parties = list(case.parties.all())
    return {
        "case": case,
        "parties": parties,
        "persons": [p for p in parties if p.kind == PartyKind.PERSON],
        "organisations": [p for p in parties if p.kind == PartyKind.ORGANISATION],
        "registered_at": timezone.localtime(case.registered_at),
        "registered_by": user_display_name(case.created_by),
        "accepted_at": (
            timezone.localtime(case.accepted_at) if case.accepted_at is not None else None
        ),
        "accepted_by": user_display_name(accepted.actor) if accepted is not None else "",
        "amount_in_dispute": (
            format_yuan(case.amount_in_dispute) if case.amount_in_dispute is not None else ""
        ),
        "for_pdf": for_pdf,
        "pdf_url": reverse("web:registration_pdf", args=[case.pk]),
        "colon": "：" if chinese else ": ",
        "list_separator": "、" if chinese else ", ",
        "party_labels": field_labels(
            Party,
            "role",
            "kind",
            "name",
            "gender",
            "ethnicity",
            "birth_date",
            "document_type",
            "id_number_masked",
            "phone_masked",
            "address",
            "legal_representative",
            "agent",
        ),
        "case_labels": field_labels(
            Case,
            "channel",
            "category",
            "summary",
            "facts",
            "amount_in_dispute",
            "location",
            "risk_level",
            "registered_at",
            "accepted_at",
            "entrusting_court",
            "court_case_number",
            "entrusted_on",
            "registering_centre",
        ),
    }


def filename(case: Case) -> str:
    """``JA01-2026-00012-registration.pdf``"""
    return f"{case.number}-registration.pdf"
