"""Booking mediation sessions without double-booking a mediator or a room."""

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..access import can, get_case_for
from ..errors import DoubleBooking, InvalidInput, NotPermitted, TransitionNotAllowed
from ..models import (
    Case,
    EventKind,
    Mediator,
    NotificationKind,
    Party,
    Room,
    Session,
    SessionMediator,
    SessionMode,
    SessionStatus,
    Status,
)
from ..queries.sessions import booked_after
from . import events, notifications

BOOKABLE_STATUSES = frozenset({Status.ACCEPTED, Status.IN_MEDIATION, Status.SUSPENDED})


def _overlapping(starts_at: datetime, ends_at: datetime) -> Q:
    return Q(starts_at__lt=ends_at, ends_at__gt=starts_at)


@contextmanager
def _refused_if_taken() -> Iterator[None]:
    """Write a booking in a savepoint; a concurrent booking that won the race is ``DoubleBooking``.

    The database's exclusion constraint refuses the loser (IntegrityError); or two overlapping
    inserts each wait on the other's exclusion check and PostgreSQL aborts one of them as a
    deadlock (SQLSTATE 40P01): that one lost the race too."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError as exc:
        raise DoubleBooking() from exc
    except OperationalError as exc:
        if getattr(exc.__cause__, "sqlstate", None) == "40P01":
            raise DoubleBooking() from exc
        raise


def _check_free(
    *,
    mediators: Sequence[Mediator],
    room: Room | None,
    starts_at: datetime,
    ends_at: datetime,
    moving: Session | None = None,
) -> None:
    """The rule the database enforces on PostgreSQL, checked here for every backend with clear errors.

    ``moving``: the session being moved, whose own bookings do not stand in its way."""
    busy = (
        SessionMediator.objects.filter(_overlapping(starts_at, ends_at), cancelled=False)
        .filter(mediator__in=mediators)
        .select_related("mediator")
    )
    if moving is not None:
        busy = busy.exclude(session=moving)
    problems: dict[str, list[Any]] = {}
    for booking in busy:
        problems.setdefault("mediators", []).append(
            _("%(name)s is already booked from %(start)s to %(end)s.")
            % {
                "name": booking.mediator.name,
                "start": timezone.localtime(booking.starts_at).strftime("%Y-%m-%d %H:%M"),
                "end": timezone.localtime(booking.ends_at).strftime("%H:%M"),
            }
        )
    if room is not None:
        others = Session.objects.filter(_overlapping(starts_at, ends_at), room=room).exclude(
            status=SessionStatus.CANCELLED
        )
        if moving is not None:
            others = others.exclude(pk=moving.pk)
        taken = others.first()
        if taken is not None:
            problems["room"] = [
                _("%(room)s is already booked from %(start)s to %(end)s.")
                % {
                    "room": room.name,
                    "start": timezone.localtime(taken.starts_at).strftime("%Y-%m-%d %H:%M"),
                    "end": timezone.localtime(taken.ends_at).strftime("%H:%M"),
                }
            ]
    if problems:
        raise DoubleBooking(fields=problems)


def book_session(
    *,
    case: Case,
    actor: User,
    starts_at: datetime,
    ends_at: datetime,
    mediators: Iterable[Mediator],
    room: Room | None = None,
    place: str = "",
    mode: str = SessionMode.IN_PERSON,
    parties_present: Iterable[Party] = (),
    at: datetime | None = None,
) -> Session:
    """Book a mediation session. Refuses (``DoubleBooking``) when a mediator or the room is taken.

    On PostgreSQL two concurrent bookings cannot both pass: the exclusion constraints refuse the
    second insert, which is reported as the same ``DoubleBooking`` error.
    """
    case = get_case_for(actor, case.pk)
    if not can(actor, "book_session", case):
        raise NotPermitted(_("You may not book sessions for this case."))
    if case.status not in BOOKABLE_STATUSES:
        raise TransitionNotAllowed(_("Sessions can be booked only while a case is being mediated."))
    mediators = list(dict.fromkeys(mediators))
    problems: dict[str, list[Any]] = {}
    if ends_at <= starts_at:
        problems["ends_at"] = [_("A session must end after it starts.")]
    if not mediators:
        problems["mediators"] = [_("Choose at least one mediator.")]
    if room is not None and room.centre_id != case.centre_id:
        problems["room"] = [_("This room belongs to another centre.")]
    if mode not in SessionMode.values:
        problems["mode"] = [_("Choose a valid mode.")]
    present = list(parties_present)
    if any(p.case_id != case.pk for p in present):
        problems["parties_present"] = [_("Only parties to this case can be present.")]
    if problems:
        raise InvalidInput(fields=problems)

    with transaction.atomic():
        _check_free(mediators=mediators, room=room, starts_at=starts_at, ends_at=ends_at)
        with _refused_if_taken():
            session = Session.objects.create(
                case=case,
                starts_at=starts_at,
                ends_at=ends_at,
                room=room,
                place=place,
                mode=mode,
                created_by=actor if getattr(actor, "pk", None) else None,
            )
            SessionMediator.objects.bulk_create(
                SessionMediator(session=session, mediator=m, starts_at=starts_at, ends_at=ends_at)
                for m in mediators
            )
        if present:
            session.parties_present.set(present)
        moment = at or timezone.now()
        events.record(
            case=case,
            actor=actor,
            kind=EventKind.SESSION,
            name="book_session",
            at=moment,
            after={
                "session": session.pk,
                "starts_at": starts_at,
                "ends_at": ends_at,
                "room": room.pk if room else None,
                "mediators": [m.pk for m in mediators],
            },
        )
        notifications.notify_session(
            session=session,
            case=case,
            kind=NotificationKind.SESSION_BOOKED,
            actor=actor,
            at=moment,
        )
    return session


# The session record's texts (调解笔录), as the mediator writes them; a statement may run long.
RECORD_TEXT_MAX = 20_000
RECORD_TEXTS = (
    "minutes",
    "others_present",
    "applicant_statement",
    "respondent_statement",
    "agreed",
    "next_step",
)
RESULT_MAX = 255


def record_session(
    *,
    session: Session,
    actor: User,
    minutes: str | None = None,
    result: str | None = None,
    parties_present: Iterable[Party] | None = None,
    others_present: str | None = None,
    applicant_statement: str | None = None,
    respondent_statement: str | None = None,
    agreed: str | None = None,
    next_step: str | None = None,
    at: datetime | None = None,
) -> Session:
    """Write the record of a session (调解笔录): who attended, what each side said, what was agreed
    or where they differ, the next step. A scheduled session becomes ``held``.

    A field left ``None`` keeps its value; ``parties_present``, when given, replaces who attended
    (parties to the case only). The record may be written after the session and corrected later:
    the first write is the ``record_session`` event, each later one that changes something a
    ``correct_session_record`` event with the changed fields before and after, so the events hold
    every version. ``recorded_by``/``recorded_at`` name the last write; a write that changes
    nothing writes nothing.
    """
    case = get_case_for(actor, session.case_id)
    if not can(actor, "book_session", case):
        raise NotPermitted(_("You may not record sessions for this case."))
    texts: dict[str, str | None] = {
        "minutes": minutes,
        "others_present": others_present,
        "applicant_statement": applicant_statement,
        "respondent_statement": respondent_statement,
        "agreed": agreed,
        "next_step": next_step,
    }
    problems: dict[str, list[Any]] = {}
    for name, text in texts.items():
        if text is not None and len(text) > RECORD_TEXT_MAX:
            problems[name] = [_("At most %(max)d characters.") % {"max": RECORD_TEXT_MAX}]
    if result is not None and len(result) > RESULT_MAX:
        problems["result"] = [_("At most %(max)d characters.") % {"max": RESULT_MAX}]
    present = None if parties_present is None else list(parties_present)
    if present is not None and any(party.case_id != case.pk for party in present):
        problems["parties_present"] = [_("Only parties to this case can be present.")]
    if problems:
        raise InvalidInput(fields=problems)
    with transaction.atomic():
        session = Session.objects.select_for_update().get(pk=session.pk)
        if session.status == SessionStatus.CANCELLED:
            raise TransitionNotAllowed(_("This session was cancelled."))
        first = session.status != SessionStatus.HELD
        before: dict[str, Any] = {}
        after: dict[str, Any] = {}
        if first:
            # The first record always names the status and the result (as it always has).
            before.update(status=session.status, result=session.result)
            after.update(status=SessionStatus.HELD, result=session.result)
            session.status = SessionStatus.HELD
        wanted: dict[str, str | None] = {"result": result, **texts}
        for name, value in wanted.items():
            if value is None:
                continue
            old = getattr(session, name)
            if value != old or (first and name == "result"):
                before[name], after[name] = old, value
                setattr(session, name, value)
        if present is not None:
            old_present = sorted(session.parties_present.values_list("pk", flat=True))
            new_present = sorted(party.pk for party in present)
            if old_present != new_present or first:
                before["parties_present"], after["parties_present"] = old_present, new_present
                session.parties_present.set(present)
        if not after:
            return session
        moment = at or timezone.now()
        session.recorded_by = actor if getattr(actor, "pk", None) else None
        session.recorded_at = moment
        changed = [name for name in after if name != "parties_present"]
        session.save(update_fields=[*changed, "recorded_by", "recorded_at"])
        events.record(
            case=case,
            actor=actor,
            kind=EventKind.SESSION,
            name="record_session" if first else "correct_session_record",
            at=moment,
            before={"session": session.pk, **before},
            after={"session": session.pk, **after},
        )
    return session


def cancel_session(*, session: Session, actor: User) -> Session:
    """Cancel a scheduled session, freeing its room and mediators."""
    case = get_case_for(actor, session.case_id)
    if not can(actor, "book_session", case):
        raise NotPermitted(_("You may not cancel sessions for this case."))
    with transaction.atomic():
        session = Session.objects.select_for_update().get(pk=session.pk)
        if session.status != SessionStatus.SCHEDULED:
            raise TransitionNotAllowed(_("Only a scheduled session can be cancelled."))
        _cancel(session=session, case=case, actor=actor, at=timezone.now())
    return session


class _Keep:
    """The room argument's default: the session keeps its room."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP_ROOM = _Keep()
