"""Assigning mediators to a case (the ``assign`` transition) and finding who could take it."""

from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Q, QuerySet

from .. import workflow
from ..models import OPEN_STATUSES, Case, Mediator


def assign_mediators(
    *,
    case: Case,
    actor: Any,
    lead_mediator: Mediator,
    co_mediators: Iterable[Mediator] = (),
    expected_version: int | None = None,
) -> Case:
    """Make ``lead_mediator`` lead the case, with ``co_mediators``; the case goes into mediation."""
    return workflow.transition(
        case=case,
        name="assign",
        actor=actor,
        data={"lead_mediator": lead_mediator.pk, "co_mediators": [m.pk for m in co_mediators]},
        expected_version=expected_version,
    )


def candidates_for(case: Case) -> QuerySet[Mediator]:
    """Active mediators serving at the case's centre or above it, least loaded first."""
    ancestors = case.centre.ancestor_codes()
    # Seats through a subquery, not a join: a join would count each led case once per seat.
    seated = Mediator.seats.through.objects.filter(centre__code__in=ancestors).values("mediator_id")
    return (
        Mediator.objects.filter(active=True)
        .filter(Q(home_centre__code__in=ancestors) | Q(pk__in=seated))
        .annotate(load=Count("led_cases", filter=Q(led_cases__status__in=OPEN_STATUSES)))
        .order_by("load", "name")
    )
