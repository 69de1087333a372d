"""Reads of attachments: whoever sees a case sees its files (withdrawn ones on request)."""

from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet

from ..models import Attachment, Case
from .cases import visible_case_ids


def attachments_for(user: User | AnonymousUser) -> QuerySet[Attachment]:
    """The attachments of every case the user may see, with who uploaded and withdrew them."""
    return Attachment.objects.filter(case__in=visible_case_ids(user)).select_related(
        "uploaded_by", "withdrawn_by", "session", "agreement"
    )


def case_attachments(
    user: User | AnonymousUser, case: Case, *, withdrawn: bool = False
) -> QuerySet[Attachment]:
    """The case's attachments, newest first; withdrawn ones only when ``withdrawn``."""
    attachments = attachments_for(user).filter(case=case)
    if not withdrawn:
        attachments = attachments.filter(withdrawn_at__isnull=True)
    return attachments.order_by("-id")


def case_attachment(user: User | AnonymousUser, case: Case, pk: Any) -> Attachment | None:
    """One attachment of ``case`` (withdrawn or not) if the user sees it, else ``None``."""
    try:
        return attachments_for(user).filter(case=case).get(pk=pk)
    except (Attachment.DoesNotExist, ValueError, TypeError):
        return None
