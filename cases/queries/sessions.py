"""Reads of sessions: a case's, the day's on the workbench, the week's in the calendar."""

from datetime import date, datetime, time, timedelta

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q, QuerySet
from django.utils import timezone

from .. import access
from ..models import Case, Centre, Mediator, Room, Session, SessionMediator, SessionStatus
from .cases import visible_case_ids
from .centres import own_centres


def sessions_for(user: User | AnonymousUser) -> QuerySet[Session]:
    return (
        Session.objects.filter(case__in=visible_case_ids(user))
        .select_related("case", "room", "recorded_by")
        .prefetch_related("mediators", "parties_present")
    )


def case_sessions(user: User, case: Case) -> QuerySet[Session]:
    """The case's sessions, earliest first, with rooms, mediators and parties present."""
    return sessions_for(user).filter(case=case).order_by("starts_at", "id")


def booked_after(case: Case, at: datetime) -> QuerySet[Session]:
    """The case's sessions still booked (scheduled) to start after ``at``, earliest first: those
    that concluding the case now cancels (``cases.workflow``). Read for a case already in scope."""
    return Session.objects.filter(
        case=case, status=SessionStatus.SCHEDULED, starts_at__gt=at
    ).order_by("starts_at", "id")


def sessions_on(user: User, day: date) -> QuerySet[Session]:
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


def week_sessions(
    user: User,
    *,
    start: datetime,
    end: datetime,
    centre: Centre | None = None,
    subtree: bool = False,
    mediator: Mediator | None = None,
    room: Room | None = None,
) -> QuerySet[Session]:
    """Sessions starting in ``[start, end)`` of the cases the user may see, for one centre (the
    cases it handles and its rooms; with ``subtree`` the centres below too), one mediator (their
    bookings) or one room, in time order. Held and cancelled sessions are included."""
    sessions = sessions_for(user).filter(starts_at__gte=start, starts_at__lt=end)
    if centre is not None:
        if subtree:
            sessions = sessions.filter(
                Q(case__centre__path__startswith=centre.path)
                | Q(room__centre__path__startswith=centre.path)
            )
        else:
            sessions = sessions.filter(Q(case__centre=centre) | Q(room__centre=centre))
    if mediator is not None:
        # A subquery on the bookings, not a join, so a session is listed once.
        booked = SessionMediator.objects.filter(mediator=mediator).values("session_id")
        sessions = sessions.filter(pk__in=booked)
    if room is not None:
        sessions = sessions.filter(room=room)
    return (
        sessions.select_related("case__centre", "room")
        .prefetch_related(None)
        .prefetch_related("mediators")
        .order_by("starts_at", "id")
    )
