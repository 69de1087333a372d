"""An audit extract for a regulator (issue 22): one case's events and audit records, or the audit
records about one person, as CSV (cells no spreadsheet reads as a formula) and as a PDF."""

import csv
import json
from collections.abc import Iterator, Sequence
from datetime import tzinfo
from typing import Any

from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from ..models import AuditRecord, Event
from .audit_export import row as audit_row
from .cells import spreadsheet_cell


class _Echo:
    def write(self, value: str) -> str:
        return value


def header() -> list[str]:
    return [
        str(_("Row type")),
        str(_("Time")),
        str(_("User name")),
        str(_("Action")),
        str(_("Centre")),
        str(_("Case number")),
        str(_("Target")),
        str(_("IP address")),
        str(_("Details")),
    ]


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
    writer = csv.writer(_Echo())
    with translation.override(language):
        yield "\ufeff" + writer.writerow(header())
        for line in rows(events, records, zone):
            yield writer.writerow([spreadsheet_cell(value) for value in line])
