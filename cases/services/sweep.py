"""The hourly deadline sweep (DESIGN §4): warn before a deadline, warn after it, and raise an overdue
high-risk case to the parent centre.

Run by Celery beat every hour (``cases.tasks.sweep_deadlines``); safe to run at any time and any
number of times. Each notification's key names the case and the deadline it is about
(``overdue:<case>:<deadline>``), so a second run tells nobody anything twice, and a deadline moved
by an extension or a resumption is warned about afresh. Each case is handled in a transaction of its
own: one that fails is retried by the next run and does not undo the others.

The same run tells of the dates of concluded cases (issue 20): a follow-up visit due today, an
agreement's performance deadline just passed, a judicial confirmation window closing within
``DUE_SOON_DAYS``; each once, keyed by the record and its date. ``remind_sessions`` (at 18:00
by beat) reminds the mediators of each session the next day, once per session and start, and
texts the parties who agreed to SMS reminders (``services.sms``); a moved session is a new start.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext

from .. import deadlines, workflow
from ..models import (
    Agreement,
    Case,
    FollowUp,
    Fulfilment,
    NotificationKind,
    RiskLevel,
    Session,
    SessionStatus,
    Status,
)
from ..queries.notifications import nearest_directors
from .notifications import case_people, notify, notify_people
from .sms import remind_parties

# A date the sweep tells of (a follow-up due, a performance deadline passed) is still told this
# many days late if no sweep ran meanwhile; older ones are not (a new deployment does not flood
# the bell with the dates of years past).
CATCH_UP_DAYS = 3


@dataclass
class SweepResult:
    due_soon: int = 0  # cases whose people were told a deadline is near
    overdue: int = 0  # cases whose people were told a deadline has passed
    escalated: list[str] = field(default_factory=list)  # numbers of the cases raised
    follow_ups: int = 0  # follow-up visits due today, told
    performance: int = 0  # agreements whose performance deadline passed, told
    confirmation: int = 0  # agreements whose judicial confirmation window closes soon, told


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
    _sweep_dates(now, result)
    return result


def _utc_days(now: datetime, back: int, ahead: int = 0) -> tuple[date, date]:
    """A range of dates wide enough to hold, in every centre's zone, today - ``back`` to today +
    ``ahead`` (a day on each side for the zones); each row is then checked at its own centre."""
    today = now.date()
    return today - timedelta(days=back + 1), today + timedelta(days=ahead + 1)


def _sweep_dates(now: datetime, result: SweepResult) -> None:
    """Tell of follow-ups due, performance deadlines passed and confirmation windows closing."""
    first, last = _utc_days(now, CATCH_UP_DAYS)
    follow_ups = FollowUp.objects.filter(
        done_at__isnull=True, due_on__range=(first, last)
    ).select_related("case__centre", "case__transfer_target")
    for follow_up in follow_ups.order_by("pk"):
        case = follow_up.case
        today = deadlines.local_today(case.centre, now)
        if not today - timedelta(days=CATCH_UP_DAYS) <= follow_up.due_on <= today:
            continue
        with transaction.atomic():
            made = notify_people(
                users=case_people(case),
                case=case,
                kind=NotificationKind.FOLLOW_UP_DUE,
                key=f"follow_up_due:{follow_up.pk}:{follow_up.due_on.isoformat()}",
                at=now,
            )
        result.follow_ups += bool(made)

    agreements = (
        Agreement.objects.filter(performance_deadline__range=(first, last))
        .exclude(fulfilment=Fulfilment.FULFILLED)
        .select_related("case__centre", "case__transfer_target")
    )
    for agreement in agreements.order_by("pk"):
        case, deadline = agreement.case, agreement.performance_deadline
        assert deadline is not None
        today = deadlines.local_today(case.centre, now)
        if not today - timedelta(days=CATCH_UP_DAYS) <= deadline < today:
            continue
        with transaction.atomic():
            made = notify_people(
                users=case_people(case),
                case=case,
                kind=NotificationKind.PERFORMANCE_OVERDUE,
                key=f"performance_overdue:{agreement.pk}:{deadline.isoformat()}",
                at=now,
            )
        result.performance += bool(made)

    soon = now.date() + timedelta(days=deadlines.DUE_SOON_DAYS + 1)
    closing = (
        Agreement.objects.filter(
            deadlines.confirmation_window_open_q(now.date() - timedelta(days=1))
        )
        .filter(deadlines.confirmation_window_closes_by_q(soon))
        .select_related("case__centre", "case__transfer_target")
    )
    for agreement in closing.order_by("pk"):
        case = agreement.case
        today = deadlines.local_today(case.centre, now)
        days_left = deadlines.confirmation_days_left(agreement, today=today)
        if not 0 <= days_left <= deadlines.DUE_SOON_DAYS:
            continue
        closes = deadlines.confirmation_deadline(agreement)
        with transaction.atomic():
            made = notify_people(
                users=case_people(case),
                case=case,
                kind=NotificationKind.CONFIRMATION_CLOSING,
                key=f"confirmation_closing:{agreement.pk}:{closes.isoformat()}",
                at=now,
            )
        result.confirmation += bool(made)


def remind_sessions(now: datetime | None = None) -> int:
    """Remind the mediators of every session booked for tomorrow (at its centre) that it is;
    return how many sessions were reminded of this time. Run in the evening (18:00, beat).

    Safe to run any number of times: the key names the session and its start, so each mediator
    is reminded once of each session.
    """
    now = now or timezone.now()
    candidates = (
        Session.objects.filter(
            status=SessionStatus.SCHEDULED,
            starts_at__gt=now,
            starts_at__lt=now + timedelta(days=3),
        )
        .select_related("case__centre", "case__transfer_target", "room")
        .order_by("starts_at", "pk")
    )
    reminded = 0
    for session in candidates:
        case = session.case
        zone = deadlines.centre_zone(case.centre)
        tomorrow = deadlines.local_today(case.centre, now) + timedelta(days=1)
        if session.starts_at.astimezone(zone).date() != tomorrow:
            continue
        mediators = session.mediators.select_related("user")
        with transaction.atomic():
            made = notify_people(
                users=[m.user for m in mediators if m.user is not None],
                case=case,
                kind=NotificationKind.SESSION_REMINDER,
                key=f"session_reminder:{session.pk}:{session.starts_at.astimezone(UTC).isoformat()}",
                at=now,
            )
        # The parties who agreed to it are texted (services.sms), once per session and start.
        texted = remind_parties(session, now=now)
        reminded += bool(made) or bool(texted)
    return reminded


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
