"""Searches kept server-side (``cases.models.SavedSearch``): saved, forgotten."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.utils import timezone

from .. import personal_data
from ..models import SavedSearch


def save_search(*, user: User, text: str) -> SavedSearch:
    """Keep ``text`` (a search holding a phone or ID number) encrypted behind a new random key,
    the user's own, for ``SAVED_SEARCH_TTL_HOURS``."""
    return SavedSearch.objects.create(
        key=secrets.token_urlsafe(24),
        user=user,
        query_encrypted=personal_data.encrypt(text),
        expires_at=timezone.now() + timedelta(hours=settings.SAVED_SEARCH_TTL_HOURS),
    )


def purge_expired_searches() -> int:
    """Delete the saved searches past their expiry; return how many went."""
    deleted, _ = SavedSearch.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted
