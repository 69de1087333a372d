"""The report counters: what each change to a case adds to them, applied in the change's transaction.

Every change to a case writes exactly one event (``cases.services.events.record``), and the event
calls ``record_event`` before the transaction commits. From the event and the case's state before
and after it, ``facts`` says what the change counts for — "received +1 in March at JA01, category
7, channel walk-in …" — and ``apply`` adds those facts to ``Rollup`` rows: one for the centre alone
and one for every centre above it (its subtree), in total and per category, channel, risk level,
mediator and (subtree rows) centre level. ``rebuild`` recomputes every counter from the raw rows
with the same ``facts``, so the counters are exactly what the events say.

Stocks (open, overdue and high-risk at a month's end) are kept as changes: entering an open state
adds 1 in the month it happens, leaving it takes 1 away. A case becomes overdue without any event,
when its deadline passes, so the overdue change is placed in the month the deadline falls in (or
the month the state begins, if later). ``roll_stocks`` carries the positions forward month by
month, so a month's row holds its month-end position and a report reads one row, not ten years.
The invariants are listed in docs/reports.md.
"""

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, fields, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol, cast

from django.db import connection, models, transaction
from django.db.models import Min, Prefetch

from ..bulkload import copy_rows
from ..deadlines import MEDIATION_CLOCK_STATUSES
from ..models import (
    OPEN_STATUSES,
    Agreement,
    Case,
    Centre,
    CentreKind,
    CentreLevel,
    Dimension,
    DurationBucket,
    Event,
    EventKind,
    Fulfilment,
    RiskLevel,
    Rollup,
    RollupState,
    Status,
)
from ..models.reports import AMOUNT_MEASURES, MEASURES, STOCK_MEASURES
from .periods import add_months, current_month, month_end, month_of

# The advisory lock between counter updates (shared) and the monthly roll (exclusive).
ROLL_LOCK = 0x6D656469

DECISIONS = {"accept": "accepted", "decline": "declined"}
# The events that change an agreement's fulfilment (a follow-up records what the visit found,
# in the follow-up, not in the agreement).
FULFILMENT_CHANGES = frozenset({"record_fulfilment", "close"})
CONCLUSIONS = {"resolve": "resolved", "fail": "failed", "withdraw": "withdrawn"}
SECONDS_PER_TENTH = 8640  # a tenth of a day


# --- A case's state, as far as the reports care ------------------------------------------------


@dataclass(frozen=True)
class State:
    status: str
    centre: int
    category: int
    channel: str
    risk_level: str
    lead_mediator: int | None
    acceptance_due_at: datetime | None
    due_at: datetime | None
    amount_in_dispute: Decimal | None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def deadline(self) -> datetime | None:
        """The running deadline (as ``Case.running_deadline``): none while suspended."""
        if self.status == Status.REGISTERED:
            return self.acceptance_due_at
        if self.status in MEDIATION_CLOCK_STATUSES:
            return self.due_at
        return None

    def dimensions(self) -> dict[str, str]:
        return {
            Dimension.CATEGORY: str(self.category),
            Dimension.CHANNEL: self.channel,
            Dimension.RISK_LEVEL: self.risk_level,
            Dimension.MEDIATOR: "" if self.lead_mediator is None else str(self.lead_mediator),
        }


STATE_FIELDS = frozenset(f.name for f in fields(State))
_DATETIMES = {"acceptance_due_at", "due_at"}
_IDS = {"centre", "category", "lead_mediator"}


def state_of(case: Case) -> State:
    return State(
        status=case.status,
        centre=case.centre_id,
        category=case.category_id,
        channel=case.channel,
        risk_level=case.risk_level,
        lead_mediator=case.lead_mediator_id,
        acceptance_due_at=case.acceptance_due_at,
        due_at=case.due_at,
        amount_in_dispute=case.amount_in_dispute,
    )


def _parsed(name: str, value: Any) -> Any:
    """A value as an event keeps it (JSON: ids, ISO strings, decimal strings) → as the state has it."""
    if value is None:
        return None
    if name in _DATETIMES:
        return datetime.fromisoformat(value)
    if name in _IDS:
        return int(value)
    if name == "amount_in_dispute":
        return Decimal(value)
    return value


