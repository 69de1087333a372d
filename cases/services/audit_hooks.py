"""Audit records written on Django's and django-axes' signals: sign-ins (web, admin and the API's
token endpoint alike, which all authenticate through ``django.contrib.auth``), sign-outs, and every
change to users, memberships, centres, categories and deadline policies, whichever path saved it
(the admin, the API's services, an admin inline).

Why signals here, when the rest of the product writes its records in the services: Django's own
views (login, the admin's user and category pages, the password forms) save without calling a
service of ours, and a change must not go unrecorded because it took one of those paths. The
diff is our own (changed fields only, before and after) rather than django-auditlog's, which
keeps its own ``LogEntry`` table: the audit page and ``GET /api/v1/audit/`` read one model,
``AuditRecord`` (docs/personal-data.md, "Audit records").

The actor of a set-up change is the signed-in user of the request being served
(``AuditRequestMiddleware`` binds it; DRF's token authentication sets the same ``request.user``).
A change made outside a request (a management command, the shell) is not a user's act and is not
recorded here; ``seed_demo`` and the test factories write the set-up that way.
"""

import json
from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import User
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models.signals import post_delete, post_save, pre_save
from django.http import HttpRequest, HttpResponse

from ..models import (
    AuditAction,
    Category,
    Centre,
    DeadlinePolicy,
    Membership,
    RetentionRule,
    WarningThreshold,
)
from .audit import current_request, record, serving, signed_in


def channel_of(request: HttpRequest | None) -> str:
    """Where an act came in: ``"admin"``, ``"api"`` or ``"web"`` (``""``: no request)."""
    if request is None:
        return ""
    if request.path.startswith("/admin/"):
        return "admin"
    if request.path.startswith("/api/"):
        return "api"
    return "web"


