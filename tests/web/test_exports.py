"""Exports of the case list (issue 21): the CSV streamed from its first rows, the XLSX, the
background export of a long list (its page, progress, notification, owner-only download, purge)
and the audit record of every export."""

import csv
import io
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from cases.documents import case_export
from cases.models import (
    AuditAction,
    AuditRecord,
    Export,
    ExportFormat,
    ExportStatus,
    Notification,
    NotificationKind,
)
from cases.services.exports import purge_expired_exports
from cases.tasks import purge_exports
from cases.web.views import case_list as case_list_views
from tests.factories import Tree

pytestmark = pytest.mark.django_db

# The exports' records (signing in writes one of its own, issue 22).
EXPORTS = AuditRecord.objects.filter(action=AuditAction.CASE_LIST_EXPORT)

URL = reverse("web:case_list")
CSV_URL = reverse("web:case_export")
XLSX_URL = reverse("web:case_export_xlsx")
PHONE = "13800138000"  # 欧阳修's, a party of the "water" case


@pytest.fixture
def admin(city: Tree, client_for: Callable[..., Client]) -> Client:
    return client_for(city.admin)


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks of two cases, so a handful of cases spans several."""
    monkeypatch.setattr(case_export, "CHUNK", 2)


def all_pages(client: Client, params: dict[str, str]) -> list[str]:
    """The case numbers the web list shows for ``params``, every page of it, in order."""
    numbers: list[str] = []
    page = 1
    while True:
        response = client.get(URL, {**params, "page": str(page)})
        numbers += [case.number for case in response.context["cases"]]
        if not response.context["next_url"]:
            return numbers
        page += 1


def csv_rows(response: Any) -> list[list[str]]:
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))


def xlsx_rows(response: Any) -> list[tuple[Any, ...]]:
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    sheet: Any = load_workbook(io.BytesIO(body)).active
    return list(sheet.iter_rows(values_only=True))


# --- The CSV, streamed ---------------------------------------------------------------------------


@pytest.mark.parametrize("ordering", ["deadline", "-deadline", "number", "-risk_level", ""])
def test_the_csv_has_the_lists_rows_in_its_order(
    city: Tree, admin: Client, small_chunks: None, monkeypatch: pytest.MonkeyPatch, ordering: str
) -> None:
    monkeypatch.setattr(case_list_views, "PAGE_SIZE", 4)
    params = {"centre": str(city.c.pk), "subtree": "true"}
    if ordering:
        params["ordering"] = ordering
    listed = all_pages(admin, params)
    assert len(listed) > 8  # several pages, several chunks
    rows = csv_rows(admin.get(CSV_URL, params))
    assert [row[0] for row in rows[1:]] == listed


def _queries_before_first_row(client: Client, params: dict[str, str]) -> tuple[int, int, int]:
    """(queries the view ran with its first data row made, all queries, rows)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(CSV_URL, params)
        assert isinstance(response, StreamingHttpResponse)
        chunks = iter(response.streaming_content)
        header = next(chunks)
        first_row = next(chunks)
        at_first_row = len(queries)
        rest = list(chunks)
    assert header.decode("utf-8").startswith("\ufeff")
    assert first_row
    return at_first_row, len(queries), len(rest) + 1


