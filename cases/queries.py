"""Reads: scoped querysets, each with its joins chosen here, once.

Every function takes the user and starts from ``cases.access``, so a surface that reads through
these cannot see more than the scope rule allows. The ``select_related``/``prefetch_related`` here
keep a list's query count independent of its length, and a detail's of its parties and events.
"""

from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.utils import timezone

from . import access, deadlines
from .models import (
    CONCLUDED_STATUSES,
    OPEN_STATUSES,
    Agreement,
    Case,
    Category,
    Centre,
    Event,
    FollowUp,
    Mediator,
    Membership,
    Party,
    RiskLevel,
    Role,
    Room,
    Session,
    SessionStatus,
    Status,
    Transfer,
)


def cases_for(user: Any) -> QuerySet[Case]:
    return (
        access.visible_cases(user)
        .select_related(
            "centre",
            "registering_centre",
            "category",
            "lead_mediator",
            "transfer_target",
            "entrusting_court",
        )
        .prefetch_related(
            "co_mediators",
            Prefetch("parties", queryset=Party.objects.order_by("position", "id")),
        )
    )


def _visible_case_ids(user: Any) -> QuerySet[Case, Any]:
    return access.visible_cases(user).values("pk")


def parties_for(user: Any) -> QuerySet[Party]:
    return Party.objects.filter(case__in=_visible_case_ids(user)).select_related("case")


def events_for(user: Any) -> QuerySet[Event]:
    return Event.objects.filter(case__in=_visible_case_ids(user)).select_related("actor")


def sessions_for(user: Any) -> QuerySet[Session]:
    return (
        Session.objects.filter(case__in=_visible_case_ids(user))
        .select_related("case", "room")
        .prefetch_related("mediators", "parties_present")
    )


def agreements_for(user: Any) -> QuerySet[Agreement]:
    return Agreement.objects.filter(case__in=_visible_case_ids(user)).select_related("case")


def follow_ups_for(user: Any) -> QuerySet[FollowUp]:
    return FollowUp.objects.filter(case__in=_visible_case_ids(user)).select_related(
        "case", "recorded_by"
    )


def transfers_for(user: Any) -> QuerySet[Transfer]:
    return Transfer.objects.filter(case__in=_visible_case_ids(user)).select_related(
        "case", "from_centre", "to_centre", "requested_by", "decided_by"
    )


def centres_for(user: Any) -> QuerySet[Centre]:
    return access.visible_centres(user).select_related("parent")


def mediators_for(user: Any) -> QuerySet[Mediator]:
    """Mediators serving at a visible centre (home or seat), with ``open_load``: the open cases
    each leads, the number ``assign`` holds against their capacity."""
    centres = access.visible_centres(user).values("pk")
    # Mediators of the centres above one's own serve there too (a district mediator may be assigned
    # to a community's case), so they are listed to those who assign them.
    scope = access.scope_of(user)
    above = {code for centre in scope.centres(*Role) for code in centre.ancestor_codes()}
    serving = Centre.objects.filter(Q(pk__in=centres) | Q(code__in=above)).values("pk")
    seated = Mediator.seats.through.objects.filter(centre__in=serving).values("mediator_id")
    # Filter through subqueries, not a join on seats, so the count below is not multiplied.
    return (
        Mediator.objects.filter(Q(home_centre__in=serving) | Q(pk__in=seated))
        .annotate(open_load=Count("led_cases", filter=Q(led_cases__status__in=OPEN_STATUSES)))
        .select_related("home_centre")
        .prefetch_related("seats", "specialties")
    )


def rooms_for(user: Any) -> QuerySet[Room]:
    return Room.objects.filter(centre__in=access.visible_centres(user).values("pk")).select_related(
        "centre"
    )


def categories_for(user: Any) -> QuerySet[Category]:
    """The category list is the same for everyone signed in."""
    if user is None or not user.is_authenticated:
        return Category.objects.none()
    return Category.objects.select_related("parent")


def users_for(user: Any) -> QuerySet[Any]:
    """Accounts and their memberships: administrators see all, everyone else none."""
    users = get_user_model().objects.order_by("id")
    if not access.scope_of(user).is_admin:
        return users.none()
    return users.prefetch_related(
        Prefetch("memberships", queryset=Membership.objects.select_related("centre").order_by("id"))
    )


# --- The workbench (home page) ---------------------------------------------------------------------


def my_open_cases(user: Any) -> QuerySet[Case]:
    """Open cases the user mediates (lead or co-mediator), the nearest deadline first."""
    mediator = access.scope_of(user).mediator
    if mediator is None:
        return Case.objects.none()
    co = Case.co_mediators.through.objects.filter(mediator=mediator).values("case_id")
    return (
        cases_for(user)
        .filter(Q(lead_mediator=mediator) | Q(pk__in=co), status__in=OPEN_STATUSES)
        .order_by(F("due_at").asc(nulls_last=True), "id")
    )


def own_centres(user: Any) -> list[Centre]:
    """The centres the user works at (every membership and every mediator seat)."""
    scope = access.scope_of(user)
    centres = {c.pk: c for role in Role for c in scope.centres(role)}
    if scope.mediator_centre_ids - centres.keys():
        for centre in Centre.objects.filter(pk__in=scope.mediator_centre_ids - centres.keys()):
            centres[centre.pk] = centre
    return sorted(centres.values(), key=lambda c: c.path)


def unassigned_queue(user: Any) -> QuerySet[Case]:
    """Cases at the user's own centres waiting for a decision or a mediator, oldest first."""
    return (
        cases_for(user)
        .filter(
            centre__in=own_centres(user),
            status__in=[Status.REGISTERED, Status.ACCEPTED],
            lead_mediator__isnull=True,
        )
        .order_by("registered_at", "id")
    )


def sessions_on(user: Any, day: date) -> QuerySet[Session]:
    """Scheduled sessions on ``day`` (local): a mediator's own, otherwise those at own centres."""
    start = timezone.make_aware(datetime.combine(day, time.min))
    sessions = sessions_for(user).filter(
        starts_at__gte=start,
        starts_at__lt=start + timedelta(days=1),
        status=SessionStatus.SCHEDULED,
    )
    mediator = access.scope_of(user).mediator
    if mediator is not None:
        sessions = sessions.filter(mediators=mediator)
    elif not access.scope_of(user).is_admin:
        sessions = sessions.filter(case__centre__in=own_centres(user))
    return sessions.select_related("case__centre").order_by("starts_at", "id")


def supervised_subtrees(user: Any) -> list[Centre]:
    """The centres whose subtrees the user directs or observes (administrators: the roots)."""
    scope = access.scope_of(user)
    if scope.is_admin:
        return list(Centre.objects.filter(parent__isnull=True))
    return sorted(scope.centres(Role.DIRECTOR, Role.OBSERVER), key=lambda c: c.path)


def work_in_hand(user: Any, centre: Centre) -> dict[str, Any]:
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
