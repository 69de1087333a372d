"""Notifications: who is told what, once, in the app (the bell) and by e-mail.

A notification is keyed by the occurrence it reports (``high_risk:<case id>``); (user, key) is
unique, so a retried intake, an edit that raises the risk again, or an hourly sweep that sees the
same deadline again notifies nobody twice. E-mail goes out after the caller's transaction commits,
from a Celery task on the ``notifications`` queue.
"""

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext

from ..models import Case, Membership, Notification, NotificationKind, Role

# The e-mail body carries both languages: users have no stored language preference yet.
EMAIL_LANGUAGES = ("zh-hans", "en")


def directors_of(case: Case) -> QuerySet[Any]:
    """Active users who direct the case's handling centre or any centre above it."""
    directors = Membership.objects.filter(
        role=Role.DIRECTOR, centre__code__in=case.centre.ancestor_codes()
    )
    return (
        get_user_model()
        .objects.filter(is_active=True, pk__in=directors.values("user_id"))
        .order_by("pk")
    )


def notify(
    *, users: Iterable[Any], case: Case | None, kind: str, key: str, at: datetime | None = None
) -> list[Notification]:
    """Notify ``users`` of ``kind`` once per (user, ``key``); return the notifications made now.

    Runs inside the caller's transaction: if it rolls back, nobody is notified and no e-mail is
    queued. Users already notified under ``key`` are skipped (``ON CONFLICT DO NOTHING`` covers a
    concurrent duplicate as well).
    """
    at = at or timezone.now()
    user_ids = {user.pk for user in users}
    if not user_ids:
        return []
    known = set(
        Notification.objects.filter(key=key, user_id__in=user_ids).values_list("user_id", flat=True)
    )
    new_ids = sorted(user_ids - known)
    if not new_ids:
        return []
    Notification.objects.bulk_create(
        [
            Notification(user_id=user_id, case=case, kind=kind, key=key, created_at=at)
            for user_id in new_ids
        ],
        ignore_conflicts=True,
    )
    # ``ignore_conflicts`` leaves primary keys unset: read the rows back.
    made = list(Notification.objects.filter(key=key, user_id__in=new_ids).order_by("pk"))
    ids = [n.pk for n in made]
    transaction.on_commit(lambda: _enqueue_emails(ids))
    return made


def notify_high_risk(case: Case) -> list[Notification]:
    """Tell the directors of the case's centre and every centre above it that it is high-risk.

    Called when a case is registered as high-risk and when an edit raises it to high: the key is
    the case, so a case raised to high twice notifies each director once.
    """
    return notify(
        users=directors_of(case),
        case=case,
        kind=NotificationKind.HIGH_RISK,
        key=f"high_risk:{case.pk}",
    )


def notify_returned_to_court(case: Case) -> list[Notification]:
    """Tell the entrusting court's liaisons that mediation of their case ended without agreement,
    so the court can resume its proceedings (the closing summary is on the case's page)."""
    liaisons = Membership.objects.filter(role=Role.COURT_LIAISON, centre=case.entrusting_court)
    return notify(
        users=get_user_model().objects.filter(is_active=True, pk__in=liaisons.values("user_id")),
        case=case,
        kind=NotificationKind.RETURNED_TO_COURT,
        key=f"returned_to_court:{case.pk}",
    )


def _enqueue_emails(ids: list[int]) -> None:
    from ..tasks import send_notification_emails  # the tasks module imports this one

    send_notification_emails.delay(ids)


def mark_read(*, user: Any, ids: Sequence[int] | None = None, at: datetime | None = None) -> int:
    """Mark ``user``'s unread notifications read (those in ``ids``, or all); return how many.

    Ids of other users' notifications are ignored.
    """
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=at or timezone.now())


def unread_count(user: Any) -> int:
    """How many notifications ``user`` has not read (the bell's number)."""
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def send_emails(ids: Sequence[int]) -> int:
    """E-mail each notification in ``ids`` whose user has an address, once; return how many sent.

    Each row is claimed (``emailed_at`` set while it is locked) in the same transaction that sends
    it: a second run, or a concurrent worker, finds it claimed and sends nothing; a failed send
    rolls the claim back so a retry sends it.
    """
    sent = 0
    for pk in ids:
        with transaction.atomic():
            notification = (
                Notification.objects.select_for_update(of=("self",))
                .select_related("user", "case", "case__centre")
                .filter(pk=pk, emailed_at__isnull=True)
                .first()
            )
            if notification is None or not notification.user.email:
                continue
            subject, body = _email(notification)
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [notification.user.email])
            notification.emailed_at = timezone.now()
            notification.save(update_fields=["emailed_at"])
            sent += 1
    return sent


def _email(notification: Notification) -> tuple[str, str]:
    with translation.override(settings.LANGUAGE_CODE):
        subject = str(notification.get_kind_display())
    paragraphs = []
    for language in EMAIL_LANGUAGES:
        with translation.override(language):
            lines = [str(notification.get_kind_display())]
            case = notification.case
            if case is not None:
                lines.append(
                    gettext("Case %(number)s at %(centre)s.")
                    % {"number": case.number, "centre": case.centre.name}
                )
            lines.append(gettext("Open the case tracker to see it."))
            paragraphs.append("\n".join(lines))
    return subject, "\n\n".join(paragraphs) + "\n"
