"""Notifications: who is told what, once, in the app (the bell) and by e-mail.

A notification is keyed by the occurrence it reports (``high_risk:<case id>``); (user, key) is
unique, so a retried intake, an edit that raises the risk again, or an hourly sweep that sees the
same deadline again notifies nobody twice.

The rows are the e-mail outbox: each is made due (``email_due_at``) in the caller's transaction.
After the commit a Celery task on the ``notifications`` queue is asked to send them at once; if
the broker cannot take it, the request is not failed (its work has committed): the periodic
sender (``send_due_emails``, every minute) sends whatever is due, and retries a failed send with
a growing delay until it gives up.
"""

import logging
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext

from ..access import case_relations
from ..models import (
    Case,
    Delivery,
    DigestItem,
    Mediator,
    Note,
    Notification,
    NotificationKind,
    Session,
    Transfer,
)
from ..queries.notifications import (
    directors_of,
    liaisons_of,
    mediator_users,
    nearest_directors,
    prefetch_digests,
    receivers_of,
)
from ..queries.preferences import chosen_language, deliveries

logger = logging.getLogger(__name__)

# The e-mail body of a user who never chose a language on their profile carries both.
EMAIL_LANGUAGES = ("zh-hans", "en")

# A failed send is tried again after 1 minute, then 2, 4 … at most an hour apart, and given up
# (with an error in the log) after this many attempts: about five hours of a mail server down.
EMAIL_ATTEMPTS = 10
EMAIL_RETRY_FIRST = timedelta(minutes=1)
EMAIL_RETRY_MAX = timedelta(hours=1)
# At most this many e-mails per run of the periodic sender; the next run takes the rest.
EMAIL_BATCH = 500


def notify(
    *, users: Iterable[User], case: Case | None, kind: str, key: str, at: datetime | None = None
) -> list[Notification]:
    """Notify ``users`` of ``kind`` once per (user, ``key``); return the notifications made now.

    Each user's preference for ``kind`` (``queries.preferences.deliveries``) is honoured: off
    makes no row, in the app only a row with no e-mail, a director's daily digest no row but an
    entry for their next digest (``DigestItem``, also once per key). Runs inside the caller's
    transaction: if it rolls back, nobody is notified and no e-mail is queued. Users already
    notified (or collected for a digest) under ``key`` are skipped (``ON CONFLICT DO NOTHING``
    covers a concurrent duplicate as well).
    """
    at = at or timezone.now()
    user_ids = {user.pk for user in users}
    if not user_ids:
        return []
    known = set(
        Notification.objects.filter(key=key, user_id__in=user_ids).values_list("user_id", flat=True)
    )
    known |= set(
        DigestItem.objects.filter(key=key, user_id__in=user_ids).values_list("user_id", flat=True)
    )
    new_ids = sorted(user_ids - known)
    if not new_ids:
        return []
    how = (
        {pk: str(Delivery.EMAIL) for pk in new_ids}
        if kind == NotificationKind.DIGEST
        else deliveries(new_ids, kind)
    )
    digest_ids = [pk for pk in new_ids if how[pk] == Delivery.DIGEST]
    if digest_ids:
        DigestItem.objects.bulk_create(
            [
                DigestItem(user_id=pk, case=case, kind=kind, key=key, created_at=at)
                for pk in digest_ids
            ],
            ignore_conflicts=True,
        )
    told = [pk for pk in new_ids if how[pk] in (Delivery.APP, Delivery.EMAIL)]
    if not told:
        return []
    Notification.objects.bulk_create(
        [
            Notification(
                user_id=user_id,
                case=case,
                kind=kind,
                key=key,
                created_at=at,
                email_due_at=at if how[user_id] == Delivery.EMAIL else None,
            )
            for user_id in told
        ],
        ignore_conflicts=True,
    )
    # ``ignore_conflicts`` leaves primary keys unset: read the rows back.
    made = list(Notification.objects.filter(key=key, user_id__in=told).order_by("pk"))
    ids = [n.pk for n in made if n.email_due_at is not None]
    if ids:
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
    return notify(
        users=liaisons_of(case.entrusting_court),
        case=case,
        kind=NotificationKind.RETURNED_TO_COURT,
        key=f"returned_to_court:{case.pk}",
    )


