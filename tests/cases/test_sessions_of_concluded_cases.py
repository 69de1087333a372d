"""Sessions of a concluded case (issue 19): resolving, failing, withdrawing or closing a case
cancels its sessions still booked ahead, one event each, so their rooms and mediators are free."""

from datetime import datetime, timedelta
from typing import Any

import pytest

from cases import workflow
from cases.models import Case, Event, Session, SessionMediator, SessionStatus, Status
from cases.services import sessions
from tests.factories import RoomFactory, Tree, aware, data_for, drive, register

pytestmark = pytest.mark.django_db

NINE = aware(2026, 12, 7, 9)


def hours(start: float, end: float) -> tuple[datetime, datetime]:
    return NINE + timedelta(hours=start), NINE + timedelta(hours=end)


def in_mediation(tree: Tree) -> Case:
    case = register(actor=tree.intake_s1, centre=tree.s1)
    return drive(case, Status.IN_MEDIATION, actor=tree.director_d1, mediator=tree.med_s1)


def book(tree: Tree, case: Case, span: tuple[float, float], **extra: Any) -> Session:
    starts_at, ends_at = hours(*span)
    extra.setdefault("mediators", [tree.med_s1, tree.med_s1b])
    return sessions.book_session(
        case=case, actor=tree.director_d1, starts_at=starts_at, ends_at=ends_at, **extra
    )


def status_of(session: Session) -> str:
    return Session.objects.get(pk=session.pk).status


def cancellations(case: Case) -> list[Event]:
    return list(Event.objects.filter(case=case, name="cancel_session").order_by("id"))


@pytest.mark.parametrize(
    ("name", "actor_key", "status"),
    [
        ("resolve", "mediator_s1_user", Status.RESOLVED),
        ("fail", "mediator_s1_user", Status.FAILED),
        ("withdraw", "director_d1", Status.WITHDRAWN),
        # A receiver at the window may withdraw a case but not cancel a session by hand: the
        # case's conclusion cancels them all the same.
        ("withdraw", "intake_s1", Status.WITHDRAWN),
    ],
)
def test_concluding_cancels_the_sessions_booked_ahead_and_frees_room_and_mediators(
    tree: Tree, name: str, actor_key: str, status: Status
) -> None:
    case = in_mediation(tree)
    room = RoomFactory.create(centre=tree.s1, name="第一调解室")
    held = book(tree, case, (-4, -3), room=room)
    sessions.record_session(
        session=held, actor=tree.director_d1, minutes="双方到场", result="未达成一致"
    )
    past = book(tree, case, (-2, -1), room=room)  # not recorded yet: left for the mediator
    soon = book(tree, case, (1, 2), room=room)
    tomorrow = book(tree, case, (24, 25), mediators=[tree.med_s1])
    actor = getattr(tree, actor_key)

    case = workflow.transition(case=case, name=name, actor=actor, data=data_for(name), at=NINE)

    assert case.status == status
    assert (status_of(soon), status_of(tomorrow)) == (SessionStatus.CANCELLED,) * 2
    assert status_of(past) == SessionStatus.SCHEDULED
    assert status_of(held) == SessionStatus.HELD
    assert not SessionMediator.objects.filter(
        session__in=[soon, tomorrow], cancelled=False
    ).exists()
    # One event each, after the transition's own, by whoever concluded the case.
    names = list(Event.objects.filter(case=case).order_by("id").values_list("name", flat=True))
    assert names[-3:] == [name, "cancel_session", "cancel_session"]
    events = cancellations(case)
    assert [e.after for e in events] == [
        {"session": soon.pk, "status": "cancelled", "concluded": status},
        {"session": tomorrow.pk, "status": "cancelled", "concluded": status},
    ]
    assert {e.actor_id for e in events} == {actor.pk}
    assert {e.case_version for e in events} == {case.version}
    # The room and both mediators are free again at that time for another case.
    other = in_mediation(tree)
    again = book(tree, other, (1, 2), room=room)
    assert again.status == SessionStatus.SCHEDULED
    assert book(tree, other, (24, 25)).status == SessionStatus.SCHEDULED


def test_closing_a_case_concluded_with_sessions_still_booked_cancels_them(tree: Tree) -> None:
    case = in_mediation(tree)
    room = RoomFactory.create(centre=tree.s1)
    session = book(tree, case, (1, 2), room=room)
    case = workflow.transition(
        case=case, name="fail", actor=tree.mediator_s1_user, data=data_for("fail"), at=NINE
    )
    # A case concluded before sessions were cancelled with it: its booking is still in force.
    Session.objects.filter(pk=session.pk).update(status=SessionStatus.SCHEDULED)
    SessionMediator.objects.filter(session=session).update(cancelled=False)
    before = len(cancellations(case))

    case = workflow.transition(case=case, name="close", actor=tree.director_d1, at=NINE)

    assert case.status == Status.CLOSED
    assert status_of(session) == SessionStatus.CANCELLED
    events = cancellations(case)
    assert len(events) == before + 1
    assert events[-1].after == {
        "session": session.pk,
        "status": "cancelled",
        "concluded": Status.CLOSED,
    }
    assert book(tree, in_mediation(tree), (1, 2), room=room).status == SessionStatus.SCHEDULED


def test_the_transitions_that_cancel_sessions_are_those_that_conclude_a_case() -> None:
    cancelling = {n for n, t in workflow.TRANSITIONS.items() if workflow.cancels_sessions(t)}
    assert cancelling == {"decline", "resolve", "fail", "withdraw", "close"}
