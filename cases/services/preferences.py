"""A user's own settings (their language, how they hear of each kind of notification) and the
directors' daily digest.

A user who takes a kind as a digest (directors only: ``queries.preferences.may_digest``) gets no
entry of it as it happens: ``services.notifications.notify`` collects a ``DigestItem`` instead,
and each morning (beat ``send-digests``, 07:30 Asia/Shanghai) ``send_digests`` makes one
notification of kind ``digest`` listing what was collected since the last one, e-mailed like any
other. It is keyed by the day, so a second run the same day makes nothing; a day with nothing
collected makes nothing.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..errors import InvalidInput
from ..models import Delivery, DigestItem, NotificationKind, UserSettings
from ..queries.preferences import CHOOSABLE_KINDS, may_digest, pending_digest_users
from .notifications import notify

LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]


def update_settings(
    *,
    user: User,
    language: str | None = None,
    notifications: Mapping[str, Any] | None = None,
) -> UserSettings:
    """Change ``user``'s language and/or the delivery of the kinds named in ``notifications``
    (the other kinds keep theirs); make their settings row if they had none.

    Raises ``InvalidInput`` naming the field (``language``, ``notification_preferences`` or
    ``notification_preferences.<kind>``) for an unknown language, kind or delivery, and for a
    digest chosen by a user who directs no centre. Nothing is saved then.
    """
    problems: dict[str, list[str]] = {}
    if language is not None and language not in LANGUAGE_CODES:
        problems["language"] = [
            _("“%(value)s” is not a language of the product; choose one of: %(choices)s.")
            % {"value": language, "choices": ", ".join(LANGUAGE_CODES)}
        ]
    changes: dict[str, str] = {}
    if notifications is not None:
        if not isinstance(notifications, Mapping):
            problems["notification_preferences"] = [
                _("Expected an object mapping notification kinds to deliveries.")
            ]
            notifications = {}
        digest_allowed: bool | None = None
        for kind, delivery in notifications.items():
            field = f"notification_preferences.{kind}"
            if kind not in CHOOSABLE_KINDS:
                problems[field] = [_("“%(kind)s” is not a notification kind.") % {"kind": kind}]
            elif delivery not in Delivery.values:
                problems[field] = [
                    _("“%(value)s” is not a delivery; choose one of: %(choices)s.")
                    % {"value": delivery, "choices": ", ".join(Delivery.values)}
                ]
            elif delivery == Delivery.DIGEST:
                if digest_allowed is None:
                    digest_allowed = may_digest(user)
                if not digest_allowed:
                    problems[field] = [_("Only centre directors may take a daily digest.")]
                else:
                    changes[kind] = delivery
            else:
                changes[kind] = delivery
    if problems:
        raise InvalidInput(fields=problems)
    with transaction.atomic():
        row, _made = UserSettings.objects.select_for_update().get_or_create(user=user)
        fields = []
        if language is not None:
            row.language = language
            fields.append("language")
        if changes:
            row.notifications = {**row.notifications, **changes}
            fields.append("notifications")
        if fields:
            row.save(update_fields=fields)
    return row


def send_digests(at: datetime | None = None) -> int:
    """Make today's digest for each active user with entries waiting; return how many were made.

    "Today" is the date in ``TIME_ZONE`` at ``at``. A user who already has today's digest (a
    second run) gets nothing more: their new entries wait for tomorrow's. Each user's digest is
    made in its own transaction, its entries claimed under locks a concurrent run skips.
    """
    at = at or timezone.now()
    key = f"digest:{timezone.localdate(at).isoformat()}"
    made = 0
    for user_id in pending_digest_users():
        with transaction.atomic():
            items = list(
                DigestItem.objects.select_for_update(skip_locked=True)
                .filter(user_id=user_id, digest__isnull=True, created_at__lte=at)
                .values_list("pk", flat=True)
            )
            user = User.objects.filter(pk=user_id, is_active=True).first()
            if not items or user is None:
                continue
            digests = notify(users=[user], case=None, kind=NotificationKind.DIGEST, key=key, at=at)
            if not digests:
                continue
            DigestItem.objects.filter(pk__in=items).update(digest=digests[0])
            made += 1
    return made
