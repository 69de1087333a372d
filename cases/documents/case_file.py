"""The whole case file (卷宗) as one document for the archive: what its page and its PDF show.

In this order: a cover (centre, the case number in both forms, parties, category, dates, outcome,
how many documents, who printed it and when, the volume), an index with each section's page, the
registration form (受理登记表), the record of each session held (调解笔录) in time order and the
case notes, the mediation agreement (调解协议书) if there is one, the follow-up (回访, fulfilment and
judicial confirmation), the attachments listed, and the volume's closing note (备考: the number of
events on the case's timeline). Each section starts a new page; the footer numbers the pages.

The documents inside are the same bodies the registration form, the session record and the
agreement print alone (``registration.context``, ``session_record.context``,
``agreement.agreement_context``). The agreement states the parties in full only for a user with
the reveal permission, and then the whole file is ONE ``reveal`` event naming the document
``case_file``; anyone else who may see the case gets the agreement's masked copy, marked "not for
signature". The caller makes the file in a transaction that a failed PDF rolls back.
"""

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ObjectDoesNotExist
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _

from ..access import can
from ..models import (
    Agreement,
    Attachment,
    Case,
    Event,
    FollowUp,
    Note,
    PrintedDocument,
    Session,
    SessionStatus,
    user_display_name,
)
from ..services.attachments import human_size
from ..services.cases import reveal_parties
from . import registration, session_record
from .agreement import agreement_context, field_labels

PAGE_TEMPLATE = "web/case_file.html"

# How much of an attachment's SHA-256 the list shows: enough to tell a file from another.
SHA256_SHOWN = 12


@dataclass(frozen=True)
class IndexEntry:
    """One line of the index: the section's title and its anchor (its page number comes from
    WeasyPrint's ``target-counter``)."""

    anchor: str
    title: str


@dataclass(frozen=True)
class RecordBody:
    """A session's record as the file includes it: its title and the body's context."""

    anchor: str
    title: str
    context: dict[str, Any]


@dataclass(frozen=True)
class AttachmentLine:
    attachment: Attachment
    size: str
    sha256: str
    belongs_to: str


def agreement_of(case: Case) -> Agreement | None:
    try:
        return case.agreement
    except ObjectDoesNotExist:
        return None


def page_words() -> tuple[str, str, str]:
    """The footer's words around the page number and the page count: ("第 ", " 页 / 共 ", " 页")
    or ("Page ", " of ", "")."""
    before, rest = _("Page {page} of {pages}").split("{page}", 1)
    middle, after = rest.split("{pages}", 1)
    return before, middle, after


def _held_sessions(case: Case) -> list[Session]:
    """The sessions held, in time order, with what their records show (``case`` is in scope)."""
    held = list(
        Session.objects.filter(case=case, status=SessionStatus.HELD)
        .select_related("room", "recorded_by")
        .prefetch_related("mediators", "parties_present")
        .order_by("starts_at", "id")
    )
    for session in held:
        session.case = case  # its parties are already read with the case
    return held


def _notes(case: Case) -> list[Note]:
    """The case's notes in the order things happened, with their authors and corrections."""
    return list(
        Note.objects.filter(case=case)
        .select_related("author", "corrects")
        .order_by("happened_on", "written_at", "id")
    )


def _attachments(case: Case) -> list[Attachment]:
    return list(
        Attachment.objects.filter(case=case)
        .select_related("uploaded_by", "withdrawn_by", "session", "agreement")
        .order_by("uploaded_at", "id")
    )


def _belongs_to(attachment: Attachment) -> str:
    if attachment.session is not None:
        starts = timezone.localtime(attachment.session.starts_at)
        return _("Session of %(date)s") % {"date": starts.strftime("%Y-%m-%d %H:%M")}
    if attachment.agreement_id is not None:
        return str(_("Agreement"))
    return str(_("The case"))


