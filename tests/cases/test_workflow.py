"""The case lifecycle (DESIGN §4): every transition of the table, and every way one is refused."""

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection

from cases import workflow
from cases.errors import CaseNotFound, InvalidInput, TransitionNotAllowed, VersionConflict
from cases.models import (
    Agreement,
    Case,
    Event,
    EventKind,
    FollowUp,
    Fulfilment,
    Status,
    Transfer,
    TransferDirection,
    TransferStatus,
)
from tests.factories import (
    MediatorFactory,
    Tree,
    agreement_data,
    aware,
    data_for,
    drive,
    register,
)

pytestmark = pytest.mark.django_db

ALLOWED = [
    (name, source) for name, spec in workflow.TRANSITIONS.items() for source in sorted(spec.sources)
]
REFUSED_BY_STATUS = [
    (name, status)
    for name, spec in workflow.TRANSITIONS.items()
    for status in Status.values
    if status not in spec.sources
]


def snapshot(case: Case) -> dict[str, Any]:
    """Everything a transition could change, read afresh from the database."""
    fresh = Case.objects.get(pk=case.pk)
    return {
        "status": fresh.status,
        "version": fresh.version,
        "centre": fresh.centre_id,
        "transfer_target": fresh.transfer_target_id,
        "lead_mediator": fresh.lead_mediator_id,
        "co_mediators": sorted(fresh.co_mediators.values_list("pk", flat=True)),
        "outcome": fresh.outcome,
        "decline_reason": fresh.decline_reason,
        "fail_guidance": fresh.fail_guidance,
        "outcome_note": fresh.outcome_note,
        "accepted_at": fresh.accepted_at,
        "assigned_at": fresh.assigned_at,
        "suspended_at": fresh.suspended_at,
        "concluded_at": fresh.concluded_at,
        "closed_at": fresh.closed_at,
        "due_at": fresh.due_at,
        "events": list(Event.objects.filter(case=fresh).values_list("pk", flat=True)),
        "agreements": list(Agreement.objects.filter(case=fresh).values_list("pk", flat=True)),
        "transfers": list(
            Transfer.objects.filter(case=fresh).order_by("pk").values_list("pk", "status")
        ),
        "follow_ups": list(FollowUp.objects.filter(case=fresh).values_list("pk", flat=True)),
    }


def s1_case(tree: Tree, status: str) -> Case:
    """A case registered at S1 and driven to ``status`` (lead mediator med_s1, transfers to D2)."""
    case = register(actor=tree.intake_s1, centre=tree.s1)
    return drive(case, status, actor=tree.admin, mediator=tree.med_s1, target=tree.d2)


def actor_for(tree: Tree, name: str) -> Any:
    """A realistic performer of each transition on an S1 case."""
    if name in {"suspend", "resume", "resolve", "fail"}:
        return tree.mediator_s1_user  # the lead mediator
    if name == "withdraw":
        return tree.intake_s1  # withdrawal is taken at the window too
    if name in {"accept_transfer", "return_transfer"}:
        return tree.director_d2  # the receiving centre
    return tree.director_d1


def valid_data(tree: Tree, name: str) -> dict[str, Any]:
    return data_for(name, mediator=tree.med_s1b, target=tree.d2)


# --- Every allowed transition works --------------------------------------------------------------


@pytest.mark.parametrize(("name", "source"), ALLOWED)
def test_allowed_transition_changes_status_writes_one_event_and_bumps_version(
    tree: Tree, name: str, source: str
) -> None:
    case = s1_case(tree, source)
    before = snapshot(case)
    actor = actor_for(tree, name)
    spec = workflow.TRANSITIONS[name]
    # return_transfer goes back to the status before the transfer (here: registered); extend
    # leaves the status as it is.
    expected = spec.target or (Status.REGISTERED if name == "return_transfer" else source)

    result = workflow.transition(
        case=case,
        name=name,
        actor=actor,
        data=valid_data(tree, name),
        expected_version=case.version,
    )

    after = snapshot(case)
    assert result.status == expected
    assert after["status"] == expected
    assert after["version"] == before["version"] + 1
    new_events = Event.objects.filter(case=case).exclude(pk__in=before["events"])
    assert new_events.count() == 1
    event = new_events.get()
    assert event.kind == EventKind.TRANSITION
    assert event.name == name
    assert event.actor == actor
    assert event.before["status"] == source
    assert event.after["status"] == expected
    assert event.case_version == after["version"]
    assert Case.objects.get(pk=case.pk).number == case.number


