"""The session record (调解笔录) as a document: what its page and its PDF show.

``context(session)`` builds what ``web/documents/session_record_body.html`` shows; the page frame
(``web/document.html``: the centre, the title, the case number) is separate, so that the whole case
file (卷宗) can include this body among its other documents. Parties are shown masked, as stored.

A session not yet recorded prints as a blank record to be filled in by hand at the table.
"""

from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language

from ..models import Party, PartyRole, Session, SessionStatus, user_display_name
from .agreement import field_labels

BODY_TEMPLATE = "web/documents/session_record_body.html"
PAGE_TEMPLATE = "web/session_record_print.html"


def context(session: Session, *, for_pdf: bool = False) -> dict[str, Any]:
    """What the session record shows, as a page to print or (``for_pdf``) as a PDF. ``session``
    comes from a scoped query (``queries.sessions.sessions_for``) and is not cancelled."""
    case = session.case
    chinese = not (get_language() or "").startswith("en")
    parties = list(case.parties.all())
    present = list(session.parties_present.all())
    mediators = list(session.mediators.all())
    recorded = session.status == SessionStatus.HELD
    # Everyone expected signs a blank record; a written one is signed by those who attended.
    signers = present if recorded and present else parties
    return {
        "case": case,
        "session": session,
        "recorded": recorded,
        "starts_at": timezone.localtime(session.starts_at),
        "ends_at": timezone.localtime(session.ends_at),
        "mediators": mediators,
        "parties_present": present,
        "applicant_side": [p for p in parties if p.role == PartyRole.APPLICANT],
        "respondent_side": [p for p in parties if p.role == PartyRole.RESPONDENT],
        "signers": signers,
        "recorded_by": user_display_name(session.recorded_by),
        "recorded_at": (
            timezone.localtime(session.recorded_at) if session.recorded_at is not None else None
        ),
        "for_pdf": for_pdf,
        "pdf_url": reverse("web:session_record_pdf", args=[case.pk, session.pk]),
        "colon": "：" if chinese else ": ",
        "list_separator": "、" if chinese else ", ",
        "party_labels": field_labels(Party, "role", "name", "id_number_masked"),
        "record_labels": field_labels(
            Session,
            "mode",
            "room",
            "place",
            "others_present",
            "applicant_statement",
            "respondent_statement",
            "agreed",
            "next_step",
            "minutes",
            "result",
            "recorded_by",
            "recorded_at",
        ),
    }


def filename(session: Session) -> str:
    """``JA01-2026-00012-session-8.pdf``"""
    return f"{session.case.number}-session-{session.pk}.pdf"