# --- The kinds of the day's work (issue 20) ------------------------------------------------------
#
# Each is told only to people who may see the case now (``case_relations``), never to the person
# whose action it reports (``actor``), and once per occasion: the key names the case and what
# happened to it (the assignment's case version, the transfer, the session, the note …).


def notify_people(
    *,
    users: Iterable[User],
    case: Case,
    kind: str,
    key: str,
    actor: User | None = None,
    at: datetime | None = None,
) -> list[Notification]:
    """``notify`` those of ``users`` who may see ``case``, leaving out ``actor`` and inactive
    users: nobody hears of their own action, nor of a case outside their scope."""
    actor_id = getattr(actor, "pk", None)
    told = {}
    for user in users:
        if user.pk == actor_id or not user.is_active or user.pk in told:
            continue
        if case_relations(user, case):
            told[user.pk] = user
    return notify(users=told.values(), case=case, kind=kind, key=key, at=at)


def notify_assigned(
    *, case: Case, mediators: Iterable[Mediator], actor: User | None, at: datetime
) -> list[Notification]:
    """Tell ``mediators`` (newly lead or co-mediator of ``case``) that it is theirs. The key is
    the case's version at the assignment: an assignment undone and made again is told again."""
    users = [m.user for m in mediators if m.user_id is not None and m.user is not None]
    return notify_people(
        users=users,
        case=case,
        kind=NotificationKind.ASSIGNED,
        key=f"assigned:{case.pk}:v{case.version}",
        actor=actor,
        at=at,
    )


def notify_transfer_incoming(
    *, case: Case, transfer: Transfer, actor: User | None, at: datetime
) -> list[Notification]:
    """Tell the centre a transfer is going to (its directors, intake, a court's liaisons) that
    the case waits for it to accept or return it."""
    return notify_people(
        users=receivers_of(transfer.to_centre),
        case=case,
        kind=NotificationKind.TRANSFER_INCOMING,
        key=f"transfer_incoming:{transfer.pk}",
        actor=actor,
        at=at,
    )


def notify_awaiting_acceptance(
    *, case: Case, actor: User | None, at: datetime
) -> list[Notification]:
    """Tell those who decide acceptance at the case's centre (its directors, or the nearest
    centre's above it that has any) that a newly registered case waits for their decision."""
    return notify_people(
        users=nearest_directors(case.centre),
        case=case,
        kind=NotificationKind.AWAITING_ACCEPTANCE,
        key=f"awaiting_acceptance:{case.pk}",
        actor=actor,
        at=at,
    )


def notify_session(
    *,
    session: Session,
    case: Case,
    kind: str,
    actor: User | None,
    at: datetime,
    occasion: datetime | None = None,
) -> list[Notification]:
    """Tell the session's mediators that it was booked, moved or cancelled (``kind``).

    ``occasion`` (a move's new start) is part of the key: each move is told, once."""
    mediators = Mediator.objects.filter(sessions=session).select_related("user")
    suffix = f":{occasion.astimezone(UTC).isoformat()}" if occasion is not None else ""
    return notify_people(
        users=[m.user for m in mediators if m.user is not None],
        case=case,
        kind=kind,
        key=f"{kind}:{session.pk}{suffix}",
        actor=actor,
        at=at,
    )


def notify_mentioned(
    *, note: Note, case: Case, users: Iterable[User], actor: User | None, at: datetime
) -> list[Notification]:
    """Tell the users ``@mentioned`` in ``note`` that they were."""
    return notify_people(
        users=users,
        case=case,
        kind=NotificationKind.MENTIONED,
        key=f"mentioned:{note.pk}",
        actor=actor,
        at=at,
    )


def case_people(case: Case) -> list[User]:
    """Who answers for a case's dates: its mediators, and the nearest directors of its centre."""
    return [*mediator_users(case), *nearest_directors(case.centre)]


def _enqueue_emails(ids: list[int]) -> None:
    """Ask a worker to send the e-mails now. Best effort: the work has committed, and what the
    broker does not take (it is down) the periodic sender sends within a minute or so."""
    from ..tasks import send_notification_emails  # the tasks module imports this one

    try:
        send_notification_emails.delay(ids)
    except Exception:
        logger.warning(
            "Notification e-mails %s: could not queue them (broker unreachable?); the periodic "
            "sender will send them.",
            ids,
            exc_info=True,
        )


