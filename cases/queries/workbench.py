"""Reads of the workbench (home page): the queue waiting for a decision or a mediator, and the work
in hand of a subtree."""

from typing import Any

from django.contrib.auth.models import User
from django.db.models import Count, Q, QuerySet

from .. import access, deadlines
from ..models import CONCLUDED_STATUSES, OPEN_STATUSES, Case, Centre, RiskLevel, Role, Status
from .cases import cases_for
from .centres import own_centres


def unassigned_queue(user: User) -> QuerySet[Case]:
    """Cases waiting for a decision or a mediator, oldest first: at the user's own centres, and
    for a director anywhere in the subtree (the director accepts and assigns there)."""
    where = Q(centre__in=own_centres(user))
    for centre in access.scope_of(user).centres(Role.DIRECTOR):
        where |= Q(centre__path__startswith=centre.path)
    return (
        cases_for(user)
        .filter(where, status__in=[Status.REGISTERED, Status.ACCEPTED], lead_mediator__isnull=True)
        .order_by("registered_at", "id")
    )


def work_in_hand(user: User, centre: Centre) -> dict[str, Any]:
    """Counts over ``centre``'s subtree of the cases not yet closed or declined: by status,
    overdue and high-risk. Closed and declined cases (the bulk of ten years) are not counted,
    so the cost follows the work in hand, not the archive."""
    in_hand = [*OPEN_STATUSES, *CONCLUDED_STATUSES]
    cases = access.visible_cases(user).filter(
        centre__path__startswith=centre.path, status__in=in_hand
    )
    totals = cases.aggregate(
        overdue=Count("pk", filter=deadlines.overdue_q()),
        high_risk=Count("pk", filter=Q(risk_level=RiskLevel.HIGH, status__in=OPEN_STATUSES)),
    )
    by_status = dict(cases.values_list("status").annotate(n=Count("pk")).order_by())
    return {
        "centre": centre,
        "by_status": [(s, by_status.get(s.value, 0)) for s in Status if s.value in in_hand],
        "overdue": totals["overdue"],
        "high_risk": totals["high_risk"],
    }
