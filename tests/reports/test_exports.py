"""The report as CSV, XLSX and PDF holds what the JSON holds (``monthly.report`` is the truth):
read back with the csv module, openpyxl and poppler's ``pdftotext``, in Chinese and in English.

``october(tree)`` builds a month with something in every part of the report, through the
services; the API tests use it too.
"""

import csv
import io
import re
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction
from django.utils import translation
from openpyxl import load_workbook
from pypdf import PdfReader

from cases import workflow
from cases.documents import charts, report
from cases.models import Agreement, Centre, FollowUp, Status
from cases.reports import figures, monthly
from cases.reports.figures import BREAKDOWN_KEYS, BY_KEY, KEYS, LEVELS, Kind
from cases.services.agreements import record_fulfilment, record_judicial_confirmation
from cases.services.follow_ups import record_follow_up
from tests.factories import Tree, agreement_data, build_tree, drive, register

pytestmark = pytest.mark.django_db

ZONE = ZoneInfo("Asia/Shanghai")
OCTOBER = date(2026, 10, 1)
LANGUAGES = ["zh-hans", "en"]
CJK = re.compile(r"[\u4e00-\u9fff]")


def at(month: int, day: int, year: int = 2026) -> datetime:
    return datetime(year, month, day, 10, 0, tzinfo=ZONE)


def october(tree: Tree) -> Tree:
    """D1's subtree in October 2026, with September and October 2025 to compare with.

    At S1: one case resolved (an agreement of 800 yuan due and fulfilled in October, applied
    for judicial confirmation, closed and followed up with satisfaction 4), one failed, one
    withdrawn, one declined, one of high risk still open; at K1 one resolved (a community
    resolution); at D1 one registered by the hotline. D2 (outside D1's subtree) gets one too.
    """
    admin, med = tree.admin, tree.med_s1
    with time_machine.travel(at(10, 14, 2025), tick=False):
        drive(register(actor=admin, centre=tree.s1), Status.RESOLVED, actor=admin, mediator=med)
    with time_machine.travel(at(9, 10), tick=False):
        register(actor=admin, centre=tree.s1)
        drive(register(actor=admin, centre=tree.s1), Status.FAILED, actor=admin, mediator=med)
    with time_machine.travel(at(10, 2), tick=False):
        settled = drive(
            register(actor=admin, centre=tree.s1, amount_in_dispute=Decimal("1200.00")),
            Status.IN_MEDIATION,
            actor=admin,
            mediator=med,
        )
        drive(register(actor=admin, centre=tree.s1), Status.FAILED, actor=admin, mediator=med)
        drive(register(actor=admin, centre=tree.s1), Status.WITHDRAWN, actor=admin)
        drive(register(actor=admin, centre=tree.s1), Status.DECLINED, actor=admin)
        register(actor=admin, centre=tree.s1, risk_level="high")
        register(actor=admin, centre=tree.d1, channel="hotline")
        register(actor=admin, centre=tree.d2)
    with time_machine.travel(at(10, 9), tick=False):
        workflow.transition(
            case=settled,
            name="resolve",
            actor=admin,
            data=agreement_data(amount_agreed="800.00", performance_deadline="2026-10-20"),
        )
        drive(register(actor=admin, centre=tree.k1), Status.RESOLVED, actor=admin, mediator=med)
    agreement = Agreement.objects.get(case=settled)
    with time_machine.travel(at(10, 12), tick=False):
        workflow.transition(case=settled, name="close", actor=admin, data={})
        record_judicial_confirmation(
            agreement=agreement, actor=admin, status="applied", applied_on=date(2026, 10, 12)
        )
    with time_machine.travel(at(10, 18), tick=False):
        record_fulfilment(agreement=agreement, actor=admin, fulfilment="fulfilled")
        record_follow_up(
            follow_up=FollowUp.objects.get(case=settled),
            actor=admin,
            contact_method="phone",
            fulfilment="fulfilled",
            satisfaction=4,
        )
    return tree


def october_report(tree: Tree, scope: str = "subtree") -> dict[str, Any]:
    """The labelled report of D1 for October, in the active language."""
    return monthly.labelled(monthly.report(tree.d1, OCTOBER, scope))


@contextmanager
def october_city(django_db_blocker: Any) -> Iterator[Tree]:
    """The small tree with its October (``october``), built once for a module's tests in a
    transaction rolled back after them (as ``shared_tree_with_cases``): each test runs in a
    savepoint inside it. Do not change the Python objects it holds."""
    with django_db_blocker.unblock(), transaction.atomic():
        tree = october(build_tree())
        yield tree
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def history(django_db_setup: None, django_db_blocker: Any) -> Iterator[Tree]:
    with october_city(django_db_blocker) as tree:
        yield tree