# The events whose ``before``/``after`` hold the case's own fields; the others describe a session,
# an agreement or a follow-up (whose "status" is not the case's).
CASE_CHANGES = frozenset({EventKind.INTAKE, EventKind.TRANSITION, EventKind.EDIT})


def overlay(state: State, values: Mapping[str, Any]) -> State:
    """``state`` with the event values ``values`` (its ``before`` or ``after``) put back."""
    changed = {k: _parsed(k, v) for k, v in values.items() if k in STATE_FIELDS}
    return replace(state, **changed) if changed else state


def _before(event: Event, after: State) -> State:
    """The case's state before ``event``, from its state after it."""
    return overlay(after, event.before) if event.kind in CASE_CHANGES else after


def _stock_key(state: State | None) -> tuple[Any, ...] | None:
    if state is None or not state.is_open:
        return None
    return (state.centre, state.dimensions(), state.risk_level == RiskLevel.HIGH, state.deadline)


# --- Facts: what one event counts for -----------------------------------------------------------


@dataclass(frozen=True)
class Fact:
    measure: str
    month: date
    centre: int
    state: State
    amount: int | Decimal = 1
    # Transfers: the centre on the other side. Subtree rows of centres above both sides are left
    # out: a move inside a subtree is neither in nor out of it.
    other: int | None = None


@dataclass(frozen=True)
class Duration:
    month: date
    centre: int
    tenths: int


