"""City-scale data: the demo's cases, performed in memory and written with PostgreSQL COPY.

``manage.py generate_city`` needs millions of cases in minutes; running each step through the
services (a transaction, a dozen queries) makes about 3 cases a second. ``BulkGenerator`` keeps
the demo's plans and schedules (``CaseGenerator``: where each case is registered, what it is
about, the steps it goes through and when) and replaces each service call by what that service
writes — the same columns, the same event with the same ``before``/``after``, the same version
and deadlines — applied to an in-memory case. Each case's rows are written once its last step is
done; ``Writer`` sends them to the tables by COPY in chunks, with the report counters computed
by ``cases.reports.rollups.facts.facts`` from the very events written.

Each case's search document (``CaseSearch``) is written beside its parties, made by
``cases.search_text`` from the same summary, facts, names and addresses as the services'.

What is not made: notifications (nothing reads them back in bulk). The checks that stop a
user are the services' where the demo's plans can trip them (a mediator at capacity or with a
declared conflict, a double booking); ``tests/demo/test_bulk_equals_services.py`` runs both
commands on one seed and compares every row.
"""

import json
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import User
from django.db import connection
from django.db.models import Max
from django.utils import timezone
from faker import Faker

from .. import deadlines, search_text, working_days
from ..bulkload import copy_rows
from ..errors import DomainError, InvalidInput
from ..models import (
    OPEN_STATUSES,
    Agreement,
    AgreementForm,
    Case,
    CaseNumberCounter,
    CaseSearch,
    Centre,
    DeadlinePolicy,
    EventKind,
    FollowUp,
    Fulfilment,
    Party,
    PartyKind,
    PartyRole,
    RiskLevel,
    Session,
    SessionMediator,
    SessionMode,
    SessionStatus,
    Status,
    Transfer,
    TransferStatus,
)
from ..models import Event as EventModel
from ..reports.rollups.facts import Duration, Fact, facts
from ..reports.rollups.rebuild import fresh_counters
from ..reports.rollups.state import State
from ..services.events import jsonable
from ..services.intake import PartyData, build_parties, default_document_type, format_number
from ..workflow import direction_between
from .cases import BOOKABLE, CaseGenerator, Plan, Schedule, _State
from .network import Network

S = Status
# The version of what generate_city makes for a given seed: raise it whenever a change to the demo
# or to this module changes the data, so that cached benchmark databases are built afresh.
DATA_VERSION = 3
SLOT_SECONDS = 1800  # bookings are looked up by the half-hour slots they touch
# Sealed parties the cases draw on, per role: a person may appear in several cases (as they do),
# and sealing (encryption, keyed hashes) is done once per person, not once per case.
PERSON_POOL = 4_000
ORGANISATION_POOL = 1_500


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    """``services.events.jsonable`` for the flat values a step writes (ids, not model instances),
    a few times faster: this runs for every event."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if value is None or isinstance(value, str | int):  # choices are str, bool is int
            out[key] = value
        elif isinstance(value, date):  # and datetime
            out[key] = value.isoformat()
        elif isinstance(value, Decimal):
            out[key] = str(value)
        elif isinstance(value, dict):
            out[key] = _jsonable(value)
        else:
            out[key] = jsonable(value)
    return out


def _columns(model: Any) -> list[str]:
    return [f.column for f in model._meta.concrete_fields]


class LiveCase:
    """A case being performed in memory: the columns of ``Case`` as attributes, plus the Centre
    objects the demo's steps look at (``centre``, ``transfer_target``)."""

    COLUMNS = _columns(Case)
    TIMES = [
        f.column for f in Case._meta.concrete_fields if f.get_internal_type() == "DateTimeField"
    ]

    def __init__(self, centres: dict[int, Centre], **values: Any) -> None:
        self._centres = centres
        for column in self.COLUMNS:
            setattr(self, column, None)
        self.__dict__.update(values)

    @property
    def pk(self) -> int:
        return int(self.id)

    @property
    def centre(self) -> Centre:
        return self._centres[self.centre_id]

    @property
    def transfer_target(self) -> Centre | None:
        return self._centres[self.transfer_target_id] if self.transfer_target_id else None

    def row(self) -> tuple[Any, ...]:
        return tuple(getattr(self, column) for column in self.COLUMNS)

    def as_read(self) -> None:
        """Its times as the database gives them back (in UTC): ``workflow.transition`` reads the
        case afresh, so the times an event's ``before`` shows, and those computed from them (a
        resumed deadline), are in UTC; times taken from the step's ``at`` are as given."""
        for column in self.TIMES:
            value = getattr(self, column)
            if value is not None:
                setattr(self, column, value.astimezone(UTC))

    if TYPE_CHECKING:  # the columns, set in __init__

        def __getattr__(self, name: str) -> Any: ...
        def __setattr__(self, name: str, value: Any) -> None: ...


