"""The audit trail (``cases.models.AuditRecord``): records are only ever added here."""

from typing import Any

from django.contrib.auth.models import User
from django.db import models
from django.http import HttpRequest

from ..models import AuditRecord, Case, Centre


def target_of(obj: models.Model) -> str:
    """What an audit record names as acted on: ``"auth.user:12"``."""
    return f"{obj._meta.label_lower}:{obj.pk}"


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address as the proxy in front passed it on (``REMOTE_ADDR``)."""
    return request.META.get("REMOTE_ADDR") or None if request is not None else None


def record(
    *,
    actor: User | None,
    action: str,
    details: dict[str, Any],
    actor_name: str = "",
    centre: Centre | None = None,
    case: Case | None = None,
    target: models.Model | str = "",
    request: HttpRequest | None = None,
) -> AuditRecord:
    """Append what ``actor`` did (``None``: nobody signed in, e.g. a failed sign-in, named by
    ``actor_name``); ``details`` must already have its personal data masked. ``centre`` is the
    centre the act concerns (directors see the records of their subtree); a case's centre is its
    handling centre unless given."""
    if case is not None and centre is None:
        centre = case.centre
    return AuditRecord.objects.create(
        actor=actor,
        actor_name=actor.get_username() if actor is not None else actor_name,
        action=action,
        details=details,
        centre=centre,
        case=case,
        target=target if isinstance(target, str) else target_of(target),
        ip_address=client_ip(request),
    )