def tenths_of_a_day(start: datetime, end: datetime) -> int:
    """Whole seconds from ``start`` to ``end`` in tenths of a day, rounded half up."""
    seconds = int((end - start).total_seconds())
    return (seconds + SECONDS_PER_TENTH // 2) // SECONDS_PER_TENTH


def _stock_facts(state: State, at: datetime, sign: int) -> Iterator[Fact]:
    """Entering (+1) or leaving (-1) an open state at ``at``. Overdue at a month's end means the
    deadline fell before that end, so the overdue change counts from the deadline's month on."""
    month = month_of(at)
    yield Fact("open", month, state.centre, state, sign)
    if state.risk_level == RiskLevel.HIGH:
        yield Fact("high_risk_open", month, state.centre, state, sign)
    deadline = state.deadline
    if deadline is not None:
        yield Fact("overdue", max(month, month_of(deadline)), state.centre, state, sign)


def _parse_date(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None


class EventLike(Protocol):
    """What ``facts`` reads of an event (an ``Event``, or a step of ``generate_city``)."""

    @property
    def at(self) -> datetime: ...
    @property
    def kind(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def before(self) -> dict[str, Any]: ...
    @property
    def after(self) -> dict[str, Any]: ...


def facts(
    event: EventLike,
    before: State | None,
    after: State,
    *,
    registered_at: datetime,
    intake: State,
    performance_deadline: date | None,
) -> tuple[list[Fact], list[Duration]]:
    """What ``event`` counts for. ``before`` is None for the registration; ``intake`` is the state
    the case was registered in (received and amounts in dispute stay with it)."""
    at, name, data_before, data_after = event.at, event.name, event.before, event.after
    out: list[Fact] = []
    durations: list[Duration] = []
    month = month_of(at)

    if event.kind == EventKind.INTAKE:
        out.append(Fact("received", month, after.centre, after))
        if after.amount_in_dispute:
            out.append(
                Fact("amount_in_dispute", month, after.centre, after, after.amount_in_dispute)
            )
    elif name == "edit" and "amount_in_dispute" in data_after:
        old = _parsed("amount_in_dispute", data_before.get("amount_in_dispute")) or Decimal(0)
        new = _parsed("amount_in_dispute", data_after.get("amount_in_dispute")) or Decimal(0)
        if new != old:
            out.append(
                Fact("amount_in_dispute", month_of(registered_at), intake.centre, intake, new - old)
            )

    if event.kind == EventKind.TRANSITION:
        if name in DECISIONS:
            out.append(Fact(DECISIONS[name], month, after.centre, after))
        elif name == "accept_transfer" and before is not None and before.centre != after.centre:
            out.append(Fact("transferred_out", month, before.centre, before, other=after.centre))
            out.append(Fact("transferred_in", month, after.centre, after, other=before.centre))
        elif name in CONCLUSIONS:
            out.append(Fact(CONCLUSIONS[name], month, after.centre, after))
            durations.append(Duration(month, after.centre, tenths_of_a_day(registered_at, at)))
            if name == "resolve":
                agreement = data_after.get("agreement") or {}
                amount = agreement.get("amount_agreed")
                if amount:
                    out.append(Fact("amount_agreed", month, after.centre, after, Decimal(amount)))
                deadline = _parse_date(agreement.get("performance_deadline"))
                if deadline is not None:
                    out.append(Fact("agreements_due", month_of(deadline), after.centre, after))

    if name in FULFILMENT_CHANGES and "fulfilment" in data_after and performance_deadline:
        # Fulfilled in full by the end of the month the performance deadline falls in.
        due_month = month_of(performance_deadline)
        if at < month_end(due_month):
            was = data_before.get("fulfilment") == Fulfilment.FULFILLED
            now = data_after.get("fulfilment") == Fulfilment.FULFILLED
            if was != now:
                out.append(
                    Fact("agreements_fulfilled", due_month, after.centre, after, 1 if now else -1)
                )

    if name == "judicial_confirmation":
        applied_on = _parse_date(data_after.get("confirmation_applied_on"))
        if applied_on is not None:
            out.append(
                Fact("judicial_confirmations_applied", month_of(applied_on), after.centre, after)
            )
        ruling_on = _parse_date(data_after.get("ruling_on"))
        if data_after.get("judicial_confirmation") == "confirmed" and ruling_on is not None:
            out.append(
                Fact("judicial_confirmations_confirmed", month_of(ruling_on), after.centre, after)
            )

    if name == "record_follow_up":
        out.append(Fact("follow_ups_done", month, after.centre, after))
        satisfaction = data_after.get("satisfaction")
        if satisfaction is not None:
            out.append(Fact("satisfaction_sum", month, after.centre, after, int(satisfaction)))
            out.append(Fact("satisfaction_count", month, after.centre, after))

    if _stock_key(before) != _stock_key(after):
        if before is not None and before.is_open:
            out.extend(_stock_facts(before, at, -1))
        if after.is_open:
            out.extend(_stock_facts(after, at, +1))
    return out, durations


# --- From facts to counter rows -----------------------------------------------------------------


def level_key(centre: Centre) -> str:
    """Where in the network: professional committees apart, otherwise the centre's level."""
    if centre.kind == CentreKind.PROFESSIONAL:
        return "professional"
    return CentreLevel(centre.level).name.lower()


class Tree:
    """The centres that facts name, with their ancestors: enough to expand facts to rows."""

    def __init__(self, centres: Iterable[Centre]) -> None:
        self.by_path: dict[str, int] = {}
        self.paths: dict[int, str] = {}
        self.levels: dict[int, str] = {}
        for centre in centres:
            self.by_path[centre.path] = centre.pk
            self.paths[centre.pk] = centre.path
            self.levels[centre.pk] = level_key(centre)

    @classmethod
    def around(cls, centre_ids: set[int], known: Iterable[Centre] = ()) -> "Tree":
        """The centres ``centre_ids`` and everything above them, in two queries (one when the
        ``known`` centres already read hold every path)."""
        found = {c.pk: c.path for c in known if c.pk in centre_ids}
        missing = centre_ids - found.keys()
        if missing:
            found.update(Centre.objects.filter(pk__in=missing).values_list("pk", "path"))
        paths = list(found.values())
        prefixes = {p[: i + 1] for p in paths for i, ch in enumerate(p) if ch == "/"}
        return cls(Centre.objects.filter(path__in=prefixes).only("pk", "path", "level", "kind"))

    def ancestors(self, centre: int) -> list[int]:
        """The centre and every centre above it."""
        path = self.paths[centre]
        return [self.by_path[path[: i + 1]] for i, ch in enumerate(path) if ch == "/"]


Key = tuple[int, bool, date, str, str]


def _row_keys(fact: Fact, tree: Tree) -> Iterator[Key]:
    dims = fact.state.dimensions()
    yield (fact.centre, False, fact.month, Dimension.TOTAL, "")
    for dimension, value in dims.items():
        yield (fact.centre, False, fact.month, dimension, value)
    skip = set(tree.ancestors(fact.other)) if fact.other is not None else set()
    level = tree.levels[fact.centre]
    for centre in tree.ancestors(fact.centre):
        if centre in skip:
            continue
        yield (centre, True, fact.month, Dimension.TOTAL, "")
        for dimension, value in dims.items():
            yield (centre, True, fact.month, dimension, value)
        yield (centre, True, fact.month, Dimension.LEVEL, level)


class Totals:
    """Counter changes gathered in memory, keyed like the rows, before they are written."""

    def __init__(self) -> None:
        self.rows: dict[Key, dict[str, int | Decimal]] = defaultdict(dict)
        self.durations: dict[tuple[int, bool, date, int], int] = defaultdict(int)

    def add(
        self,
        found: Iterable[Fact],
        durations: Iterable[Duration],
        tree: Tree,
        stocks_through: date | None,
    ) -> None:
        for fact in found:
            months = [fact.month]
            if fact.measure in STOCK_MEASURES and stocks_through and fact.month < stocks_through:
                # Rolled months hold positions: a change there moves every later rolled month.
                months = list(_months(fact.month, stocks_through))
            for key in _row_keys(fact, tree):
                for month in months:
                    row = self.rows[(key[0], key[1], month, key[3], key[4])]
                    row[fact.measure] = row.get(fact.measure, 0) + fact.amount
        for duration in durations:
            for centre in tree.ancestors(duration.centre):
                self.durations[(centre, True, duration.month, duration.tenths)] += 1
            self.durations[(duration.centre, False, duration.month, duration.tenths)] += 1

    def nonzero_rows(self) -> list[tuple[Key, dict[str, int | Decimal]]]:
        out = []
        for key, values in sorted(self.rows.items()):
            kept = {m: v for m, v in values.items() if v}
            if kept:
                out.append((key, kept))
        return out


def _months(first: date, last: date) -> Iterator[date]:
    month = first
    while month <= last:
        yield month
        month = add_months(month, 1)


# --- Writing --------------------------------------------------------------------------------------

_KEY_COLUMNS = ("centre_id", "subtree", "month", "dimension", "value")


def _upsert_rows(rows: list[tuple[Key, dict[str, int | Decimal]]]) -> None:
    """Add to the counters, creating rows as needed: one statement, rows in key order (so two
    transactions touching the same rows lock them in the same order and cannot deadlock)."""
    if not rows:
        return
    measures = sorted({m for _, values in rows for m in values})
    table = connection.ops.quote_name(Rollup._meta.db_table)
    columns = [*_KEY_COLUMNS, *measures]
    placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
    params: list[Any] = []
    for key, values in rows:
        params.extend(key)
        params.extend(values.get(m, 0) for m in measures)
    updates = ", ".join(f"{m} = {table}.{m} + EXCLUDED.{m}" for m in measures)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) "
            f"VALUES {', '.join([placeholders] * len(rows))} "
            f"ON CONFLICT ({', '.join(_KEY_COLUMNS)}) DO UPDATE SET {updates}",
            params,
        )


def _upsert_durations(durations: dict[tuple[int, bool, date, int], int]) -> None:
    if not durations:
        return
    table = connection.ops.quote_name(DurationBucket._meta.db_table)
    items = sorted(durations.items())
    params: list[Any] = []
    for key, count in items:
        params.extend([*key, count])
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (centre_id, subtree, month, tenths, count) "
            f"VALUES {', '.join(['(%s, %s, %s, %s, %s)'] * len(items))} "
            f"ON CONFLICT (centre_id, subtree, month, tenths) "
            f"DO UPDATE SET count = {table}.count + EXCLUDED.count",
            params,
        )