# --- Every disallowed transition is refused and changes nothing ----------------------------------


@pytest.mark.parametrize(("name", "status"), REFUSED_BY_STATUS)
def test_transition_from_a_wrong_status_is_refused_and_changes_nothing(
    tree: Tree, name: str, status: str
) -> None:
    case = s1_case(tree, status)
    before = snapshot(case)

    with pytest.raises(TransitionNotAllowed):
        workflow.transition(case=case, name=name, actor=tree.admin, data=valid_data(tree, name))

    assert snapshot(case) == before


def test_an_unknown_transition_is_refused(tree: Tree) -> None:
    case = s1_case(tree, Status.REGISTERED)
    before = snapshot(case)
    with pytest.raises(TransitionNotAllowed):
        workflow.transition(case=case, name="reopen", actor=tree.admin)
    assert snapshot(case) == before


@pytest.mark.parametrize(
    ("user", "name", "status"),
    [
        ("observer_d1", "accept", Status.REGISTERED),
        ("observer_d1", "suspend", Status.IN_MEDIATION),
        ("intake_s1", "accept", Status.REGISTERED),
        ("intake_s1", "decline", Status.REGISTERED),
        ("intake_s1", "resolve", Status.IN_MEDIATION),
        ("mediator_s1", "accept", Status.REGISTERED),  # sees it in the S1 queue, may not decide it
        ("mediator_s1", "assign", Status.IN_MEDIATION),  # the lead mediator
        ("mediator_s1", "close", Status.FAILED),
        ("mediator_s1", "transfer", Status.IN_MEDIATION),
        ("director_d1", "accept_transfer", Status.PENDING_TRANSFER),  # the sender
        ("director_d1", "return_transfer", Status.PENDING_TRANSFER),
        ("observer_d1", "accept_transfer", Status.PENDING_TRANSFER),
    ],
)
def test_transition_by_a_wrong_role_is_refused_and_changes_nothing(
    tree: Tree, user: str, name: str, status: str
) -> None:
    case = s1_case(tree, status)
    before = snapshot(case)

    with pytest.raises(TransitionNotAllowed):
        workflow.transition(
            case=case, name=name, actor=tree.users[user], data=valid_data(tree, name)
        )

    assert snapshot(case) == before


def test_court_liaison_may_not_accept_the_case_their_court_entrusted(tree: Tree) -> None:
    case = register(
        actor=tree.court_liaison,
        centre=tree.d1,
        channel="court_entrusted",
        entrusting_court=tree.court,
        court_case_number="(2026)鄂0102民诉前调7号",
        entrusted_on=aware(2026, 11, 2).date(),
    )
    before = snapshot(case)
    with pytest.raises(TransitionNotAllowed):
        workflow.transition(case=case, name="accept", actor=tree.court_liaison)
    assert snapshot(case) == before


def test_a_mediator_not_assigned_to_the_case_cannot_find_it(tree: Tree) -> None:
    case = register(actor=tree.intake_s1, centre=tree.s1)
    case = drive(case, Status.IN_MEDIATION, actor=tree.admin, mediator=tree.med_s1b)
    before = snapshot(case)

    with pytest.raises(CaseNotFound):
        workflow.transition(
            case=case, name="resolve", actor=tree.mediator_s1_user, data=agreement_data()
        )

    assert snapshot(case) == before


