"""The case list as a file: its columns, the CSV (streamed) and the XLSX, and the background run.

The rows are read in chunks of ``CHUNK`` cases: the web list first reads the ids of the filtered,
sorted list (at most ``EXPORT_BACKGROUND_ROWS`` + 1 of them: that bounded read is also how it
decides to export in the background), then each chunk's cases with their centres, mediators and
parties, so the first row leaves after a fixed number of queries however long the list. Before
issue 21 the CSV read one server-side cursor over the whole sorted join: PostgreSQL sorted every
matching row, wide with its joins, before the first one came out.

A background export (``cases.models.Export``) rebuilds its queryset from its stored filter through
the source the surface that took it registered (``register_source``: the web list's, from
``cases.apps``), since the floors keep the worker's code below the web's.
"""

import tempfile
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, tzinfo
from decimal import Decimal
from typing import IO, Any
from zoneinfo import ZoneInfo

from django.contrib.auth.models import User
from django.core.files import File
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from .. import deadlines
from ..models import Case, Export, ExportFormat, ExportStatus, Party
from ..services import exports as export_services
from . import cells
from .cells import spreadsheet_cell

CHUNK = 1000  # cases read per query (their parties and co-mediators with them)
# How often a background export writes its progress, in rows.
PROGRESS_EVERY = CHUNK

# As the list's badges say it (``cases.web.templatetags.web``).
URGENCY_LABELS = {
    deadlines.Urgency.OVERDUE: _("Overdue"),
    deadlines.Urgency.SOON: _("Due soon"),
    deadlines.Urgency.OK: _("On time"),
    deadlines.Urgency.NONE: "",
}


def _verbose(model: type[Any], field: str) -> Any:
    return model._meta.get_field(field).verbose_name


HEADER = [
    _verbose(Case, "number"),
    _verbose(Case, "status"),
    _verbose(Case, "summary"),
    _verbose(Case, "centre"),
    _verbose(Case, "registering_centre"),
    _verbose(Case, "category"),
    _verbose(Case, "channel"),
    _verbose(Case, "risk_level"),
    _verbose(Case, "lead_mediator"),
    _verbose(Case, "co_mediators"),
    Party._meta.verbose_name_plural,
    _verbose(Case, "amount_in_dispute"),
    _verbose(Case, "registered_at"),
    _("Deadline"),
    _("Deadline status"),
    _verbose(Case, "concluded_at"),
]
DATE_COLUMNS = (12, 13, 15)  # registered, deadline, concluded: dates in the XLSX
AMOUNT_COLUMN = 11


def header() -> list[str]:
    """The column labels in the active language."""
    return [capfirst(str(label)) for label in HEADER]


def _local(moment: datetime | None, zone: tzinfo) -> datetime | None:
    # Naive local time: what a spreadsheet shows (XLSX has no time zones).
    return timezone.localtime(moment, zone).replace(tzinfo=None) if moment else None


def _party(party: Party) -> str:
    # Names and the masked forms only: the clear values are never read for an export.
    details = [party.get_role_display()]
    if party.id_number_masked:
        details.append(f"{_verbose(Party, 'id_number_masked')} {party.id_number_masked}")
    if party.phone_masked:
        details.append(f"{_verbose(Party, 'phone_masked')} {party.phone_masked}")
    return f"{party.name} ({', '.join(str(d) for d in details)})"


def row(case: Case, zone: tzinfo) -> list[Any]:
    """A case's cells, typed: text, a ``Decimal`` amount (or ``None``), naive local datetimes."""
    deadline = case.running_deadline
    return [
        case.number,
        case.get_status_display(),
        case.summary,
        case.centre.name,
        case.registering_centre.name,
        str(case.category),
        case.get_channel_display(),
        case.get_risk_level_display(),
        case.lead_mediator.name if case.lead_mediator else "",
        "; ".join(m.name for m in case.co_mediators.all()),
        "; ".join(_party(p) for p in case.parties.all()),
        case.amount_in_dispute,
        _local(case.registered_at, zone),
        _local(deadline, zone),
        str(URGENCY_LABELS[deadlines.urgency(deadline)]),
        _local(case.concluded_at, zone),
    ]


