"""Early warnings, written: the daily run that raises them, and what a director does with one
(acknowledge, assign, dismiss with a reason), each act an audit record (docs/reports.md,
"Early warnings")."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..access import directs_all
from ..errors import InvalidInput, NotPermitted
from ..models import AuditAction, EarlyWarning, NotificationKind, WarningStatus
from ..queries.notifications import directors_of_centre
from ..queries.warnings import Candidate, assignable_users, find_candidates
from . import audit, notifications

REASON_MAX = 2000


@dataclass(frozen=True)
class RunResult:
    raised: list[EarlyWarning]
    joined: int  # warnings of an earlier run that new cases joined


def raise_warnings(*, now: datetime | None = None) -> RunResult:
    """The daily run: every rule over recent cases (``queries.warnings.find_candidates``); one
    warning per occasion, its directors (of its centre and every centre above) notified. A rule
    firing again on a subject warned about within its window is the same occasion: the new cases
    join that warning and nobody is told twice. Run again, it raises nothing new."""
    now = now or timezone.now()
    raised: list[EarlyWarning] = []
    joined = 0
    for candidate in find_candidates(now):
        with transaction.atomic():
            warning, made = _raise(candidate, now)
        if made and warning is not None:
            raised.append(warning)
        elif warning is not None:
            joined += 1
    return RunResult(raised=raised, joined=joined)


def _raise(candidate: Candidate, now: datetime) -> tuple[EarlyWarning | None, bool]:
    earlier = EarlyWarning.objects.filter(key=candidate.key).first()
    if earlier is None and candidate.repeat_days:
        earlier = (
            EarlyWarning.objects.filter(
                subject=candidate.subject,
                raised_at__gt=now - timedelta(days=candidate.repeat_days),
            )
            .order_by("-raised_at")
            .first()
        )
    if earlier is not None:
        known = set(earlier.cases.values_list("pk", flat=True))
        new = [pk for pk in candidate.case_ids if pk not in known]
        if not new:
            return None, False
        earlier.cases.add(*new)
        earlier.data = {
            **candidate.data,
            "count": max(candidate.data["count"], len(known) + len(new)),
        }
        earlier.updated_at = now
        earlier.save(update_fields=["data", "updated_at"])
        return earlier, False
    try:
        with transaction.atomic():
            warning = EarlyWarning.objects.create(
                centre=candidate.centre,
                rule=candidate.rule,
                key=candidate.key,
                subject=candidate.subject,
                data=candidate.data,
                raised_at=now,
                updated_at=now,
            )
    except IntegrityError:  # a concurrent run raised it first
        return None, False
    warning.cases.add(*candidate.case_ids)
    notifications.notify(
        users=directors_of_centre(warning.centre),
        case=None,
        kind=NotificationKind.WARNING,
        key=f"warning:{warning.pk}",
        at=now,
    )
    return warning, True


# --- What directors do with a warning --------------------------------------------------------


def _locked(warning: EarlyWarning, actor: User) -> EarlyWarning:
    locked = (
        EarlyWarning.objects.select_for_update(of=("self",))
        .select_related("centre")
        .get(pk=warning.pk)
    )
    if not directs_all(actor, [locked.centre]):
        raise NotPermitted(
            _("A director over the warning's centre, or an administrator, does this.")
        )
    if locked.status == WarningStatus.DISMISSED:
        raise InvalidInput(fields={"status": [_("This warning has been dismissed.")]})
    return locked


def _act(
    locked: EarlyWarning, *, actor: User, action: str, at: datetime, details: dict[str, Any]
) -> None:
    locked.acted_by = actor
    locked.acted_at = at
    locked.updated_at = at
    locked.save(
        update_fields=[
            "status", "acted_by", "acted_at", "updated_at", "assigned_to", "dismissal_reason",
        ]
    )  # fmt: skip
    audit.record(
        actor=actor,
        action=action,
        details={"warning": locked.pk, "rule": locked.rule, "subject": locked.subject, **details},
        centre=locked.centre,
        target=locked,
    )


@transaction.atomic
def acknowledge(*, actor: User, warning: EarlyWarning, at: datetime | None = None) -> EarlyWarning:
    """Note that the warning has been seen (an assigned one stays assigned)."""
    at = at or timezone.now()
    locked = _locked(warning, actor)
    if locked.status == WarningStatus.OPEN:
        locked.status = WarningStatus.ACKNOWLEDGED
    _act(locked, actor=actor, action=AuditAction.WARNING_ACKNOWLEDGED, at=at, details={})
    return locked


@transaction.atomic
def assign(
    *, actor: User, warning: EarlyWarning, user: User, at: datetime | None = None
) -> EarlyWarning:
    """Give the warning to ``user`` (an active user of the warning's subtree) to look into; they
    are notified."""
    at = at or timezone.now()
    locked = _locked(warning, actor)
    if not assignable_users(locked).filter(pk=user.pk).exists():
        raise InvalidInput(
            fields={
                "user": [
                    _(
                        "Choose an active user who works at the warning's centre, below it or above it."
                    )
                ]
            }
        )
    locked.status = WarningStatus.ASSIGNED
    locked.assigned_to = user
    _act(
        locked,
        actor=actor,
        action=AuditAction.WARNING_ASSIGNED,
        at=at,
        details={"assigned_to": user.username},
    )
    if user.pk != actor.pk:
        notifications.notify(
            users=[user],
            case=None,
            kind=NotificationKind.WARNING,
            key=f"warning:{locked.pk}:assigned:{user.pk}:{at:%Y%m%d%H%M%S}",
            at=at,
        )
    return locked


@transaction.atomic
def dismiss(
    *, actor: User, warning: EarlyWarning, reason: str, at: datetime | None = None
) -> EarlyWarning:
    """Close the warning as needing nothing more, with the reason (required)."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(fields={"reason": [_("Say why the warning is dismissed.")]})
    if len(reason) > REASON_MAX:
        raise InvalidInput(
            fields={"reason": [_("At most %(max)d characters.") % {"max": REASON_MAX}]}
        )
    at = at or timezone.now()
    locked = _locked(warning, actor)
    locked.status = WarningStatus.DISMISSED
    locked.dismissal_reason = reason
    _act(
        locked, actor=actor, action=AuditAction.WARNING_DISMISSED, at=at, details={"reason": reason}
    )
    return locked