@pytest.mark.parametrize(
    ("user", "name", "status", "centre"),
    [
        ("director_d2", "accept", Status.REGISTERED, "s1"),
        ("director_d2", "decline", Status.REGISTERED, "d1"),
        ("director_d2", "transfer", Status.ACCEPTED, "k1"),
        ("director_d1", "accept", Status.REGISTERED, "s2"),
        ("mediator_s2", "suspend", Status.IN_MEDIATION, "s1"),
        ("intake_s1", "withdraw", Status.ACCEPTED, "k1"),  # intake sees its own centre only
        ("court_liaison", "accept", Status.REGISTERED, "d1"),  # not entrusted by their court
    ],
)
def test_transition_out_of_scope_answers_case_not_found_and_changes_nothing(
    tree: Tree, user: str, name: str, status: str, centre: str
) -> None:
    case = register(actor=tree.admin, centre=getattr(tree, centre))
    case = drive(case, status, actor=tree.admin, mediator=tree.med_c, target=tree.c)
    before = snapshot(case)

    with pytest.raises(CaseNotFound):
        workflow.transition(
            case=case, name=name, actor=tree.users[user], data=valid_data(tree, name)
        )

    assert snapshot(case) == before


def test_a_missing_case_answers_case_not_found(tree: Tree) -> None:
    with pytest.raises(CaseNotFound):
        workflow.transition(case=987654321, name="accept", actor=tree.admin)


DataBuilder = Callable[[Tree], dict[str, Any]]

MISSING_DATA: list[tuple[str, str, DataBuilder, str]] = [
    ("decline", Status.REGISTERED, lambda t: {}, "reason"),
    ("decline", Status.REGISTERED, lambda t: {"reason": "   "}, "reason"),
    ("resolve", Status.IN_MEDIATION, lambda t: {}, "agreement"),
    ("resolve", Status.IN_MEDIATION, lambda t: {"agreement": {}}, "agreement.terms"),
    (
        "resolve",
        Status.IN_MEDIATION,
        lambda t: agreement_data(amount_agreed="-1"),
        "agreement.amount_agreed",
    ),
    (
        "resolve",
        Status.IN_MEDIATION,
        lambda t: agreement_data(signed_on="2026-05-02", effective_on="2026-05-01"),
        "agreement.effective_on",
    ),
    ("fail", Status.IN_MEDIATION, lambda t: {"note": "未达成"}, "guidance"),
    ("fail", Status.IN_MEDIATION, lambda t: {"guidance": "prayer"}, "guidance"),
    ("transfer", Status.REGISTERED, lambda t: {"reason": "上交"}, "target_centre"),
    ("transfer", Status.REGISTERED, lambda t: {"target_centre": t.d2.pk}, "reason"),
    (
        "transfer",
        Status.REGISTERED,
        lambda t: {"target_centre": t.s1.pk, "reason": "上交"},
        "target_centre",
    ),
    ("suspend", Status.IN_MEDIATION, lambda t: {}, "reason"),
    ("withdraw", Status.ACCEPTED, lambda t: {}, "reason"),
    ("assign", Status.ACCEPTED, lambda t: {}, "lead_mediator"),
    (
        "assign",
        Status.ACCEPTED,
        lambda t: {"lead_mediator": t.med_s1.pk, "co_mediators": [t.med_s1.pk]},
        "co_mediators",
    ),
    ("return_transfer", Status.PENDING_TRANSFER, lambda t: {}, "reason"),
    ("close", Status.FAILED, lambda t: {"fulfilment": Fulfilment.FULFILLED}, "fulfilment"),
    ("close", Status.RESOLVED, lambda t: {"fulfilment": "bogus"}, "fulfilment"),
]


