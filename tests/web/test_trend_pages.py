"""The trend page, the rankings on the report page and the snapshot archive (issue 24)."""

import re
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import AuditAction, AuditRecord, Centre, ReportSnapshot
from cases.reports import periods, trend
from cases.services import snapshots
from tests.factories import build_tree, unique_suffix
from tests.web.test_reports_page import (
    History,
    build_history,
    last_month,
    month_param,
    report_page,
    section,
)

pytestmark = pytest.mark.django_db

TREND = reverse("web:report_trend")
ARCHIVE = reverse("web:report_archive")


@pytest.fixture
def history(db: None) -> History:
    return build_history(build_tree(unique_suffix()))


# --- The trend page -------------------------------------------------------------------------------


def test_the_trend_page_draws_the_months_and_tables_them(
    history: History, client_for: Callable[..., Client]
) -> None:
    tree = history.tree
    client = client_for(tree.director_d1)
    response = client.get(TREND, {"centre": tree.d1.pk})
    assert response.status_code == 200
    page = response.content.decode()
    expected = trend.trend(tree.d1, 12)
    months = [entry["month"] for entry in expected["series"]]
    for chart in ("received", "concluded", "open", "overdue"):
        assert f'id="chart-trend-{chart}"' in page
    received = section(page, 'id="chart-trend-received"')
    assert "<svg" in received and month_param(last_month()) in received
    table = section(page, 'aria-labelledby="trend-table"')
    assert re.findall(r'<tr data-month="(\d{4}-\d{2})">', table)[:12] == list(reversed(months))
    row = table[table.index(f'<tr data-month="{month_param(last_month())}">') :]
    row = row[: row.index("</tr>")]
    last = expected["series"][-2]["figures"]
    cells = re.findall(r"<td>([^<]*)</td>", row)
    assert cells[0] == str(last["received"]) == str(len(history.received))
    assert cells[1] == str(last["resolved"]) == str(len(history.resolved))
    assert f"{last['success_rate'] * 100:.1f}%" in cells
    # The files and the way back to the month's report.
    assert f"{reverse('api:report-trend-csv')}?centre={tree.d1.pk}" in page
    assert f"{reverse('api:report-trend-xlsx')}?centre={tree.d1.pk}" in page


def test_twenty_four_months_for_the_centre_alone(
    history: History, client_for: Callable[..., Client]
) -> None:
    tree = history.tree
    client = client_for(tree.director_d1)
    page = client.get(TREND, {"centre": str(tree.s1.pk), "months": "24", "scope": "centre"})
    assert page.status_code == 200
    rows = re.findall(
        r'<tr data-month="(\d{4}-\d{2})">',
        section(page.content.decode(), 'aria-labelledby="trend-table"'),
    )
    assert len(rows) == 48  # the figures and the level shares, 24 months each
    assert rows[0] == month_param(periods.current_month())


def test_a_bad_choice_is_400_with_the_error_at_the_field(
    history: History, client_for: Callable[..., Client]
) -> None:
    client = client_for(history.tree.director_d1)
    response = client.get(TREND, {"months": "6"})
    assert response.status_code == 400
    assert response.context["form"].errors.keys() == {"months"}
    assert "chart-trend-received" not in response.content.decode()


def test_a_centre_outside_the_scope_is_not_found_and_non_readers_are_refused(
    history: History, client_for: Callable[..., Client]
) -> None:
    tree = history.tree
    assert client_for(tree.director_d1).get(TREND, {"centre": tree.d2.pk}).status_code == 404
    assert client_for(tree.intake_s1).get(TREND).status_code == 403


def test_the_trend_page_costs_the_same_queries_for_12_and_24_months(
    history: History, client_for: Callable[..., Client]
) -> None:
    client = client_for(history.tree.director_d1)
    counts = []
    for months in ("12", "24"):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(TREND, {"months": months}).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


# --- The rankings on the report page --------------------------------------------------------------


