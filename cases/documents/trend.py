"""The trend as a file: CSV and XLSX of ``cases.reports.trend.trend`` (one row per month).

The columns are the trend's figures, then the level-resolution shares, each headed by its name in
the active language. CSV keeps the JSON's values (rates as fractions 0–1, an empty cell for null);
XLSX holds numbers formatted for reading. Below the months, each figure's definition.
"""

import csv
import io
from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook

from ..models import ReportScope
from ..reports.figures import BY_KEY, LEVELS, Kind
from ..reports.trend import TREND_KEYS
from . import pdf
from .cells import spreadsheet_cell
from .report import CONTENT_TYPES as REPORT_CONTENT_TYPES
from .report import NUMBER_FORMATS, _header, _text, _widths

CONTENT_TYPES = {kind: REPORT_CONTENT_TYPES[kind] for kind in ("csv", "xlsx")}


def filename(data: dict[str, Any], ext: str) -> str:
    """``trend-WH-2025-07-2026-06-subtree.csv``: centre code, first and last month, scope."""
    name = (
        f"trend-{data['centre']['code']}-{data['first_month']}-{data['last_month']}-"
        f"{data['scope']}.{ext}"
    )
    return pdf.SAFE_FILENAME.sub("_", name)


def centre_label(data: dict[str, Any], english: bool) -> str:
    centre = data["centre"]
    return str((centre["name_en"] or centre["name_zh"]) if english else centre["name_zh"])


def _title_rows(data: dict[str, Any], english: bool) -> list[list[Any]]:
    return [
        [_("Centre"), f"{centre_label(data, english)} ({data['centre']['code']})"],
        [_("Scope"), str(ReportScope(data["scope"]).label)],
        [_("Months"), f"{data['first_month']} – {data['last_month']}"],
        [_("As of"), data["as_of"]],
    ]


def headings() -> list[str]:
    level_name = _("Resolved at level: %(level)s")
    return [
        _("Month"),
        *(str(BY_KEY[key].label) for key in TREND_KEYS),
        *(level_name % {"level": label} for _key, label in LEVELS),
    ]


def _values(entry: dict[str, Any]) -> list[Any]:
    return [
        entry["month"],
        *(entry["figures"][key] for key in TREND_KEYS),
        *(entry["level_resolution"][key] for key, _label in LEVELS),
    ]


def _definitions() -> Iterator[list[Any]]:
    yield [_("Figure"), _("Definition")]
    for key in TREND_KEYS:
        yield [str(BY_KEY[key].label), str(BY_KEY[key].definition)]


def to_csv(data: dict[str, Any], *, english: bool) -> bytes:
    """UTF-8 with a byte order mark (so Excel reads the Chinese), every text cell formula-safe."""
    out = io.StringIO()
    writer = csv.writer(out)
    rows: list[list[Any]] = [*_title_rows(data, english), [], headings()]
    rows += [_values(entry) for entry in data["series"]]
    rows += [[], *_definitions()]
    for row in rows:
        writer.writerow([spreadsheet_cell(value) for value in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(data: dict[str, Any], *, english: bool) -> bytes:
    """One sheet of the months (numbers formatted), one of the definitions."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook has one sheet
    sheet.title = _("Trend")[:31]
    titles = _title_rows(data, english)
    for row, (label, value) in enumerate(titles, start=1):
        _text(sheet, row, 1, label)
        _text(sheet, row, 2, value)
    header_row = len(titles) + 2
    _header(sheet, header_row, headings())
    kinds = [BY_KEY[key].kind for key in TREND_KEYS] + [Kind.RATE] * len(LEVELS)
    for offset, entry in enumerate(data["series"], start=1):
        row = header_row + offset
        month, *values = _values(entry)
        _text(sheet, row, 1, month)
        for column, (kind, value) in enumerate(zip(kinds, values, strict=True), start=2):
            cell = sheet.cell(row=row, column=column, value=value)
            cell.number_format = NUMBER_FORMATS[kind]
    _widths(sheet, first_row=header_row, header_width=14)
    definitions = book.create_sheet(_("Definitions")[:31])
    for row, (label, text) in enumerate(_definitions(), start=1):
        _text(definitions, row, 1, label)
        _text(definitions, row, 2, text)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
