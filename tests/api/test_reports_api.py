"""``GET /api/v1/reports/monthly/``: a centre's monthly report as JSON or as a CSV, XLSX or PDF file.

The expected figures are ``monthly.report``'s (its own tests recompute them from the raw rows);
these check what the endpoint adds: parameters, scope, languages, files, errors and the schema.
"""

import csv
import io
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import translation
from openpyxl import load_workbook
from pypdf import PdfReader

from cases.reports import monthly
from cases.reports.figures import KEYS
from tests.api.support import assert_error, client_for
from tests.factories import Tree
from tests.reports.test_exports import (
    OCTOBER,
    assert_rows,
    figure_rows,
    pdf_lines,
)

# Every request of these tests is made on 5 November 2026: October is over, November is live.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("after_october")]

URL = "/api/v1/reports/monthly/"


def expected(tree: Tree, language: str, centre: Any = None, **options: Any) -> dict[str, Any]:
    with translation.override(language):
        return monthly.labelled(
            monthly.report(
                centre or tree.d1, options.get("month", OCTOBER), options.get("scope", "subtree")
            )
        )


def get(user: Any, language: str = "en", **params: Any) -> Any:
    return client_for(user, language=language).get(URL, params)


# --- JSON -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_json_is_the_labelled_report(reported: Tree, language: str) -> None:
    response = get(reported.director_d1, language, centre=reported.d1.pk, month="2026-10")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body == expected(reported, language)
    assert body["figures"]["received"] > 0 and body["figures"]["resolved"] > 0
    names = {"en": ("Mediation centre", "Accepted"), "zh-hans": ("江岸区调解中心", "已受理")}
    assert body["centre"]["label"].startswith(names[language][0])
    assert body["figure_labels"]["accepted"] == names[language][1]


def test_defaults_are_the_subtree_this_month_and_json(reported: Tree) -> None:
    plain = get(reported.director_d1, centre=reported.d1.pk)
    assert plain.status_code == 200
    body = plain.json()
    assert (body["month"], body["scope"], body["live"]) == ("2026-11", "subtree", True)
    assert get(reported.director_d1, centre=reported.d1.pk, format="json").json() == body
    assert (
        get(reported.director_d1, centre=reported.d1.pk, month="2026-11", scope="subtree").json()
        == body
    )


def test_the_centre_alone(reported: Tree) -> None:
    response = get(reported.director_d1, centre=reported.s1.pk, month="2026-10", scope="centre")
    assert response.json() == expected(reported, "en", reported.s1, scope="centre")
    assert response.json()["breakdowns"]["child_centre"] == []


# --- Files ----------------------------------------------------------------------------------------


def attachment(response: Any, content_type: str, name: str) -> bytes:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'
    return bytes(response.content)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_csv(reported: Tree, language: str) -> None:
    response = get(
        reported.observer_d1, language, centre=reported.d1.pk, month="2026-10", format="csv"
    )
    content = attachment(response, "text/csv; charset=utf-8", "report-JA-2026-10-subtree.csv")
    data = expected(reported, language)
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    by_name = {row[0]: row[1:4] for row in rows if row}
    for key in KEYS:
        values = [data[part][key] for part in ("figures", "previous_month", "same_month_last_year")]
        assert by_name[data["figure_labels"][key]] == ["" if v is None else str(v) for v in values]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_xlsx(reported: Tree, language: str) -> None:
    response = get(
        reported.director_d1, language, centre=reported.d1.pk, month="2026-10", format="xlsx"
    )
    content = attachment(
        response,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "report-JA-2026-10-subtree.xlsx",
    )
    data = expected(reported, language)
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    assert sheet["B1"].value == f"{data['centre']['label']} (JA)"
    read = {row[0].value: row[1].value for row in sheet.iter_rows(min_row=7)}
    assert read[data["figure_labels"]["received"]] == data["figures"]["received"]
    assert read[data["figure_labels"]["success_rate"]] == data["figures"]["success_rate"]
    assert read[data["figure_labels"]["amount_agreed"]] == float(data["figures"]["amount_agreed"])


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_pdf(reported: Tree, language: str) -> None:
    response = get(
        reported.director_d1, language, centre=reported.d1.pk, month="2026-10", format="pdf"
    )
    content = attachment(response, "application/pdf", "report-JA-2026-10-subtree.pdf")
    data = expected(reported, language)
    lines = pdf_lines(content)
    assert any(data["centre"]["label"] in line for line in lines)
    assert_rows(lines, figure_rows(data))
    fonts = set()
    for page in PdfReader(io.BytesIO(content)).pages:
        resources: Any = page["/Resources"]
        fonts |= {str(f.get_object()["/BaseFont"]) for f in resources["/Font"].values()}
    assert any("NotoSansCJKSC" in name.replace("-", "") for name in fonts), fonts


