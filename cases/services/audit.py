"""The audit trail (``cases.models.AuditRecord``): records are only ever added here."""

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.contrib.auth.models import User
from django.db import models
from django.http import HttpRequest

from ..models import AuditAction, AuditRecord, Case, Centre

_request: contextvars.ContextVar[HttpRequest | None] = contextvars.ContextVar(
    "audit_request", default=None
)


@contextmanager
def serving(request: HttpRequest) -> Iterator[None]:
    """While ``request`` is served, records name its client's address, and set-up changes are
    recorded as its user's (``audit_hooks.AuditRequestMiddleware`` binds every request)."""
    token = _request.set(request)
    try:
        yield
    finally:
        _request.reset(token)


def current_request() -> HttpRequest | None:
    """The request being served, if any."""
    return _request.get()


def signed_in(request: HttpRequest | None) -> User | None:
    """The request's signed-in user (a session's or an API token's), else ``None``."""
    user = getattr(request, "user", None)
    return user if isinstance(user, User) and user.is_authenticated else None


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
    handling centre unless given; ``request`` defaults to the one being served."""
    request = request if request is not None else current_request()
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


def downloaded(
    *,
    actor: User,
    document: str,
    file_format: str,
    case: Case | None = None,
    centre: Centre | None = None,
    target: models.Model | str = "",
    report: bool = False,
    **extra: Any,
) -> AuditRecord:
    """One file sent to ``actor``: ``document`` names what (``"agreement"``, ``"attachment"``,
    ``"monthly_report"``…), ``file_format`` its format (``"pdf"``, ``"csv"``…); ``extra`` must
    be masked already. A report's file is ``report_download``, any other ``download``."""
    return record(
        actor=actor,
        action=AuditAction.REPORT_DOWNLOAD if report else AuditAction.DOWNLOAD,
        details={"document": document, "format": file_format, **extra},
        case=case,
        centre=centre,
        target=target if target != "" else (case if case is not None else ""),
    )