MOVE_REASON_MAX = 500


def move_session(
    *,
    session: Session,
    actor: User,
    starts_at: datetime,
    ends_at: datetime,
    reason: str,
    room: Room | _Keep | None = KEEP_ROOM,
    at: datetime | None = None,
) -> Session:
    """Move (reschedule) a scheduled session to ``starts_at``–``ends_at``, in ``room`` if given
    (``None``: no room; by default it keeps its room). The same rules as booking: its mediators
    and the room must be free then (``DoubleBooking`` otherwise; the session's own time does not
    count against it), the room must be the case's centre's. A reason is required.

    One ``move_session`` event with the time and room before and after and the reason; the
    session's mediators are told (``session_moved``), except ``actor``. The evening-before
    reminders are keyed by the session's start, so a moved session is reminded of again.
    """
    case = get_case_for(actor, session.case_id)
    if not can(actor, "book_session", case):
        raise NotPermitted(_("You may not move sessions for this case."))
    reason = (reason or "").strip()
    problems: dict[str, list[Any]] = {}
    if not reason:
        problems["reason"] = [_("Give the reason for this change.")]
    elif len(reason) > MOVE_REASON_MAX:
        problems["reason"] = [_("At most %(max)d characters.") % {"max": MOVE_REASON_MAX}]
    if ends_at <= starts_at:
        problems["ends_at"] = [_("A session must end after it starts.")]
    if isinstance(room, Room) and room.centre_id != case.centre_id:
        problems["room"] = [_("This room belongs to another centre.")]
    if problems:
        raise InvalidInput(fields=problems)
    with transaction.atomic():
        session = Session.objects.select_for_update().get(pk=session.pk)
        if session.status != SessionStatus.SCHEDULED:
            raise TransitionNotAllowed(_("Only a scheduled session can be moved."))
        if case.status not in BOOKABLE_STATUSES:
            raise TransitionNotAllowed(
                _("Sessions can be booked only while a case is being mediated.")
            )
        new_room = session.room if isinstance(room, _Keep) else room
        before = {
            "session": session.pk,
            "starts_at": session.starts_at,
            "ends_at": session.ends_at,
            "room": session.room_id,
        }
        mediators = list(
            Mediator.objects.filter(bookings__session=session, bookings__cancelled=False)
        )
        _check_free(
            mediators=mediators,
            room=new_room,
            starts_at=starts_at,
            ends_at=ends_at,
            moving=session,
        )
        with _refused_if_taken():
            session.starts_at, session.ends_at, session.room = starts_at, ends_at, new_room
            session.save(update_fields=["starts_at", "ends_at", "room"])
            session.bookings.update(starts_at=starts_at, ends_at=ends_at)
        moment = at or timezone.now()
        events.record(
            case=case,
            actor=actor,
            kind=EventKind.SESSION,
            name="move_session",
            at=moment,
            before=before,
            after={
                "session": session.pk,
                "starts_at": starts_at,
                "ends_at": ends_at,
                "room": new_room.pk if new_room else None,
                "reason": reason,
            },
        )
        notifications.notify_session(
            session=session,
            case=case,
            kind=NotificationKind.SESSION_MOVED,
            actor=actor,
            at=moment,
            occasion=starts_at,
        )
    return session