@pytest.mark.parametrize(
    ("name", "status", "data", "field"),
    MISSING_DATA,
    ids=[f"{name}-{field}-{i}" for i, (name, _s, _d, field) in enumerate(MISSING_DATA)],
)
def test_missing_or_bad_data_is_refused_naming_the_field_and_changes_nothing(
    tree: Tree, name: str, status: str, data: DataBuilder, field: str
) -> None:
    case = s1_case(tree, status)
    before = snapshot(case)

    # The city director supervises the case and receives transfers to D2: only the data is wrong.
    with pytest.raises(InvalidInput) as exc:
        workflow.transition(case=case, name=name, actor=tree.director_c, data=data(tree))

    assert field in exc.value.fields
    assert exc.value.fields[field]  # with a message
    assert snapshot(case) == before


# --- What particular transitions do --------------------------------------------------------------


@pytest.mark.parametrize(
    "previous", [Status.REGISTERED, Status.ACCEPTED, Status.IN_MEDIATION, Status.SUSPENDED]
)
def test_return_transfer_goes_back_to_the_previous_status(tree: Tree, previous: str) -> None:
    case = s1_case(tree, previous)
    case = workflow.transition(
        case=case,
        name="transfer",
        actor=tree.director_d1,
        data=data_for("transfer", target=tree.d2),
    )
    assert case.status == Status.PENDING_TRANSFER
    assert case.transfer_target == tree.d2

    case = workflow.transition(
        case=case, name="return_transfer", actor=tree.director_d2, data={"reason": "不属本中心受理"}
    )

    fresh = Case.objects.get(pk=case.pk)
    assert fresh.status == previous
    assert fresh.centre == tree.s1
    assert fresh.transfer_target is None
    transfer = Transfer.objects.get(case=case)
    assert transfer.status == TransferStatus.RETURNED
    assert transfer.return_reason == "不属本中心受理"
    assert transfer.decided_by == tree.director_d2
    assert transfer.previous_status == previous
    if previous in {Status.IN_MEDIATION, Status.SUSPENDED}:
        assert fresh.lead_mediator == tree.med_s1  # nothing else moved


def test_accept_transfer_moves_the_case_clears_mediators_and_keeps_the_number(tree: Tree) -> None:
    case = register(actor=tree.intake_s1, centre=tree.s1)
    case = drive(case, Status.ACCEPTED, actor=tree.director_d1)
    case = workflow.transition(
        case=case,
        name="assign",
        actor=tree.director_d1,
        data={"lead_mediator": tree.med_s1.pk, "co_mediators": [tree.med_s1b.pk]},
    )
    number = case.number
    case = workflow.transition(
        case=case,
        name="transfer",
        actor=tree.director_d1,
        data=data_for("transfer", target=tree.d2),
    )

    workflow.transition(case=case, name="accept_transfer", actor=tree.director_d2)

    fresh = Case.objects.get(pk=case.pk)
    assert fresh.status == Status.ACCEPTED
    assert fresh.centre == tree.d2
    assert fresh.registering_centre == tree.s1
    assert fresh.number == number
    assert fresh.transfer_target is None
    assert fresh.lead_mediator is None
    assert list(fresh.co_mediators.all()) == []
    transfer = Transfer.objects.get(case=case)
    assert transfer.status == TransferStatus.ACCEPTED
    assert transfer.direction == TransferDirection.ACROSS
    assert transfer.from_centre == tree.s1
    assert transfer.to_centre == tree.d2
    assert transfer.decided_by == tree.director_d2
    last = Event.objects.filter(case=case).last()
    assert last is not None
    assert last.name == "accept_transfer"
    assert last.centre == tree.d2


@pytest.mark.parametrize(
    ("source", "target", "direction"),
    [
        ("s1", "d1", TransferDirection.UP),
        ("s1", "c", TransferDirection.UP),
        ("d1", "k1", TransferDirection.DOWN),
        ("s1", "s2", TransferDirection.ACROSS),
        ("d1", "court", TransferDirection.DOWN),
    ],
)
def test_transfer_direction_is_derived_from_the_tree(
    tree: Tree, source: str, target: str, direction: str
) -> None:
    case = register(actor=tree.admin, centre=getattr(tree, source))
    workflow.transition(
        case=case,
        name="transfer",
        actor=tree.director_c,
        data=data_for("transfer", target=getattr(tree, target)),
    )
    assert Transfer.objects.get(case=case).direction == direction


