"""A monthly report as a file: CSV, XLSX and PDF, made from ``labelled(report(...))`` (the
data of ``cases.reports.monthly``).

The three hold the same figures as the JSON, in the same order: the title (centre, month, scope,
as of when), every figure with the previous month and the same month last year beside it, each
breakdown, and the level-resolution shares; each figure's definition goes with it (DESIGN §5:
the definition is printed on the report). Names come from the labelled data, so a file is in the
language active when it is made (the caller's, or the director's for the monthly e-mail).

- CSV keeps the JSON's values as they are (rates as fractions 0–1, amounts with two decimals,
  an empty cell for null), for people who feed the numbers on into their own tools.
- XLSX holds numbers as numbers, formatted for reading (percentages, days, yuan).
- PDF (A4, Noto CJK) shows them formatted, with the change against each comparison month, and
  of each breakdown every child centre and the busiest ``figures.PDF_SHOWN_ENTRIES`` of the
  others (a city's thousands of mediators are in the CSV and XLSX), and the page's charts.
"""

import csv
import io
import re
import unicodedata
from collections.abc import Callable, Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ..models import ReportScope
from ..reports import figures
from ..reports.figures import (
    BREAKDOWN_KEYS,
    BREAKDOWNS,
    BY_KEY,
    EMPTY,
    KEYS,
    LEVELS,
    Kind,
    shown,
    shown_entries,
)
from ..reports.periods import zone
from . import pdf
from .cells import spreadsheet_cell
from .charts import Bar, Chart, Series, bar_chart, share_bar

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}

# The first column of each breakdown: what its rows are.
ENTRY_HEADINGS = {
    "category": gettext_lazy("Category"),
    "channel": gettext_lazy("Channel"),
    "risk_level": gettext_lazy("Risk level"),
    "child_centre": gettext_lazy("Centre"),
    "mediator": gettext_lazy("Mediator"),
}

LEVEL_SHARES_TITLE = gettext_lazy("Share of the resolved cases resolved at each level")

TEMPLATE = "reports/monthly_pdf.html"

OUTCOMES = ("resolved", "failed", "withdrawn")
LEVEL_SERIES = "level"  # CSS classes series-level-<key>


# --- What every format shows ---------------------------------------------------------------------


def breakdowns(data: dict[str, Any]) -> list[tuple[str, str]]:
    """The breakdowns a report shows, with their titles: by child centre only for a subtree."""
    return [
        (key, data["breakdown_labels"][key])
        for key, _title in BREAKDOWNS
        if key != "child_centre" or data["scope"] == ReportScope.SUBTREE
    ]


def as_of(data: dict[str, Any]) -> str:
    """When the figures were computed, in the reporting time zone, to the minute."""
    moment = datetime.fromisoformat(data["as_of"])
    return timezone.localtime(moment, zone()).strftime("%Y-%m-%d %H:%M")


def title_rows(data: dict[str, Any]) -> list[tuple[str, str]]:
    as_of_label = _("Figures as of (month in progress)") if data["live"] else _("Figures as of")
    return [
        (_("Centre"), f"{data['centre']['label']} ({data['centre']['code']})"),
        (_("Month"), data["month"]),
        (_("Scope"), data["scope_label"]),
        (as_of_label, as_of(data)),
    ]


def month_headings(data: dict[str, Any]) -> list[str]:
    """Headings of the three value columns: this month, the previous one, a year before."""
    months = data["comparison_months"]
    return [
        _("This month (%(month)s)") % {"month": data["month"]},
        _("Previous month (%(month)s)") % {"month": months["previous_month"]},
        _("Same month last year (%(month)s)") % {"month": months["same_month_last_year"]},
    ]


def entry_label(dimension: str, entry: dict[str, Any]) -> str:
    """A breakdown row's name; a centre's own cases are told apart from its subtree's total."""
    if dimension == "child_centre" and entry.get("own"):
        return _("%(centre)s (its own cases)") % {"centre": entry["label"]}
    return str(entry["label"])


def filename(data: dict[str, Any], ext: str) -> str:
    """``report-WH-2026-10-subtree.xlsx``: centre code, month and scope, safe in any header."""
    name = f"report-{data['centre']['code']}-{data['month']}-{data['scope']}.{ext}"
    return pdf.SAFE_FILENAME.sub("_", name)


def number(key: str, value: Any) -> int | float | Decimal | None:
    """A figure's value as a number for a spreadsheet: amounts (decimal strings) as Decimal."""
    if value is None:
        return None
    if BY_KEY[key].kind == Kind.AMOUNT:
        return Decimal(value)
    return value


# --- Charts --------------------------------------------------------------------------------------


