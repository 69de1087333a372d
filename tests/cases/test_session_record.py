"""The session record (调解笔录): written after the session, corrected later, each write an event
(the record is versioned by its events)."""

from datetime import timedelta

import pytest

from cases.errors import InvalidInput, TransitionNotAllowed
from cases.models import Event, Session, SessionStatus
from cases.services import sessions
from cases.services.sessions import RECORD_TEXT_MAX
from tests.cases.test_sessions import book, hours, s1_case_in_mediation
from tests.factories import Tree, aware

pytestmark = pytest.mark.django_db

AFTER = aware(2026, 12, 7, 12)


def write(tree: Tree, session: Session, **fields: object) -> Session:
    return sessions.record_session(session=session, actor=tree.mediator_s1_user, **fields)  # type: ignore[arg-type]


def test_the_record_is_saved_with_who_wrote_it_and_when(tree: Tree) -> None:
    case = s1_case_in_mediation(tree)
    session = book(tree, case, hours(1, 2))
    applicant, respondent = case.parties.order_by("position", "id")[:2]

    sessions.record_session(
        session=session,
        actor=tree.mediator_s1_user,
        result="达成初步共识",
        parties_present=[applicant, respondent],
        others_present="申请人之子张小明",
        applicant_statement="要求赔偿三千元",
        respondent_statement="只愿赔偿两千元",
        agreed="双方同意以两千五百元了结",
        next_step="下周二签署协议",
        at=AFTER,
    )

    session.refresh_from_db()
    assert session.status == SessionStatus.HELD
    assert (session.others_present, session.applicant_statement) == (
        "申请人之子张小明",
        "要求赔偿三千元",
    )
    assert (session.respondent_statement, session.agreed) == (
        "只愿赔偿两千元",
        "双方同意以两千五百元了结",
    )
    assert session.next_step == "下周二签署协议"
    assert (session.recorded_by, session.recorded_at) == (tree.mediator_s1_user, AFTER)
    [event] = Event.objects.filter(case=case, name="record_session")
    assert event.actor == tree.mediator_s1_user
    assert event.before["status"] == "scheduled" and event.after["status"] == "held"
    assert event.before["applicant_statement"] == ""
    assert event.after["applicant_statement"] == "要求赔偿三千元"
    assert event.after["parties_present"] == sorted([applicant.pk, respondent.pk])


def test_a_correction_is_a_new_event_with_only_what_changed(tree: Tree) -> None:
    case = s1_case_in_mediation(tree)
    session = book(tree, case, hours(1, 2))
    write(tree, session, result="初步共识", agreed="以两千五百元了结", next_step="下周二签署")
    first = Event.objects.get(case=case, name="record_session")

    sessions.record_session(
        session=session,
        actor=tree.director_d1,
        result="初步共识",  # unchanged: not in the event
        next_step="下周三签署",
        at=AFTER + timedelta(days=1),
    )

    session.refresh_from_db()
    assert (session.agreed, session.next_step) == ("以两千五百元了结", "下周三签署")
    assert (session.recorded_by, session.recorded_at) == (
        tree.director_d1,
        AFTER + timedelta(days=1),
    )
    [correction] = Event.objects.filter(case=case, name="correct_session_record")
    assert correction.actor == tree.director_d1
    assert correction.before == {"session": session.pk, "next_step": "下周二签署"}
    assert correction.after == {"session": session.pk, "next_step": "下周三签署"}
    # The first version stays in its own event.
    first.refresh_from_db()
    assert first.after["next_step"] == "下周二签署"


def test_a_write_that_changes_nothing_writes_nothing(tree: Tree) -> None:
    case = s1_case_in_mediation(tree)
    session = book(tree, case, hours(1, 2))
    write(tree, session, result="初步共识", agreed="同意")
    events = Event.objects.count()

    write(tree, session, result="初步共识", agreed="同意")

    assert Event.objects.count() == events


@pytest.mark.parametrize(
    "field", ["applicant_statement", "respondent_statement", "agreed", "next_step", "minutes"]
)
def test_a_text_too_long_is_refused_at_its_field_and_nothing_changes(
    tree: Tree, field: str
) -> None:
    case = s1_case_in_mediation(tree)
    session = book(tree, case, hours(1, 2))
    events = Event.objects.count()

    with pytest.raises(InvalidInput) as refused:
        write(tree, session, result="初步共识", **{field: "长" * (RECORD_TEXT_MAX + 1)})

    assert list(refused.value.fields) == [field]
    session.refresh_from_db()
    assert session.status == SessionStatus.SCHEDULED and getattr(session, field) == ""
    assert session.recorded_by is None and Event.objects.count() == events


def test_a_cancelled_session_has_no_record_to_write(tree: Tree) -> None:
    case = s1_case_in_mediation(tree)
    session = book(tree, case, hours(1, 2))
    sessions.cancel_session(session=session, actor=tree.director_d1)
    events = Event.objects.count()

    with pytest.raises(TransitionNotAllowed):
        write(tree, session, result="初步共识", applicant_statement="要求赔偿")

    session.refresh_from_db()
    assert session.applicant_statement == "" and Event.objects.count() == events