def test_a_receiving_court_liaison_may_accept_a_transfer_to_their_court(tree: Tree) -> None:
    case = register(actor=tree.admin, centre=tree.d1)
    case = workflow.transition(
        case=case,
        name="transfer",
        actor=tree.director_d1,
        data=data_for("transfer", target=tree.court),
    )
    workflow.transition(case=case, name="accept_transfer", actor=tree.court_liaison)
    assert Case.objects.get(pk=case.pk).centre == tree.court


def test_closing_a_resolved_case_schedules_a_follow_up(tree: Tree) -> None:
    case = s1_case(tree, Status.RESOLVED)
    closed_at = aware(2026, 6, 10, 16)

    workflow.transition(case=case, name="close", actor=tree.director_d1, at=closed_at)

    fresh = Case.objects.get(pk=case.pk)
    assert fresh.status == Status.CLOSED
    assert fresh.outcome == Status.RESOLVED
    assert fresh.closed_at == closed_at
    follow_up = FollowUp.objects.get(case=case)
    assert follow_up.due_on == closed_at.date() + timedelta(days=30)
    assert follow_up.done_at is None
    assert Agreement.objects.get(case=case).fulfilment == Fulfilment.PENDING


def test_closing_a_resolved_case_may_record_fulfilment(tree: Tree) -> None:
    case = s1_case(tree, Status.RESOLVED)
    workflow.transition(
        case=case, name="close", actor=tree.director_d1, data={"fulfilment": Fulfilment.FULFILLED}
    )
    assert Agreement.objects.get(case=case).fulfilment == Fulfilment.FULFILLED
    assert FollowUp.objects.filter(case=case).count() == 1


@pytest.mark.parametrize("status", [Status.FAILED, Status.WITHDRAWN])
def test_closing_an_unresolved_case_schedules_no_follow_up(tree: Tree, status: str) -> None:
    case = s1_case(tree, status)
    workflow.transition(case=case, name="close", actor=tree.director_d1)
    fresh = Case.objects.get(pk=case.pk)
    assert fresh.status == Status.CLOSED
    assert fresh.outcome == status
    assert not FollowUp.objects.filter(case=case).exists()


def test_resolve_records_the_agreement(tree: Tree) -> None:
    case = s1_case(tree, Status.IN_MEDIATION)
    at = aware(2026, 7, 1, 15)
    workflow.transition(
        case=case,
        name="resolve",
        actor=tree.mediator_s1_user,
        data=agreement_data(performance_deadline="2026-08-01"),
        at=at,
    )
    agreement = Agreement.objects.get(case=case)
    assert agreement.terms == "楼上住户晚十点后不再施工。"
    assert str(agreement.amount_agreed) == "500.00"
    assert agreement.signed_on == at.date()
    assert agreement.effective_on == at.date()
    assert str(agreement.performance_deadline) == "2026-08-01"
    fresh = Case.objects.get(pk=case.pk)
    assert fresh.outcome == Status.RESOLVED
    assert fresh.concluded_at == at


def test_suspend_and_resume_move_the_due_date_by_the_time_paused(tree: Tree) -> None:
    t0 = aware(2026, 3, 2, 9)
    case = register(actor=tree.intake_s1, centre=tree.s1, at=t0)
    case = workflow.transition(case=case, name="accept", actor=tree.director_d1, at=t0)
    assert case.due_at == t0 + timedelta(days=30)
    case = workflow.transition(
        case=case, name="assign", actor=tree.director_d1,
        data=data_for("assign", mediator=tree.med_s1), at=t0 + timedelta(hours=1),
    )  # fmt: skip

    workflow.transition(
        case=case, name="suspend", actor=tree.mediator_s1_user,
        data={"reason": "当事人住院"}, at=t0 + timedelta(days=2),
    )  # fmt: skip
    suspended = Case.objects.get(pk=case.pk)
    assert suspended.status == Status.SUSPENDED
    assert suspended.suspended_at == t0 + timedelta(days=2)
    assert suspended.due_at == t0 + timedelta(days=30)  # unchanged while paused

    workflow.transition(
        case=case, name="resume", actor=tree.mediator_s1_user, at=t0 + timedelta(days=9, hours=6)
    )

    resumed = Case.objects.get(pk=case.pk)
    assert resumed.status == Status.IN_MEDIATION
    assert resumed.suspended_at is None
    assert resumed.due_at == t0 + timedelta(days=37, hours=6)