def _stocks_through(shared_lock: bool) -> date | None:
    """The last rolled month, holding the roll lock (shared) until the transaction ends."""
    table = connection.ops.quote_name(RollupState._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and shared_lock:
            cursor.execute(
                f"SELECT pg_advisory_xact_lock_shared(%s), "
                f"(SELECT stocks_through FROM {table} ORDER BY id LIMIT 1)",
                [ROLL_LOCK],
            )
            return cursor.fetchone()[1]
        cursor.execute(f"SELECT stocks_through FROM {table} ORDER BY id LIMIT 1")
        row = cursor.fetchone()
        return row[0] if row else None


def record_event(event: Event, case: Case) -> None:
    """Count ``event`` (just written, ``case`` as it is after it) in the report counters.

    Called by ``cases.services.events.record`` inside the change's transaction, so the counters
    move with the change or not at all. Events that change nothing reported (a reveal, a session)
    cost no query.
    """
    after = state_of(case)
    before = None if event.kind == EventKind.INTAKE else _before(event, after)
    if before is not None and not _may_count(event, before, after):
        return
    intake = after if before is None else _intake_state(event, case)
    deadline = None
    if event.name in FULFILMENT_CHANGES and "fulfilment" in event.after:
        deadline = (
            Agreement.objects.filter(case_id=case.pk)
            .values_list("performance_deadline", flat=True)
            .first()
        )
    found, durations = facts(
        event,
        before,
        after,
        registered_at=case.registered_at,
        intake=intake,
        performance_deadline=deadline,
    )
    if not found and not durations:
        return
    centres = {f.centre for f in found} | {f.other for f in found if f.other is not None}
    centres |= {d.centre for d in durations}
    tree = Tree.around(centres, known=_loaded_centres(case))
    has_stock = any(f.measure in STOCK_MEASURES for f in found)
    totals = Totals()
    totals.add(found, durations, tree, _stocks_through(shared_lock=True) if has_stock else None)
    _upsert_rows(totals.nonzero_rows())
    _upsert_durations(totals.durations)


def _loaded_centres(case: Case) -> list[Centre]:
    """The case's centres already read with it (no query)."""
    names = ("centre", "registering_centre", "transfer_target")
    cached = [cast(models.ForeignKey[Any, Any], Case._meta.get_field(name)) for name in names]
    return [
        getattr(case, field.name)
        for field in cached
        if field.is_cached(case) and getattr(case, field.name) is not None
    ]


_COUNTED_NAMES = frozenset(
    {"accept_transfer", "judicial_confirmation", "record_follow_up"}
    | set(DECISIONS)
    | set(CONCLUSIONS)
)


def _may_count(event: Event, before: State, after: State) -> bool:
    return (
        event.name in _COUNTED_NAMES
        or (event.name in FULFILMENT_CHANGES and "fulfilment" in event.after)
        or "amount_in_dispute" in event.after
        or _stock_key(before) != _stock_key(after)
    )


def _intake_state(event: Event, case: Case) -> State:
    """The state the case was registered in, only needed when its amount in dispute changes."""
    if "amount_in_dispute" not in event.after:
        return state_of(case)
    registration = (
        Event.objects.filter(case_id=case.pk, kind=EventKind.INTAKE).values("after", "centre_id")
    ).first()
    values = dict(registration["after"]) if registration else {}
    values["centre"] = registration["centre_id"] if registration else case.registering_centre_id
    # A case is registered without a mediator; the registration event does not say so.
    values["lead_mediator"] = None
    return overlay(state_of(case), values)


# --- Rolling the stocks forward, and rebuilding from the raw rows --------------------------------


def _lock_exclusive() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ROLL_LOCK])


