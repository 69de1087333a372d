"""The audit trail (``cases.models.AuditRecord``): records are only ever added here."""

from typing import Any

from django.contrib.auth.models import User

from ..models import AuditRecord


def record(*, actor: User, action: str, details: dict[str, Any]) -> AuditRecord:
    """Append what ``actor`` did; ``details`` must already have its personal data masked."""
    return AuditRecord.objects.create(
        actor=actor, actor_name=actor.get_username(), action=action, details=details
    )