def context(case: Case, user: User, *, for_pdf: bool) -> dict[str, Any]:
    """What the case file shows, as a page to print or (``for_pdf``) as a PDF, for ``user``.
    ``case`` comes from ``queries.cases.case_file_cases_for``. With an agreement and the reveal
    permission this writes one ``reveal`` event (document ``case_file``): call it in a
    transaction and roll back if the document cannot be made."""
    chinese = not (get_language() or "").startswith("en")
    parties = list(case.parties.all())
    agreement = agreement_of(case)

    sessions = _held_sessions(case)
    records = []
    for number, session in enumerate(sessions, start=1):
        records.append(
            RecordBody(
                anchor=f"record-{session.pk}",
                title=_("Mediation session record %(number)s") % {"number": number},
                context=session_record.context(session, for_pdf=for_pdf),
            )
        )
    notes = _notes(case)

    agreement_body = None
    full = False
    if agreement is not None:
        revealed = None
        if can(user, "reveal", case):
            revealed = reveal_parties(
                case=case, parties=parties, actor=user, document=PrintedDocument.CASE_FILE
            )
            full = True
        agreement_body = agreement_context(
            case, for_pdf=for_pdf, parties=parties, revealed=revealed
        )

    follow_ups = list(
        FollowUp.objects.filter(case=case).select_related("recorded_by").order_by("due_on", "id")
    )
    attachments = [
        AttachmentLine(
            attachment=attachment,
            size=human_size(attachment.size),
            sha256=attachment.sha256[:SHA256_SHOWN],
            belongs_to=_belongs_to(attachment),
        )
        for attachment in _attachments(case)
    ]
    events = Event.objects.filter(case=case).count()

    index = [IndexEntry("registration", _("Dispute registration form"))]
    index += [IndexEntry(record.anchor, record.title) for record in records]
    index.append(IndexEntry("notes", _("Case notes")))
    if agreement_body is not None:
        index.append(IndexEntry("agreement", _("People's Mediation Agreement")))
    index.append(IndexEntry("follow-up", _("Follow-up")))
    index.append(IndexEntry("attachments", _("Attachments")))
    index.append(IndexEntry("volume-note", _("Volume note")))

    printed_at = timezone.localtime()
    before, middle, after = page_words()
    return {
        "case": case,
        "parties": parties,
        "category": case.category,
        "agreement": agreement,
        "registered_at": timezone.localtime(case.registered_at),
        "concluded_at": (
            timezone.localtime(case.concluded_at) if case.concluded_at is not None else None
        ),
        "documents": 1 + len(records) + (1 if agreement_body is not None else 0),
        "printed_by": user_display_name(user),
        "printed_at": printed_at,
        "index": index,
        "registration": registration.context(case, for_pdf=for_pdf),
        "records": records,
        "notes": notes,
        "agreement_body": agreement_body,
        "full": full,
        "follow_ups": follow_ups,
        "attachments": attachments,
        "withdrawn_count": sum(1 for line in attachments if line.attachment.withdrawn),
        "events": events,
        "for_pdf": for_pdf,
        "pdf_url": reverse("web:case_file_pdf", args=[case.pk]),
        "page_before": before,
        "page_middle": middle,
        "page_after": after,
        "colon": "：" if chinese else ": ",
        "list_separator": "、" if chinese else ", ",
        "volume": pgettext("case file", "1 of 1"),
        "case_labels": field_labels(
            Case, "category", "registered_at", "concluded_at", "outcome", "status"
        ),
        "note_labels": field_labels(Note, "kind", "happened_on", "author", "written_at", "text"),
        "follow_up_labels": field_labels(
            FollowUp, "due_on", "done_at", "contact_method", "fulfilment", "satisfaction", "note"
        ),
        "agreement_labels": field_labels(
            Agreement,
            "fulfilment",
            "fulfilment_recorded_at",
            "performance_deadline",
            "judicial_confirmation",
            "confirmation_applied_on",
            "ruling_number",
            "ruling_on",
        ),
        "attachment_labels": field_labels(
            Attachment,
            "original_name",
            "kind",
            "content_type",
            "size",
            "sha256",
            "uploaded_by",
            "uploaded_at",
            "withdraw_reason",
        ),
    }


def filename(case: Case) -> str:
    """``JA01-2026-00012-case-file.pdf``"""
    return f"{case.number}-case-file.pdf"