@transaction.atomic
def roll_stocks(through: date | None = None) -> date | None:
    """Carry the stock positions forward so that every month up to ``through`` (default: the
    current month) holds its month-end position. Idempotent; returns the last rolled month."""
    _lock_exclusive()
    through = through or current_month()
    state = RollupState.objects.select_for_update().order_by("pk").first()
    if state is None:
        state = RollupState.objects.create()
    rolled = state.stocks_through
    if rolled is None:
        # Nothing rolled yet: the earliest month's changes are its position.
        first = Rollup.objects.aggregate(first=Min("month"))["first"]
        rolled = first if first is not None and first <= through else through
    table = connection.ops.quote_name(Rollup._meta.db_table)
    stocks = ", ".join(STOCK_MEASURES)
    updates = ", ".join(f"{m} = {table}.{m} + EXCLUDED.{m}" for m in STOCK_MEASURES)
    nonzero = " OR ".join(f"{m} <> 0" for m in STOCK_MEASURES)
    others = [m for m in MEASURES if m not in STOCK_MEASURES]
    zeros = ", ".join("0" for _ in others)
    with connection.cursor() as cursor:
        while rolled < through:
            following = add_months(rolled, 1)
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(_KEY_COLUMNS)}, {stocks}, {', '.join(others)}) "
                f"SELECT centre_id, subtree, %s, dimension, value, {stocks}, {zeros} "
                f"FROM {table} WHERE month = %s AND ({nonzero}) "
                f"ORDER BY centre_id, subtree, dimension, value "
                f"ON CONFLICT ({', '.join(_KEY_COLUMNS)}) DO UPDATE SET {updates}",
                [following, rolled],
            )
            rolled = following
    state.stocks_through = rolled
    state.save(update_fields=["stocks_through"])
    return rolled