def charts(
    data: dict[str, Any],
    label: Callable[[str, dict[str, Any]], str],
    url: Callable[[dict[str, Any]], str] | None = None,
) -> list[SafeString]:
    """The report's charts, drawn (inline SVG), the same on the web page and in the PDF: outcomes
    per child centre (subtree only), where the resolved cases were resolved, received and
    concluded per category. ``label`` names a breakdown entry; ``url`` (the page) links a child
    centre's bar to its report."""
    labels = data["figure_labels"]
    outcomes = tuple(Series(key, labels[key]) for key in OUTCOMES)
    categories = data["breakdowns"]["category"]
    drawn = []
    if data["scope"] == ReportScope.SUBTREE:
        by_centre = [
            Bar(
                label("child_centre", entry),
                tuple(entry["figures"][key] for key in OUTCOMES),
                url(entry) if url is not None else "",
            )
            for entry in data["breakdowns"]["child_centre"]
        ]
        drawn.append(
            bar_chart(
                Chart(
                    "chart-concluded-by-centre",
                    _("Concluded, by centre and outcome"),
                    outcomes,
                    by_centre,
                    _("No case was concluded in the month."),
                )
            )
        )
    levels = tuple(Series(f"{LEVEL_SERIES}-{key}", data["level_labels"][key]) for key, _ in LEVELS)
    drawn.append(
        share_bar(
            Chart(
                "chart-level-resolution",
                _("Where the resolved cases were resolved"),
                levels,
                empty=_("No case was resolved in the month."),
            ),
            [data["level_resolution"][key] for key, _ in LEVELS],
        )
    )
    drawn.append(
        bar_chart(
            Chart(
                "chart-received-by-category",
                _("Received, by category"),
                (Series("received", labels["received"]),),
                [Bar(label("category", e), (e["figures"]["received"],)) for e in categories],
                _("No case was received in the month."),
            )
        )
    )
    drawn.append(
        bar_chart(
            Chart(
                "chart-concluded-by-category",
                _("Concluded, by category and outcome"),
                outcomes,
                [
                    Bar(label("category", e), tuple(e["figures"][key] for key in OUTCOMES))
                    for e in categories
                ],
                _("No case was concluded in the month."),
            )
        )
    )
    return drawn


# --- CSV -----------------------------------------------------------------------------------------