def label_in(language: str, dimension: str, entry: dict[str, Any]) -> str:
    """A breakdown entry's label as the file written in ``language`` shows it."""
    with translation.override(language):
        return report.entry_label(dimension, entry)


def test_the_month_has_something_in_every_part(history: Tree) -> None:
    data = monthly.report(history.d1, OCTOBER, "subtree")
    figures = data["figures"]
    for key in ("received", "resolved", "failed", "withdrawn", "declined", "open_at_month_end",
                "high_risk_open", "agreements_due", "agreements_fulfilled",
                "judicial_confirmations_applied", "follow_ups_done"):  # fmt: skip
        assert figures[key] > 0, key
    assert Decimal(figures["amount_agreed"]) > 0 and figures["mean_satisfaction"] is not None
    assert data["previous_month"]["received"] > 0 and data["same_month_last_year"]["resolved"] > 0
    assert all(data["breakdowns"][key] for key in ("category", "channel", "child_centre"))
    assert data["level_resolution"]["community"] is not None


# --- CSV ------------------------------------------------------------------------------------------


# --- CSV ------------------------------------------------------------------------------------------


def csv_value(value: Any) -> str:
    return "" if value is None else str(value)


def csv_sections(rows: list[list[str]]) -> dict[str, list[list[str]]]:
    """The rows under each one-cell line (a section's title), up to the next blank line."""
    found: dict[str, list[list[str]]] = {}
    current: list[list[str]] | None = None
    for row in rows:
        if not row:
            current = None
        elif current is None and len(row) == 1:
            current = found.setdefault(row[0], [])
        elif current is not None:
            current.append(row)
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_csv_holds_the_figures_of_the_json(history: Tree, language: str) -> None:
    with translation.override(language):
        data = october_report(history)
        content = report.to_csv(data)
        figure, definition = translation.gettext("Figure"), translation.gettext("Definition")
        month = translation.gettext("Month")
        level_title = str(report.LEVEL_SHARES_TITLE)
    assert content.startswith("\ufeff".encode()), "Excel needs the byte order mark for UTF-8"
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0][1] == f"{data['centre']['label']} (JA)"
    assert rows[1] == [month, "2026-10"]
    header = next(i for i, row in enumerate(rows) if row and row[0] == figure)
    assert rows[header][-1] == definition
    assert [c[-8:-1] for c in rows[header][1:4]] == ["2026-10", "2026-09", "2025-10"]
    labels = data["figure_labels"]
    assert rows[header + 1 : header + 1 + len(KEYS)] == [
        [
            labels[key],
            csv_value(data["figures"][key]),
            csv_value(data["previous_month"][key]),
            csv_value(data["same_month_last_year"][key]),
            data["definitions"][key],
        ]
        for key in KEYS
    ]
    sections = csv_sections(rows)
    for dimension, entries in data["breakdowns"].items():
        table = sections[data["breakdown_labels"][dimension]]
        assert table[0][1:] == [labels[k] for k in BREAKDOWN_KEYS]
        assert table[1:] == [
            [
                label_in(language, dimension, e),
                *(csv_value(e["figures"][k]) for k in BREAKDOWN_KEYS),
            ]
            for e in entries
        ]
    assert sections[level_title][1:] == [
        [data["level_labels"][k], csv_value(data["level_resolution"][k])] for k, _ in LEVELS
    ]


def renamed(centre: Centre, name_en: str) -> Centre:
    """A fresh copy of ``centre`` with another English name (the shared objects stay as they are)."""
    fresh = Centre.objects.get(pk=centre.pk)
    fresh.name_en = name_en
    fresh.save(update_fields=["name_en"])
    return fresh


def test_csv_cells_cannot_start_a_formula(history: Tree) -> None:
    """A centre named "=HYPERLINK(...)" is shown as text, not run by the spreadsheet."""
    centre = renamed(history.d1, '=HYPERLINK("http://evil.example")')
    with translation.override("en"):
        data = monthly.labelled(monthly.report(centre, OCTOBER, "subtree"))
        rows = list(csv.reader(io.StringIO(report.to_csv(data).decode("utf-8-sig"))))
    assert rows[0][1].startswith("'=HYPERLINK")
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


# --- XLSX -----------------------------------------------------------------------------------------


