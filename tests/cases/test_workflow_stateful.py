"""The lifecycle under random use: random intakes and random transitions by random users.

A hypothesis state machine keeps its own record of what each case should look like and checks,
after every step, that the database agrees: status only moves along edges of the table, one event
and one version per successful change and nothing on a refusal, gap-free numbers per centre and year.
"""

from dataclasses import dataclass
from typing import Any

import pytest
from django.db.models import Count
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from cases import access, workflow
from cases.errors import (
    CaseNotFound,
    DomainError,
    InvalidInput,
    NotPermitted,
    TransitionNotAllowed,
    VersionConflict,
)
from cases.models import (
    Agreement,
    Case,
    CaseNumberCounter,
    Event,
    FollowUp,
    PartyRole,
    Status,
    Transfer,
    TransferStatus,
)
from cases.services.intake import PartyData
from tests.factories import build_tree, data_for, register, unique_suffix

CENTRES = ["c", "d1", "d2", "s1", "s2", "k1"]
TARGETS = [*CENTRES, "court"]
USERS = [
    "admin",
    "director_c",
    "director_d1",
    "director_d2",
    "observer_d1",
    "intake_s1",
    "mediator_s1",
    "mediator_s1b",
    "mediator_s2",
    "court_liaison",
]
MEDIATORS = ["med_s1", "med_s1b", "med_s2", "med_c"]
NAMES = [*workflow.TRANSITIONS, "reopen"]
FINAL = {Status.DECLINED, Status.CLOSED}
WORK = {"suspend", "resume", "resolve", "fail", "withdraw"}
# What each fixture user may ever do (DESIGN §2, §4), written independently of the table's actors.
MAY = {
    "admin": set(workflow.TRANSITIONS),
    "director_c": set(workflow.TRANSITIONS),
    "director_d1": set(workflow.TRANSITIONS),
    "director_d2": set(workflow.TRANSITIONS),
    "observer_d1": set(),
    "intake_s1": {"withdraw"},
    "mediator_s1": WORK,
    "mediator_s1b": WORK,
    "mediator_s2": WORK,
    "court_liaison": {"accept_transfer", "return_transfer"},
}

PARTIES = {
    "valid": [
        PartyData(name="张三", role=PartyRole.APPLICANT, phone="13812345678"),
        PartyData(name="李四", role=PartyRole.RESPONDENT),
    ],
    "valid_with_wang": [
        PartyData(name="张三", role=PartyRole.APPLICANT, id_number="420106198001011237"),
        PartyData(name="王五", role=PartyRole.RESPONDENT),
    ],
    "no_applicant": [PartyData(name="王五", role=PartyRole.RESPONDENT)],
    "bad_phone": [PartyData(name="张三", role=PartyRole.APPLICANT, phone="call me")],
}


@dataclass
class Expected:
    """What the machine believes about one case."""

    status: str
    version: int
    events: int
    centre_id: int
    status_before_transfer: str = ""
    transfer_target_id: int | None = None
    transfers: int = 0
    agreements: int = 0
    follow_ups: int = 0
    extended: bool = False  # the deadline's one extension is used


class WorkflowMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        # Every example shares one database transaction: a fresh tree with its own codes.
        self.tree = build_tree(unique_suffix())
        # med_s1 may not mediate for 王五 (a party to some cases).
        self.tree.med_s1.conflicts = "王五"
        self.tree.med_s1.save(update_fields=["conflicts"])
        self.cases: dict[int, Expected] = {}
        self.order: list[int] = []

    def user(self, name: str) -> Any:
        return self.tree.users[name]

    # --- Rules -----------------------------------------------------------------------------------

    @initialize()
    def first_cases(self) -> None:
        for centre in (self.tree.s1, self.tree.k1):
            self._record_new(register(actor=self.tree.admin, centre=centre))

    @rule(
        centre=st.sampled_from(CENTRES),
        user=st.sampled_from(USERS),
        parties=st.sampled_from(sorted(PARTIES)),
    )
    def register_case(self, centre: str, user: str, parties: str) -> None:
        actor = self.user(user)
        place = getattr(self.tree, centre)
        count_before = Case.objects.count()
        try:
            case = register(actor=actor, centre=place, parties=PARTIES[parties])
        except (NotPermitted, InvalidInput):
            assert not (user == "admin" and parties.startswith("valid")), "admin's intake refused"
            assert Case.objects.count() == count_before
            return
        assert parties.startswith("valid"), "invalid intake accepted"
        self._record_new(case)

    @precondition(lambda self: bool(self.order))
    @rule(
        pick=st.integers(min_value=0, max_value=10**6),
        name=st.sampled_from(NAMES),
        user=st.sampled_from(USERS),
        mode=st.sampled_from(["valid", "random", "empty"]),
        mediator=st.sampled_from(MEDIATORS),
        destination=st.sampled_from(TARGETS),
        version=st.sampled_from(["none", "current", "stale"]),
    )
    def attempt_any_transition(
        self,
        pick: int,
        name: str,
        user: str,
        mode: str,
        mediator: str,
        destination: str,
        version: str,
    ) -> None:
        """Any transition, allowed now or not, by anyone, with any data."""
        case_id = self.order[pick % len(self.order)]
        self._perform(case_id, name, user, mode, mediator, destination, version)

    @precondition(lambda self: bool(self.order))
    @rule(
        pick=st.integers(min_value=0, max_value=10**6),
        choices=st.lists(st.integers(min_value=0, max_value=100), min_size=1, max_size=4),
        user=st.sampled_from(["admin", "director_c", "director_c", "mediator_s1"]),
        mode=st.sampled_from(["valid", "valid", "valid", "random"]),
        mediator=st.sampled_from(MEDIATORS),
        destination=st.sampled_from(TARGETS),
        version=st.sampled_from(["none", "current"]),
    )
    def advance_along_the_table(
        self,
        pick: int,
        choices: list[int],
        user: str,
        mode: str,
        mediator: str,
        destination: str,
        version: str,
    ) -> None:
        """Transitions the table allows from the case's status, so that cases travel far."""
        live = [pk for pk in self.order if self.cases[pk].status not in FINAL] or self.order
        case_id = live[pick % len(live)]
        for choice in choices:
            status = self.cases[case_id].status
            offered = sorted(n for n, t in workflow.TRANSITIONS.items() if status in t.sources)
            if not offered:  # declined or closed: final, and attempt_any_transition tries those
                return
            name = offered[choice % len(offered)]
            self._perform(case_id, name, user, mode, mediator, destination, version)

    def _perform(
        self,
        case_id: int,
        name: str,
        user: str,
        mode: str,
        mediator: str,
        destination: str,
        version: str,
    ) -> None:
        expected = self.cases[case_id]
        actor = self.user(user)
        data = self._data(name, mode, expected, mediator, destination)
        expected_version = {
            "none": None,
            "current": expected.version,
            "stale": expected.version - 1,
        }[version]
        visible = access.visible_cases(actor).filter(pk=case_id).exists()
        spec = workflow.TRANSITIONS.get(name)
        allowed_from_here = (
            spec is not None
            and expected.status in spec.sources
            and not (name == "extend" and expected.extended)
        )

        try:
            case = workflow.transition(
                case=case_id,
                name=name,
                actor=actor,
                data=data,
                expected_version=expected_version,
            )
        except DomainError as exc:
            self._check_refusal(
                exc,
                known=spec is not None,
                visible=visible,
                version=version,
                allowed=allowed_from_here,
            )
            assert not (
                user == "admin" and mode == "valid" and version != "stale" and allowed_from_here
            ), f"admin's valid {name} from {expected.status} refused: {exc!r} {exc.fields}"
            return  # the invariants check that nothing changed

        assert spec is not None
        assert visible, f"{user} performed {name} on a case they cannot see"
        assert name in MAY[user], f"{user} performed {name}"
        assert version != "stale", "a stale version was accepted"
        assert allowed_from_here, f"{name} performed from {expected.status}"
        if spec.target is not None:
            assert case.status == spec.target
        elif name == "return_transfer":  # back where it was before the transfer
            assert case.status == expected.status_before_transfer
        else:  # extend: the status stays
            assert case.status == expected.status
        if name == "extend":
            expected.extended = True
        if name == "transfer":
            expected.transfers += 1
            expected.status_before_transfer = expected.status
            expected.transfer_target_id = data["target_centre"]
        if name == "accept_transfer":
            assert expected.transfer_target_id is not None
            expected.centre_id = expected.transfer_target_id
        if name in {"accept_transfer", "return_transfer"}:
            expected.transfer_target_id = None
        if name == "resolve":
            expected.agreements += 1
        if name == "close" and expected.status == Status.RESOLVED:
            expected.follow_ups += 1
        expected.status = case.status
        expected.version += 1
        expected.events += 1

    # --- Invariants ------------------------------------------------------------------------------

    @invariant()
    def cases_match_the_record(self) -> None:
        rows = {
            row["pk"]: row
            for row in Case.objects.filter(pk__in=self.order).values(
                "pk", "status", "version", "centre_id", "transfer_target_id", "extended_at"
            )
        }
        events = dict(
            Event.objects.filter(case_id__in=self.order)
            .values("case_id")
            .annotate(n=Count("pk"))
            .values_list("case_id", "n")
        )
        for case_id, expected in self.cases.items():
            row = rows[case_id]
            assert row["status"] == expected.status, (case_id, row, expected)
            assert row["version"] == expected.version, (case_id, row, expected)
            assert events[case_id] == expected.events, (case_id, events[case_id], expected)
            assert row["centre_id"] == expected.centre_id, (case_id, row, expected)
            assert row["transfer_target_id"] == expected.transfer_target_id, (case_id, row)
            assert (row["extended_at"] is not None) == expected.extended, (case_id, row)
            assert (row["transfer_target_id"] is not None) == (
                expected.status == Status.PENDING_TRANSFER
            )

    @invariant()
    def related_rows_match_the_record(self) -> None:
        def counts(model: Any) -> dict[int, int]:
            return dict(
                model.objects.filter(case_id__in=self.order)
                .values("case_id")
                .annotate(n=Count("pk"))
                .values_list("case_id", "n")
            )

        transfers, agreements = counts(Transfer), counts(Agreement)
        follow_ups = counts(FollowUp)
        pending = set(
            Transfer.objects.filter(
                case_id__in=self.order, status=TransferStatus.PENDING
            ).values_list("case_id", flat=True)
        )
        for case_id, expected in self.cases.items():
            assert transfers.get(case_id, 0) == expected.transfers, (case_id, expected)
            assert agreements.get(case_id, 0) == expected.agreements, (case_id, expected)
            assert follow_ups.get(case_id, 0) == expected.follow_ups, (case_id, expected)
            assert (case_id in pending) == (expected.status == Status.PENDING_TRANSFER)

    @invariant()
    def each_version_has_exactly_one_event(self) -> None:
        versions: dict[int, list[int]] = {}
        for case_id, v in (
            Event.objects.filter(case_id__in=self.order)
            .order_by("case_id", "case_version")
            .values_list("case_id", "case_version")
        ):
            versions.setdefault(case_id, []).append(v)
        for case_id, expected in self.cases.items():
            assert versions[case_id] == list(range(1, expected.version + 1))

    @invariant()
    def numbers_are_gap_free_per_centre_and_year(self) -> None:
        by_centre: dict[tuple[int, int], list[int]] = {}
        codes = {c.pk: c.code for c in self.tree.centres}
        for centre_id, year, sequence, number in Case.objects.filter(
            registering_centre__in=self.tree.centres
        ).values_list("registering_centre_id", "year", "sequence", "number"):
            by_centre.setdefault((centre_id, year), []).append(sequence)
            assert number == f"{codes[centre_id]}-{year}-{sequence:05d}"
        for (centre_id, year), sequences in by_centre.items():
            assert sorted(sequences) == list(range(1, len(sequences) + 1))
            counter = CaseNumberCounter.objects.get(centre_id=centre_id, year=year)
            assert counter.last == len(sequences)

    # --- Helpers ---------------------------------------------------------------------------------

    def _record_new(self, case: Case) -> None:
        self.cases[case.pk] = Expected(
            status=case.status, version=case.version, events=1, centre_id=case.centre_id
        )
        self.order.append(case.pk)

    def _data(
        self, name: str, mode: str, expected: Expected, mediator: str, target: str
    ) -> dict[str, Any]:
        if mode == "empty":
            return {}
        if mode == "valid":
            # A city mediator (serves everywhere, no conflicts) and a centre other than the current.
            elsewhere = self.tree.c if expected.centre_id != self.tree.c.pk else self.tree.d1
            return data_for(name, mediator=self.tree.med_c, target=elsewhere)
        return data_for(
            name, mediator=getattr(self.tree, mediator), target=getattr(self.tree, target)
        )

    @staticmethod
    def _check_refusal(
        exc: DomainError, *, known: bool, visible: bool, version: str, allowed: bool
    ) -> None:
        if not known:
            assert isinstance(exc, TransitionNotAllowed), f"unknown transition gave {exc!r}"
            return
        if not visible:
            assert isinstance(exc, CaseNotFound), f"expected CaseNotFound, got {exc!r}"
            return
        assert not isinstance(exc, CaseNotFound), "a visible case answered CaseNotFound"
        if version == "stale":
            assert isinstance(exc, VersionConflict), f"stale version gave {exc!r}"
        elif not allowed:
            assert isinstance(exc, TransitionNotAllowed), f"wrong status gave {exc!r}"
        else:
            assert isinstance(exc, TransitionNotAllowed | InvalidInput), repr(exc)


@pytest.mark.django_db
def test_random_intakes_and_transitions_keep_the_lifecycle_consistent() -> None:
    run_state_machine_as_test(
        WorkflowMachine,
        settings=settings(
            max_examples=25,
            stateful_step_count=30,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
