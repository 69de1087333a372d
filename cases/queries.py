"""Reads: scoped querysets, each with its joins chosen here, once.

Every function takes the user and starts from ``cases.access``, so a surface that reads through
these cannot see more than the scope rule allows. The ``select_related``/``prefetch_related`` here
keep a list's query count independent of its length, and a detail's of its parties and events.
"""

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Prefetch, Q, QuerySet

from . import access
from .models import (
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
    Role,
    Room,
    Session,
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