def to_csv(data: dict[str, Any]) -> bytes:
    """UTF-8 with a byte order mark (so Excel reads the Chinese), every text cell formula-safe."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in _csv_rows(data):
        writer.writerow([spreadsheet_cell(value) for value in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _csv_rows(data: dict[str, Any]) -> Iterator[list[Any]]:
    yield from ([label, value] for label, value in title_rows(data))
    yield []
    yield [_("Figure"), *month_headings(data), _("Definition")]
    for key in KEYS:
        yield [
            data["figure_labels"][key],
            data["figures"][key],
            data["previous_month"][key],
            data["same_month_last_year"][key],
            data["definitions"][key],
        ]
    for dimension, title in breakdowns(data):
        yield []
        yield [title]
        yield [ENTRY_HEADINGS[dimension], *(data["figure_labels"][k] for k in BREAKDOWN_KEYS)]
        for entry in data["breakdowns"][dimension]:
            values = entry["figures"]
            yield [entry_label(dimension, entry), *(values[k] for k in BREAKDOWN_KEYS)]
    yield []
    yield [LEVEL_SHARES_TITLE]
    yield [_("Level"), _("Share")]
    for level, _label in LEVELS:
        yield [data["level_labels"][level], data["level_resolution"][level]]


# --- XLSX ----------------------------------------------------------------------------------------

NUMBER_FORMATS = {
    Kind.COUNT: "#,##0",
    Kind.RATE: "0.0%",
    Kind.DAYS: "0.0",
    Kind.AMOUNT: "#,##0.00",
    Kind.MEAN: "0.00",
}
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
TITLE_FONT = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")
MAX_WIDTH = 60
# Characters a sheet's name may not hold.
SHEET_NAME_UNSAFE = re.compile(r"[\[\]:*?/\\]")


def to_xlsx(data: dict[str, Any]) -> bytes:
    """A workbook: "Figures", one sheet per breakdown, the level shares and "Definitions"."""
    book = Workbook()
    figures_sheet = book.active
    assert figures_sheet is not None  # a new workbook has one sheet
    _figures_sheet(figures_sheet, data)
    for dimension, title in breakdowns(data):
        _breakdown_sheet(book.create_sheet(_sheet_name(title)), data, dimension)
    _levels_sheet(book.create_sheet(_sheet_name(_("Resolved by level"))), data)
    _definitions_sheet(book.create_sheet(_sheet_name(_("Definitions"))), data)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet_name(title: Any) -> str:
    return SHEET_NAME_UNSAFE.sub(" ", str(title))[:31]


def _text(sheet: Worksheet, row: int, column: int, value: Any) -> Any:
    """A text cell, kept as text: openpyxl would store "=..." as a formula."""
    cell = sheet.cell(row=row, column=column, value=str(value))
    cell.data_type = "s"
    return cell


def _header(sheet: Worksheet, row: int, labels: list[Any]) -> None:
    for column, label in enumerate(labels, start=1):
        cell = _text(sheet, row, column, label)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = WRAP
    # Frozen below the header and right of the names, so both stay in view while scrolling.
    sheet.freeze_panes = f"B{row + 1}"


def _value(sheet: Worksheet, row: int, column: int, key: str, value: Any) -> None:
    cell = sheet.cell(row=row, column=column, value=number(key, value))
    cell.number_format = NUMBER_FORMATS[BY_KEY[key].kind]


def _figures_sheet(sheet: Worksheet, data: dict[str, Any]) -> None:
    sheet.title = _sheet_name(_("Figures"))
    for row, (label, value) in enumerate(title_rows(data), start=1):
        _text(sheet, row, 1, label).font = TITLE_FONT
        _text(sheet, row, 2, value)
    header_row = len(title_rows(data)) + 2
    _header(sheet, header_row, [_("Figure"), *month_headings(data)])
    for row, key in enumerate(KEYS, start=header_row + 1):
        _text(sheet, row, 1, data["figure_labels"][key])
        for column, part in enumerate(
            ("figures", "previous_month", "same_month_last_year"), start=2
        ):
            _value(sheet, row, column, key, data[part][key])
    _widths(sheet, first_row=header_row)


def _breakdown_sheet(sheet: Worksheet, data: dict[str, Any], dimension: str) -> None:
    labels = [data["figure_labels"][k] for k in BREAKDOWN_KEYS]
    _header(sheet, 1, [ENTRY_HEADINGS[dimension], *labels])
    for row, entry in enumerate(data["breakdowns"][dimension], start=2):
        _text(sheet, row, 1, entry_label(dimension, entry))
        for column, key in enumerate(BREAKDOWN_KEYS, start=2):
            _value(sheet, row, column, key, entry["figures"][key])
    _widths(sheet, first_row=1, header_width=14)


def _levels_sheet(sheet: Worksheet, data: dict[str, Any]) -> None:
    _header(sheet, 1, [_("Level"), _("Share of the resolved cases")])
    for row, (level, _label) in enumerate(LEVELS, start=2):
        _text(sheet, row, 1, data["level_labels"][level])
        cell = sheet.cell(row=row, column=2, value=data["level_resolution"][level])
        cell.number_format = NUMBER_FORMATS[Kind.RATE]
    _widths(sheet, first_row=1)


def _definitions_sheet(sheet: Worksheet, data: dict[str, Any]) -> None:
    _header(sheet, 1, [_("Figure"), _("Definition")])
    rows = [(data["figure_labels"][key], data["definitions"][key]) for key in KEYS]
    rows.append((LEVEL_SHARES_TITLE, data["level_resolution_definition"]))
    for row, (label, definition) in enumerate(rows, start=2):
        _text(sheet, row, 1, label).alignment = WRAP
        _text(sheet, row, 2, definition).alignment = WRAP
    sheet.column_dimensions["A"].width = 32
    sheet.column_dimensions["B"].width = 90


def _display_width(text: str) -> int:
    """Columns a text takes on screen: a Chinese character is two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _widths(sheet: Worksheet, *, first_row: int, header_width: int | None = None) -> None:
    """Each column as wide as its widest cell from ``first_row`` on (headers wrap at
    ``header_width`` when given), within ``MAX_WIDTH``."""
    for index, column in enumerate(sheet.iter_cols(min_row=first_row), start=1):
        widths = []
        for cell in column:
            if cell.value is None:
                continue
            if isinstance(cell.value, str):
                width = _display_width(cell.value)
                if header_width and cell.row == first_row and index > 1:
                    width = min(width, header_width)
            else:
                width = len(f"{cell.value:,.2f}")
            widths.append(width)
        widest = min(max(widths, default=8) + 2, MAX_WIDTH)
        sheet.column_dimensions[get_column_letter(index)].width = widest


# --- PDF -----------------------------------------------------------------------------------------

# Columns of figures per breakdown table on a landscape page (21 figures: two tables); more would
# not be legible at 8 pt. Fewer tables, fewer cells: a PDF's time follows them (issue 24).
PDF_COLUMNS = 11


