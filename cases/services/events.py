"""Writing the timeline. Every change to a case writes exactly one event through ``record``, which
also counts it in the report counters."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import models

from ..models import Case, Event, EventKind
from ..reports.rollups.upserts import record_event


def jsonable(value: Any) -> Any:
    """A value as it is kept in an event: ids for rows, ISO strings for times, text for decimals."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    return value


def record(
    *,
    case: Case,
    actor: User | None,
    kind: EventKind,
    name: str,
    at: datetime,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> Event:
    """Append one event. Callers pass masked personal data only, never clear values."""
    event = Event.objects.create(
        case=case,
        actor=actor if actor is not None and getattr(actor, "pk", None) else None,
        kind=kind,
        name=name,
        at=at,
        before=jsonable(before or {}),
        after=jsonable(after or {}),
        centre_id=case.centre_id,
        case_version=case.version,
    )
    # The report counters move in the same transaction as the change (docs/reports.md).
    record_event(event, case)
    return event