def cell_value(key: str, value: Any) -> Any:
    """What openpyxl reads back for a JSON value: numbers as numbers, amounts too."""
    if value is None:
        return None
    return float(Decimal(value)) if BY_KEY[key].kind == Kind.AMOUNT else value


FORMATS = {
    Kind.COUNT: "#,##0",
    Kind.RATE: "0.0%",
    Kind.DAYS: "0.0",
    Kind.AMOUNT: "#,##0.00",
    Kind.MEAN: "0.00",
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_xlsx_holds_the_figures_as_formatted_numbers(history: Tree, language: str) -> None:
    with translation.override(language):
        data = october_report(history)
        content = report.to_xlsx(data)
        names = [translation.gettext(n) for n in ("Figures", "Resolved by level", "Definitions")]
        figure = translation.gettext("Figure")
    book = load_workbook(io.BytesIO(content))
    breakdown_titles = [data["breakdown_labels"][k] for k in data["breakdowns"]]
    assert book.sheetnames == [names[0], *breakdown_titles, names[1], names[2]]
    labels = data["figure_labels"]

    sheet = book[names[0]]
    assert sheet["B1"].value == f"{data['centre']['label']} (JA)"
    assert sheet["B2"].value == "2026-10"
    assert sheet["B3"].value == data["scope_label"]
    assert sheet["A6"].value == figure and sheet["A6"].font.b and sheet["A6"].fill.fgColor.rgb
    assert sheet.freeze_panes == "B7"
    assert sheet.column_dimensions["A"].width > 10
    for row, key in enumerate(KEYS, start=7):
        cells = [sheet.cell(row=row, column=c) for c in range(1, 5)]
        assert cells[0].value == labels[key]
        assert [c.value for c in cells[1:]] == [
            cell_value(key, data[part][key])
            for part in ("figures", "previous_month", "same_month_last_year")
        ], key
        assert {c.number_format for c in cells[1:]} == {FORMATS[BY_KEY[key].kind]}
    assert sheet.max_row == 6 + len(KEYS)

    for dimension, entries in data["breakdowns"].items():
        table = book[data["breakdown_labels"][dimension]]
        assert table.freeze_panes == "B2" and table["B1"].font.b
        assert [c.value for c in table[1]][1:] == [labels[k] for k in BREAKDOWN_KEYS]
        read = [[c.value for c in row] for row in table.iter_rows(min_row=2)]
        assert read == [
            [
                label_in(language, dimension, e),
                *(cell_value(k, e["figures"][k]) for k in BREAKDOWN_KEYS),
            ]
            for e in entries
        ]

    levels = book[names[1]]
    assert [[c.value for c in row] for row in levels.iter_rows(min_row=2)] == [
        [data["level_labels"][k], data["level_resolution"][k]] for k, _ in LEVELS
    ]
    assert levels["B2"].number_format == "0.0%"

    definitions = book[names[2]]
    read = [[c.value for c in row] for row in definitions.iter_rows(min_row=2)]
    assert read[: len(KEYS)] == [[labels[k], data["definitions"][k]] for k in KEYS]
    assert read[-1][1] == data["level_resolution_definition"]


def test_xlsx_keeps_text_that_looks_like_a_formula_as_text(history: Tree) -> None:
    centre = renamed(history.d1, "=1+1")
    with translation.override("en"):
        data = monthly.labelled(monthly.report(centre, OCTOBER, "subtree"))
        book = load_workbook(io.BytesIO(report.to_xlsx(data)))
    cell = book.worksheets[0]["B1"]
    assert cell.value == "=1+1 (JA)" and cell.data_type == "s"


# --- PDF ------------------------------------------------------------------------------------------


def pdf_lines(content: bytes) -> list[str]:
    """The PDF's text as poppler lays it out, one printed line per line."""
    result = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", "-", "-"],
        input=content,
        capture_output=True,
        check=True,
    )
    return result.stdout.decode("utf-8").splitlines()


def shown(key: str, value: Any) -> str:
    """How the PDF prints a value (written apart from the exporter's own formatting)."""
    if value is None:
        return "—"
    kind = BY_KEY[key].kind
    if kind == Kind.RATE:
        return f"{value * 100:.1f}%"
    if kind == Kind.AMOUNT:
        return f"{Decimal(value):,.2f}"
    if kind == Kind.COUNT:
        return f"{value:,}"
    return f"{value:.1f}" if kind == Kind.DAYS else f"{value:.2f}"