def to_pdf(data: dict[str, Any]) -> bytes:
    """The report as an A4 PDF. Raises ``pdf.PdfUnavailable`` without WeasyPrint's libraries."""
    return pdf.render_pdf(TEMPLATE, pdf_context(data))


def pdf_attachment(data: dict[str, Any]) -> tuple[str, bytes]:
    """The report as its e-mail attaches it: the PDF's file name and content
    (``services.snapshots.send_emails`` is handed this by the task that sends the e-mails)."""
    return filename(data, "pdf"), to_pdf(data)


def pdf_context(data: dict[str, Any]) -> dict[str, Any]:
    """What the PDF template shows, formatted: the template only lays it out."""
    chinese = not (get_language() or "").startswith("en")
    labels = data["figure_labels"]
    breakdown_list = [
        {
            "title": title,
            "heading": ENTRY_HEADINGS[dimension],
            "tables": [
                {
                    "labels": [labels[k] for k in keys],
                    "rows": [
                        (
                            entry_label(dimension, entry),
                            [display(k, entry["figures"][k]) for k in keys],
                        )
                        for entry in pdf_entries(data, dimension)
                    ],
                }
                for keys in _chunks(BREAKDOWN_KEYS, PDF_COLUMNS)
            ],
            "empty": not data["breakdowns"][dimension],
            "shown": len(pdf_entries(data, dimension)),
            "total": len(data["breakdowns"][dimension]),
        }
        for dimension, title in breakdowns(data)
    ]
    return {
        "data": data,
        "title_rows": title_rows(data),
        "colon": "：" if chinese else ": ",
        "level_shares_title": LEVEL_SHARES_TITLE,
        "headings": month_headings(data),
        "figures": [
            {
                "label": labels[key],
                "values": [
                    display(key, data[part][key])
                    for part in ("figures", "previous_month", "same_month_last_year")
                ],
                "changes": [
                    change(key, data["figures"][key], data[part][key])
                    for part in ("previous_month", "same_month_last_year")
                ],
            }
            for key in KEYS
        ],
        "definitions": [(labels[key], data["definitions"][key]) for key in KEYS],
        "breakdowns": breakdown_list,
        "breakdown_groups": _breakdown_groups(breakdown_list),
        "levels": [
            (data["level_labels"][level], display_rate(data["level_resolution"][level]))
            for level, _label in LEVELS
        ],
        "charts": charts(data, entry_label),
    }


def _breakdown_groups(breakdown_list: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The breakdowns as the PDF lays them out: one table per group of columns, in which each
    breakdown is a part headed by its title (``span``: the columns a title row spans)."""
    if not breakdown_list:
        return []
    groups = []
    for index, table in enumerate(breakdown_list[0]["tables"]):
        parts = [
            {
                "title": breakdown["title"],
                "rows": breakdown["tables"][index]["rows"],
                "empty": breakdown["empty"],
                "shown": breakdown["shown"],
                "total": breakdown["total"],
            }
            for breakdown in breakdown_list
        ]
        groups.append({"labels": table["labels"], "span": len(table["labels"]) + 1, "parts": parts})
    return groups


def pdf_entries(data: dict[str, Any], dimension: str) -> list[dict[str, Any]]:
    """The entries of a breakdown the PDF lists: every child centre, of the others the busiest
    ``figures.PDF_SHOWN_ENTRIES``."""
    return shown_entries(dimension, data["breakdowns"][dimension], figures.PDF_SHOWN_ENTRIES)


def _chunks(keys: tuple[str, ...], size: int) -> list[tuple[str, ...]]:
    """``keys`` in nearly equal groups of at most ``size``."""
    groups = -(-len(keys) // size)
    step = -(-len(keys) // groups)
    return [keys[i : i + step] for i in range(0, len(keys), step)]


def display_rate(value: float | None) -> str:
    return shown(value, Kind.RATE)


def display(key: str, value: Any) -> str:
    """A figure's value as the PDF prints it."""
    return shown(value, BY_KEY[key].kind)


def change(key: str, now: Any, before: Any) -> str:
    """How a figure moved against a comparison month: in percentage points for a rate, as a
    percentage of the earlier value otherwise (none from nothing)."""
    if now is None or before is None:
        return EMPTY
    if BY_KEY[key].kind == Kind.RATE:
        points = (now - before) * 100
        return _("%(points)s pp") % {"points": f"{points:+.1f}"}
    base = Decimal(str(before))
    if base == 0:
        return EMPTY
    return f"{(Decimal(str(now)) - base) / base * 100:+.1f}%"
