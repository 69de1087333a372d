"""Reads of the searches kept server-side (``cases.models.SavedSearch``)."""

from django.contrib.auth.models import AnonymousUser, User
from django.utils import timezone

from .. import personal_data
from ..models import SavedSearch


def saved_search_text(user: User | AnonymousUser | None, key: str) -> str | None:
    """The text of the user's unexpired saved search ``key``; ``None`` for a key that is unknown,
    expired or another user's (the same answer for all three)."""
    if user is None or not user.is_authenticated or not key:
        return None
    stored = (
        SavedSearch.objects.filter(key=key, user=user, expires_at__gt=timezone.now())
        .values_list("query_encrypted", flat=True)
        .first()
    )
    return personal_data.decrypt(stored) if stored else None
