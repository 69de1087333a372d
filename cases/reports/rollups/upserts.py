"""Counting one event as it is written: its facts added to the counters, in its transaction."""

from datetime import date
from decimal import Decimal
from typing import Any, cast

from django.db import connection, models

from ...models import Agreement, Case, Centre, DurationBucket, Event, EventKind, Rollup, RollupState
from ...models.reports import STOCK_MEASURES
from .facts import CONCLUSIONS, DECISIONS, FULFILMENT_CHANGES, facts
from .roll import ROLL_LOCK
from .rows import KEY_COLUMNS, Key, Totals, Tree
from .state import State, overlay, state_before, state_of, stock_key


def _upsert_rows(rows: list[tuple[Key, dict[str, int | Decimal]]]) -> None:
    """Add to the counters, creating rows as needed: one statement, rows in key order (so two
    transactions touching the same rows lock them in the same order and cannot deadlock)."""
    if not rows:
        return
    measures = sorted({m for _, values in rows for m in values})
    table = connection.ops.quote_name(Rollup._meta.db_table)
    columns = [*KEY_COLUMNS, *measures]
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
            f"ON CONFLICT ({', '.join(KEY_COLUMNS)}) DO UPDATE SET {updates}",
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
    before = None if event.kind == EventKind.INTAKE else state_before(event, after)
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
        or stock_key(before) != stock_key(after)
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
