"""Reads: scoped querysets, each with its joins chosen here, once.

Every function takes the user and starts from ``cases.access``, so a surface that reads through
these cannot see more than the scope rule allows. The ``select_related``/``prefetch_related`` here
keep a list's query count independent of its length, and a detail's of its parties and events.
"""

from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from . import access
from .models import (
    Agreement,
    Case,
    Category,
    Centre,
    Event,
    FollowUp,
    Mediator,
    Party,
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
    return FollowUp.objects.filter(case__in=_visible_case_ids(user)).select_related("case")


def transfers_for(user: Any) -> QuerySet[Transfer]:
    return Transfer.objects.filter(case__in=_visible_case_ids(user)).select_related(
        "case", "from_centre", "to_centre"
    )


def centres_for(user: Any) -> QuerySet[Centre]:
    return access.visible_centres(user).select_related("parent")


def mediators_for(user: Any) -> QuerySet[Mediator]:
    centres = access.visible_centres(user).values("pk")
    return (
        Mediator.objects.filter(Q(home_centre__in=centres) | Q(seats__in=centres))
        .distinct()
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