def cancel_sessions_of_concluded(
    *, case: Case, actor: User | None, at: datetime, status: Status
) -> list[Session]:
    """Cancel the sessions of ``case`` still booked to start after ``at``, because the case has
    just been concluded with ``status``: nothing stays booked for a concluded case.

    Called by ``cases.workflow.transition`` inside its transaction, after it has checked the
    actor's right to conclude the case (a receiver withdrawing it, or the application's own sweep,
    may not cancel a session by hand, but the case's conclusion does). Each cancellation is the
    event a manual one writes, noting the status that concluded the case. Sessions that have
    started, been held or were cancelled already are left as they are.
    """
    booked = list(booked_after(case, at).select_for_update())
    for session in booked:
        _cancel(session=session, case=case, actor=actor, at=at, concluded=status)
    return booked


def _cancel(
    *,
    session: Session,
    case: Case,
    actor: User | None,
    at: datetime,
    concluded: Status | None = None,
) -> None:
    """Cancel ``session`` (locked, scheduled): free its room and mediators, write its event."""
    session.status = SessionStatus.CANCELLED
    session.save(update_fields=["status"])
    session.bookings.update(cancelled=True)
    after: dict[str, Any] = {"session": session.pk, "status": SessionStatus.CANCELLED}
    if concluded is not None:
        after["concluded"] = concluded
    events.record(
        case=case,
        actor=actor,
        kind=EventKind.SESSION,
        name="cancel_session",
        at=at,
        before={"session": session.pk, "status": SessionStatus.SCHEDULED},
        after=after,
    )
    notifications.notify_session(
        session=session, case=case, kind=NotificationKind.SESSION_CANCELLED, actor=actor, at=at
    )