def case_facts(case: Case, events: list[Event]) -> tuple[list[Fact], list[Duration]]:
    """Everything one case counts for, from its own rows: its events replayed backwards from the
    case as it is now give the state after each event."""
    states: list[State] = []
    state = state_of(case)
    for event in reversed(events):
        states.append(state)
        state = _before(event, state)
    states.reverse()
    try:
        deadline = case.agreement.performance_deadline
    except Agreement.DoesNotExist:
        deadline = None
    found: list[Fact] = []
    durations: list[Duration] = []
    intake = states[0] if states else state_of(case)
    previous: State | None = None
    for event, after in zip(events, states, strict=True):
        before = None if event.kind == EventKind.INTAKE else previous
        if event.kind == EventKind.INTAKE:
            intake = after
        more, spans = facts(
            event,
            before,
            after,
            registered_at=case.registered_at,
            intake=intake,
            performance_deadline=deadline,
        )
        found.extend(more)
        durations.extend(spans)
        previous = after
    return found, durations


def rebuild(cases: Iterable[Case] | None = None, progress: Any = None) -> int:
    """Recompute every counter from the cases and their events; return how many cases were read.

    Holds the roll lock (exclusive) for the whole rebuild: changes made meanwhile wait, so none is
    lost between the read and the write.
    """
    with transaction.atomic():
        _lock_exclusive()
        Rollup.objects.all().delete()
        DurationBucket.objects.all().delete()
        RollupState.objects.all().delete()
        tree = Tree(Centre.objects.only("pk", "path", "level", "kind"))
        bulk = BulkCounters() if connection.vendor == "postgresql" else None
        totals = Totals()
        count = 0
        queryset = cases if cases is not None else all_cases()
        for case in queryset:
            events = list(case.events.all())
            found, durations = case_facts(case, events)
            if bulk is not None:
                bulk.add(found, durations)
            else:
                totals.add(found, durations, tree, None)
            count += 1
            if progress is not None:
                progress.update(1)
        if bulk is not None:
            bulk.finish(fresh=True)
        else:
            _bulk_write(totals)
        roll_stocks()
    return count


def all_cases() -> Iterator[Case]:
    return (
        Case.objects.order_by("pk")
        .select_related("agreement")
        # In the order they were written: the order the changes were made in.
        .prefetch_related(Prefetch("events", queryset=Event.objects.order_by("pk")))
        .iterator(chunk_size=2000)
    )


def _bulk_write(totals: Totals) -> None:
    """Write fresh counters fast: COPY on PostgreSQL, one ``executemany`` elsewhere."""
    rows = [(*key, *(values.get(m, 0) for m in MEASURES)) for key, values in totals.nonzero_rows()]
    buckets = [(*key, n) for key, n in sorted(totals.durations.items()) if n]
    copy_rows(Rollup._meta.db_table, [*_KEY_COLUMNS, *MEASURES], rows)
    copy_rows(
        DurationBucket._meta.db_table, ["centre_id", "subtree", "month", "tenths", "count"], buckets
    )


MEASURE_INDEX = {measure: i for i, measure in enumerate(MEASURES)}