def test_the_report_page_ranks_the_child_centres_with_the_counts_behind(
    history: History, client_for: Callable[..., Client]
) -> None:
    tree = history.tree
    client = client_for(tree.director_d1)
    page = report_page(client, tree.d1, last_month()).content.decode()
    rankings = page[page.index('class="report-rankings"') :]
    rankings = rankings[: rankings.index("</section>")]
    success = rankings[rankings.index('data-measure="success_rate"') :]
    success = success[: success.index("</table>")]
    # S1 with K1 below it: 3 resolved (one at K1, one registered the month before), 1 failed:
    # "3 / 4", fewer than MIN_TO_RANK cases, so listed as too few to rank.
    data = trend.rankings(tree.d1, last_month())
    s1 = next(e for e in data["rankings"]["success_rate"] if e["centre"]["id"] == tree.s1.pk)
    assert f"{s1['part']} / {s1['whole']}" in success
    assert s1["whole"] == 4 and s1["rank"] is None
    assert "too few to rank" in success
    assert tree.s1.name in success or (tree.s1.name_en or tree.s1.name_zh) in success
    assert "chart-trend" not in page  # the trend is a page of its own, linked from here
    assert f"{TREND}?centre={tree.d1.pk}" in page
    assert f"{ARCHIVE}?centre={tree.d1.pk}" in page


def test_the_centre_alone_has_no_rankings(
    history: History, client_for: Callable[..., Client]
) -> None:
    tree = history.tree
    page = report_page(client_for(tree.director_d1), tree.d1, last_month(), "centre")
    assert 'class="report-rankings"' not in page.content.decode()


# --- The snapshot archive -------------------------------------------------------------------------


def _two_versions(centres: list[Centre]) -> list[ReportSnapshot]:
    for _version in (1, 2):
        run = snapshots.start_run(last_month())
        snapshots.generate(run, [c.pk for c in centres])
    return list(ReportSnapshot.objects.filter(centre__in=centres).order_by("id"))


def test_the_archive_lists_the_months_versions_and_files(
    history: History, client_for: Callable[..., Client]
) -> None:
    tree = history.tree
    made = _two_versions([tree.d1, tree.d2])
    client = client_for(tree.director_d1)
    response = client.get(ARCHIVE, {"centre": tree.d1.pk})
    assert response.status_code == 200
    page = response.content.decode()
    listed = [int(pk) for pk in re.findall(r'<tr data-snapshot="(\d+)">', page)]
    mine = [s for s in made if s.centre_id == tree.d1.pk]
    assert listed == [s.pk for s in sorted(mine, key=lambda s: -s.version)]
    for snapshot in mine:
        assert f"{snapshot.generated_at:%Y-%m-%d}" in page
        for kind in ("pdf", "xlsx", "csv", "json"):
            assert reverse("web:report_snapshot_file", args=[snapshot.pk, kind]) in page
    assert client.get(ARCHIVE, {"centre": tree.d2.pk}).status_code == 404


def test_an_archived_file_is_downloaded_and_audited(
    history: History, client_for: Callable[..., Client]
) -> None:
    tree = history.tree
    made = _two_versions([tree.d1, tree.d2])
    mine = next(s for s in made if s.centre_id == tree.d1.pk)
    foreign = next(s for s in made if s.centre_id == tree.d2.pk)
    client = client_for(tree.director_d1)
    response = client.get(reverse("web:report_snapshot_file", args=[mine.pk, "csv"]))
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith(f'-v{mine.version}.csv"')
    assert str(mine.data["figures"]["received"]) in response.content.decode("utf-8-sig")
    record = AuditRecord.objects.filter(action=AuditAction.REPORT_DOWNLOAD).latest("id")
    assert record.details["document"] == "report_snapshot"
    assert (record.details["format"], record.centre_id) == ("csv", tree.d1.pk)
    refused = client.get(reverse("web:report_snapshot_file", args=[foreign.pk, "csv"]))
    assert refused.status_code == 404
    assert client.get(reverse("web:report_snapshot_file", args=[mine.pk, "doc"])).status_code == 404
    assert AuditRecord.objects.filter(action=AuditAction.REPORT_DOWNLOAD).count() == 1


def test_an_archive_without_snapshots_says_when_the_first_comes(
    history: History, client_for: Callable[..., Client]
) -> None:
    client = client_for(history.tree.director_d1)
    page = client.get(ARCHIVE).content.decode()
    assert "No report of this centre has been kept yet" in page
