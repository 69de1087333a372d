"""The closing summary a court-entrusted case goes back to its court with (DESIGN §3, §4): what its
page and its PDF show.

When mediation of a case the court entrusted ends without agreement (failed, or withdrawn), the
court resumes its own proceedings; the centre sends it a summary of what was done: the parties, the
dispute, the sessions held, the outcome and the guidance given.
"""

from typing import Any

from django.urls import reverse
from django.utils.translation import get_language

from ..models import Case, Party
from .agreement import field_labels


def closing_summary_context(case: Case, *, for_pdf: bool) -> dict[str, Any]:
    """What the summary's template shows, as a page to print or (``for_pdf``) as a PDF. ``case``
    comes from ``queries.cases.returned_to_court_cases_for`` (its ``held_sessions``)."""
    chinese = not (get_language() or "").startswith("en")
    mediators = [m for m in [case.lead_mediator, *case.co_mediators.all()] if m is not None]
    return {
        "case": case,
        "parties": list(case.parties.all()),
        "sessions": case.held_sessions,  # type: ignore[attr-defined]
        "mediators": mediators,
        "for_pdf": for_pdf,
        "pdf_url": reverse("web:closing_summary_pdf", args=[case.pk]),
        "colon": "：" if chinese else ": ",
        "list_separator": "、" if chinese else ", ",
        "party_labels": field_labels(Party, "kind", "id_number_masked", "phone_masked"),
        "case_labels": field_labels(
            Case,
            "category",
            "summary",
            "amount_in_dispute",
            "entrusting_court",
            "court_case_number",
            "entrusted_on",
            "registered_at",
            "accepted_at",
            "concluded_at",
            "outcome",
            "fail_guidance",
            "outcome_note",
        ),
    }
