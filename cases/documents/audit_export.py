"""The audit trail as CSV (the audit page's download): one line per record, the values as the
page shows them, cells that no spreadsheet reads as a formula."""

import json
from collections.abc import Iterable, Iterator
from datetime import tzinfo
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import AuditRecord
from . import cells


def header() -> list[str]:
    return [
        str(_("Time")),
        str(_("User name")),
        str(_("Action")),
        str(_("Centre")),
        str(_("Case number")),
        str(_("Target")),
        str(_("IP address")),
        str(_("Details")),
    ]


def row(record: AuditRecord, zone: tzinfo) -> list[Any]:
    return [
        timezone.localtime(record.created_at, zone).strftime("%Y-%m-%d %H:%M:%S"),
        record.actor_name,
        record.get_action_display(),
        record.centre.code if record.centre_id and record.centre else "",
        record.case.number if record.case_id and record.case else "",
        record.target,
        record.ip_address or "",
        json.dumps(record.details, ensure_ascii=False, sort_keys=True),
    ]


def csv_lines(records: Iterable[AuditRecord], language: str | None, zone: tzinfo) -> Iterator[str]:
    """The CSV, line by line, in ``language`` (made while the answer is sent)."""
    return cells.csv_lines(header, (row(record, zone) for record in records), language)
