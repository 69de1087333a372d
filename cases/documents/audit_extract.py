"""An audit extract for a regulator (issue 22): one case's events and audit records, or the audit
records about one person, as CSV (cells no spreadsheet reads as a formula) and as a PDF."""

import json
from collections.abc import Iterator, Sequence
from datetime import tzinfo
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import AuditRecord, Event
from . import cells
from .audit_export import header as audit_header
from .audit_export import row as audit_row


def header() -> list[str]:
    """The audit CSV's columns, after the kind of each line (event or audit record)."""
    return [str(_("Row type")), *audit_header()]


def event_row(event: Event, zone: tzinfo) -> list[Any]:
    """An event as a line: its values as stored (masked by anonymisation)."""
    values = {"before": event.before, "after": event.after}
    return [
        str(_("Event")),
        timezone.localtime(event.at, zone).strftime("%Y-%m-%d %H:%M:%S"),
        event.actor.get_username() if event.actor_id and event.actor else "",
        event.name,
        "",
        event.case.number,
        "",
        "",
        json.dumps(values, ensure_ascii=False, sort_keys=True, default=str),
    ]


def rows(events: Sequence[Event], records: Sequence[AuditRecord], zone: tzinfo) -> list[list[Any]]:
    """Every line of the extract: the events, then the audit records, each oldest first."""
    lines = [event_row(event, zone) for event in events]
    lines += [[str(_("Audit record")), *audit_row(record, zone)] for record in records]
    return lines


def csv_text(
    events: Sequence[Event], records: Sequence[AuditRecord], language: str | None, zone: tzinfo
) -> Iterator[str]:
    return cells.csv_lines(header, rows(events, records, zone), language)
