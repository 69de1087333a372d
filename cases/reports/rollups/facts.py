"""Facts: what one event counts for ("received +1 in March at JA01, category 7 …"), pure."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol

from ...models import EventKind, Fulfilment, RiskLevel
from ..periods import month_end, month_of
from .state import State, parsed, stock_key

DECISIONS = {"accept": "accepted", "decline": "declined"}
# The events that change an agreement's fulfilment (a follow-up records what the visit found,
# in the follow-up, not in the agreement).
FULFILMENT_CHANGES = frozenset({"record_fulfilment", "close"})
CONCLUSIONS = {"resolve": "resolved", "fail": "failed", "withdraw": "withdrawn"}
SECONDS_PER_TENTH = 8640  # a tenth of a day


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
        old = parsed("amount_in_dispute", data_before.get("amount_in_dispute")) or Decimal(0)
        new = parsed("amount_in_dispute", data_after.get("amount_in_dispute")) or Decimal(0)
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

    if stock_key(before) != stock_key(after):
        if before is not None and before.is_open:
            out.extend(_stock_facts(before, at, -1))
        if after.is_open:
            out.extend(_stock_facts(after, at, +1))
    return out, durations
