"""Rebuilding every counter from the raw rows: each case's events replayed through ``facts``."""

from collections.abc import Iterable, Iterator
from typing import Any

from django.db import connection, transaction
from django.db.models import Prefetch

from ...bulkload import copy_rows
from ...models import Agreement, Case, Centre, DurationBucket, Event, EventKind, Rollup, RollupState
from ...models.reports import MEASURES
from .bulk import BulkCounters
from .facts import Duration, Fact, facts
from .roll import lock_exclusive, roll_stocks
from .rows import KEY_COLUMNS, Totals, Tree
from .state import State, state_before, state_of


def case_facts(case: Case, events: list[Event]) -> tuple[list[Fact], list[Duration]]:
    """Everything one case counts for, from its own rows: its events replayed backwards from the
    case as it is now give the state after each event."""
    states: list[State] = []
    state = state_of(case)
    for event in reversed(events):
        states.append(state)
        state = state_before(event, state)
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
        lock_exclusive()
        Rollup.objects.all().delete()
        DurationBucket.objects.all().delete()
        RollupState.objects.all().delete()
        counters = fresh_counters()
        count = 0
        queryset = cases if cases is not None else all_cases()
        for case in queryset:
            events = list(case.events.all())
            counters.add(*case_facts(case, events))
            count += 1
            if progress is not None:
                progress.update(1)
        counters.finish(fresh=True)
        roll_stocks()
    return count


class PlainCounters:
    """``BulkCounters`` for any database (SQLite): the facts added up in Python (``Totals``), the
    rows written at once by ``finish``. Only into empty counter tables (``fresh``)."""

    def __init__(self) -> None:
        self.tree = Tree(Centre.objects.only("pk", "path", "level", "kind"))
        self.totals = Totals()

    def add(self, found: Iterable[Fact], durations: Iterable[Duration]) -> None:
        self.totals.add(found, durations, self.tree, None)

    def finish(self, *, fresh: bool = False) -> None:
        if not fresh:
            raise ValueError("PlainCounters writes into empty counter tables only (fresh=True).")
        _bulk_write(self.totals)


def fresh_counters() -> BulkCounters | PlainCounters:
    """The counters of many cases, to be written into empty counter tables: added up in SQL on
    PostgreSQL, in Python elsewhere."""
    return BulkCounters() if connection.vendor == "postgresql" else PlainCounters()


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
    copy_rows(Rollup._meta.db_table, [*KEY_COLUMNS, *MEASURES], rows)
    copy_rows(
        DurationBucket._meta.db_table, ["centre_id", "subtree", "month", "tenths", "count"], buckets
    )