class AuditRequestMiddleware:
    """Binds the request being served, so a set-up change saved by Django's own admin views is
    recorded with the user who made it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with serving(request):
            return self.get_response(request)


def home_centre(user: User | None) -> Centre | None:
    """The centre a user's records are filed under (their first membership's), so a director
    sees what concerns the people of their subtree; ``None``: administrators only."""
    if user is None or user.pk is None:
        return None
    membership = Membership.objects.filter(user=user).select_related("centre").order_by("pk")
    first = membership.first()
    return first.centre if first is not None else None


# --- Signing in and out -------------------------------------------------------------------------


def logged_in(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    """``user_logged_in``: the web's and the admin's login forms (the API's token endpoint records
    its sign-in with the token it issues, ``cases.services.users.issue_api_token``)."""
    if request is None:
        return
    record(
        actor=user,
        action=AuditAction.LOGIN_SUCCEEDED,
        details={"channel": channel_of(request)},
        centre=home_centre(user),
        target=user,
        request=request,
    )


def logged_out(sender: Any, request: HttpRequest | None, user: User | None, **kwargs: Any) -> None:
    """``user_logged_out``: signing out of the web or the admin (an anonymous one is no act)."""
    if request is None or user is None:
        return
    record(
        actor=user,
        action=AuditAction.LOGOUT,
        details={"channel": channel_of(request)},
        centre=home_centre(user),
        target=user,
        request=request,
    )


def login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    """``user_login_failed``, after django-axes counted it (axes connected first): one record per
    attempt, ``login_locked_out`` when the attempt locked the account or address or was refused
    because one was locked, else ``login_failed``. Never the password, only the name typed."""
    if request is None:
        return
    username = str(credentials.get("username") or "")[:150]
    locked = bool(getattr(request, "axes_locked_out", False))
    details: dict[str, Any] = {"channel": channel_of(request), "username": username}
    if locked:
        details["locked"] = sorted(str(p) for p in getattr(request, "axes_locked_by", ()) or ())
    account = User.objects.filter(username=username).first() if username else None
    record(
        actor=None,
        actor_name=username,
        action=AuditAction.LOGIN_LOCKED_OUT if locked else AuditAction.LOGIN_FAILED,
        details=details,
        centre=home_centre(account),
        target=account if account is not None else "",
        request=request,
    )


# --- Changes to the set-up ----------------------------------------------------------------------

# What is never shown as a value: the password (only "password changed"), and what the product
# writes itself as a consequence (a login's time, a centre's materialised path).
_HIDDEN = {"password"}
_NOT_A_CHANGE = {"last_login", "path", "depth"}

WATCHED: dict[type[models.Model], str] = {
    User: AuditAction.USER_CHANGED,
    Membership: AuditAction.MEMBERSHIP_CHANGED,
    Centre: AuditAction.CENTRE_CHANGED,
    Category: AuditAction.CATEGORY_CHANGED,
    DeadlinePolicy: AuditAction.DEADLINE_SETTING_CHANGED,
    RetentionRule: AuditAction.RETENTION_SETTING_CHANGED,
    WarningThreshold: AuditAction.WARNING_SETTING_CHANGED,
}

_BEFORE = "_audit_before"


def values_of(obj: models.Model) -> dict[str, Any]:
    """The recorded fields of ``obj`` as JSON values (a foreign key as its id)."""
    values = {
        field.name: field.value_from_object(obj)
        for field in obj._meta.concrete_fields
        if field.name not in _NOT_A_CHANGE and not field.primary_key
    }
    return dict(json.loads(json.dumps(values, cls=DjangoJSONEncoder)))


def _centre_of(obj: models.Model) -> Centre | None:
    if isinstance(obj, Centre):
        return obj
    if isinstance(obj, Membership | DeadlinePolicy | RetentionRule | WarningThreshold):
        return Centre.objects.filter(pk=obj.centre_id).first()
    if isinstance(obj, User):
        return home_centre(obj)
    return None


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """The changed fields only, ``{"before": {...}, "after": {...}}``; a password never appears,
    only ``"password_changed": true``."""
    changed = sorted(
        name for name in after.keys() | before.keys() if before.get(name) != after.get(name)
    )
    details: dict[str, Any] = {
        # A row created has no before, a row deleted no after.
        "before": {n: before.get(n) for n in changed if n not in _HIDDEN and n in before},
        "after": {n: after.get(n) for n in changed if n not in _HIDDEN and n in after},
    }
    if any(n in _HIDDEN for n in changed):
        details["password_changed"] = True
    return details


def _remember_before(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    if signed_in(current_request()) is None or instance.pk is None:
        return
    update_fields = kwargs.get("update_fields")
    if update_fields is not None and set(update_fields) <= _NOT_A_CHANGE:
        return  # a login's time: nothing recorded, nothing to read
    stored = sender._default_manager.filter(pk=instance.pk).first()
    setattr(instance, _BEFORE, values_of(stored) if stored is not None else {})


def setup_saved(
    sender: type[models.Model], instance: models.Model, created: bool, **kwargs: Any
) -> None:
    """``post_save`` of a watched model: one record of what changed (nothing: no record)."""
    request = current_request()
    actor = signed_in(request)
    if actor is None or kwargs.get("raw"):
        return
    if not created and not hasattr(instance, _BEFORE):
        return  # only what the product writes itself (a login's time)
    before = {} if created else getattr(instance, _BEFORE)
    if hasattr(instance, _BEFORE):
        delattr(instance, _BEFORE)
    details = diff(before, values_of(instance))
    if not details["before"] and not details["after"] and not details.get("password_changed"):
        return
    details = {
        "operation": "created" if created else "changed",
        "object": str(instance)[:200],
        **details,
    }
    record(
        actor=actor,
        action=WATCHED[sender],
        details={**details, "channel": channel_of(request)},
        centre=_centre_of(instance),
        target=instance,
        request=request,
    )


def setup_added(*, instance: models.Model) -> None:
    """For rows created in bulk (``bulk_create`` sends no signal): the record ``setup_saved``
    would have written."""
    request = current_request()
    actor = signed_in(request)
    if actor is None:
        return
    record(
        actor=actor,
        action=WATCHED[type(instance)],
        details={
            "operation": "created",
            "object": str(instance)[:200],
            **diff({}, values_of(instance)),
            "channel": channel_of(request),
        },
        centre=_centre_of(instance),
        target=instance,
        request=request,
    )


def setup_deleted(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    request = current_request()
    actor = signed_in(request)
    if actor is None:
        return
    # The centre of a deleted row may itself be going (a cascade): file it under none then.
    centre = _centre_of(instance) if not isinstance(instance, Centre) else None
    record(
        actor=actor,
        action=WATCHED[sender],
        details={
            "operation": "deleted",
            "object": str(instance)[:200],
            **diff(values_of(instance), {}),
            "channel": channel_of(request),
        },
        centre=centre,
        target=instance,
        request=request,
    )


def connect() -> None:
    """Connect the receivers (``CasesConfig.ready``, after django-axes connected its own)."""
    from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

    user_logged_in.connect(logged_in, dispatch_uid="cases.audit.logged_in")
    user_logged_out.connect(logged_out, dispatch_uid="cases.audit.logged_out")
    user_login_failed.connect(login_failed, dispatch_uid="cases.audit.login_failed")
    for model in WATCHED:
        uid = f"cases.audit.{model._meta.label_lower}"
        pre_save.connect(_remember_before, sender=model, dispatch_uid=f"{uid}.before")
        post_save.connect(setup_saved, sender=model, dispatch_uid=f"{uid}.saved")
        post_delete.connect(setup_deleted, sender=model, dispatch_uid=f"{uid}.deleted")
