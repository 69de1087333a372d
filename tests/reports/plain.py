"""The monthly report computed the plain way, from the raw rows, to check ``cases.reports.monthly``.

Written from the definitions (DESIGN §5 and ``cases/reports/figures.py``), not from the report's
implementation: each case's events are replayed to know its state at any moment, and every figure
is a direct count over those states and events. Reads Case, Event, Agreement, Centre and Category
rows only, never the counters (``Rollup``, ``DurationBucket``).

The choices where DESIGN is silent (the lead's): a month is a calendar month in Asia/Shanghai and
an event at exactly 00:00 on the 1st belongs to the new month; "at the end of the month" is the
state after every event before the next month's first instant; a case is counted at the centre
handling it at the moment counted (``Event.centre``: the handling centre after the event).
"""

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from math import floor
from typing import Any
from zoneinfo import ZoneInfo

from cases.models import Agreement, Case, Category, Centre, Event
from cases.reports.figures import BREAKDOWN_KEYS, FIGURES, KEYS, LEVELS, Kind

ZONE = ZoneInfo("Asia/Shanghai")
OPEN = frozenset({"registered", "accepted", "in_mediation", "suspended", "pending_transfer"})
MEDIATION_CLOCK = frozenset({"accepted", "in_mediation", "pending_transfer"})
CONCLUSIONS = {"resolve": "resolved", "fail": "failed", "withdraw": "withdrawn"}
DECISIONS = {"accept": "accepted", "decline": "declined"}
DIMENSIONS = ("category", "channel", "risk_level", "mediator")
LEVEL_KEYS = tuple(key for key, _label in LEVELS)
LEVEL_BY_NUMBER = {1: "city", 2: "district", 3: "street", 4: "community", 5: "grid"}
SECONDS_PER_DAY = 86400

# --- Months -------------------------------------------------------------------------------------