@dataclass(frozen=True)
class Step:
    """An event as ``rollups.facts.facts`` reads it."""

    at: datetime
    kind: str
    name: str
    before: dict[str, Any]
    after: dict[str, Any]


@dataclass
class Rows:
    """The rows of the cases performed since the last write, table by table."""

    tables: dict[str, list[tuple[Any, ...]]] = field(default_factory=lambda: defaultdict(list))
    cases: int = 0

    def add(self, table: str, row: tuple[Any, ...]) -> None:
        self.tables[table].append(row)


Values = dict[str, Any]


class Ids:
    """Primary keys handed out in memory, from above each table's current maximum."""

    def __init__(self, models: list[Any]) -> None:
        self.next: dict[Any, int] = {}
        for model in models:
            self.next[model] = (model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1

    def take(self, model: Any) -> int:
        value = self.next[model]
        self.next[model] = value + 1
        return value


PRESENT = Session.parties_present.through
CO_MEDIATORS = Case.co_mediators.through
MODELS: list[Any] = [
    Case,
    Party,
    EventModel,
    Session,
    SessionMediator,
    PRESENT,
    CO_MEDIATORS,
    Agreement,
    FollowUp,
    Transfer,
]


@dataclass
class _Bulk(_State):
    """A running case's rows, besides the ``_State`` the demo's steps use."""

    live: LiveCase | None = None
    report: State | None = None  # the case's state for the counters, after the last event
    intake: State | None = None
    party_ids: list[int] = field(default_factory=list)
    sessions: dict[int, dict[str, Any]] = field(default_factory=dict)
    bookings: list[tuple[Any, ...]] = field(default_factory=list)
    present: list[tuple[Any, ...]] = field(default_factory=list)
    co_ids: list[int] = field(default_factory=list)
    agreement_row: dict[str, Any] | None = None
    follow_up_row: dict[str, Any] | None = None
    transfers: list[dict[str, Any]] = field(default_factory=list)
    events: list[tuple[Any, ...]] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    durations: list[Duration] = field(default_factory=list)


@dataclass
class _Step:
    """One transition being performed on a bulk case: what its effect reads and writes."""

    st: _Bulk
    live: LiveCase
    actor: User
    at: datetime
    data: Values
    before: Values = field(default_factory=dict)
    after: Values = field(default_factory=dict)

    def change(self, **values: Any) -> None:
        """Set fields on the live case, noting their before and after values."""
        for key, value in values.items():
            old = getattr(self.live, key)
            if old != value:
                self.before[key], self.after[key] = old, value
                setattr(self.live, key, value)


class BulkGenerator(CaseGenerator):
    """The demo's cases at city scale: ``perform(plan)`` adds one case's rows to ``rows``."""

    def __init__(
        self,
        net: Network,
        rng: random.Random,
        fake: Faker,
        now: datetime,
        *,
        years: float,
        pooled: bool = True,
    ) -> None:
        super().__init__(net, rng, fake, now)
        self.span_days = max(1, round(years * 365.25))
        # ``pooled``: parties drawn from pools of sealed people (city scale); otherwise each party
        # is a person of its own, as the services make them (``seed_demo``).
        self.pool_sizes = {
            PartyKind.PERSON: PERSON_POOL if pooled else 0,
            PartyKind.ORGANISATION: ORGANISATION_POOL if pooled else 0,
        }
        self.ids = Ids(MODELS)
        self.rows = Rows()
        self.by_pk = {c.pk: c for c in net.centres.values()}
        self.sequences: dict[tuple[int, int], int] = dict(
            ((c, y), last)
            for c, y, last in CaseNumberCounter.objects.values_list("centre_id", "year", "last")
        )
        # Mediator or room → half-hour slot → the bookings (start, end) that touch it.
        self.busy: dict[tuple[str, int], dict[int, list[tuple[datetime, datetime]]]] = defaultdict(
            dict
        )
        self.clocks: dict[tuple[int, str], deadlines.Clocks] = {}
        self.policies = DeadlinePolicy.objects.exists()
        # Every working day the acceptance clocks may count, read once (one query, not one a case).
        today = timezone.localdate(now)
        self.calendar = working_days.load(
            today - timedelta(days=self.span_days + 1), today + timedelta(days=120)
        )
        self.pools: dict[tuple[str, str], list[PartyData]] = {}
        self.sealed: dict[tuple[str, str], tuple[str, ...]] = {}  # (ID number, phone) → sealed
        self.counters = fresh_counters()
        self.mediators = {
            m.pk: m for ms in [*net.mediators.values(), *net.seated.values()] for m in ms
        }
        self.leading: Counter[int] = Counter()  # mediator → open cases led, of those performed

    # --- parties: drawn from pools sealed once ------------------------------------------------

    def _pooled(self, key: tuple[str, str], size: int, make: Callable[[], PartyData]) -> PartyData:
        """A party from the pool ``key``, filled with ``make()`` up to ``size`` first."""
        pool = self.pools.setdefault(key, [])
        if not size:
            data = make()
            self._seal(data)
            return data
        if len(pool) >= size:
            return self.rng.choice(pool)
        data = make()
        self._seal(data)
        pool.append(data)
        return data

    def _seal(self, data: PartyData) -> None:
        sealed_key = (data.id_number, data.phone)
        if sealed_key not in self.sealed:
            party = build_parties([replace(data, role=PartyRole.APPLICANT)])[0]
            self.sealed[sealed_key] = (
                party.id_number_encrypted,
                party.id_number_hash,
                party.id_number_masked,
                party.phone_encrypted,
                party.phone_hash,
                party.phone_masked,
                party.phone_tail_hash,
            )

    def _person(self, role: str, district: Any, street_zh: str, *, address: str = "") -> PartyData:
        def make() -> PartyData:  # with the address given: no other address is drawn
            return super(BulkGenerator, self)._person(role, district, street_zh, address=address)

        data = self._pooled((PartyKind.PERSON, role), self.pool_sizes[PartyKind.PERSON], make)
        return replace(data, address=address) if address else data

    def _organisation(self, role: str, name: str, district: Any) -> PartyData:
        def make() -> PartyData:
            return super(BulkGenerator, self)._organisation(role, name, district)

        size = self.pool_sizes[PartyKind.ORGANISATION]
        data = self._pooled((PartyKind.ORGANISATION, role), size, make)
        return replace(data, name=name)

    # --- planning ----------------------------------------------------------------------------

    def plan_chunks(self, n: int, size: int) -> Iterator[list[Plan]]:
        """The plans of ``n`` cases, oldest first, ``size`` at a time (the demo logins' cases and
        the quotas of every status come from the last, most recent, chunk)."""
        times = self._registration_times(n)
        for start in range(0, n, size):
            plans = self.plans_for(times[start : start + size], first=start)
            if start + size >= n:
                self.finish_plans(plans[-5000:])
            # Every later session starts after this chunk's first registration: earlier bookings
            # can no longer clash with anything.
            first_slot = int(plans[0].at.timestamp()) // SLOT_SECONDS if plans else 0
            for key, slots in self.busy.items():
                self.busy[key] = {slot: b for slot, b in slots.items() if slot >= first_slot}
            yield plans

    # --- performing a plan ----------------------------------------------------------------------

    def perform(self, plan: Plan) -> None:
        """Make one case in memory (the demo's ``run``) and add its rows to ``rows``."""
        st = _Bulk(plan, self._content(plan))
        for at, action in self.steps(st):
            try:
                action(at)
            except DomainError as exc:  # refused as the services refuse it: the case stops here
                self.stats["steps refused"] += 1
                self.stats[f"refused: {type(exc).__name__}: {exc} {exc.fields}"] += 1
                break
        self._emit(st)
        self.stats["cases"] += 1

    def _clocks(self, centre_id: int, channel: str) -> deadlines.Clocks:
        if not self.policies:
            return deadlines.DEFAULT_CLOCKS
        key = (centre_id, channel)
        if key not in self.clocks:
            self.clocks[key] = deadlines.clocks_for(self.by_pk[centre_id], channel)
        return self.clocks[key]

    def _event(
        self,
        st: _Bulk,
        kind: str,
        name: str,
        at: datetime,
        actor: User,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> None:
        """What ``services.events.record`` writes, and what the change counts for."""
        live = st.live
        assert live is not None
        before_json, after_json = _jsonable(before or {}), _jsonable(after or {})
        st.events.append(
            (
                self.ids.take(EventModel),
                live.id,
                at,
                getattr(actor, "pk", None),
                kind,
                name,
                json.dumps(before_json, ensure_ascii=False),
                json.dumps(after_json, ensure_ascii=False),
                live.centre_id,
                live.version,
            )
        )
        state = State(
            status=live.status,
            centre=live.centre_id,
            category=live.category_id,
            channel=live.channel,
            risk_level=live.risk_level,
            lead_mediator=live.lead_mediator_id,
            acceptance_due_at=live.acceptance_due_at,
            due_at=live.due_at,
            amount_in_dispute=live.amount_in_dispute,
        )
        previous = None if kind == EventKind.INTAKE else st.report
        if previous is None:
            st.intake = state
        assert st.intake is not None
        agreement = st.agreement_row
        found, spans = facts(
            Step(at, kind, name, before_json, after_json),
            previous,
            state,
            registered_at=live.registered_at,
            intake=st.intake,
            performance_deadline=agreement["performance_deadline"] if agreement else None,
        )
        st.facts.extend(found)
        st.durations.extend(spans)
        st.report = state

    def _register(self, st: _State, at: datetime) -> None:
        assert isinstance(st, _Bulk)
        plan, content = st.plan, st.content
        actor, court_number, entrusted_on = self.registrar(plan, at)
        centre = plan.centre
        year = timezone.localtime(at).year
        sequence = self.sequences.get((centre.pk, year), 0) + 1
        self.sequences[(centre.pk, year)] = sequence
        clocks = self._clocks(centre.pk, plan.channel)
        live = LiveCase(
            self.by_pk,
            id=self.ids.take(Case),
            number=format_number(centre, year, sequence),
            year=year,
            sequence=sequence,
            registering_centre_id=centre.pk,
            centre_id=centre.pk,
            status=S.REGISTERED,
            channel=plan.channel,
            category_id=plan.category.pk,
            risk_level=plan.risk,
            summary=content.summary.strip(),
            facts=content.facts,
            amount_in_dispute=content.amount,
            location=content.location,
            entrusting_court_id=plan.court.pk if plan.court else None,
            court_case_number=court_number,
            entrusted_on=entrusted_on,
            registered_at=at,
            updated_at=at,
            acceptance_due_at=deadlines.acceptance_due(
                at,
                high_risk=plan.risk == RiskLevel.HIGH,
                clocks=clocks,
                zone=deadlines.centre_zone(centre),
                calendar=self.calendar,
            ),
            extension_reason="",
            outcome="",
            decline_reason="",
            fail_guidance="",
            outcome_note="",
            legal_hold=False,
            legal_hold_reason="",
            version=1,
            created_by_id=actor.pk,
        )
        st.live = st.case = live  # type: ignore[assignment]
        masked = []
        for position, data in enumerate(content.parties):
            sealed = self.sealed[(data.id_number, data.phone)]
            party_id = self.ids.take(Party)
            st.party_ids.append(party_id)
            self.rows.add(
                "party", party_row(party_id, live.id, data, sealed, position, actor.pk, at)
            )
            masked.append(
                {"name": data.name.strip(), "role": data.role, "kind": data.kind,
                 "id_number": sealed[2], "phone": sealed[5]}
            )  # fmt: skip
        # The search document, as ``register_case`` writes it (``search_index.reindex_case``).
        document = search_text.document(
            summary=live.summary,
            facts=live.facts,
            parties=[(data.name.strip(), data.address) for data in content.parties],
        )
        self.rows.add("case_search", (live.id, document))
        self._event(
            st, EventKind.INTAKE, "register", at, actor,
            after={"number": live.number, "status": live.status, "centre": live.centre_id,
                   "channel": live.channel, "category": live.category_id,
                   "risk_level": live.risk_level, "parties": masked},
        )  # fmt: skip
        self.stats["registered"] += 1

    # --- transitions: what ``workflow.transition`` and each effect write ---------------------

    def _do(self, st: _State, name: str, actor: User, at: datetime, **data: Any) -> None:
        assert isinstance(st, _Bulk) and st.live is not None
        st.live.as_read()
        step = _Step(st, st.live, actor, at, data)
        status_before = step.live.status
        getattr(self, f"_effect_{name}")(step)
        before, after = step.before, step.after
        before.setdefault("status", status_before)
        after.setdefault("status", step.live.status)
        step.live.version += 1
        step.live.updated_at = at
        # Ids in events, as ``jsonable`` writes model instances.
        for values in (before, after):
            for key in ("centre", "transfer_target", "lead_mediator"):
                if f"{key}_id" in values:
                    values[key] = values.pop(f"{key}_id")
        self._event(st, EventKind.TRANSITION, name, at, actor, before, after)

    def _effect_accept(self, s: _Step) -> None:
        clocks = self._clocks(s.live.centre_id, s.live.channel)
        s.change(
            accepted_at=s.at,
            due_at=deadlines.mediation_due(s.at, entrusted_on=s.live.entrusted_on, clocks=clocks),
        )
        s.change(status=S.ACCEPTED)

    def _effect_decline(self, s: _Step) -> None:
        s.change(decline_reason=s.data["reason"])
        s.change(status=S.DECLINED)

    def _effect_assign(self, s: _Step) -> None:
        lead, co = s.data["lead_mediator"], sorted(s.data["co_mediators"] or [])
        # What ``workflow._assign`` refuses: a declared conflict with a party, a lead at capacity
        # (the demo then tries another mediator). Every mediator the demo offers serves here.
        names = [p.name.strip() for p in s.st.content.parties]
        for pk in [lead, *co]:
            declared = [d.strip() for d in self.mediators[pk].conflicts.splitlines() if d.strip()]
            if any(d in name or name in d for d in declared for name in names):
                raise InvalidInput(fields={"lead_mediator": ["A declared conflict of interest."]})
        if s.live.lead_mediator_id != lead and self.leading[lead] >= self.mediators[lead].capacity:
            raise InvalidInput(fields={"lead_mediator": ["At capacity."]})
        old_co = sorted(s.st.co_ids)
        s.change(lead_mediator_id=lead)
        if s.live.assigned_at is None:
            s.change(assigned_at=s.at)
        if old_co != co:
            s.st.co_ids = list(co)
            s.before["co_mediators"], s.after["co_mediators"] = old_co, co
        s.change(status=S.IN_MEDIATION)

    def _effect_suspend(self, s: _Step) -> None:
        s.change(suspended_at=s.at)
        s.after["reason"] = s.data["reason"]
        s.change(status=S.SUSPENDED)

    def _effect_resume(self, s: _Step) -> None:
        s.change(
            due_at=deadlines.resumed_due(s.live.due_at, s.live.suspended_at, s.at),
            suspended_at=None,
        )
        s.change(status=S.IN_MEDIATION)

    def _effect_resolve(self, s: _Step) -> None:
        terms = s.data["agreement"]
        signed = terms.get("signed_on") or deadlines.local_today(s.live.centre, s.at)
        row = {
            "id": self.ids.take(Agreement),
            "terms": terms["terms"],
            "amount_agreed": terms.get("amount_agreed"),
            "form": terms.get("form") or AgreementForm.WRITTEN,
            "signed_on": signed,
            "effective_on": terms.get("effective_on") or signed,
            "performance_deadline": terms.get("performance_deadline"),
            "fulfilment": Fulfilment.PENDING,
            "fulfilment_recorded_at": None,
            "created_at": s.at,
        }
        s.st.agreement_row = row
        s.change(outcome=S.RESOLVED, concluded_at=s.at)
        s.after["agreement"] = {
            "id": row["id"],
            "amount_agreed": row["amount_agreed"],
            "performance_deadline": row["performance_deadline"],
        }
        s.change(status=S.RESOLVED)

    def _effect_fail(self, s: _Step) -> None:
        s.change(
            outcome=S.FAILED,
            concluded_at=s.at,
            fail_guidance=s.data["guidance"],
            outcome_note=s.data.get("note") or "",
        )
        s.change(status=S.FAILED)

    def _effect_withdraw(self, s: _Step) -> None:
        s.change(outcome=S.WITHDRAWN, concluded_at=s.at, outcome_note=s.data["reason"])
        s.change(status=S.WITHDRAWN)

    def _effect_close(self, s: _Step) -> None:
        s.change(closed_at=s.at)
        fulfilment = s.data.get("fulfilment")
        if s.live.status == S.RESOLVED:
            clocks = self._clocks(s.live.centre_id, s.live.channel)
            s.st.follow_up_row = {
                "id": self.ids.take(FollowUp),
                "due_on": deadlines.follow_up_due(s.at, clocks=clocks),
            }
            s.after["follow_up"] = dict(s.st.follow_up_row)
            if fulfilment:
                agreement = s.st.agreement_row
                assert agreement is not None
                s.before["fulfilment"], s.after["fulfilment"] = agreement["fulfilment"], fulfilment
                agreement["fulfilment"], agreement["fulfilment_recorded_at"] = fulfilment, s.at
        s.change(status=S.CLOSED)

    def _effect_transfer(self, s: _Step) -> None:
        target = self.by_pk[s.data["target_centre"]]
        row = {
            "id": self.ids.take(Transfer),
            "from_centre_id": s.live.centre_id,
            "to_centre_id": target.pk,
            "direction": direction_between(s.live.centre, target).value,
            "reason": s.data["reason"],
            "automatic": False,
            "previous_status": s.live.status,
            "status": TransferStatus.PENDING,
            "requested_by_id": s.actor.pk,
            "requested_at": s.at,
            "decided_by_id": None,
            "decided_at": None,
            "return_reason": "",
        }
        s.st.transfers.append(row)
        s.change(transfer_target_id=target.pk)
        s.after.update(
            transfer={"id": row["id"], "direction": row["direction"], "automatic": False},
            reason=row["reason"],
        )
        s.change(status=S.PENDING_TRANSFER)

    def _effect_accept_transfer(self, s: _Step) -> None:
        transfer = s.st.transfers[-1]
        transfer.update(status=TransferStatus.ACCEPTED, decided_at=s.at, decided_by_id=s.actor.pk)
        if s.st.co_ids:
            s.before["co_mediators"], s.after["co_mediators"] = sorted(s.st.co_ids), []
            s.st.co_ids = []
        clocks = self._clocks(transfer["to_centre_id"], s.live.channel)
        s.change(
            centre_id=transfer["to_centre_id"],
            transfer_target_id=None,
            lead_mediator_id=None,
            suspended_at=None,
            due_at=deadlines.mediation_due(s.at, clocks=clocks),
        )
        s.after["transfer"] = {"id": transfer["id"]}
        s.change(status=S.ACCEPTED)

    def _effect_return_transfer(self, s: _Step) -> None:
        transfer = s.st.transfers[-1]
        transfer.update(
            status=TransferStatus.RETURNED,
            decided_at=s.at,
            decided_by_id=s.actor.pk,
            return_reason=s.data["reason"],
        )
        s.change(transfer_target_id=None, status=transfer["previous_status"])
        s.after.update(transfer={"id": transfer["id"]}, reason=transfer["return_reason"])

    # --- sessions, fulfilment, follow-ups -----------------------------------------------------

    def _free(self, keys: list[tuple[str, int]], starts_at: datetime, ends_at: datetime) -> bool:
        """Book ``keys`` (mediators, a room) from ``starts_at`` to ``ends_at`` unless one of them
        is booked at an overlapping time, as ``services.sessions`` refuses (``DoubleBooking``).
        Bookings are looked up by the half-hour slots they touch; the overlap is checked exactly:
        a squeezed case's sessions do not start on the half hour."""
        first = int(starts_at.timestamp()) // SLOT_SECONDS
        last = (int(ends_at.timestamp()) - 1) // SLOT_SECONDS
        slots = range(first, last + 1)
        for key in keys:
            booked = self.busy[key]
            for slot in slots:
                for start, end in booked.get(slot, ()):
                    if start < ends_at and end > starts_at:
                        return False
        for key in keys:
            booked = self.busy[key]
            for slot in slots:
                booked.setdefault(slot, []).append((starts_at, ends_at))
        return True

    def _book(self, st: _State, line: Schedule, index: int, at: datetime) -> None:
        assert isinstance(st, _Bulk)
        live, rng = st.live, self.rng
        if live is None or live.status not in BOOKABLE or st.lead is None:
            return
        starts_at, ends_at = line.times[index + 1], line.times[index + 2]
        mode = self.session_mode()
        # A room is drawn before anything is checked, as the demo's ``_book`` draws it.
        rooms = self.net.rooms.get(live.centre_id, []) if mode == SessionMode.IN_PERSON else []
        room = rng.choice(rooms) if rooms else None
        mediators = [st.lead.pk, *st.co_ids]
        people = [("mediator", m) for m in mediators]
        if not self._free(people, starts_at, ends_at):
            self.stats["double bookings avoided"] += 1
            st.session = None
            return
        if room is not None and not self._free([("room", room.pk)], starts_at, ends_at):
            self.stats["double bookings avoided"] += 1
            room = None
        here = mode == SessionMode.IN_PERSON and room is None
        session_id = self.ids.take(Session)
        st.sessions[session_id] = {
            "id": session_id,
            "case_id": live.id,
            "starts_at": starts_at,
            "ends_at": ends_at,
            "room_id": room.pk if room else None,
            "place": live.centre.address if here else "",
            "mode": mode,
            "status": SessionStatus.SCHEDULED,
            "minutes": "",
            "result": "",
            **SESSION_RECORD_DEFAULTS,
            "created_by_id": self._worker(st).pk,
        }
        for mediator in mediators:
            st.bookings.append(
                (self.ids.take(SessionMediator), session_id, mediator, starts_at, ends_at, False)
            )
        for party_id in st.party_ids:
            st.present.append((self.ids.take(PRESENT), session_id, party_id))
        self._event(
            st, EventKind.SESSION, "book_session", at, self._worker(st),
            after={"session": session_id, "starts_at": starts_at, "ends_at": ends_at,
                   "room": room.pk if room else None, "mediators": mediators},
        )  # fmt: skip
        st.session = session_id  # type: ignore[assignment]
        self.stats["sessions"] += 1

    def _record_session(self, st: _State, at: datetime, agreed: bool) -> None:
        assert isinstance(st, _Bulk)
        if st.session is None:
            return
        minutes, result = self.session_result(agreed)
        session = st.sessions[st.session]  # type: ignore[index]
        before: dict[str, Any] = {"session": session["id"], "status": session["status"]}
        after: dict[str, Any] = {"session": session["id"], "status": SessionStatus.HELD}
        before["result"], after["result"] = "", result
        if minutes:  # the service names a text in the event when it changes
            before["minutes"], after["minutes"] = "", minutes
        worker = self._worker(st)
        session.update(
            status=SessionStatus.HELD,
            minutes=minutes,
            result=result,
            recorded_by_id=worker.pk,
            recorded_at=at,
        )
        self._event(st, EventKind.SESSION, "record_session", at, worker, before, after)
        st.session = None

    def _record_fulfilment(self, st: _State, at: datetime) -> None:
        assert isinstance(st, _Bulk) and st.agreement_row is not None
        agreement = st.agreement_row
        before = {"fulfilment": agreement["fulfilment"]}
        agreement["fulfilment"], agreement["fulfilment_recorded_at"] = st.fulfilment, at
        self._event(
            st, EventKind.AGREEMENT, "record_fulfilment", at, self._worker(st),
            before, {"fulfilment": st.fulfilment},
        )  # fmt: skip
        st.fulfilment_recorded = True

    def _follow_up(self, st: _State, at: datetime) -> None:
        assert isinstance(st, _Bulk)
        row = st.follow_up_row
        if row is None or row.get("done_at") is not None:
            return
        method, fulfilment, satisfaction, note = self._visit(st, at)
        worker = self._worker(st)
        row.update(
            done_at=at,
            contact_method=method,
            fulfilment=fulfilment,
            satisfaction=satisfaction,
            note=note,
            recorded_by_id=worker.pk,
        )
        self._event(
            st, EventKind.FOLLOW_UP, "record_follow_up", at, worker,
            {"follow_up": row["id"], "done": False},
            {"follow_up": row["id"], "done": True, "fulfilment": fulfilment,
             "satisfaction": satisfaction},
        )  # fmt: skip
        self.stats["follow-ups"] += 1

    # --- the rows of one finished case --------------------------------------------------------

    def _emit(self, st: _Bulk) -> None:
        live = st.live
        assert live is not None
        if live.status in OPEN_STATUSES and live.lead_mediator_id is not None:
            self.leading[live.lead_mediator_id] += 1
        add = self.rows.add
        add("case", live.row())
        for co in st.co_ids:
            add("co_mediators", (self.ids.take(CO_MEDIATORS), live.id, co))
        for session in st.sessions.values():
            add(
                "session", tuple({**SESSION_RECORD_DEFAULTS, **session}[c] for c in SESSION_COLUMNS)
            )
        for booking in st.bookings:
            cancelled = st.sessions[booking[1]]["status"] == SessionStatus.CANCELLED
            add("booking", (*booking[:5], cancelled))
        for present in st.present:
            add("present", present)
        if st.agreement_row is not None:
            row = {**AGREEMENT_DEFAULTS, **st.agreement_row, "case_id": live.id}
            add("agreement", tuple(row[c] for c in AGREEMENT_COLUMNS))
        if st.follow_up_row is not None:
            row = {**FOLLOW_UP_DEFAULTS, **st.follow_up_row, "case_id": live.id}
            add("follow_up", tuple(row[c] for c in FOLLOW_UP_COLUMNS))
        for transfer in st.transfers:
            add("transfer", tuple({**transfer, "case_id": live.id}[c] for c in TRANSFER_COLUMNS))
        for event in st.events:
            add("event", event)
        self.counters.add(st.facts, st.durations)
        self.rows.cases += 1


PARTY_COLUMNS = _columns(Party)
SEALED_COLUMNS = (
    "id_number_encrypted",
    "id_number_hash",
    "id_number_masked",
    "phone_encrypted",
    "phone_hash",
    "phone_masked",
    "phone_tail_hash",
)


def party_row(
    party_id: int,
    case_id: int,
    data: PartyData,
    sealed: tuple[str, ...],
    position: int,
    registered_by: int,
    at: datetime,
) -> tuple[Any, ...]:
    """A party's row as ``register_case`` writes it (``build_party``: the document type an ID
    number goes with, the date of birth and gender it gives; a consent to text messages recorded
    by whoever registered the case, then), its personal data sealed once."""
    document_type = data.document_type or (
        default_document_type(data.kind) if data.id_number else ""
    )
    row = {
        "id": party_id,
        "case_id": case_id,
        "role": data.role,
        "kind": data.kind,
        "name": data.name.strip(),
        "address": data.address,
        "agent": data.agent,
        "document_type": document_type,
        "gender": data.gender,
        "ethnicity": data.ethnicity,
        "birth_date": data.birth_date,
        "legal_representative": data.legal_representative.strip(),
        "sms_consent": bool(data.sms_consent),
        "sms_consent_by_id": registered_by if data.sms_consent else None,
        "sms_consent_at": at if data.sms_consent else None,
        **dict(zip(SEALED_COLUMNS, sealed, strict=True)),
        "position": position,
    }
    return tuple(row[c] for c in PARTY_COLUMNS)


SESSION_COLUMNS = _columns(Session)
# The session record's fields (调解笔录) of a session booked and not yet recorded.
SESSION_RECORD_DEFAULTS = {
    "others_present": "",
    "applicant_statement": "",
    "respondent_statement": "",
    "agreed": "",
    "next_step": "",
    "recorded_by_id": None,
    "recorded_at": None,
}
AGREEMENT_COLUMNS = _columns(Agreement)
AGREEMENT_DEFAULTS = {
    "judicial_confirmation": "not_applied",
    "confirmation_applied_on": None,
    "ruling_number": "",
    "ruling_on": None,
}
FOLLOW_UP_COLUMNS = _columns(FollowUp)
FOLLOW_UP_DEFAULTS = {
    "done_at": None,
    "contact_method": "",
    "fulfilment": "",
    "satisfaction": None,
    "note": "",
    "recorded_by_id": None,
}
TRANSFER_COLUMNS = _columns(Transfer)
TABLES: dict[str, tuple[Any, list[str]]] = {
    "case": (Case, LiveCase.COLUMNS),
    "party": (Party, PARTY_COLUMNS),
    # The vector (PostgreSQL) or FTS5 row (SQLite) is made by the database's triggers.
    "case_search": (CaseSearch, ["case_id", "document"]),
    "co_mediators": (CO_MEDIATORS, _columns(CO_MEDIATORS)),
    "session": (Session, SESSION_COLUMNS),
    "booking": (SessionMediator, _columns(SessionMediator)),
    "present": (PRESENT, _columns(PRESENT)),
    "agreement": (Agreement, AGREEMENT_COLUMNS),
    "follow_up": (FollowUp, FOLLOW_UP_COLUMNS),
    "transfer": (Transfer, TRANSFER_COLUMNS),
    "event": (EventModel, _columns(EventModel)),
}


def write(generator: BulkGenerator) -> None:
    """Send the rows gathered so far to their tables (parents first) and forget them."""
    rows = generator.rows
    for name, (model, columns) in TABLES.items():
        copy_rows(model._meta.db_table, columns, rows.tables.get(name, []))
    rows.tables.clear()
    rows.cases = 0


def finish(generator: BulkGenerator, *, fresh: bool) -> None:
    """After the last write: the report counters (``fresh``: there were none), the numbering
    counters, and the id sequences past the new rows."""
    generator.counters.finish(fresh=fresh)
    existing = {
        (c, y): pk for pk, c, y in CaseNumberCounter.objects.values_list("pk", "centre_id", "year")
    }
    for (centre, year), last in generator.sequences.items():
        if (centre, year) in existing:
            CaseNumberCounter.objects.filter(pk=existing[(centre, year)]).update(last=last)
    CaseNumberCounter.objects.bulk_create(
        CaseNumberCounter(centre_id=centre, year=year, last=last)
        for (centre, year), last in sorted(generator.sequences.items())
        if (centre, year) not in existing
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in MODELS:
                table = model._meta.db_table
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence(%s, 'id'), "
                    f"(SELECT COALESCE(MAX(id), 1) FROM {connection.ops.quote_name(table)}))",
                    [table],
                )