def test_a_court_entrusted_case_is_due_30_days_from_entrustment(tree: Tree) -> None:
    entrusted = aware(2026, 3, 1, 0).date()
    case = register(
        actor=tree.court_liaison,
        centre=tree.d1,
        channel="court_entrusted",
        entrusting_court=tree.court,
        court_case_number="(2026)鄂0102民诉前调9号",
        entrusted_on=entrusted,
        at=aware(2026, 3, 3),
    )
    case = workflow.transition(
        case=case, name="accept", actor=tree.director_d1, at=aware(2026, 3, 5)
    )
    assert case.due_at == aware(2026, 3, 31, 0)


def test_a_stale_version_is_refused_with_the_current_version_and_changes_nothing(
    tree: Tree,
) -> None:
    case = s1_case(tree, Status.REGISTERED)
    seen = case.version
    # Someone else accepts the case meanwhile.
    case = workflow.transition(case=case, name="accept", actor=tree.director_c)
    before = snapshot(case)

    with pytest.raises(VersionConflict) as exc:
        workflow.transition(
            case=case,
            name="withdraw",
            actor=tree.director_d1,
            data={"reason": "当事人撤回"},
            expected_version=seen,
        )

    assert exc.value.current_version == before["version"] == seen + 1
    assert snapshot(case) == before
    # With the version they now see, the same request goes through.
    workflow.transition(
        case=case,
        name="withdraw",
        actor=tree.director_d1,
        data={"reason": "当事人撤回"},
        expected_version=seen + 1,
    )
    assert Case.objects.get(pk=case.pk).status == Status.WITHDRAWN


# --- Assignment rules ----------------------------------------------------------------------------


def test_assign_refuses_a_mediator_of_another_centre(tree: Tree) -> None:
    case = s1_case(tree, Status.ACCEPTED)
    before = snapshot(case)

    with pytest.raises(InvalidInput) as exc:
        workflow.transition(
            case=case,
            name="assign",
            actor=tree.director_d1,
            data=data_for("assign", mediator=tree.med_s2),
        )

    assert "lead_mediator" in exc.value.fields
    assert snapshot(case) == before


def test_assign_refuses_a_co_mediator_of_another_centre(tree: Tree) -> None:
    case = s1_case(tree, Status.ACCEPTED)
    before = snapshot(case)
    with pytest.raises(InvalidInput) as exc:
        workflow.transition(
            case=case,
            name="assign",
            actor=tree.director_d1,
            data={"lead_mediator": tree.med_s1.pk, "co_mediators": [tree.med_s2.pk]},
        )
    assert list(exc.value.fields) == ["co_mediators"]
    assert snapshot(case) == before


def test_assign_refuses_a_mediator_with_a_declared_conflict_with_a_party(tree: Tree) -> None:
    tree.med_s1.conflicts = "李四\n某某物业公司"
    tree.med_s1.save(update_fields=["conflicts"])
    case = s1_case(tree, Status.ACCEPTED)  # parties 张三 and 李四
    before = snapshot(case)

    with pytest.raises(InvalidInput) as exc:
        workflow.transition(
            case=case,
            name="assign",
            actor=tree.director_d1,
            data=data_for("assign", mediator=tree.med_s1),
        )

    assert "lead_mediator" in exc.value.fields
    assert any("李四" in message for message in exc.value.fields["lead_mediator"])
    assert snapshot(case) == before


