"""The reads an integrator syncs from: the change feed of cases and the events of all cases.

Both are in an order a cursor continues exactly, so that a system copying what it may see neither
misses nor repeats a row while it pages: cases by (``updated_at``, id), the time of the change that
made their current version and the id breaking ties; events by id. Scope is the user's, as in
every read of ``cases.queries``. What a cursor cannot promise, and what a client does about it
(changes that commit out of order), is in docs/api.md, "Syncing".
"""

from datetime import datetime

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q, QuerySet

from ..models import Case, Event
from .cases import visible_case_ids

#: The change feed's order; the index ``case_updated`` holds it.
CHANGE_ORDER = ("updated_at", "id")


def changed_after(cases: QuerySet[Case], position: tuple[datetime, int] | None) -> QuerySet[Case]:
    """``cases`` in the change feed's order; after ``position`` (the ``updated_at`` and id of the
    last case read) only, when one is given."""
    ordered = cases.order_by(*CHANGE_ORDER)
    if position is None:
        return ordered
    at, pk = position
    # ``updated_at >= at`` is the index range; the rest drops the cases read at that very instant.
    return ordered.filter(Q(updated_at__gt=at) | Q(pk__gt=pk), updated_at__gte=at)


def event_feed(user: User | AnonymousUser) -> QuerySet[Event]:
    """The events of every case ``user`` may see, oldest id first, with their authors."""
    return (
        Event.objects.filter(case__in=visible_case_ids(user)).select_related("actor").order_by("id")
    )
