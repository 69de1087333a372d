"""Mediation sessions (DESIGN §3): a mediator or a room is never double-booked."""

import threading
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.db import connection

from cases import workflow
from cases.errors import DoubleBooking, InvalidInput, NotPermitted, TransitionNotAllowed
from cases.models import Case, Event, Session, SessionMediator, SessionStatus, Status
from cases.services import sessions
from tests.factories import (
    CentreFactory,
    MediatorFactory,
    RoomFactory,
    Tree,
    UserFactory,
    aware,
    drive,
    register,
)

NINE = aware(2026, 12, 7, 9)


def hours(start: float, end: float) -> tuple[datetime, datetime]:
    return NINE + timedelta(hours=start), NINE + timedelta(hours=end)


def s1_case_in_mediation(tree: Tree) -> Case:
    case = register(actor=tree.intake_s1, centre=tree.s1)
    return drive(case, Status.IN_MEDIATION, actor=tree.director_d1, mediator=tree.med_s1)


def book(tree: Tree, case: Case, span: tuple[datetime, datetime], **extra: Any) -> Session:
    starts_at, ends_at = span
    extra.setdefault("mediators", [tree.med_s1])
    return sessions.book_session(
        case=case, actor=tree.director_d1, starts_at=starts_at, ends_at=ends_at, **extra
    )


def counts() -> tuple[int, int, int]:
    return Session.objects.count(), SessionMediator.objects.count(), Event.objects.count()


@pytest.mark.django_db
def test_booking_a_mediator_twice_at_overlapping_times_is_refused(tree: Tree) -> None:
    first_case, second_case = s1_case_in_mediation(tree), s1_case_in_mediation(tree)
    book(tree, first_case, hours(1, 2))
    before = counts()

    with pytest.raises(DoubleBooking) as exc:
        book(tree, second_case, hours(1.5, 2.5))

    assert "mediators" in exc.value.fields
    assert tree.med_s1.name in exc.value.fields["mediators"][0]
    assert counts() == before


@pytest.mark.django_db
@pytest.mark.parametrize("span", [(1.5, 2.5), (0.5, 1.5), (1.25, 1.75), (0, 3), (1, 2)], ids=str)
def test_every_kind_of_overlap_is_refused(tree: Tree, span: tuple[float, float]) -> None:
    case = s1_case_in_mediation(tree)
    book(tree, case, hours(1, 2))
    with pytest.raises(DoubleBooking):
        book(tree, case, hours(*span))


@pytest.mark.django_db
def test_back_to_back_sessions_are_allowed(tree: Tree) -> None:
    case = s1_case_in_mediation(tree)
    room = RoomFactory.create(centre=tree.s1)
    book(tree, case, hours(1, 2), room=room)

    after = book(tree, case, hours(2, 3), room=room)
    before = book(tree, case, hours(0, 1), room=room)

    assert after.pk and before.pk
    assert SessionMediator.objects.filter(mediator=tree.med_s1).count() == 3


@pytest.mark.django_db
def test_a_room_double_booking_is_refused(tree: Tree) -> None:
    case = s1_case_in_mediation(tree)
    room = RoomFactory.create(centre=tree.s1, name="第一调解室")
    book(tree, case, hours(5, 6), room=room)
    before = counts()

    with pytest.raises(DoubleBooking) as exc:
        book(tree, case, hours(5.5, 6.5), room=room, mediators=[tree.med_s1b])

    assert list(exc.value.fields) == ["room"]
    assert "第一调解室" in exc.value.fields["room"][0]
    assert counts() == before


@pytest.mark.django_db
def test_different_mediators_and_rooms_may_meet_at_the_same_time(tree: Tree) -> None:
    case = s1_case_in_mediation(tree)
    book(tree, case, hours(1, 2), room=RoomFactory.create(centre=tree.s1))
    book(tree, case, hours(1, 2), room=RoomFactory.create(centre=tree.s1), mediators=[tree.med_s1b])
    book(tree, case, hours(1, 2), mediators=[tree.med_c])  # no room: a phone session
    assert Session.objects.filter(case=case).count() == 3


@pytest.mark.django_db
def test_a_cancelled_session_frees_its_mediators_and_room(tree: Tree) -> None:
    case = s1_case_in_mediation(tree)
    room = RoomFactory.create(centre=tree.s1)
    session = book(tree, case, hours(1, 2), room=room, mediators=[tree.med_s1, tree.med_s1b])

    sessions.cancel_session(session=session, actor=tree.director_d1)

    assert Session.objects.get(pk=session.pk).status == SessionStatus.CANCELLED
    again = book(tree, case, hours(1, 2), room=room, mediators=[tree.med_s1, tree.med_s1b])
    assert again.status == SessionStatus.SCHEDULED
    assert Event.objects.filter(case=case, name="cancel_session").count() == 1


