"""A case's state as far as the reports care, and the state before an event, from the event."""

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from ...deadlines import MEDIATION_CLOCK_STATUSES
from ...models import OPEN_STATUSES, Case, Dimension, Event, EventKind, RiskLevel, Status


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


def parsed(name: str, value: Any) -> Any:
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
    changed = {k: parsed(k, v) for k, v in values.items() if k in STATE_FIELDS}
    return replace(state, **changed) if changed else state


def state_before(event: Event, after: State) -> State:
    """The case's state before ``event``, from its state after it."""
    return overlay(after, event.before) if event.kind in CASE_CHANGES else after


def stock_key(state: State | None) -> tuple[Any, ...] | None:
    if state is None or not state.is_open:
        return None
    return (state.centre, state.dimensions(), state.risk_level == RiskLevel.HIGH, state.deadline)