def assert_rows(lines: list[str], expected: list[tuple[str, list[str]]]) -> int:
    """Each (name, values) is a printed row, in this order: a line ending with exactly the values,
    led by the name (or the start of it, when the name wraps onto the next line)."""
    position = 0
    for name, values in expected:
        tail = " ".join(values).split()
        for index in range(position, len(lines)):
            tokens = lines[index].split()
            head = "".join(tokens[: -len(tail)])
            if tokens[-len(tail) :] == tail and head and name.replace(" ", "").startswith(head):
                position = index + 1
                break
        else:
            context = "\n".join(lines[position : position + 30])
            raise AssertionError(f"no row {name!r} {values} after line {position}:\n{context}")
    return position


def figure_rows(data: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """The figures table's rows: name, this month, previous month, change, a year before, change."""
    rows = []
    for key in KEYS:
        now, before, year = (
            data[part][key] for part in ("figures", "previous_month", "same_month_last_year")
        )
        rows.append(
            (
                data["figure_labels"][key],
                [
                    shown(key, now),
                    shown(key, before),
                    report.change(key, now, before),
                    shown(key, year),
                    report.change(key, now, year),
                ],
            )
        )
    return rows


@pytest.mark.parametrize("language", LANGUAGES)
def test_pdf_prints_the_figures_definitions_and_breakdowns(history: Tree, language: str) -> None:
    with translation.override(language):
        data = october_report(history)
        content = report.to_pdf(data)
    assert content.startswith(b"%PDF")
    lines = pdf_lines(content)
    text = "\n".join(lines)
    labels = data["figure_labels"]
    assert data["centre"]["label"] in text and "2026-10" in text and data["scope_label"] in text

    # The figures, each with the previous month, the change, a year before and the change.
    with translation.override(language):
        rows = figure_rows(data)
    after_figures = assert_rows(lines, rows)
    assert after_figures > 0
    # Every definition is printed (lines wrap anywhere: compare without white space).
    squeezed = re.sub(r"\s+", "", text)
    for key in KEYS:
        assert re.sub(r"\s+", "", data["definitions"][key]) in squeezed, key
    assert re.sub(r"\s+", "", data["level_resolution_definition"]) in squeezed
    assert_rows(
        lines,
        [
            (data["level_labels"][k], [shown("success_rate", data["level_resolution"][k])])
            for k, _ in LEVELS
        ],
    )
    # Each breakdown: its tables split the figures into groups of columns; every entry is a row
    # of each.
    with translation.override(language):
        tables = report.pdf_context(data)["breakdowns"]
    for (dimension, entries), breakdown in zip(data["breakdowns"].items(), tables, strict=True):
        assert breakdown["title"] == data["breakdown_labels"][dimension]
        start = next(i for i, line in enumerate(lines) if line.strip() == breakdown["title"])
        expected = []
        for table in breakdown["tables"]:
            keys = [
                next(k for k in BREAKDOWN_KEYS if labels[k] == label) for label in table["labels"]
            ]
            expected += [
                (label_in(language, dimension, e), [shown(k, e["figures"][k]) for k in keys])
                for e in entries
            ]
        assert sum(len(t["labels"]) for t in breakdown["tables"]) == len(BREAKDOWN_KEYS)
        assert_rows(lines[start:], expected)
    # The names are the language's (the rows above were found by them).
    if language == "en":
        assert labels["received"] == "Received" and labels["success_rate"] == "Success rate"
    else:
        assert all(CJK.search(labels[k]) for k in KEYS), "the figure names are in Chinese"


def test_pdf_shows_the_busiest_entries_of_a_long_breakdown(
    history: Tree, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The PDF lists a breakdown's busiest ``PDF_SHOWN_ENTRIES`` (here 1) and says
    the CSV and XLSX files have them all; they do."""
    monkeypatch.setattr(figures, "PDF_SHOWN_ENTRIES", 1)
    with translation.override("en"):
        data = october_report(history)
        lines = pdf_lines(report.to_pdf(data))
        workbook = load_workbook(io.BytesIO(report.to_xlsx(data)))
    dimension, entries = max(
        ((d, e) for d, e in data["breakdowns"].items() if d != "child_centre"),
        key=lambda item: len(item[1]),
    )
    assert len(entries) >= 2
    squeezed = re.sub(r"\s+", " ", " ".join(lines))
    assert f"1 of {len(entries)} are shown, the busiest first" in squeezed
    assert any(line.startswith(label_in("en", dimension, entries[0])) for line in lines)
    assert not any(line.startswith(label_in("en", dimension, entries[1])) for line in lines)
    sheet = workbook[report._sheet_name(data["breakdown_labels"][dimension])]
    names = [row[0] for row in sheet.iter_rows(values_only=True)]
    assert all(label_in("en", dimension, e) in names for e in entries)


def test_the_centre_scope_has_no_breakdown_by_child_centre(history: Tree) -> None:
    with translation.override("en"):
        data = monthly.labelled(monthly.report(history.s1, OCTOBER, "centre"))
        rows = list(csv.reader(io.StringIO(report.to_csv(data).decode("utf-8-sig"))))
        book = load_workbook(io.BytesIO(report.to_xlsx(data)))
    assert data["breakdowns"]["child_centre"] == []
    assert ["By centre"] not in rows and "By centre" not in book.sheetnames
    assert ["By mediator"] in rows and "By mediator" in book.sheetnames


def test_file_names_say_centre_month_and_scope(history: Tree) -> None:
    data = october_report(history, "centre")
    assert report.filename(data, "xlsx") == "report-JA-2026-10-centre.xlsx"
    assert report.filename({**data, "centre": {"code": 'J"A/1'}}, "pdf") == (
        "report-J_A_1-2026-10-centre.pdf"
    )


# --- The page's charts and the fonts in the PDF (issue 24) ---------------------------------------

CHART_TITLES = (
    "Concluded, by centre and outcome",
    "Where the resolved cases were resolved",
    "Received, by category",
    "Concluded, by category and outcome",
)


def pdf_colour(hex_colour: str) -> str:
    """How the PDF's content stream sets ``#rrggbb`` as the fill colour (``r g b rg``)."""
    parts = (int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return " ".join(f"{p:.6f}".rstrip("0").rstrip(".") for p in parts) + " rg"


def test_pdf_has_the_charts_of_the_page(history: Tree) -> None:
    """The four charts of the web page, titled, with their bars in the series' colours and
    labelled with the child centres and categories, in the PDF after the figures."""
    with translation.override("en"):
        data = october_report(history)
        content = report.to_pdf(data)
    lines = pdf_lines(content)
    text = "\n".join(lines)
    charts_at = next(i for i, line in enumerate(lines) if line.strip() == "Charts")
    after = "\n".join(lines[charts_at:])
    for title in CHART_TITLES:
        assert title in after, title
    # The bars' labels and totals are drawn text: every child centre that concluded a case.
    concluded = [
        e
        for e in data["breakdowns"]["child_centre"]
        if e["figures"]["resolved"] + e["figures"]["failed"] + e["figures"]["withdrawn"]
    ]
    assert concluded
    for entry in concluded:
        assert report.entry_label("child_centre", entry) in text
    streams = [page.get_contents() for page in PdfReader(io.BytesIO(content)).pages]
    drawn = "".join(stream.get_data().decode("latin-1") for stream in streams if stream is not None)
    for key in ("resolved", "failed", "received", "level-community", "level-street"):
        assert pdf_colour(charts.FILLS[key]) in drawn, key


def test_a_month_without_cases_says_so_in_place_of_the_charts(history: Tree) -> None:
    with translation.override("en"):
        data = monthly.labelled(monthly.report(history.d1, date(2026, 4, 1), "subtree"))
        text = " ".join(" ".join(pdf_lines(report.to_pdf(data))).split())
    assert "No case was received in the month." in text
    assert "No case was resolved in the month." in text


def test_the_pdf_embeds_the_chinese_font(history: Tree) -> None:
    """Every font is embedded (a subset: only the characters used), the Chinese one is Noto Sans
    CJK SC, in the text and the charts alike, so Chinese shows on a machine without the font."""
    with translation.override("zh-hans"):
        data = october_report(history)
        content = report.to_pdf(data)
    fonts: dict[str, Any] = {}
    for page in PdfReader(io.BytesIO(content)).pages:
        resources: Any = page["/Resources"]
        for reference in resources["/Font"].values():
            font: Any = reference.get_object()
            descendant = font["/DescendantFonts"][0].get_object()
            fonts[str(font["/BaseFont"])] = descendant["/FontDescriptor"].get_object()
    assert fonts
    for name, descriptor in fonts.items():
        assert {"/FontFile2", "/FontFile3"} & set(descriptor), f"{name} is not embedded"
    cjk = [name.split("+", 1)[1] for name in fonts if CJK_FONT.search(name)]
    assert cjk and set(cjk) <= {"Noto-Sans-CJK-SC", "Noto-Sans-CJK-SC-Bold"}, sorted(fonts)
    text = "\n".join(pdf_lines(content))
    assert data["figure_labels"]["received"] in text and "图表" in text


CJK_FONT = re.compile(r"CJK")
