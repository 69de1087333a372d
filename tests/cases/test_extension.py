"""A director's one extension of a case's deadline (DESIGN §4, docs/deadlines.md).

``extend`` is a workflow transition that keeps the status: it moves the running deadline (the
acceptance decision while registered, ``due_at`` after), records when, how many days and why, and
is offered and allowed once per case. Times are frozen with ``time_machine``.
"""

import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation

from cases import deadlines, workflow
from cases.errors import CaseNotFound, InvalidInput, TransitionNotAllowed
from cases.models import Case, Event, EventKind, Status
from tests.factories import Tree, aware, drive, end_of, register

pytestmark = pytest.mark.django_db

REASON = "当事人外出务工，需延期"
ALREADY = "The deadline has already been extended once."


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Messages are compared in English (the default language is Simplified Chinese)."""
    with translation.override("en"):
        yield


def extend(
    case: Case | int, actor: Any, days: Any = 10, reason: Any = REASON, **kwargs: Any
) -> Case:
    return workflow.transition(
        case=case, name="extend", actor=actor, data={"days": days, "reason": reason}, **kwargs
    )


def s1_case(tree: Tree, status: str) -> Case:
    """A case registered at S1 now and driven to ``status`` now (lead mediator med_s1)."""
    case = register(actor=tree.intake_s1, centre=tree.s1)
    return drive(case, status, actor=tree.admin, mediator=tree.med_s1, target=tree.d2)


def state(case: Case) -> dict[str, Any]:
    """What a refused extension must leave as it was, read afresh from the database."""
    fresh = Case.objects.get(pk=case.pk)
    return {
        "status": fresh.status,
        "version": fresh.version,
        "acceptance_due_at": fresh.acceptance_due_at,
        "due_at": fresh.due_at,
        "suspended_at": fresh.suspended_at,
        "extended_at": fresh.extended_at,
        "extension_days": fresh.extension_days,
        "extension_reason": fresh.extension_reason,
        "events": list(Event.objects.filter(case=fresh).values_list("pk", flat=True)),
    }


def moment(value: str | None) -> datetime | None:
    """A time as an event stores it (ISO 8601), back as a datetime."""
    return None if value is None else datetime.fromisoformat(value)


def offered(user: Any, case: Case) -> set[str]:
    return {t.name for t in workflow.available_transitions(user, Case.objects.get(pk=case.pk))}


# --- Which clock moves --------------------------------------------------------------------------


def test_a_registered_case_extends_its_acceptance_decision(tree: Tree) -> None:
    with time_machine.travel(aware(2026, 3, 2, 9, 0), tick=False) as clock:
        case = register(actor=tree.intake_s1, centre=tree.s1)
        assert case.acceptance_due_at == end_of(2026, 3, 5)
        clock.move_to(aware(2026, 3, 4, 16, 30))
        version = case.version

        extended = extend(case, tree.director_d1, days=5, expected_version=version)

    now = Case.objects.get(pk=case.pk)
    assert extended.status == now.status == Status.REGISTERED
    assert now.acceptance_due_at == end_of(2026, 3, 10)  # 5 calendar days more
    assert now.running_deadline == now.acceptance_due_at
    assert now.due_at is None
    assert (now.extended_at, now.extension_days, now.extension_reason) == (
        aware(2026, 3, 4, 16, 30),
        5,
        REASON,
    )
    assert now.version == version + 1

    event = Event.objects.filter(case=case).latest("id")
    assert (event.kind, event.name, event.actor, event.case_version) == (
        EventKind.TRANSITION,
        "extend",
        tree.director_d1,
        now.version,
    )
    assert (
        set(event.before)
        == set(event.after)
        == {
            "status",
            "acceptance_due_at",
            "extended_at",
            "extension_days",
            "extension_reason",
        }
    )
    assert event.before["status"] == event.after["status"] == Status.REGISTERED
    assert moment(event.before["acceptance_due_at"]) == end_of(2026, 3, 5)
    assert moment(event.after["acceptance_due_at"]) == end_of(2026, 3, 10)
    assert (event.before["extended_at"], event.before["extension_days"]) == (None, None)
    assert event.before["extension_reason"] == ""
    assert moment(event.after["extended_at"]) == aware(2026, 3, 4, 16, 30)
    assert (event.after["extension_days"], event.after["extension_reason"]) == (5, REASON)


def test_an_in_mediation_case_extends_its_mediation_deadline(tree: Tree) -> None:
    with time_machine.travel(aware(2026, 5, 11, 10, 0), tick=False) as clock:
        case = s1_case(tree, Status.IN_MEDIATION)
        acceptance_due = case.acceptance_due_at
        assert case.due_at == aware(2026, 6, 10, 10, 0)
        assert "extend" in offered(tree.director_d1, case)
        clock.move_to(aware(2026, 6, 8, 11, 0))

        extend(case, tree.director_d1, days=30)

    now = Case.objects.get(pk=case.pk)
    assert now.status == Status.IN_MEDIATION
    assert now.due_at == aware(2026, 7, 10, 10, 0)
    assert now.running_deadline == now.due_at
    assert now.acceptance_due_at == acceptance_due  # the decision is long taken: untouched
    event = Event.objects.filter(case=case).latest("id")
    assert "acceptance_due_at" not in event.after
    assert moment(event.before["due_at"]) == aware(2026, 6, 10, 10, 0)
    assert moment(event.after["due_at"]) == aware(2026, 7, 10, 10, 0)
    assert event.before["status"] == event.after["status"] == Status.IN_MEDIATION
    # Offered before, not after; the other actions stay on offer.
    assert offered(tree.director_d1, case) == {
        "assign",
        "suspend",
        "resolve",
        "fail",
        "withdraw",
        "transfer",
    }


def test_an_accepted_case_extends_due_at(tree: Tree) -> None:
    with time_machine.travel(aware(2026, 1, 15, 8, 0), tick=False):
        case = s1_case(tree, Status.ACCEPTED)
        extend(case, tree.director_c, days=1)  # a director above the handling centre
    now = Case.objects.get(pk=case.pk)
    assert (now.status, now.due_at) == (Status.ACCEPTED, aware(2026, 2, 15, 8, 0))


def test_a_suspended_case_extended_then_resumed_moves_by_extension_and_pause(tree: Tree) -> None:
    """Across a month end, a year end and the Asia/Shanghai day boundary.

    Mediation starts at 20:00 on 20 November (Shanghai): due 20:00 on 20 December. Suspended on
    10 December at 09:00, extended by 7 days (due 27 December 20:00), resumed on 14 December at
    13:30: paused 4 days 4 h 30 min, so due at 00:30 on 1 January 2027 in Shanghai, which is
    still 31 December 2026 in UTC.
    """
    with time_machine.travel(aware(2026, 11, 20, 20, 0), tick=False) as clock:
        case = s1_case(tree, Status.IN_MEDIATION)
        assert case.due_at == aware(2026, 12, 20, 20, 0)
        clock.move_to(aware(2026, 12, 10, 9, 0))
        case = workflow.transition(
            case=case, name="suspend", actor=tree.mediator_s1_user, data={"reason": "当事人住院"}
        )
        assert case.running_deadline is None  # paused
        assert "extend" in offered(tree.director_d1, case)
        clock.move_to(aware(2026, 12, 11, 15, 0))

        case = extend(case, tree.admin, days=7)
        assert case.status == Status.SUSPENDED
        assert case.due_at == aware(2026, 12, 27, 20, 0)
        assert case.suspended_at == aware(2026, 12, 10, 9, 0)  # still paused since then
        clock.move_to(aware(2026, 12, 14, 13, 30))

        case = workflow.transition(case=case, name="resume", actor=tree.mediator_s1_user)

    now = Case.objects.get(pk=case.pk)
    pause = aware(2026, 12, 14, 13, 30) - aware(2026, 12, 10, 9, 0)
    assert pause == timedelta(days=4, hours=4, minutes=30)
    assert now.status == Status.IN_MEDIATION
    assert now.due_at == aware(2026, 12, 20, 20, 0) + timedelta(days=7) + pause
    assert now.due_at == aware(2027, 1, 1, 0, 30)
    assert timezone.localdate(now.due_at) == date(2027, 1, 1)
    assert now.due_at.astimezone(UTC).date() == date(2026, 12, 31)
    assert now.extension_days == 7
    resumed = Event.objects.filter(case=case, name="resume").get()
    assert moment(resumed.before["due_at"]) == aware(2026, 12, 27, 20, 0)
    assert moment(resumed.after["due_at"]) == aware(2027, 1, 1, 0, 30)
    # Not overdue a minute before midnight on New Year's Eve (Shanghai), overdue after 00:30.
    on_time = Case.objects.filter(deadlines.overdue_q(aware(2026, 12, 31, 23, 59)), pk=case.pk)
    late = Case.objects.filter(deadlines.overdue_q(aware(2027, 1, 1, 0, 31)), pk=case.pk)
    assert (on_time.exists(), late.exists()) == (False, True)


# --- Once ---------------------------------------------------------------------------------------


def test_a_second_extension_is_refused_and_changes_nothing(tree: Tree) -> None:
    case = s1_case(tree, Status.IN_MEDIATION)
    case = extend(case, tree.director_d1, days=3)
    before = state(case)
    assert "extend" not in offered(tree.director_d1, case)
    assert "extend" not in offered(tree.admin, case)

    for actor, data in [
        (tree.director_d1, {"days": 3, "reason": REASON}),
        (tree.admin, {"days": 1, "reason": "再延"}),
        (tree.director_c, {}),  # refused for the extension, before the data is looked at
    ]:
        with pytest.raises(TransitionNotAllowed) as exc:
            workflow.transition(
                case=case,
                name="extend",
                actor=actor,
                data=data,
                expected_version=before["version"],
            )
        assert str(exc.value) == ALREADY
        assert exc.value.fields == {}
        assert state(case) == before


def test_an_extension_of_the_acceptance_decision_uses_it_up(tree: Tree) -> None:
    case = register(actor=tree.intake_s1, centre=tree.s1)
    case = extend(case, tree.director_d1, days=2)
    case = workflow.transition(case=case, name="accept", actor=tree.director_d1)
    assert case.due_at is not None
    assert "extend" not in offered(tree.director_d1, case)
    with pytest.raises(TransitionNotAllowed, match=ALREADY):
        extend(case, tree.director_d1)


def test_the_receiving_centre_of_a_transfer_cannot_extend_again(tree: Tree) -> None:
    case = s1_case(tree, Status.IN_MEDIATION)
    case = extend(case, tree.director_d1, days=5)
    case = workflow.transition(
        case=case,
        name="transfer",
        actor=tree.director_d1,
        data={"target_centre": tree.d2.pk, "reason": "需上级调处"},
    )
    assert "extend" not in offered(tree.director_d1, case)  # pending: not extendable anyway
    case = workflow.transition(case=case, name="accept_transfer", actor=tree.director_d2)
    assert case.extension_days == 5  # the record stays with the case
    assert "extend" not in offered(tree.director_d2, case)
    with pytest.raises(TransitionNotAllowed, match=ALREADY):
        extend(case, tree.director_d2)


@pytest.mark.django_db(transaction=True)
def test_two_directors_extending_at_once_cannot_both_succeed(tree: Tree) -> None:
    assert connection.vendor == "postgresql", "row locking is tested on PostgreSQL only"
    case = s1_case(tree, Status.IN_MEDIATION)
    due = case.due_at
    assert due is not None
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def attempt(label: str, actor: Any, days: int) -> None:
        try:
            barrier.wait(timeout=30)
            outcomes[label] = extend(case.pk, actor, days=days)  # no version: only the lock
        except BaseException as exc:
            outcomes[label] = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=attempt, args=("d1", tree.director_d1, 3)),
        threading.Thread(target=attempt, args=("c", tree.director_c, 20)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    won = [label for label, outcome in outcomes.items() if isinstance(outcome, Case)]
    lost = [outcome for outcome in outcomes.values() if isinstance(outcome, Exception)]
    assert len(won) == 1 and len(lost) == 1, outcomes
    assert isinstance(lost[0], TransitionNotAllowed) and str(lost[0]) == ALREADY
    now = Case.objects.get(pk=case.pk)
    days = 3 if won == ["d1"] else 20
    assert (now.extension_days, now.due_at) == (days, due + timedelta(days=days))
    assert Event.objects.filter(case=case, name="extend").count() == 1


# --- Refusals -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"days": 0, "reason": REASON}, "days", "greater than or equal to 1"),
        ({"days": 31, "reason": REASON}, "days", "less than or equal to 30"),
        ({"days": -5, "reason": REASON}, "days", "greater than or equal to 1"),
        ({"days": "a week", "reason": REASON}, "days", "Enter a whole number."),
        ({"reason": REASON}, "days", "This field is required."),
        ({"days": 10}, "reason", "This field is required."),
        ({"days": 10, "reason": ""}, "reason", "This field is required."),
        ({"days": 10, "reason": "x" * 2001}, "reason", "at most 2000 characters"),
    ],
    ids=["zero", "thirty-one", "negative", "not-a-number", "no-days", "no-reason", "blank", "long"],
)
def test_bad_data_is_refused_naming_the_field(
    tree: Tree, data: dict[str, Any], field: str, message: str
) -> None:
    case = s1_case(tree, Status.IN_MEDIATION)
    before = state(case)
    with pytest.raises(InvalidInput) as exc:
        workflow.transition(case=case, name="extend", actor=tree.director_d1, data=data)
    assert list(exc.value.fields) == [field]
    assert message in " ".join(exc.value.fields[field])
    assert state(case) == before
    assert "extend" in offered(tree.director_d1, case)  # a refused attempt does not use it up


def test_the_maximum_is_the_policy_default() -> None:
    assert deadlines.MAX_EXTENSION_DAYS == 30
    assert workflow.ExtendForm({"days": 30, "reason": REASON}).is_valid()


@pytest.mark.parametrize("user", ["mediator_s1", "observer_d1", "intake_s1"])
def test_only_a_director_or_an_administrator_may_extend(tree: Tree, user: str) -> None:
    case = s1_case(tree, Status.IN_MEDIATION)  # mediator_s1 leads it
    before = state(case)
    actor = tree.users[user]
    assert "extend" not in offered(actor, case)
    with pytest.raises(TransitionNotAllowed):
        extend(case, actor)
    assert state(case) == before


@pytest.mark.parametrize("user", ["director_d2", "mediator_s2", "court_liaison"])
def test_a_case_out_of_scope_is_not_found(tree: Tree, user: str) -> None:
    case = s1_case(tree, Status.IN_MEDIATION)
    before = state(case)
    with pytest.raises(CaseNotFound):
        extend(case, tree.users[user])
    assert state(case) == before


@pytest.mark.parametrize(
    "status",
    [Status.PENDING_TRANSFER, Status.RESOLVED, Status.DECLINED, Status.CLOSED],
)
def test_a_case_without_a_running_clock_of_its_own_cannot_be_extended(
    tree: Tree, status: str
) -> None:
    case = s1_case(tree, status)
    before = state(case)
    assert "extend" not in offered(tree.admin, case)
    with pytest.raises(TransitionNotAllowed, match="is not possible while the case is"):
        extend(case, tree.admin)
    assert state(case) == before


def test_a_case_missing_its_deadline_is_refused_clearly(tree: Tree) -> None:
    case = s1_case(tree, Status.ACCEPTED)
    Case.objects.filter(pk=case.pk).update(due_at=None)  # data from before deadlines existed
    before = state(case)
    with pytest.raises(TransitionNotAllowed, match="no running deadline to extend"):
        extend(case, tree.director_d1)
    assert state(case) == before


def test_the_database_keeps_an_extensions_record_whole(tree: Tree) -> None:
    case = s1_case(tree, Status.IN_MEDIATION)
    incomplete: list[dict[str, Any]] = [
        {"extended_at": timezone.now()},
        {"extension_days": 3},
        {"extension_reason": REASON},
        {"extended_at": timezone.now(), "extension_days": 3},
        {"extended_at": timezone.now(), "extension_days": 0, "extension_reason": REASON},
    ]
    for values in incomplete:
        with pytest.raises(IntegrityError), transaction.atomic():
            Case.objects.filter(pk=case.pk).update(**values)