def shift(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def start_of(month: date) -> datetime:
    return datetime(month.year, month.month, 1, tzinfo=ZONE)


def month_of(moment: datetime | date) -> date:
    if isinstance(moment, datetime):
        moment = moment.astimezone(ZONE).date()
    return moment.replace(day=1)


def months_between(first: date, last: date) -> list[date]:
    months, month = [], first
    while month <= last:
        months.append(month)
        month = shift(month, 1)
    return months


# --- Numbers ------------------------------------------------------------------------------------


def half_up(value: Fraction, places: int) -> float:
    """``value`` (not negative) rounded half up to ``places`` decimals."""
    scaled = floor(value * 10**places + Fraction(1, 2))
    return float(Decimal(scaled).scaleb(-places))


def rate(part: int, whole: int) -> float | None:
    return None if whole == 0 else half_up(Fraction(part, whole), 4)


def yuan(total: Decimal) -> str:
    return f"{total:.2f}"


def tenths_of_a_day(start: datetime, end: datetime) -> int:
    """The days from ``start`` to ``end`` in tenths, rounded half up on whole seconds."""
    delta = end - start
    seconds = delta.days * SECONDS_PER_DAY + delta.seconds
    return (seconds + SECONDS_PER_DAY // 20) // (SECONDS_PER_DAY // 10)


def nearest_rank(sorted_values: list[int], numerator: int, denominator: int) -> float | None:
    """The value at rank ceil(numerator/denominator · N) (1-based), in days; None for none."""
    n = len(sorted_values)
    if n == 0:
        return None
    rank = -(-numerator * n // denominator)
    return sorted_values[rank - 1] / 10


# --- Replaying a case ---------------------------------------------------------------------------


@dataclass(frozen=True)
class State:
    """What a case was at one moment: the fields a report looks at."""

    centre: int
    status: str
    lead_mediator: int | None
    category: int
    channel: str
    risk_level: str
    acceptance_due_at: datetime | None
    due_at: datetime | None

    def running_deadline(self) -> datetime | None:
        if self.status == "registered":
            return self.acceptance_due_at
        if self.status in MEDIATION_CLOCK:
            return self.due_at
        return None  # suspended (the clock is paused) or not open


def _datetime(value: Any) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


# How a value in an event's ``before``/``after`` is read back into a ``State`` field.
READERS: dict[str, Callable[[Any], Any]] = {
    "centre": int,
    "status": str,
    "lead_mediator": lambda v: None if v is None else int(v),
    "category": int,
    "channel": str,
    "risk_level": str,
    "acceptance_due_at": _datetime,
    "due_at": _datetime,
}


# The events whose ``before``/``after`` hold the case's own fields. A session's, an agreement's or
# a follow-up's event describes that row (a session's "status" is "held", not the case's).
CASE_FIELD_EVENTS = frozenset({"intake", "transition", "edit"})


def _overlay(state: State, values: Mapping[str, Any]) -> State:
    changed = {name: READERS[name](values[name]) for name in READERS if name in values}
    return State(**{**state.__dict__, **changed})


@dataclass(frozen=True)
class Step:
    """One event of a case with the case's state before it (None before registration) and after."""

    event: Event
    before: State | None
    after: State


@dataclass
class History:
    case: Case
    steps: list[Step]
    agreement: Agreement | None

    def state_before(self, moment: datetime) -> State | None:
        """The state after every event before ``moment``; None if not yet registered."""
        state = None
        for step in self.steps:
            if step.event.at >= moment:
                break
            state = step.after
        return state

    def fulfilment_before(self, moment: datetime) -> str:
        """The agreement's fulfilment as recorded before ``moment`` (pending from the resolution)."""
        fulfilment = "pending"
        for step in self.steps:
            event = step.event
            if event.at >= moment:
                break
            if event.name in {"record_fulfilment", "close"} and "fulfilment" in event.after:
                fulfilment = event.after["fulfilment"]
        return fulfilment


def replay(case: Case, events: list[Event], agreement: Agreement | None) -> History:
    """The case's states, read backwards from the case as it is now through each event's
    ``before`` values, then checked forwards against the ``after`` values and ``Event.centre``."""
    now = State(
        centre=case.centre_id,
        status=case.status,
        lead_mediator=case.lead_mediator_id,
        category=case.category_id,
        channel=case.channel,
        risk_level=case.risk_level,
        acceptance_due_at=case.acceptance_due_at,
        due_at=case.due_at,
    )
    states = [now]
    for event in reversed(events[1:]):
        case_fields = event.kind in CASE_FIELD_EVENTS
        states.append(_overlay(states[-1], event.before) if case_fields else states[-1])
    states.reverse()  # states[i]: the state after events[i]
    first = events[0]
    assert first.name == "register", f"case {case.pk} does not start with its registration"
    registered = _overlay(states[0], first.after)
    assert registered == states[0], f"case {case.pk}: the registration disagrees with the replay"
    steps = [Step(first, None, states[0])]
    for event, before, after in zip(events[1:], states[:-1], states[1:], strict=True):
        forward = _overlay(before, event.after) if event.kind in CASE_FIELD_EVENTS else before
        assert forward == after, f"event {event.pk} disagrees with the replay"
        steps.append(Step(event, before, after))
    for step in steps:
        assert step.after.centre == step.event.centre_id, f"event {step.event.pk}: wrong centre"
    return History(case=case, steps=steps, agreement=agreement)


# --- The facts of a month -----------------------------------------------------------------------


@dataclass(frozen=True)
class Fact:
    """One thing a month's figures count: what (``kind``), where (``centre``), with the values the
    breakdowns group it by (``dims``), and what it adds (``value``).

    A transfer is counted where it went (``centre``, ``dims`` after it) and where it came from
    (``source``, ``dims_before``): which of the two is in scope decides in or out.
    """

    kind: str
    centre: int
    dims: Mapping[str, str]
    value: Any = None
    source: int | None = None
    dims_before: Mapping[str, str] = field(default_factory=dict)


@dataclass
class World:
    """Every raw row a report looks at, loaded once: centres, categories, cases with their events."""

    centres: dict[int, Centre]
    top_category: dict[int, int]
    histories: list[History]
    _facts: dict[tuple[date, datetime], list[Fact]] = field(default_factory=dict)

    @classmethod
    def load(cls) -> "World":
        events: dict[int, list[Event]] = {}
        for event in Event.objects.order_by("at", "id"):
            events.setdefault(event.case_id, []).append(event)
        agreements = {a.case_id: a for a in Agreement.objects.all()}
        histories = [
            replay(case, events[case.pk], agreements.get(case.pk))
            for case in Case.objects.order_by("pk")
        ]
        return cls(
            centres={c.pk: c for c in Centre.objects.all()},
            top_category={c.pk: c.parent_id or c.pk for c in Category.objects.all()},
            histories=histories,
        )

    def subtree(self, centre: Centre) -> frozenset[int]:
        return frozenset(pk for pk, c in self.centres.items() if c.path.startswith(centre.path))

    def dims(self, state: State) -> dict[str, str]:
        """The values the breakdowns group by: top-level category, channel, risk, lead mediator
        ("" when none)."""
        mediator = "" if state.lead_mediator is None else str(state.lead_mediator)
        return {
            "category": str(self.top_category[state.category]),
            "channel": state.channel,
            "risk_level": state.risk_level,
            "mediator": mediator,
        }

    def level(self, centre_id: int) -> str:
        centre = self.centres[centre_id]
        return "professional" if centre.kind == "professional" else LEVEL_BY_NUMBER[centre.level]

    def facts(self, month: date, now: datetime) -> list[Fact]:
        key = (month, now)
        if key not in self._facts:
            self._facts[key] = list(self._month_facts(month, now))
        return self._facts[key]

    def _month_facts(self, month: date, now: datetime) -> Iterable[Fact]:
        start, end = start_of(month), start_of(shift(month, 1))
        # The end of a past month; for the current month, now.
        cutoff = min(end, now)
        for history in self.histories:
            for step in history.steps:
                event = step.event
                if start <= event.at < end:
                    yield from self._event_facts(history, step)
                if event.name == "judicial_confirmation":
                    yield from self._confirmation_facts(month, step)
            yield from self._agreement_facts(month, end, history)
            state = history.state_before(end)
            if state is not None and state.status in OPEN:
                deadline = state.running_deadline()
                overdue = deadline is not None and deadline < cutoff
                yield Fact(
                    "open", state.centre, self.dims(state), (overdue, state.risk_level == "high")
                )

    def _event_facts(self, history: History, step: Step) -> Iterable[Fact]:
        event, case = step.event, history.case
        where, dims = event.centre_id, self.dims(step.after)
        if event.name == "register":
            amount = case.amount_in_dispute or Decimal(0)
            yield Fact("received", where, self.dims(step.after), amount)
        elif event.name in DECISIONS:
            yield Fact(DECISIONS[event.name], where, dims)
        elif event.name == "accept_transfer":
            assert step.before is not None
            yield Fact(
                "transfer",
                where,
                self.dims(step.after),
                source=step.before.centre,
                dims_before=self.dims(step.before),
            )
        elif event.name in CONCLUSIONS:
            days = tenths_of_a_day(case.registered_at, event.at)
            yield Fact(CONCLUSIONS[event.name], where, dims, days)
            if event.name == "resolve":
                assert history.agreement is not None
                yield Fact("agreed", where, dims, history.agreement.amount_agreed or Decimal(0))
        elif event.name == "record_follow_up":
            yield Fact("follow_up", where, dims, event.after.get("satisfaction"))

    def _confirmation_facts(self, month: date, step: Step) -> Iterable[Fact]:
        event = step.event
        applied_on = event.after.get("confirmation_applied_on")
        if applied_on is not None and month_of(date.fromisoformat(applied_on)) == month:
            yield Fact("applied", event.centre_id, self.dims(step.after))
        ruled = event.after.get("judicial_confirmation") == "confirmed"
        if ruled and month_of(date.fromisoformat(event.after["ruling_on"])) == month:
            yield Fact("confirmed", event.centre_id, self.dims(step.after))

    def _agreement_facts(self, month: date, end: datetime, history: History) -> Iterable[Fact]:
        agreement = history.agreement
        if agreement is None or agreement.performance_deadline is None:
            return
        if month_of(agreement.performance_deadline) != month:
            return
        resolution = next(s for s in history.steps if s.event.name == "resolve")
        fulfilled = history.fulfilment_before(end) == "fulfilled"
        yield Fact("due", resolution.event.centre_id, self.dims(resolution.after), fulfilled)


# --- Figures ------------------------------------------------------------------------------------


def figures(
    facts: list[Fact],
    scope: frozenset[int],
    dimension: str | None = None,
    value: str | None = None,
) -> dict[str, Any]:
    """Every figure over the facts in ``scope``; with ``dimension``, only those of ``value``."""

    def matches(dims: Mapping[str, str]) -> bool:
        return dimension is None or dims[dimension] == value

    counted: dict[str, list[Fact]] = defaultdict(list)
    for fact in facts:
        if fact.kind == "transfer":
            if fact.centre in scope and fact.source not in scope and matches(fact.dims):
                counted["transferred_in"].append(fact)
            elif fact.source in scope and fact.centre not in scope and matches(fact.dims_before):
                counted["transferred_out"].append(fact)
        elif fact.centre in scope and matches(fact.dims):
            counted[fact.kind].append(fact)
    resolved, failed, withdrawn = counted["resolved"], counted["failed"], counted["withdrawn"]
    days = sorted(f.value for f in resolved + failed + withdrawn)
    open_, due, follow_ups = counted["open"], counted["due"], counted["follow_up"]
    scores = [f.value for f in follow_ups if f.value is not None]
    return {
        "received": len(counted["received"]),
        "accepted": len(counted["accepted"]),
        "declined": len(counted["declined"]),
        "transferred_in": len(counted["transferred_in"]),
        "transferred_out": len(counted["transferred_out"]),
        "resolved": len(resolved),
        "failed": len(failed),
        "withdrawn": len(withdrawn),
        "success_rate": rate(len(resolved), len(resolved) + len(failed)),
        "open_at_month_end": len(open_),
        "overdue_at_month_end": sum(1 for f in open_ if f.value[0]),
        "high_risk_open": sum(1 for f in open_ if f.value[1]),
        "days_to_conclusion_median": nearest_rank(days, 1, 2),
        "days_to_conclusion_p90": nearest_rank(days, 9, 10),
        "amount_in_dispute": yuan(sum((f.value for f in counted["received"]), Decimal(0))),
        "amount_agreed": yuan(sum((f.value for f in counted["agreed"]), Decimal(0))),
        "agreements_due": len(due),
        "agreements_fulfilled": sum(1 for f in due if f.value),
        "fulfilment_rate": rate(sum(1 for f in due if f.value), len(due)),
        "judicial_confirmations_applied": len(counted["applied"]),
        "judicial_confirmations_confirmed": len(counted["confirmed"]),
        "follow_ups_done": len(follow_ups),
        "mean_satisfaction": half_up(Fraction(sum(scores), len(scores)), 2) if scores else None,
    }


def _in_breakdown(values: Mapping[str, Any]) -> dict[str, Any]:
    return {key: values[key] for key in BREAKDOWN_KEYS}


def _anything(values: Mapping[str, Any]) -> bool:
    return any(v not in (0, None, "0.00") for v in values.values())


def level_resolution(world: World, facts: list[Fact], scope: frozenset[int]) -> dict[str, Any]:
    resolved = [f for f in facts if f.kind == "resolved" and f.centre in scope]
    counts = {key: 0 for key in LEVEL_KEYS}
    for fact in resolved:
        counts[world.level(fact.centre)] += 1
    return {key: rate(counts[key], len(resolved)) for key in LEVEL_KEYS}


def breakdowns(
    world: World, facts: list[Fact], centre: Centre, scope: str
) -> dict[str, list[dict[str, Any]]]:
    """Each dimension's values with anything in them; for the subtree, the centre's own cases and
    each direct child's subtree."""
    in_scope = world.subtree(centre) if scope == "subtree" else frozenset({centre.pk})
    result: dict[str, list[dict[str, Any]]] = {}
    for dimension in DIMENSIONS:
        values = {f.dims[dimension] for f in facts} | {
            f.dims_before[dimension] for f in facts if f.kind == "transfer"
        }
        entries = []
        for value in sorted(values):
            counted = _in_breakdown(figures(facts, in_scope, dimension, value))
            if _anything(counted):
                entries.append({"key": value, "figures": counted})
        result[dimension] = entries
    children: list[dict[str, Any]] = []
    if scope == "subtree":
        own = _in_breakdown(figures(facts, frozenset({centre.pk})))
        if _anything(own):
            children.append({"key": str(centre.pk), "own": True, "figures": own})
        for child in sorted(world.centres.values(), key=lambda c: c.path):
            if child.parent_id != centre.pk:
                continue
            counted = _in_breakdown(figures(facts, world.subtree(child)))
            if _anything(counted):
                children.append({"key": str(child.pk), "own": False, "figures": counted})
    result["child_centre"] = children
    return result


def report(world: World, centre: Centre, month: date, scope: str, now: datetime) -> dict[str, Any]:
    """The report of ``centre`` for ``month`` as DESIGN §5 defines it, computed from raw rows."""
    in_scope = world.subtree(centre) if scope == "subtree" else frozenset({centre.pk})
    facts = world.facts(month, now)
    previous, last_year = shift(month, -1), shift(month, -12)
    result: dict[str, Any] = {
        "centre": {
            "id": centre.pk,
            "code": centre.code,
            "name_zh": centre.name_zh,
            "name_en": centre.name_en,
            "level": centre.level,
            "kind": centre.kind,
        },
        "month": f"{month:%Y-%m}",
        "scope": scope,
        "live": month == month_of(now),
        "figures": figures(facts, in_scope),
        "previous_month": figures(world.facts(previous, now), in_scope),
        "same_month_last_year": figures(world.facts(last_year, now), in_scope),
        "comparison_months": {
            "previous_month": f"{previous:%Y-%m}",
            "same_month_last_year": f"{last_year:%Y-%m}",
        },
        "breakdowns": breakdowns(world, facts, centre, scope),
        "level_resolution": level_resolution(world, facts, in_scope),
    }
    assert set(result["figures"]) == set(KEYS), "the plain computation misses a figure"
    return result


# --- Comparing with the report ------------------------------------------------------------------

KINDS = {figure.key: figure.kind for figure in FIGURES}


def _type_problem(key: str, value: Any) -> str:
    kind = KINDS[key]
    if kind == Kind.COUNT:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif kind == Kind.AMOUNT:
        ok = isinstance(value, str)
    else:
        ok = value is None or isinstance(value, float)
    return "" if ok else f"{key}: {value!r} is not a {kind}"


def _figure_differences(path: str, expected: Mapping[str, Any], got: Any) -> list[str]:
    if not isinstance(got, Mapping):
        return [f"{path}: expected figures, got {got!r}"]
    problems = []
    for key in sorted(set(expected) | set(got)):
        if key not in got or key not in expected or expected[key] != got[key]:
            problems.append(
                f"{path}.{key}: expected {expected.get(key, '<absent>')!r}, "
                f"got {got.get(key, '<absent>')!r}"
            )
        elif type_problem := _type_problem(key, got[key]):
            problems.append(f"{path}: {type_problem}")
    return problems


def _entries(path: str, entries: Any, problems: list[str]) -> dict[str, dict[str, Any]]:
    by_key: dict[str, dict[str, Any]] = {}
    for entry in entries:
        if entry["key"] in by_key:
            problems.append(f"{path}: key {entry['key']!r} listed twice")
        by_key[entry["key"]] = entry
    return by_key


def differences(expected: Mapping[str, Any], got: Mapping[str, Any]) -> list[str]:
    """Where the report ``got`` differs from the plain computation ``expected``, one line each."""
    problems: list[str] = []
    for key in ("centre", "month", "scope", "live", "comparison_months", "level_resolution"):
        if expected[key] != got.get(key):
            problems.append(f"{key}: expected {expected[key]!r}, got {got.get(key)!r}")
    for key in ("figures", "previous_month", "same_month_last_year"):
        problems += _figure_differences(key, expected[key], got.get(key))
    got_breakdowns = got.get("breakdowns", {})
    if set(got_breakdowns) != set(expected["breakdowns"]):
        problems.append(f"breakdowns: dimensions {sorted(got_breakdowns)}")
    for dimension, expected_entries in expected["breakdowns"].items():
        path = f"breakdowns.{dimension}"
        want = _entries(path, expected_entries, problems)
        have = _entries(path, got_breakdowns.get(dimension, []), problems)
        for value in sorted(set(want) | set(have)):
            if value not in have:
                problems.append(f"{path}[{value}]: missing, expected {want[value]}")
            elif value not in want:
                problems.append(f"{path}[{value}]: not expected, got {have[value]}")
            else:
                if want[value].get("own") != have[value].get("own"):
                    problems.append(f"{path}[{value}].own: got {have[value].get('own')!r}")
                problems += _figure_differences(
                    f"{path}[{value}]", want[value]["figures"], have[value]["figures"]
                )
    own_first = [e.get("own") for e in got_breakdowns.get("child_centre", [])]
    if True in own_first[1:]:
        problems.append("breakdowns.child_centre: the centre's own entry is not first")
    return problems