def _text(value: Any) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return spreadsheet_cell(value)


def cases_in_chunks(cases: QuerySet[Case], ids: list[int]) -> Iterator[Case]:
    """The cases of ``ids`` in that order, read ``CHUNK`` at a time from ``cases`` (so still
    within its scope; a case gone meanwhile is left out)."""
    unordered = cases.order_by()
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        by_id = {case.pk: case for case in unordered.filter(pk__in=chunk)}
        yield from (by_id[pk] for pk in chunk if pk in by_id)


def first_ids(cases: QuerySet[Case], limit: int) -> list[int]:
    """The ids of the first ``limit`` cases of the sorted list: one narrow query."""
    return list(cases.prefetch_related(None).values_list("pk", flat=True)[:limit])


def csv_lines(cases: Iterable[Case], language: str | None, zone: tzinfo) -> Iterator[str]:
    """The CSV, line by line, in ``language`` (made while the response is sent)."""
    return cells.csv_lines(header, (row(case, zone) for case in cases), language, cell=_text)


def write_xlsx(
    cases: Iterable[Case],
    out: IO[bytes],
    language: str | None,
    zone: tzinfo,
    progress: Callable[[int], None] | None = None,
) -> int:
    """The list as an XLSX workbook (write-only mode: rows go to disk as they come) into ``out``:
    headers in ``language``, dates as dates, amounts as numbers. Returns the rows written."""
    book = Workbook(write_only=True)
    with translation.override(language):
        sheet = book.create_sheet(str(_("Cases")))
        sheet.append(header())
        written = 0
        for case in cases:
            cells: list[Any] = []
            for column, value in enumerate(row(case, zone)):
                if column in DATE_COLUMNS and value is not None:
                    cell = WriteOnlyCell(sheet, value)
                    cell.number_format = "yyyy-mm-dd hh:mm"
                    cells.append(cell)
                elif column == AMOUNT_COLUMN:
                    cells.append(value if isinstance(value, Decimal) else None)
                else:
                    cells.append(spreadsheet_cell(value) if value is not None else None)
            sheet.append(cells)
            written += 1
            if progress and written % PROGRESS_EVERY == 0:
                progress(written)
    book.save(out)
    return written


# --- Background exports --------------------------------------------------------------------------

# A surface's filter, rebuilt from an export's stored parameters (with its search text, decrypted):
# the scoped, filtered and sorted cases of ``user``, or ``None`` if the filter no longer holds.
Source = Callable[[User, dict[str, list[str]], str], QuerySet[Case] | None]
_sources: dict[str, Source] = {}
CASE_LIST = "case_list"


def register_source(name: str, source: Source) -> None:
    _sources[name] = source


def run_export(export_id: int) -> int:
    """Write an export's file (its rows counted first, then its progress every ``PROGRESS_EVERY``
    rows), store it on the private storage, notify its owner. Returns the rows written; a run
    of an export already done or gone does nothing."""
    export = Export.objects.select_related("user").filter(pk=export_id).first()
    if export is None or export.status == ExportStatus.DONE:
        return 0
    cases = _sources[CASE_LIST](export.user, export.params, export_services.search_text(export))
    if cases is None:
        export_services.failed(export)
        return 0
    export_services.started(export, total=cases.count())
    zone = ZoneInfo(export.time_zone)
    rows = cases.iterator(chunk_size=CHUNK)

    def progress(done: int) -> None:
        export_services.progressed(export, done)

    with tempfile.TemporaryFile() as out:
        if export.format == ExportFormat.XLSX:
            written = write_xlsx(rows, out, export.language, zone, progress)
        else:
            written = 0
            for line in csv_lines(rows, export.language, zone):
                out.write(line.encode("utf-8"))
                written += 1
                if written % PROGRESS_EVERY == 0:
                    progress(written)
            written -= 1  # the header
        out.seek(0)
        export_services.finished(export, File(out, name=export.filename), rows=written)
    return written
