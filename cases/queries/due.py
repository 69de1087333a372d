"""Reads of the due lists: agreements to supervise, judicial confirmation windows closing and
follow-up visits to make."""

from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Prefetch, QuerySet

from .. import access, deadlines
from ..models import Agreement, FollowUp, Fulfilment, Party
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
