"""Forgetting old Idempotency-Keys."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from ..models import IdempotencyKey


def purge_expired_keys() -> int:
    """Delete keys older than ``IDEMPOTENCY_KEY_TTL_HOURS``; return how many went."""
    cutoff = timezone.now() - timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