def test_the_first_row_leaves_after_a_fixed_number_of_queries(
    city: Tree, admin: Client, small_chunks: None
) -> None:
    few = _queries_before_first_row(admin, {"risk_level": "high"})
    many = _queries_before_first_row(admin, {})
    assert few[2] < 3 < 10 < many[2]
    # However long the list, the first row comes after the same queries: the ids, one chunk
    # of cases and its prefetches (the rest is read while the response is sent).
    assert few[0] == many[0]
    chunks = -(-many[2] // 2)
    assert many[1] == many[0] + 3 * (chunks - 1)  # each later chunk: three queries, as it goes


# --- The XLSX ------------------------------------------------------------------------------------


def test_the_xlsx_is_the_list_with_dates_and_amounts_typed(city: Tree, admin: Client) -> None:
    params = {"centre": str(city.d1.pk), "subtree": "true", "ordering": "number"}
    listed = all_pages(admin, params)
    response = admin.get(XLSX_URL, params)
    assert response["Content-Type"] == case_list_views.XLSX_TYPE
    today = timezone.localdate().strftime("%Y%m%d")
    assert f'filename="cases-{today}.xlsx"' in response["Content-Disposition"]
    rows = xlsx_rows(response)
    header = rows[0]
    assert header[:3] == ("Case number", "Status", "Summary")
    assert [row[0] for row in rows[1:]] == listed
    by_number = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    water = city.cases["water"]
    if water.number in by_number:
        row = by_number[water.number]
    else:
        row = dict(zip(header, xlsx_rows(admin.get(XLSX_URL, {"q": water.number}))[1], strict=True))
    registered = row["Registered at"]
    assert isinstance(registered, datetime)
    local = timezone.localtime(water.registered_at).replace(tzinfo=None, second=0, microsecond=0)
    assert registered.replace(second=0, microsecond=0) == local


def test_the_xlsx_amount_is_a_number(city: Tree, admin: Client) -> None:
    case = city.cases["water"]
    case.amount_in_dispute = Decimal("12345.60")
    case.save(update_fields=["amount_in_dispute"])
    rows = xlsx_rows(admin.get(XLSX_URL, {"q": case.number}))
    assert rows[1][11] == pytest.approx(12345.6)


def test_the_xlsx_in_chinese(city: Tree, client_for: Callable[..., Client]) -> None:
    client = client_for(city.admin, language="zh-hans")
    rows = xlsx_rows(client.get(XLSX_URL, {"q": city.cases["s1_co"].number}))
    assert rows[0][:2] == ("案号", "状态")
    assert rows[1][1] == "调解中"


# --- The audit record ----------------------------------------------------------------------------


def test_each_export_is_audited_with_its_filter_masked(city: Tree, admin: Client) -> None:
    # A search by phone is put behind a key first; the export of its results is audited.
    response = admin.get(CSV_URL, {"q": PHONE, "risk_level": "high"})
    assert response.status_code == 302
    rows = csv_rows(admin.get(response["Location"]))
    admin.get(XLSX_URL, {"risk_level": "high"})
    records = list(EXPORTS.order_by("pk"))
    assert len(records) == 2
    csv_record, xlsx_record = records
    assert csv_record.actor == city.admin and csv_record.actor_name == city.admin.username
    assert csv_record.action == AuditAction.CASE_LIST_EXPORT
    assert csv_record.details == {
        "list": "case_list",
        "filter": {"q": "138****8000", "risk_level": ["high"]},
        "format": "csv",
        "rows": len(rows) - 1,
    }
    assert PHONE not in str(csv_record.details)
    assert xlsx_record.details["format"] == "xlsx"
    assert xlsx_record.details["filter"] == {"risk_level": ["high"]}


def test_the_selected_rows_export_is_audited(city: Tree, admin: Client) -> None:
    picked = [city.cases["water"].pk, city.cases["s1_co"].pk]
    response = admin.post(
        reverse("web:case_bulk"), {"action": "export", "case": [str(pk) for pk in picked]}
    )
    assert len(csv_rows(response)) == 3
    record = EXPORTS.get()
    assert record.details["list"] == "case_list_selection"
    assert record.details["rows"] == 2


# --- In the background ---------------------------------------------------------------------------


@pytest.fixture
def bound(settings: Any) -> int:
    settings.EXPORT_BACKGROUND_ROWS = 3
    return 3


def test_a_long_list_is_exported_in_the_background(
    city: Tree,
    admin: Client,
    bound: int,
    django_capture_on_commit_callbacks: Any,
) -> None:
    params = {"centre": str(city.c.pk), "subtree": "true", "ordering": "number"}
    listed = all_pages(admin, params)
    assert len(listed) > bound
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.get(XLSX_URL, params)
    export = Export.objects.get()
    assert response.status_code == 303
    assert response["Location"] == reverse("web:export_detail", args=[export.pk])
    assert export.user == city.admin and export.format == ExportFormat.XLSX
    assert export.status == ExportStatus.DONE
    assert export.rows_done == export.rows_total == len(listed)
    assert export.expires_at - export.created_at == timedelta(days=7)
    # The page: done, with the link to the file; no more polling.
    page = admin.get(response["Location"]).content.decode()
    download = reverse("web:export_download", args=[export.pk])
    assert f'href="{download}"' in page and "hx-trigger" not in page
    rows = xlsx_rows(admin.get(download))
    assert [row[0] for row in rows[1:]] == listed
    # The owner is told, with a link to the export's page.
    notification = Notification.objects.get(user=city.admin, kind=NotificationKind.EXPORT_READY)
    assert notification.export_id == export.pk
    bell = admin.get(reverse("web:notifications")).content.decode()
    assert f'href="{response["Location"]}"' in bell
    with translation.override("en"):
        assert notification.text() == "Your case list export is ready"
    # Audited when asked, its rows counted by the worker.
    record = EXPORTS.get()
    assert record.details["export"] == export.pk and record.details["format"] == "xlsx"


def test_the_searched_number_is_stored_encrypted(
    city: Tree, admin: Client, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.EXPORT_BACKGROUND_ROWS = 0
    key_url = admin.get(CSV_URL, {"q": PHONE})["Location"]
    with django_capture_on_commit_callbacks(execute=True):
        assert admin.get(key_url).status_code == 303
    export = Export.objects.get()
    assert PHONE not in export.query_encrypted and PHONE not in str(export.params)
    assert export.rows_total == 1
    rows = csv_rows(admin.get(reverse("web:export_download", args=[export.pk])))
    assert [row[0] for row in rows[1:]] == [city.cases["water"].number]
    assert EXPORTS.get().details["filter"] == {"q": "138****8000"}


def test_the_page_polls_while_the_export_runs(city: Tree, admin: Client) -> None:
    export = Export.objects.create(
        user=city.admin,
        format=ExportFormat.CSV,
        language="en",
        time_zone="Asia/Shanghai",
        status=ExportStatus.RUNNING,
        rows_done=2000,
        rows_total=8000,
        expires_at=timezone.now() + timedelta(days=7),
    )
    url = reverse("web:export_detail", args=[export.pk])
    page = admin.get(url).content.decode()
    assert f'hx-get="{url}"' in page and 'hx-trigger="every 2s"' in page
    assert '<progress max="8000" value="2000">' in page
    assert "2000 of 8000 rows written" in page
    assert "<script" not in page.split("<main", 1)[-1].split("</main>", 1)[0]
    part = admin.get(url, headers={"HX-Request": "true"}).content.decode()
    assert part.lstrip().startswith('<section id="export-progress"')
    assert "<html" not in part
    # Not yet a file to download.
    assert admin.get(reverse("web:export_download", args=[export.pk])).status_code == 404


def test_only_its_owner_reaches_an_export(
    city: Tree, admin: Client, client_for: Callable[..., Client], bound: int,
    django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        admin.get(CSV_URL)
    export = Export.objects.get()
    for url in (
        reverse("web:export_detail", args=[export.pk]),
        reverse("web:export_download", args=[export.pk]),
    ):
        assert admin.get(url).status_code == 200
        assert client_for(city.director_c).get(url).status_code == 404


def test_expired_exports_are_gone_with_their_files(
    city: Tree, admin: Client, bound: int, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        admin.get(CSV_URL)
    export = Export.objects.get()
    storage, name = export.file.storage, export.file.name
    assert storage.exists(name)
    assert purge_expired_exports() == 0
    Export.objects.filter(pk=export.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert admin.get(reverse("web:export_download", args=[export.pk])).status_code == 404
    assert purge_exports.delay().get() == 1
    assert not Export.objects.exists() and not storage.exists(name)
    # The audit record stays.
    assert EXPORTS.count() == 1


def test_the_purge_is_scheduled() -> None:
    from mediation.celery import app

    assert app.conf.beat_schedule["purge-exports"]["task"] == purge_exports.name
