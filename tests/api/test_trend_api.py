"""The trend, the rankings and the snapshot archive through the API (issue 24).

The figures are ``cases.reports.trend``'s (tests/reports/test_trend.py checks them against the
monthly reports and the plain recomputation); these check what the endpoints add: parameters,
scope, languages, files, audit records and errors.
"""

import csv
import io
import json
from typing import Any

import pytest
from django.utils import translation
from openpyxl import load_workbook

from cases.models import AuditAction, AuditRecord, Centre, ReportSnapshot
from cases.reports import monthly, trend
from cases.services import snapshots
from tests.api.support import assert_error, client_for
from tests.factories import Tree
from tests.reports.test_exports import OCTOBER

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("after_october")]

TREND = "/api/v1/reports/trend/"
RANKINGS = "/api/v1/reports/rankings/"
SNAPSHOTS = "/api/v1/reports/snapshots/"


def get(user: Any, url: str, language: str = "en", **params: Any) -> Any:
    return client_for(user, language=language).get(url, params)


# --- The trend ------------------------------------------------------------------------------------


def test_the_trend_is_twelve_months_of_the_monthly_figures(reported: Tree) -> None:
    response = get(reported.director_d1, TREND, centre=reported.d1.pk)
    assert response.status_code == 200
    body = response.json()
    assert (body["months"], body["scope"]) == (12, "subtree")
    assert [e["month"] for e in body["series"]][-2:] == ["2026-10", "2026-11"]
    assert len(body["series"]) == 12
    october = body["series"][-2]
    report = monthly.report(reported.d1, OCTOBER, "subtree")
    assert october["figures"] == {key: report["figures"][key] for key in trend.TREND_KEYS}
    assert october["figures"]["received"] > 0
    assert october["level_resolution"] == report["level_resolution"]
    assert body["series"][-1]["live"] is True and october["live"] is False
    assert body["figure_labels"]["received"] == "Received"


def test_twenty_four_months_for_the_centre_alone_ending_with_a_chosen_month(
    reported: Tree,
) -> None:
    body = get(
        reported.director_d1, TREND, centre=reported.s1.pk, months="24", scope="centre",
        month="2026-10",
    ).json()  # fmt: skip
    assert (body["first_month"], body["last_month"], body["scope"]) == (
        "2024-11", "2026-10", "centre",
    )  # fmt: skip
    report = monthly.report(reported.s1, OCTOBER, "centre")
    assert body["series"][-1]["figures"]["received"] == report["figures"]["received"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"months": "6"}, "months"),
        ({"months": "twelve"}, "months"),
        ({"scope": "city"}, "scope"),
        ({"month": "2026-13"}, "month"),
        ({"month": "2027-01"}, "month"),
        ({"centre": "abc"}, "centre"),
        ({"centre": None}, "centre"),
    ],
)
def test_bad_input_is_400_naming_the_field(
    reported: Tree, params: dict[str, Any], field: str
) -> None:
    query = {"centre": reported.d1.pk, **params}
    query = {k: v for k, v in query.items() if v is not None}
    error = assert_error(get(reported.director_d1, TREND, **query), 400, "invalid")
    assert list(error["fields"]) == [field]


def test_the_trend_in_chinese(reported: Tree) -> None:
    body = get(reported.director_d1, TREND, "zh-hans", centre=reported.d1.pk).json()
    with translation.override("zh-hans"):
        assert body["figure_labels"]["received"] == str(monthly.figures.BY_KEY["received"].label)
    assert body["figure_labels"]["received"] != "Received"
    assert body["centre"]["label"] == reported.d1.name_zh


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_trend_files_hold_every_month_and_are_audited(reported: Tree, language: str) -> None:
    before = AuditRecord.objects.filter(action=AuditAction.REPORT_DOWNLOAD).count()
    data = get(reported.director_d1, TREND, language, centre=reported.d1.pk).json()
    csv_response = get(reported.director_d1, f"{TREND}csv/", language, centre=reported.d1.pk)
    assert csv_response.status_code == 200
    assert csv_response["Content-Disposition"] == (
        f'attachment; filename="trend-{reported.d1.code}-2025-12-2026-11-subtree.csv"'
    )
    rows = list(csv.reader(io.StringIO(csv_response.content.decode("utf-8-sig"))))
    header = rows.index(next(r for r in rows if r and r[1] == data["figure_labels"]["received"]))
    months = rows[header + 1 : header + 13]
    assert [r[0] for r in months] == [e["month"] for e in data["series"]]
    assert [int(r[1]) for r in months] == [e["figures"]["received"] for e in data["series"]]
    xlsx = get(reported.director_d1, f"{TREND}xlsx/", language, centre=reported.d1.pk)
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content)).worksheets[0]
    values = [row for row in sheet.iter_rows(values_only=True) if row[0] == "2026-10"]
    assert values[0][1] == data["series"][-2]["figures"]["received"]
    records = AuditRecord.objects.filter(action=AuditAction.REPORT_DOWNLOAD).order_by("id")
    assert records.count() == before + 2
    last = records.last()
    assert last is not None and last.centre_id == reported.d1.pk
    assert last.details["document"] == "report_trend" and last.details["format"] == "xlsx"


# --- The rankings ---------------------------------------------------------------------------------


