"""Reads of case notes: whoever sees a case reads its notes."""

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet

from ..models import Case, Note
from .cases import visible_case_ids


def notes_for(user: User | AnonymousUser) -> QuerySet[Note]:
    """The notes of every case the user may see, with author, correction links and mentions."""
    return (
        Note.objects.filter(case__in=visible_case_ids(user))
        .select_related("author", "corrected_by")
        .prefetch_related("mentions")
    )


def case_notes(user: User | AnonymousUser, case: Case) -> QuerySet[Note]:
    """The case's notes, newest first (by when they were written)."""
    return notes_for(user).filter(case=case).order_by("-id")
