"""The clocks of a case (DESIGN §4). Defaults and their sources are listed in docs/deadlines.md."""

from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import working_days
from .models import Agreement, Centre, DeadlinePolicy, JudicialConfirmation, Status

# Acceptance decision within 3 *working* days of registration ("三个工作日内决定是否受理"); the other
# clocks count calendar days (docs/deadlines.md says which, and why).
ACCEPTANCE_DAYS = 3
HIGH_RISK_ACCEPTANCE_DAYS = 1  # a high-risk case must be accepted within one day
MEDIATION_DAYS = 30  # "一般在一个月内调结": concluded within 30 days of acceptance
COURT_ENTRUSTED_DAYS = 30  # court-entrusted: 30 days from entrustment
FOLLOW_UP_DAYS = 30  # follow-up visit after a resolved case is closed
DUE_SOON_DAYS = 3  # "due soon": shown in amber, and notified (docs/deadlines.md)
# A director's one extension of the running deadline (DESIGN §4): at most this many days. A policy
# default of ours, not a legal limit: the law and the guidance set none (docs/deadlines.md).
MAX_EXTENSION_DAYS = 30
# Parties may jointly apply to the court for judicial confirmation within 30 days of the agreement
# taking effect (People's Mediation Law art. 33). A later application is the court's to judge, so
# it is recorded (and marked late), not refused.
JUDICIAL_CONFIRMATION_DAYS = 30


@dataclass(frozen=True)
class Clocks:
    """The days each clock runs for at one centre and channel (``clocks_for``)."""

    acceptance_days: int = ACCEPTANCE_DAYS
    high_risk_acceptance_days: int = HIGH_RISK_ACCEPTANCE_DAYS
    mediation_days: int = MEDIATION_DAYS
    court_entrusted_days: int = COURT_ENTRUSTED_DAYS
    follow_up_days: int = FOLLOW_UP_DAYS


DEFAULT_CLOCKS = Clocks()
CLOCK_FIELDS = tuple(f.name for f in fields(Clocks))


def clocks_for(centre: Centre, channel: str) -> Clocks:
    """The clocks for a case of ``channel`` at ``centre``: for each, the first value configured
    walking up the tree from ``centre`` (at each centre, the policy for ``channel`` before the one
    for every channel), else the default. One query."""
    codes = centre.ancestor_codes()
    policies = sorted(
        DeadlinePolicy.objects.filter(centre__code__in=codes, channel__in=[channel, ""])
        .select_related("centre")
        .only("centre__code", "channel", *CLOCK_FIELDS),
        # Nearest centre first; at one centre, the channel's own policy before the general one.
        key=lambda p: (-codes.index(p.centre.code), p.channel == ""),
    )
    values = {}
    for name in CLOCK_FIELDS:
        found = next((getattr(p, name) for p in policies if getattr(p, name) is not None), None)
        if found is not None:
            values[name] = found
    return Clocks(**values) if values else DEFAULT_CLOCKS


class Urgency(StrEnum):
    """How close a deadline is, for colouring lists: the same three bands everywhere."""

    NONE = "none"  # no running clock (concluded, declined, suspended)
    OK = "ok"
    SOON = "soon"  # due within DUE_SOON_DAYS
    OVERDUE = "overdue"


def urgency(due: datetime | None, now: datetime | None = None) -> Urgency:
    if due is None:
        return Urgency.NONE
    now = now or timezone.now()
    if due < now:
        return Urgency.OVERDUE
    if due - now <= timedelta(days=DUE_SOON_DAYS):
        return Urgency.SOON
    return Urgency.OK


def acceptance_due(
    registered_at: datetime,
    *,
    high_risk: bool,
    clocks: Clocks = DEFAULT_CLOCKS,
    zone: ZoneInfo | None = None,
    calendar: working_days.WorkingCalendar | None = None,
) -> datetime:
    """The decision to accept is due by the end (in ``zone``, the centre's; default Asia/Shanghai)
    of the ``acceptance_days``-th working day after the day of registration; a high-risk case's
    within ``high_risk_acceptance_days`` 24-hour periods of ``registered_at``, weekends or not.
    ``calendar``: working days already read (a bulk load), else one query."""
    if high_risk:
        return registered_at + timedelta(days=clocks.high_risk_acceptance_days)
    return working_days.working_days_after(
        registered_at, clocks.acceptance_days, zone or centre_zone(None), calendar=calendar
    )


def mediation_due(
    started_at: datetime, *, entrusted_on: date | None = None, clocks: Clocks = DEFAULT_CLOCKS
) -> datetime:
    """Due 30 days after acceptance, or for a court-entrusted case 30 days after entrustment."""
    if entrusted_on is not None:
        start = timezone.make_aware(datetime.combine(entrusted_on, time.min))
        return start + timedelta(days=clocks.court_entrusted_days)
    return started_at + timedelta(days=clocks.mediation_days)


def resumed_due(
    due_at: datetime | None, suspended_at: datetime, resumed_at: datetime
) -> datetime | None:
    """Suspension pauses the clock: resuming moves the deadline by the time paused."""
    if due_at is None:
        return None
    return due_at + (resumed_at - suspended_at)