class BulkCounters:
    """The counters of many cases at once, on PostgreSQL: the facts go to temporary tables by
    COPY, and ``finish`` adds them up in SQL into ``Rollup`` and ``DurationBucket`` rows (added to
    what is there). Used by ``rebuild`` and ``generate_city``; the rows are exactly those that
    ``Totals`` makes, computed without a Python step per row.

    Subtree rows are summed bottom-up, one tree level at a time (a centre's subtree row is its
    own row plus its children's subtree rows), except transfers, whose subtree rows stop below the
    lowest centre above both sides (``_row_keys``).
    """

    FACT_COLUMNS = (
        "measure", "month", "centre_id", "category", "channel", "risk_level", "mediator",
        "amount", "other",
    )  # fmt: skip
    FLUSH_AT = 200_000

    def __init__(self) -> None:
        self.facts: list[tuple[Any, ...]] = []
        self.spans: list[tuple[date, int, int]] = []
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TEMPORARY TABLE tally_fact (measure smallint, month date, centre_id integer, "
                "category text, channel text, risk_level text, mediator text, amount bigint, "
                "other integer)"
            )
            cursor.execute(
                "CREATE TEMPORARY TABLE tally_span (month date, centre_id integer, tenths integer)"
            )

    def add(self, found: Iterable[Fact], durations: Iterable[Duration]) -> None:
        facts, index = self.facts, MEASURE_INDEX
        for fact in found:
            state = fact.state
            mediator = state.lead_mediator
            # Whole numbers in SQL: amounts in cents (they have two decimal places).
            amount = int(fact.amount * 100) if fact.measure in AMOUNT_MEASURES else fact.amount
            facts.append(
                (index[fact.measure], fact.month, fact.centre, str(state.category), state.channel,
                 state.risk_level, "" if mediator is None else str(mediator), amount, fact.other)
            )  # fmt: skip
        self.spans.extend((d.month, d.centre, d.tenths) for d in durations)
        if len(facts) >= self.FLUSH_AT:
            self.write()

    def write(self) -> None:
        copy_rows("tally_fact", list(self.FACT_COLUMNS), self.facts)
        copy_rows("tally_span", ["month", "centre_id", "tenths"], self.spans)
        self.facts, self.spans = [], []

    def finish(self, *, fresh: bool = False) -> None:
        """Add the facts gathered to the counters. ``fresh``: the counter tables are empty, so the
        rows are inserted as they are (no upsert)."""
        self.write()
        tree = Tree(Centre.objects.only("pk", "path", "level", "kind"))
        up = [(c, a) for c in tree.paths for a in tree.ancestors(c)]
        nodes = []
        for centre, path in tree.paths.items():
            chain = tree.ancestors(centre)
            parent = chain[-2] if len(chain) > 1 else None
            nodes.append((centre, parent, path.count("/"), tree.levels[centre]))
        depth = max((n[2] for n in nodes), default=0)
        rollup = connection.ops.quote_name(Rollup._meta.db_table)
        buckets = connection.ops.quote_name(DurationBucket._meta.db_table)
        dims = (
            "(VALUES ('total', ''), ('category', f.category), ('channel', f.channel), "
            "('risk_level', f.risk_level), ('mediator', f.mediator)) AS d (dim, val)"
        )
        with connection.cursor() as cursor:
            run = cursor.execute
            run("SET LOCAL work_mem = '256MB'")
            run("CREATE TEMPORARY TABLE tally_up (centre_id integer, ancestor_id integer)")
            copy_rows("tally_up", ["centre_id", "ancestor_id"], up)
            run(
                "CREATE TEMPORARY TABLE tally_node "
                "(centre_id integer PRIMARY KEY, parent_id integer, depth integer, level text)"
            )
            copy_rows("tally_node", ["centre_id", "parent_id", "depth", "level"], nodes)
            run("ANALYZE tally_fact")
            run("ANALYZE tally_up")
            run("ANALYZE tally_node")
            # The centre's own rows, every dimension; transfers ("moved") kept apart.
            run(
                "CREATE TEMPORARY TABLE tally_own AS "
                "SELECT f.centre_id, n.depth, n.level, f.month, d.dim, d.val, f.measure, "
                "sum(f.amount) AS amount, f.other IS NOT NULL AS moved "
                f"FROM tally_fact f JOIN tally_node n USING (centre_id) CROSS JOIN LATERAL {dims} "
                "GROUP BY 1, 2, 3, 4, 5, 6, 7, 9"
            )
            # Subtree rows from the deepest level up: a centre's own rows (and its level as one
            # more dimension) plus its children's subtree rows.
            run(
                "CREATE TEMPORARY TABLE tally_sub (centre_id integer, depth integer, month date, "
                "dim text, val text, measure smallint, amount bigint)"
            )
            for level in range(depth, 0, -1):
                run(
                    "INSERT INTO tally_sub "
                    "SELECT centre_id, %(depth)s, month, dim, val, measure, sum(amount) FROM ("
                    " SELECT centre_id, month, dim, val, measure, amount FROM tally_own"
                    " WHERE depth = %(depth)s AND NOT moved"
                    " UNION ALL"
                    " SELECT centre_id, month, 'level', level, measure, amount FROM tally_own"
                    " WHERE depth = %(depth)s AND NOT moved AND dim = 'total'"
                    " UNION ALL"
                    " SELECT n.parent_id, s.month, s.dim, s.val, s.measure, s.amount"
                    " FROM tally_sub s JOIN tally_node n USING (centre_id)"
                    " WHERE s.depth = %(depth)s + 1"
                    ") AS rows GROUP BY centre_id, month, dim, val, measure",
                    {"depth": level},
                )
            # Transfers: every centre above the one counted, but not above the other side too.
            run(
                "INSERT INTO tally_sub "
                "SELECT u.ancestor_id, 0, f.month, d.dim, d.val, f.measure, sum(f.amount) "
                "FROM tally_fact f JOIN tally_up u ON u.centre_id = f.centre_id "
                "JOIN tally_node n ON n.centre_id = f.centre_id "
                "CROSS JOIN LATERAL (VALUES ('total', ''), ('category', f.category), "
                "('channel', f.channel), ('risk_level', f.risk_level), ('mediator', f.mediator), "
                "('level', n.level)) AS d (dim, val) "
                "WHERE f.other IS NOT NULL AND NOT EXISTS (SELECT 1 FROM tally_up o "
                "WHERE o.centre_id = f.other AND o.ancestor_id = u.ancestor_id) "
                "GROUP BY 1, 2, 3, 4, 5, 6"
            )
            sums = ", ".join(
                f"COALESCE(sum(amount) FILTER (WHERE measure = {i}), 0)"
                for i, _ in enumerate(MEASURES)
            )
            measures = ", ".join(
                f"{m}::numeric / 100" if m in AMOUNT_MEASURES else m for m in MEASURES
            )
            updates = ", ".join(f"{m} = {rollup}.{m} + EXCLUDED.{m}" for m in MEASURES)
            upsert = (
                ""
                if fresh
                else f"ORDER BY 1, 2, 3, 4, 5 ON CONFLICT ({', '.join(_KEY_COLUMNS)}) "
                f"DO UPDATE SET {updates}"
            )
            columns = ", ".join([*_KEY_COLUMNS, *MEASURES])
            # One row per key with a measure that is not zero (as ``Totals.nonzero_rows``).
            nonzero = " OR ".join(f"{m} <> 0" for m in MEASURES)
            run(
                f"INSERT INTO {rollup} ({columns}) "
                f"SELECT {', '.join(_KEY_COLUMNS)}, {measures} FROM ("
                f" SELECT centre_id, subtree, month, dim, val, {sums} FROM ("
                "  SELECT centre_id, false AS subtree, month, dim, val, measure, amount"
                "  FROM tally_own"
                "  UNION ALL"
                "  SELECT centre_id, true, month, dim, val, measure, amount FROM tally_sub"
                " ) AS rows GROUP BY 1, 2, 3, 4, 5"
                f") AS pivoted ({', '.join(_KEY_COLUMNS)}, {', '.join(MEASURES)}) "
                f"WHERE {nonzero} {upsert}"
            )
            run(
                f"INSERT INTO {buckets} (centre_id, subtree, month, tenths, count) "
                "SELECT centre_id, subtree, month, tenths, count(*) FROM ("
                " SELECT centre_id, false AS subtree, month, tenths FROM tally_span"
                " UNION ALL"
                " SELECT u.ancestor_id, true, s.month, s.tenths"
                " FROM tally_span s JOIN tally_up u ON u.centre_id = s.centre_id"
                ") AS rows GROUP BY 1, 2, 3, 4 "
                + (
                    ""
                    if fresh
                    else "ORDER BY 1, 2, 3, 4 ON CONFLICT (centre_id, subtree, month, tenths) "
                    f"DO UPDATE SET count = {buckets}.count + EXCLUDED.count"
                )
            )
            for table in ("fact", "span", "up", "node", "own", "sub"):
                run(f"DROP TABLE tally_{table}")