@pytest.mark.django_db
def test_booking_writes_one_event(tree: Tree) -> None:
    case = s1_case_in_mediation(tree)
    events = Event.objects.filter(case=case).count()
    session = book(tree, case, hours(1, 2))
    assert Event.objects.filter(case=case).count() == events + 1
    event = Event.objects.filter(case=case).last()
    assert event is not None
    assert event.name == "book_session"
    assert event.after["session"] == session.pk
    assert event.after["mediators"] == [tree.med_s1.pk]


@pytest.mark.django_db
def test_bad_session_data_is_refused_naming_the_field(tree: Tree) -> None:
    case = s1_case_in_mediation(tree)
    other_room = RoomFactory.create(centre=tree.s2)
    before = counts()
    with pytest.raises(InvalidInput) as exc:
        book(tree, case, hours(2, 1), room=other_room, mediators=[], mode="telepathy")
    assert {"ends_at", "mediators", "room", "mode"} <= set(exc.value.fields)
    assert counts() == before


@pytest.mark.django_db
def test_sessions_are_booked_only_while_a_case_is_mediated(tree: Tree) -> None:
    case = register(actor=tree.intake_s1, centre=tree.s1)
    with pytest.raises(TransitionNotAllowed):
        book(tree, case, hours(1, 2))
    case = workflow.transition(
        case=case, name="decline", actor=tree.director_d1, data={"reason": "x"}
    )
    with pytest.raises(TransitionNotAllowed):
        book(tree, case, hours(1, 2))
    assert not Session.objects.exists()


@pytest.mark.django_db
def test_booking_needs_a_role_on_the_case(tree: Tree) -> None:
    case = s1_case_in_mediation(tree)
    starts_at, ends_at = hours(1, 2)
    with pytest.raises(NotPermitted):
        sessions.book_session(
            case=case,
            actor=tree.observer_d1,
            starts_at=starts_at,
            ends_at=ends_at,
            mediators=[tree.med_s1],
        )
    session = sessions.book_session(
        case=case,
        actor=tree.mediator_s1_user,
        starts_at=starts_at,
        ends_at=ends_at,
        mediators=[tree.med_s1],
    )
    assert session.created_by == tree.mediator_s1_user


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_bookings_of_one_mediator_cannot_both_succeed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert connection.vendor == "postgresql", "the exclusion constraint exists on PostgreSQL only"
    centre = CentreFactory.create(code="JA01")
    admin = UserFactory.create(is_superuser=True)
    mediator = MediatorFactory.create(home_centre=centre)
    cases = [
        drive(
            register(actor=admin, centre=centre),
            Status.IN_MEDIATION,
            actor=admin,
            mediator=mediator,
        )
        for _ in range(2)
    ]
    barrier = threading.Barrier(2)

    def check_free_then_wait(**kwargs: Any) -> None:
        # Both bookings pass the Python-side check before either inserts: only the database
        # constraint stands between them.
        barrier.wait(timeout=30)

    monkeypatch.setattr(sessions, "_check_free", check_free_then_wait)
    outcomes: list[object] = [None, None]

    def attempt(index: int, start_minutes: int) -> None:
        try:
            starts_at = NINE + timedelta(minutes=start_minutes)
            outcomes[index] = sessions.book_session(
                case=cases[index],
                actor=admin,
                starts_at=starts_at,
                ends_at=starts_at + timedelta(hours=1),
                mediators=[mediator],
            )
        except BaseException as exc:
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=attempt, args=(0, 0)),
        threading.Thread(target=attempt, args=(1, 30)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    booked = [o for o in outcomes if isinstance(o, Session)]
    refused = [o for o in outcomes if isinstance(o, DoubleBooking)]
    assert len(booked) == 1, outcomes
    assert len(refused) == 1, outcomes
    assert SessionMediator.objects.filter(mediator=mediator, cancelled=False).count() == 1
    assert Session.objects.count() == 1
    assert Event.objects.filter(name="book_session").count() == 1


def test_recording_a_session_may_say_who_was_present(tree: Tree) -> None:
    case = s1_case_in_mediation(tree)
    session = book(tree, case, hours(9, 10))
    applicant = case.parties.order_by("position", "id").first()
    assert applicant is not None
    sessions.record_session(
        session=session,
        actor=tree.mediator_s1_user,
        minutes="",
        result="被申请人未到场",
        parties_present=[applicant],
    )
    assert list(session.parties_present.all()) == [applicant]


def test_only_the_cases_parties_can_be_recorded_present(tree: Tree) -> None:
    case = s1_case_in_mediation(tree)
    other = s1_case_in_mediation(tree)
    session = book(tree, case, hours(9, 10))
    before = counts()
    with pytest.raises(InvalidInput) as refused:
        sessions.record_session(
            session=session,
            actor=tree.mediator_s1_user,
            minutes="",
            result="达成初步共识",
            parties_present=list(other.parties.all()),
        )
    assert "parties_present" in refused.value.fields
    session.refresh_from_db()
    assert session.status == SessionStatus.SCHEDULED and counts() == before
