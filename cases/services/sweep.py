"""The hourly deadline sweep (DESIGN §4): warn before a deadline, warn after it, and raise an overdue
high-risk case to the parent centre.

Run by Celery beat every hour (``cases.tasks.sweep_deadlines``); safe to run at any time and any
number of times. Each notification's key names the case and the deadline it is about
(``overdue:<case>:<deadline>``), so a second run tells nobody anything twice, and a deadline moved
by an extension or a resumption is warned about afresh. Each case is handled in a transaction of its
own: one that fails is retried by the next run and does not undo the others.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext

from .. import deadlines, workflow
from ..models import Case, NotificationKind, RiskLevel, Status
from ..queries.notifications import nearest_directors
from .notifications import notify


@dataclass
class SweepResult:
    due_soon: int = 0  # cases whose people were told a deadline is near
    overdue: int = 0  # cases whose people were told a deadline has passed
    escalated: list[str] = field(default_factory=list)  # numbers of the cases raised


def _running(now: datetime) -> Q:
    """Open cases whose running deadline falls before ``now`` plus the due-soon window."""
    soon = now + timedelta(days=deadlines.DUE_SOON_DAYS)
    return Q(status=Status.REGISTERED, acceptance_due_at__lte=soon) | Q(
        status__in=deadlines.MEDIATION_CLOCK_STATUSES, due_at__lte=soon
    )


def sweep(now: datetime | None = None) -> SweepResult:
    """Warn about every deadline due within ``DUE_SOON_DAYS`` or past, and escalate overdue
    high-risk cases. Returns what it did this time (nothing, for a second run)."""
    now = now or timezone.now()
    result = SweepResult()
    ids = list(Case.objects.filter(_running(now)).order_by("pk").values_list("pk", flat=True))
    for pk in ids:
        with transaction.atomic():
            case = (
                Case.objects.select_for_update(of=("self",))
                .select_related("centre", "centre__parent", "lead_mediator")
                .filter(pk=pk)
                .first()
            )
            if case is None:
                continue
            _sweep_case(case, now, result)
    return result


def _sweep_case(case: Case, now: datetime, result: SweepResult) -> None:
    deadline = case.running_deadline
    if deadline is None or deadline > now + timedelta(days=deadlines.DUE_SOON_DAYS):
        return  # changed since the list was read
    overdue = deadline < now
    if overdue and _escalates(case):
        _escalate(case, now)
        result.escalated.append(case.number)
        return
    kind = NotificationKind.OVERDUE if overdue else NotificationKind.DUE_SOON
    users = list(nearest_directors(case.centre))
    mediator = case.lead_mediator
    # No query when the mediator has no user (the id is checked first).
    if mediator is not None and mediator.user is not None:
        users.append(mediator.user)
    made = notify(
        users=users,
        case=case,
        kind=kind,
        key=f"{kind}:{case.pk}:{deadline.isoformat()}",
        at=now,
    )
    if made:
        if overdue:
            result.overdue += 1
        else:
            result.due_soon += 1


def _escalates(case: Case) -> bool:
    """An overdue high-risk case goes up, if there is an active centre above to take it."""
    parent = case.centre.parent
    return (
        case.risk_level == RiskLevel.HIGH
        and workflow.TRANSITIONS["transfer"].possible_on(case)
        and parent is not None
        and parent.active
    )


def _escalate(case: Case, now: datetime) -> None:
    """Transfer the case to the parent centre and accept it there, as the system: it lands at the
    parent (its directors are told, its clock starts) and leaves the child's mediators' hands."""
    parent = case.centre.parent
    assert parent is not None
    with translation.override(settings.LANGUAGE_CODE):
        reason = gettext(
            "Automatic escalation: a high-risk case past its deadline is raised to the centre "
            "above."
        )
    workflow.transition(
        case=case.pk,
        name="transfer",
        actor=None,
        data={"target_centre": parent.pk, "reason": reason},
        at=now,
        system=True,
    )
    escalated = workflow.transition(
        case=case.pk, name="accept_transfer", actor=None, at=now, system=True
    )
    transfer = escalated.transfers.order_by("-pk").first()
    notify(
        users=nearest_directors(parent),
        case=escalated,
        kind=NotificationKind.ESCALATED,
        key=f"escalated:{escalated.pk}:{transfer.pk if transfer else now.isoformat()}",
        at=now,
    )