def test_pdf_without_its_renderer_is_503(reported: Tree, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # "import weasyprint" now fails
    response = get(reported.director_d1, centre=reported.d1.pk, month="2026-10", format="pdf")
    error = assert_error(response, 503, "pdf_unavailable")
    assert "format=xlsx" in error["message"]


def test_format_is_this_operations_parameter_not_a_renderer(reported: Tree) -> None:
    """DRF would pick a renderer by ``?format=``; here it names the file, whatever is accepted."""
    client = client_for(reported.director_d1)
    csv_file = client.get(
        URL, {"centre": str(reported.d1.pk), "format": "csv"}, HTTP_ACCEPT="application/json"
    )
    assert csv_file["Content-Type"] == "text/csv; charset=utf-8"
    json_body = client.get(URL, {"centre": reported.d1.pk}, HTTP_ACCEPT="text/csv")
    assert json_body.status_code == 200 and json_body["Content-Type"] == "application/json"


# --- Bad parameters -------------------------------------------------------------------------------

BAD = [
    ({"month": "2026-10"}, "centre"),
    ({"centre": "JA"}, "centre"),
    ({"centre": ""}, "centre"),
    ({"centre": "0"}, "centre"),
    ({"month": "2026-13"}, "month"),
    ({"month": "2026-1"}, "month"),
    ({"month": "10/2026"}, "month"),
    ({"month": "1999-12"}, "month"),
    ({"month": "2026-12"}, "month"),  # after the current month (November 2026)
    ({"scope": "everything"}, "scope"),
    ({"format": "docx"}, "format"),
    ({"format": "api"}, "format"),
]


@pytest.mark.parametrize(("params", "field"), BAD, ids=[f"{f}={p}" for p, f in BAD])
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_bad_parameter_is_400_naming_it(
    reported: Tree, params: dict[str, str], field: str, language: str
) -> None:
    query = {"centre": str(reported.d1.pk), **params}
    if field == "centre" and "centre" not in params:
        del query["centre"]
    error = assert_error(get(reported.director_d1, language, **query), 400, "invalid")
    assert set(error["fields"]) == {field}
    assert error["fields"][field]


def test_a_bad_parameter_is_400_before_the_scope_is_looked_at(reported: Tree) -> None:
    """Nothing about a centre is told: an intake officer gets the same 400 as anyone."""
    error = assert_error(
        get(reported.intake_s1, centre=reported.d2.pk, month="next"), 400, "invalid"
    )
    assert set(error["fields"]) == {"month"}


# --- Who reads which centre -----------------------------------------------------------------------


def test_anonymous_is_401(reported: Tree) -> None:
    response = get(None, centre=reported.d1.pk)
    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Token")


READS = [
    # (user, centre, reads it?)
    ("admin", "d2", True),
    ("director_c", "d1", True),
    ("director_d1", "d1", True),
    ("director_d1", "s1", True),
    ("director_d1", "k1", True),
    ("director_d1", "c", False),  # above their subtree
    ("director_d1", "d2", False),  # a sibling's
    ("director_d2", "d1", False),
    ("observer_d1", "d1", True),
    ("observer_d1", "s1", True),
    ("observer_d1", "s2", False),
    ("mediator_s1_user", "s1", False),  # works there, but reads no reports
    ("intake_s1", "s1", False),
    ("court_liaison", "court", False),
    ("court_liaison", "d1", False),
]


@pytest.mark.parametrize(("user", "centre", "reads"), READS, ids=[f"{u}-{c}" for u, c, _ in READS])
def test_who_reads_which_centre(reported: Tree, user: str, centre: str, reads: bool) -> None:
    target = getattr(reported, centre)
    response = get(getattr(reported, user), centre=target.pk, month="2026-10")
    if reads:
        assert response.status_code == 200, response.content[:300]
        assert response.json()["centre"]["id"] == target.pk
        return
    error = assert_error(response, 404, "not_found")
    # Exactly what a centre that does not exist gets.
    missing = get(getattr(reported, user), centre=999_999_999, month="2026-10")
    assert assert_error(missing, 404, "not_found") == error


@pytest.mark.parametrize("format", ["csv", "xlsx", "pdf"])
def test_no_file_of_a_foreign_centre(reported: Tree, format: str) -> None:
    response = get(reported.director_d2, centre=reported.d1.pk, month="2026-10", format=format)
    assert_error(response, 404, "not_found")


# --- The schema -----------------------------------------------------------------------------------


def test_the_schema_documents_it() -> None:
    schema = Client().get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"][URL]["get"]
    parameters = {p["name"]: p for p in operation["parameters"]}
    assert set(parameters) == {"centre", "month", "scope", "format"}
    assert parameters["centre"]["required"] is True
    assert set(parameters["format"]["schema"]["enum"]) == {"json", "csv", "xlsx", "pdf"}
    # Still answered, but deprecated: each file has an operation of its own (test_downloads).
    assert parameters["format"]["deprecated"] is True
    assert parameters["scope"]["schema"]["enum"] == ["subtree", "centre"]
    assert parameters["month"]["schema"]["pattern"] == r"^\d{4}-\d{2}$"
    # Its own (400, 404, 503 pdf_unavailable) and what every signed-in, throttled read answers.
    assert set(operation["responses"]) == {"200", "400", "401", "403", "404", "429", "500", "503"}
    files = operation["responses"]["200"]["content"]
    assert set(files) == {
        "application/json",
        "text/csv",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/pdf",
    }
    report = files["application/json"]["schema"]
    assert set(report["properties"]["figures"]["properties"]) == set(KEYS)
    assert files["application/json"]["examples"]


def test_the_schema_validates_without_warnings(tmp_path: Path) -> None:
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yaml"))