def mark_read(*, user: User, ids: Sequence[int] | None = None, at: datetime | None = None) -> int:
    """Mark ``user``'s unread notifications read (those in ``ids``, or all); return how many.

    Ids of other users' notifications are ignored.
    """
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=at or timezone.now())


def send_emails(ids: Sequence[int]) -> int:
    """E-mail the notifications ``ids`` that are still to be e-mailed; return how many were sent.

    What the task queued after a commit does; a failed send is left to the periodic sender.
    """
    due = Notification.objects.filter(pk__in=ids, email_due_at__lte=timezone.now())
    return _send(due)


def send_due_emails(*, limit: int = EMAIL_BATCH) -> int:
    """E-mail the notifications whose e-mail is due (never sent, or a retry whose delay is over),
    at most ``limit`` of them; return how many were sent. The periodic sender.

    Safe to run in several processes at once: each row is claimed under a lock that the others
    skip (``SKIP LOCKED``), and is no longer due once sent, so no e-mail is sent twice.
    """
    return _send(Notification.objects.filter(email_due_at__lte=timezone.now()), limit=limit)


def _send(candidates: QuerySet[Notification], *, limit: int | None = None) -> int:
    # A failed send is due again later than the ``now`` of ``candidates``: tried once per run.
    sent = tried = 0
    while limit is None or tried < limit:
        outcome = _send_next(candidates)
        if outcome is None:
            break
        tried += 1
        sent += outcome
    return sent


def _send_next(candidates: QuerySet[Notification]) -> bool | None:
    """Claim the next of ``candidates`` and try its e-mail: ``True`` if sent, ``False`` if not
    (failed, given up, or no address), ``None`` if nothing is left to claim.

    The row stays locked while its e-mail goes out and is updated in the same transaction: a
    concurrent sender skips it, and a process that dies mid-send leaves it due.
    """
    with transaction.atomic():
        notification = (
            candidates.select_for_update(of=("self",), skip_locked=True)
            .select_related("user", "case", "case__centre")
            .order_by("email_due_at", "pk")
            .first()
        )
        if notification is None:
            return None
        now = timezone.now()
        notification.email_due_at = None
        if not notification.user.email:
            notification.save(update_fields=["email_due_at"])  # nowhere to send it
            return False
        subject, body = _email(notification)
        try:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [notification.user.email])
        except Exception:
            _failed(notification, now)
            notification.save(update_fields=["email_due_at", "email_attempts"])
            return False
        notification.emailed_at = now
        notification.save(update_fields=["email_due_at", "emailed_at"])
        return True


def _failed(notification: Notification, now: datetime) -> None:
    notification.email_attempts += 1
    attempts = notification.email_attempts
    if attempts >= EMAIL_ATTEMPTS:
        logger.error(
            "Notification %s: e-mail to user %s gave up after %s failed attempts.",
            notification.pk,
            notification.user_id,
            attempts,
            exc_info=True,
        )
        return
    delay = min(EMAIL_RETRY_FIRST * 2 ** (attempts - 1), EMAIL_RETRY_MAX)
    notification.email_due_at = now + delay
    logger.warning(
        "Notification %s: e-mail failed (attempt %s of %s); next attempt in %s.",
        notification.pk,
        attempts,
        EMAIL_ATTEMPTS,
        delay,
        exc_info=True,
    )


def _email(notification: Notification) -> tuple[str, str]:
    """The subject and text of a notification's e-mail: in the language its recipient chose on
    their profile, whoever's action it reports; in both languages (the site's first) for a
    recipient who never chose one."""
    chosen = chosen_language(notification.user)
    languages = (chosen,) if chosen else EMAIL_LANGUAGES
    prefetch_digests([notification], notification.user)
    with translation.override(chosen or settings.LANGUAGE_CODE):
        subject = str(notification.get_kind_display())
    paragraphs = []
    for language in languages:
        with translation.override(language):
            lines = [str(notification.get_kind_display())]
            if notification.case is not None:
                lines.append(notification.case_line())
            lines += [f"- {line}" for line in notification.digest_lines()]
            lines.append(gettext("Open the case tracker to see it."))
            paragraphs.append("\n".join(lines))
    return subject, "\n\n".join(paragraphs) + "\n"
