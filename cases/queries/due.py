"""Reads of the due lists: agreements to supervise, judicial confirmation windows closing,
follow-up visits to make and overdue cases; their filters (centre, mediator, overdue), sort orders
and counts."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Case as SqlCase
from django.db.models import Count, DateTimeField, F, Prefetch, Q, QuerySet, When

from .. import access, deadlines
from ..models import Agreement, Case, Centre, FollowUp, Fulfilment, Mediator, Party, Status
from .cases import agreements_for, follow_ups_for


def _handled(user: User) -> Any:
    """The due lists are work to do: not the cases seen by registration alone (read-only)."""
    return access.handled_cases(user).values("pk")


# What a due-list row shows and decides from: the case's centres (who supervises it), its parties
# and its co-mediators (who mediates it), loaded once for the whole list.
_DUE_RELATED = ("case__centre", "case__transfer_target")


def _due_prefetches() -> list[Any]:
    return [
        Prefetch("case__parties", queryset=Party.objects.order_by("position", "id")),
        "case__co_mediators",
    ]


def agreements_due(user: User, *, until: date) -> QuerySet[Agreement]:
    """Agreements to supervise (People's Mediation Law art. 31): a performance deadline on or
    before ``until`` and not yet fulfilled (pending, partly or not fulfilled: those past their
    deadline stay on the list, flagged), earliest deadline first."""
    return (
        agreements_for(user)
        .filter(case__in=_handled(user), performance_deadline__lte=until)
        .exclude(fulfilment=Fulfilment.FULFILLED)
        .select_related(*_DUE_RELATED)
        .prefetch_related(*_due_prefetches())
        .order_by("performance_deadline", "id")
    )


def follow_ups_due(user: User, *, until: date) -> QuerySet[FollowUp]:
    """Follow-up visits not yet recorded and due on or before ``until``, earliest first."""
    return (
        follow_ups_for(user)
        .filter(case__in=_handled(user), done_at__isnull=True, due_on__lte=until)
        .select_related(*_DUE_RELATED)
        .prefetch_related(*_due_prefetches())
        .order_by("due_on", "id")
    )


def confirmations_due(user: User, *, today: date, until: date) -> QuerySet[Agreement]:
    """Agreements whose parties may still apply for judicial confirmation (People's Mediation Law
    art. 33) and whose window closes on or before ``until``: not applied for, the case resolved
    or closed, the last day ``today`` or later (a closed window is not listed). Soonest first."""
    return (
        agreements_for(user)
        .filter(case__in=_handled(user))
        .filter(deadlines.confirmation_window_open_q(today))
        .filter(deadlines.confirmation_window_closes_by_q(until))
        .select_related(*_DUE_RELATED)
        .prefetch_related(*_due_prefetches())
        .order_by("effective_on", "id")
    )


# --- Narrowing, sorting and counting (the due lists' filters) -------------------------------------

# The sort keys of the due lists: the due date, the case number, the handling centre (in tree order,
# so a subtree's centres come together); "-key" sorts descending. The id breaks ties.
DUE_SORT_KEYS = ("due", "number", "centre")


@dataclass(frozen=True)
class DueFilter:
    """What narrows every due list: the handling centre (and those below it), the mediator (lead or
    co-mediator), only what is past due; and the order the rows come in."""

    centre: Centre | None = None
    mediator: Mediator | None = None
    overdue: bool = False
    ordering: str = "due"


def _narrowed(rows: QuerySet[Any], wanted: DueFilter, *, prefix: str = "case__") -> QuerySet[Any]:
    if wanted.centre is not None:
        rows = rows.filter(**{f"{prefix}centre__path__startswith": wanted.centre.path})
    if wanted.mediator is not None:
        co = Case.co_mediators.through.objects.filter(mediator=wanted.mediator).values("case_id")
        rows = rows.filter(
            Q(**{f"{prefix}lead_mediator": wanted.mediator}) | Q(**{f"{prefix}pk__in": co})
        )
    return rows


def _sorted(rows: QuerySet[Any], ordering: str, due: Any, *, prefix: str = "case__") -> Any:
    descending = ordering.startswith("-")
    key = ordering.removeprefix("-")
    if key not in DUE_SORT_KEYS:
        raise ValueError(f"unknown due list ordering {ordering!r}")
    columns = {"due": due, "number": F(f"{prefix}number"), "centre": F(f"{prefix}centre__path")}
    first = columns[key]
    # Rows of one centre come by due date; the id last, so that pages never overlap.
    then = [due] if key == "centre" else []
    if descending:
        order = [first.desc(nulls_last=True), *(c.desc(nulls_last=True) for c in then), "-id"]
    else:
        order = [first.asc(nulls_last=True), *(c.asc(nulls_last=True) for c in then), "id"]
    return rows.order_by(*order)


def overdue_cases(user: User, *, now: datetime | None = None) -> QuerySet[Case]:
    """Open cases the user handles whose running clock (acceptance decision, mediation deadline)
    has passed (``deadlines.overdue_q``), longest overdue first."""
    return (
        access.handled_cases(user)
        .filter(deadlines.overdue_q(now))
        .select_related("centre", "transfer_target", "lead_mediator")
        .prefetch_related("co_mediators")
    )


def _running_deadline() -> Any:
    return SqlCase(
        When(status=Status.REGISTERED, then=F("acceptance_due_at")),
        When(status__in=deadlines.MEDIATION_CLOCK_STATUSES, then=F("due_at")),
        default=None,
        output_field=DateTimeField(),
    )


@dataclass(frozen=True)
class DueLists:
    """The four due lists, narrowed and sorted, not yet read: ``(rows, overdue)`` each, where
    ``overdue`` is the filter (on the rows) of those past due."""

    agreements: tuple[QuerySet[Agreement], Q]
    confirmations: tuple[QuerySet[Agreement], Q]
    follow_ups: tuple[QuerySet[FollowUp], Q]
    overdue_cases: tuple[QuerySet[Case], Q]


def due_lists(user: User, wanted: DueFilter, *, today: date, until: date) -> DueLists:
    """The due lists of ``user`` due by ``until``, narrowed by ``wanted`` (overdue only: the past
    due rows alone; a confirmation window is never past due, a closed one is not listed)."""
    agreements = _narrowed(agreements_due(user, until=until), wanted)
    agreements_late = Q(performance_deadline__lt=today)
    confirmations = _narrowed(confirmations_due(user, today=today, until=until), wanted)
    # An open window closes today or later: none is past due.
    confirmations_late = Q(pk__in=[])
    follow_ups = _narrowed(follow_ups_due(user, until=until), wanted)
    follow_ups_late = Q(due_on__lt=today)
    cases = _narrowed(overdue_cases(user), wanted, prefix="")
    cases_late = Q(pk__isnull=False)  # all of them
    if wanted.overdue:
        agreements = agreements.filter(agreements_late)
        confirmations = confirmations.filter(confirmations_late)
        follow_ups = follow_ups.filter(follow_ups_late)
    return DueLists(
        agreements=(
            _sorted(agreements, wanted.ordering, F("performance_deadline")),
            agreements_late,
        ),
        confirmations=(
            _sorted(confirmations, wanted.ordering, F("effective_on")),
            confirmations_late,
        ),
        follow_ups=(_sorted(follow_ups, wanted.ordering, F("due_on")), follow_ups_late),
        overdue_cases=(
            _sorted(
                cases.alias(running=_running_deadline()), wanted.ordering, F("running"), prefix=""
            ),
            cases_late,
        ),
    )


def counts(rows: QuerySet[Any], overdue: Q) -> dict[str, int]:
    """How many rows a list has in all, and how many of them are past due: one query."""
    return rows.order_by().aggregate(total=Count("pk"), overdue=Count("pk", filter=overdue))