def test_assign_refuses_a_mediator_at_capacity(tree: Tree) -> None:
    busy = MediatorFactory.create(home_centre=tree.s1, capacity=1)
    first = s1_case(tree, Status.ACCEPTED)
    workflow.transition(
        case=first, name="assign", actor=tree.director_d1, data=data_for("assign", mediator=busy)
    )
    second = s1_case(tree, Status.ACCEPTED)
    before = snapshot(second)

    with pytest.raises(InvalidInput) as exc:
        workflow.transition(
            case=second,
            name="assign",
            actor=tree.director_d1,
            data=data_for("assign", mediator=busy),
        )

    assert "lead_mediator" in exc.value.fields
    assert snapshot(second) == before


def test_assign_accepts_a_mediator_who_holds_a_seat_at_the_centre(tree: Tree) -> None:
    judge = MediatorFactory.create(home_centre=tree.s2, name="退休法官")
    judge.seats.add(tree.s1)
    case = s1_case(tree, Status.ACCEPTED)
    workflow.transition(
        case=case, name="assign", actor=tree.director_d1, data=data_for("assign", mediator=judge)
    )
    fresh = Case.objects.get(pk=case.pk)
    assert fresh.status == Status.IN_MEDIATION
    assert fresh.lead_mediator == judge


def test_assign_refuses_an_inactive_mediator(tree: Tree) -> None:
    tree.med_s1.active = False
    tree.med_s1.save(update_fields=["active"])
    case = s1_case(tree, Status.ACCEPTED)
    before = snapshot(case)
    with pytest.raises(InvalidInput) as exc:
        workflow.transition(
            case=case,
            name="assign",
            actor=tree.director_d1,
            data=data_for("assign", mediator=tree.med_s1),
        )
    assert "lead_mediator" in exc.value.fields
    assert snapshot(case) == before


# --- What the UI offers --------------------------------------------------------------------------


def test_available_transitions_follow_status_and_role(tree: Tree) -> None:
    case = s1_case(tree, Status.REGISTERED)

    def offered(user: Any) -> set[str]:
        return {t.name for t in workflow.available_transitions(user, case)}

    assert offered(tree.director_d1) == {"accept", "decline", "transfer", "extend"}
    assert offered(tree.observer_d1) == set()
    assert offered(tree.intake_s1) == set()
    assert offered(tree.director_d2) == set()

    case = workflow.transition(case=case, name="accept", actor=tree.director_d1)
    assert offered(tree.intake_s1) == {"withdraw"}
    assert offered(tree.director_d1) == {"assign", "withdraw", "transfer", "extend"}


# --- No lost updates ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_people_deciding_one_case_at_once_cannot_both_win(tree: Tree) -> None:
    assert connection.vendor == "postgresql", "row locking is tested on PostgreSQL only"
    case = register(actor=tree.intake_s1, centre=tree.s1)
    seen = case.version
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def decide(name: str, actor: Any, data: dict[str, Any]) -> None:
        try:
            barrier.wait(timeout=30)
            outcomes[name] = workflow.transition(
                case=case.pk, name=name, actor=actor, data=data, expected_version=seen
            )
        except BaseException as exc:
            outcomes[name] = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=decide, args=("accept", tree.director_d1, {})),
        threading.Thread(target=decide, args=("decline", tree.director_c, {"reason": "不受理"})),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    won = [name for name, outcome in outcomes.items() if isinstance(outcome, Case)]
    lost = [outcome for outcome in outcomes.values() if isinstance(outcome, VersionConflict)]
    assert len(won) == 1 and len(lost) == 1, outcomes
    assert lost[0].current_version == seen + 1
    fresh = Case.objects.get(pk=case.pk)
    assert fresh.status == {"accept": Status.ACCEPTED, "decline": Status.DECLINED}[won[0]]
    assert fresh.version == seen + 1
    assert Event.objects.filter(case=case).count() == 2
