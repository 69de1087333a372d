"""Reads of mediators: the roster, a mediator's open cases and sessions, pickers, and who could
take a case (``candidates_for``)."""

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from .. import access
from ..models import (
    OPEN_STATUSES,
    Case,
    Category,
    Centre,
    Mediator,
    Role,
    Session,
    SessionMediator,
    SessionStatus,
)
from .cases import cases_for
from .sessions import sessions_for


def mediators_for(user: User | AnonymousUser) -> QuerySet[Mediator]:
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


def mediator_choices(user: User) -> QuerySet[Mediator]:
    """The mediators of ``mediators_for`` without their load: for a picker."""
    return (
        Mediator.objects.filter(pk__in=mediators_for(user).values("pk"))
        .select_related("home_centre")
        .order_by("name", "id")
    )


def serving_at(mediators: QuerySet[Mediator], centre: Centre) -> QuerySet[Mediator]:
    """Those of ``mediators`` based or holding a seat at ``centre``."""
    seated = Mediator.seats.through.objects.filter(centre=centre).values("mediator_id")
    return mediators.filter(Q(home_centre=centre) | Q(pk__in=seated))


def roster_centres(user: User) -> QuerySet[Centre]:
    """The centres where a mediator of ``mediators_for`` is based or holds a seat: the roster's
    centre filter (it includes the centres above one's own, whose mediators serve there too)."""
    mediators = mediators_for(user).values("pk")
    seats = Mediator.seats.through.objects.filter(mediator__in=mediators).values("centre_id")
    homes = Mediator.objects.filter(pk__in=mediators).values("home_centre_id")
    return Centre.objects.filter(Q(pk__in=homes) | Q(pk__in=seats)).order_by("path")


def roster(
    user: User,
    *,
    centre: Centre | None = None,
    kind: str = "",
    specialty: Category | None = None,
    active: bool | None = None,
    search: str = "",
) -> QuerySet[Mediator]:
    """``mediators_for`` filtered for the roster page, by name. ``centre``: based or seated there;
    ``specialty``: a category or, for a top-level one, any of its sub-categories."""
    mediators = mediators_for(user)
    # Subqueries, not joins: a join on a many-to-many would multiply the annotated open load.
    if centre is not None:
        mediators = serving_at(mediators, centre)
    if kind:
        mediators = mediators.filter(kind=kind)
    if specialty is not None:
        specialists = Mediator.specialties.through.objects.filter(
            Q(category=specialty) | Q(category__parent=specialty)
        ).values("mediator_id")
        mediators = mediators.filter(pk__in=specialists)
    if active is not None:
        mediators = mediators.filter(active=active)
    if search.strip():
        mediators = mediators.filter(name__icontains=search.strip())
    return mediators.order_by("name", "id")


def open_cases(user: User, mediator: Mediator | None) -> QuerySet[Case]:
    """Open cases ``mediator`` leads or co-mediates that the *user* may see, nearest deadline first:
    a mediator's profile, and on the workbench the user's own (``scope_of(user).mediator``; none
    for a user who mediates nothing)."""
    if mediator is None:
        return Case.objects.none()
    co = Case.co_mediators.through.objects.filter(mediator=mediator).values("case_id")
    return (
        cases_for(user)
        .filter(Q(lead_mediator=mediator) | Q(pk__in=co), status__in=OPEN_STATUSES)
        .order_by(F("due_at").asc(nulls_last=True), "id")
    )


def mediator_upcoming_sessions(user: User, mediator: Mediator) -> QuerySet[Session]:
    """Scheduled sessions from now on that ``mediator`` is booked for, of cases the user may see."""
    booked = SessionMediator.objects.filter(mediator=mediator, cancelled=False).values("session_id")
    return (
        sessions_for(user)
        .filter(pk__in=booked, status=SessionStatus.SCHEDULED, ends_at__gte=timezone.now())
        .select_related("case__centre", "room")
        .prefetch_related(None)
        .order_by("starts_at", "id")
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