def extended_due(due: datetime, days: int) -> datetime:
    """The running deadline moved by an extension of ``days`` 24-hour periods."""
    return due + timedelta(days=days)


def follow_up_due(closed_at: datetime, *, clocks: Clocks = DEFAULT_CLOCKS) -> date:
    return timezone.localdate(closed_at) + timedelta(days=clocks.follow_up_days)


# The statuses whose clock is ``Case.due_at``; while registered the clock is ``acceptance_due_at``
# (``Case.running_deadline`` is the same rule for one loaded case).
MEDIATION_CLOCK_STATUSES = (Status.ACCEPTED, Status.IN_MEDIATION, Status.PENDING_TRANSFER)


def overdue_q(now: datetime | None = None) -> Q:
    """Open cases past their running deadline, as a filter on ``Case``."""
    now = now or timezone.now()
    return Q(status=Status.REGISTERED, acceptance_due_at__lt=now) | Q(
        status__in=MEDIATION_CLOCK_STATUSES, due_at__lt=now
    )


# --- The centre's today -------------------------------------------------------------------------

DEFAULT_TIME_ZONE = "Asia/Shanghai"


def centre_zone(centre: Centre | None) -> ZoneInfo:
    """The time zone dates are counted in at ``centre`` (DESIGN §6; default Asia/Shanghai)."""
    try:
        return ZoneInfo(centre.timezone if centre is not None else DEFAULT_TIME_ZONE)
    except (ValueError, KeyError):
        return ZoneInfo(DEFAULT_TIME_ZONE)


def local_today(centre: Centre | None, at: datetime | None = None) -> date:
    """The day ``at`` (default: now) falls on at ``centre``: 00:30 in Wuhan is already that day,
    although it is still the day before in UTC."""
    return timezone.localdate(at or timezone.now(), timezone=centre_zone(centre))


def future_dates(
    centre: Centre | None, *, at: datetime | None = None, prefix: str = "", **days: date | None
) -> dict[str, list[Any]]:
    """The errors, by field (``prefix`` + name), of ``days`` that lie after today at ``centre``.

    For the dates of what has already happened (entrusted, signed, took effect, ruled): one rule
    for every write that takes such a date, so the API and the web pages say the same thing.
    """
    today = local_today(centre, at)
    return {
        f"{prefix}{name}": [_("This date is in the future.")]
        for name, day in days.items()
        if day is not None and day > today
    }


# --- The judicial confirmation window (司法确认, People's Mediation Law art. 33) ---------------------


def confirmation_window_closes(effective_on: date) -> date:
    """The last day on which the parties may apply for judicial confirmation of an agreement that
    took effect on ``effective_on``: "within 30 days of the day it takes effect", the day it takes
    effect not counted (Civil Code art. 201), so day 30 is ``effective_on`` + 30 and is included.
    Calendar days: a last day on a holiday is not moved (the court judges a late application)."""
    return effective_on + timedelta(days=JUDICIAL_CONFIRMATION_DAYS)


def confirmation_deadline(agreement: Agreement) -> date:
    """The last day of the 30-day period for applying for judicial confirmation (art. 33)."""
    return confirmation_window_closes(agreement.effective_on)


class ConfirmationWindow(StrEnum):
    """Where an agreement stands in its judicial confirmation window, for the agreement page."""

    NONE = "none"  # the case is not resolved or closed: nothing to apply for
    OPEN = "open"  # not applied for, today on or before the last day
    CLOSED = "closed"  # not applied for, the last day has passed
    APPLIED = "applied"  # applied for (or ruled on): the window no longer matters


# The case statuses whose agreement may be sent for judicial confirmation (as the service requires).
CONFIRMABLE_STATUSES = (Status.RESOLVED, Status.CLOSED)


def confirmation_window(agreement: Agreement, *, status: str, today: date) -> ConfirmationWindow:
    """The window of ``agreement`` (its case in ``status``) on ``today``, a local date."""
    if agreement.judicial_confirmation != JudicialConfirmation.NOT_APPLIED:
        return ConfirmationWindow.APPLIED
    if status not in CONFIRMABLE_STATUSES:
        return ConfirmationWindow.NONE
    if today > confirmation_deadline(agreement):
        return ConfirmationWindow.CLOSED
    return ConfirmationWindow.OPEN


def confirmation_days_left(agreement: Agreement, *, today: date) -> int:
    """Whole days after ``today`` still open for applying: 0 on the last day, negative after it."""
    return (confirmation_deadline(agreement) - today).days


def confirmation_window_open_q(today: date) -> Q:
    """Agreements whose parties may still apply on ``today``, as a filter on ``Agreement``: not
    applied for, the case resolved or closed, the last day today or later."""
    return Q(
        judicial_confirmation=JudicialConfirmation.NOT_APPLIED,
        case__status__in=CONFIRMABLE_STATUSES,
        effective_on__gte=today - timedelta(days=JUDICIAL_CONFIRMATION_DAYS),
    )


def confirmation_window_closes_by_q(until: date) -> Q:
    """Agreements whose window closes on or before ``until``, as a filter on ``Agreement``."""
    return Q(effective_on__lte=until - timedelta(days=JUDICIAL_CONFIRMATION_DAYS))