def test_the_rankings_list_every_child_with_the_counts_behind_each_rate(reported: Tree) -> None:
    response = get(reported.director_d1, RANKINGS, centre=reported.d1.pk, month="2026-10")
    assert response.status_code == 200
    body = response.json()
    assert body["min_to_rank"] == trend.MIN_TO_RANK
    expected = trend.rankings(reported.d1, OCTOBER)
    for measure in trend.RANKING_MEASURES:
        got = [
            (e["centre"]["id"], e["rank"], e["part"], e["whole"]) for e in body["rankings"][measure]
        ]
        want = [
            (e["centre"]["id"], e["rank"], e["part"], e["whole"])
            for e in expected["rankings"][measure]
        ]
        assert got == want
    children = set(Centre.objects.filter(parent=reported.d1).values_list("pk", flat=True))
    assert children
    assert {e["centre"]["id"] for e in body["rankings"]["success_rate"]} == children
    assert body["measure_labels"]["overdue_share"] == "Overdue share of open cases"


def test_the_rankings_refuse_a_month_not_begun(reported: Tree) -> None:
    response = get(reported.director_d1, RANKINGS, centre=reported.d1.pk, month="2026-12")
    assert list(assert_error(response, 400, "invalid")["fields"]) == ["month"]


# --- The snapshot archive -------------------------------------------------------------------------


def _runs(tree: Tree) -> list[ReportSnapshot]:
    """October's run twice (two versions) for D1 and D2, as the schedule and a regeneration."""
    for _version in (1, 2):
        run = snapshots.start_run(OCTOBER)
        snapshots.generate(run, [tree.d1.pk, tree.d2.pk, tree.s1.pk])
    return list(ReportSnapshot.objects.order_by("id"))


def _ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.content[:300]
    return [row["id"] for row in response.json()["results"]]


def test_the_archive_lists_only_the_snapshots_of_centres_whose_reports_one_reads(
    reported: Tree,
) -> None:
    made = _runs(reported)
    in_d1 = {s.pk for s in made if s.centre_id in {reported.d1.pk, reported.s1.pk}}
    assert set(_ids(get(reported.director_d1, SNAPSHOTS))) == in_d1
    assert set(_ids(get(reported.admin, SNAPSHOTS))) == {s.pk for s in made}
    assert _ids(get(reported.intake_s1, SNAPSHOTS)) == []
    # Naming a centre outside one's scope lists nothing (it discloses nothing either).
    assert _ids(get(reported.director_d1, SNAPSHOTS, centre=reported.d2.pk)) == []


def test_the_archive_filters_by_centre_and_month_newest_first(reported: Tree) -> None:
    made = _runs(reported)
    response = get(reported.director_d1, SNAPSHOTS, centre=reported.d1.pk, month="2026-10")
    rows = response.json()["results"]
    assert [r["id"] for r in rows] == sorted(
        (s.pk for s in made if s.centre_id == reported.d1.pk), reverse=True
    )
    assert [r["version"] for r in rows] == [2, 1]
    assert rows[0]["month"] == "2026-10" and rows[0]["centre"]["code"] == reported.d1.code
    assert set(rows[0]["files"]) == {"json", "csv", "xlsx", "pdf"}
    assert rows[0]["files"]["csv"].endswith(f"/api/v1/reports/snapshots/{rows[0]['id']}/csv/")
    assert _ids(get(reported.director_d1, SNAPSHOTS, month="2026-09")) == []
    error = assert_error(get(reported.director_d1, SNAPSHOTS, month="October"), 400, "invalid")
    assert list(error["fields"]) == ["month"]


def test_a_snapshot_file_is_the_report_as_stored_and_each_download_is_audited(
    reported: Tree,
) -> None:
    made = _runs(reported)
    snapshot = next(s for s in made if s.centre_id == reported.d1.pk and s.version == 1)
    client = client_for(reported.director_d1, language="en")
    stored = client.get(f"{SNAPSHOTS}{snapshot.pk}/json/")
    assert stored.status_code == 200
    assert json.loads(stored.content) == snapshot.data
    assert stored["Content-Disposition"] == (
        f'attachment; filename="report-{reported.d1.code}-2026-10-subtree-v1.json"'
    )
    as_csv = client.get(f"{SNAPSHOTS}{snapshot.pk}/csv/")
    text = as_csv.content.decode("utf-8-sig")
    assert "Received" in text and str(snapshot.data["figures"]["received"]) in text
    assert client.get(f"{SNAPSHOTS}{snapshot.pk}/xlsx/").status_code == 200
    records = AuditRecord.objects.filter(
        action=AuditAction.REPORT_DOWNLOAD, details__document="report_snapshot"
    ).order_by("id")
    assert [(r.details["format"], r.details["version"]) for r in records] == [
        ("json", 1), ("csv", 1), ("xlsx", 1),
    ]  # fmt: skip
    assert {r.centre_id for r in records} == {reported.d1.pk}
    assert {r.actor_id for r in records} == {reported.director_d1.pk}


def test_another_centres_snapshot_is_404_like_a_missing_one(reported: Tree) -> None:
    made = _runs(reported)
    foreign = next(s for s in made if s.centre_id == reported.d2.pk)
    client = client_for(reported.director_d1)
    response = client.get(f"{SNAPSHOTS}{foreign.pk}/csv/")
    error = assert_error(response, 404, "not_found")
    assert client.get(f"{SNAPSHOTS}999999999/csv/").json()["error"] == error
    assert not AuditRecord.objects.filter(details__document="report_snapshot").exists()
