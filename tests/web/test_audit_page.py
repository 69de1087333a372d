"""The audit page (``/audit/``) and ``GET /api/v1/audit/``: who reads which records, the filters,
the pages and the CSV (itself an audit record)."""

import csv
import io
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from rest_framework.test import APIClient

from cases.models import AuditAction, AuditRecord
from cases.services.audit import record
from tests.factories import Tree, register

pytestmark = pytest.mark.django_db

ClientFor = Callable[..., Client]
URL = reverse("web:audit")
CSV_URL = reverse("web:audit_export")
SHANGHAI = timezone.get_fixed_timezone(8 * 60)


@pytest.fixture
def trail(tree: Tree) -> dict[str, AuditRecord]:
    """A record under each district's street, one under the city, one under no centre."""
    case = register(actor=tree.intake_s1, centre=tree.s1)
    with time_machine.travel(datetime(2026, 3, 2, 10, tzinfo=SHANGHAI), tick=False):
        march = record(
            actor=tree.director_d1,
            action=AuditAction.REVEAL,
            details={"phone": "138****5678"},
            case=case,
        )
    with time_machine.travel(datetime(2026, 4, 5, 10, tzinfo=SHANGHAI), tick=False):
        d2 = record(
            actor=tree.director_d2,
            action=AuditAction.DOWNLOAD,
            details={"document": "agreement", "format": "pdf"},
            centre=tree.s2,
        )
        city = record(
            actor=tree.director_c,
            action=AuditAction.REPORT_DOWNLOAD,
            details={"document": "monthly_report", "format": "csv"},
            centre=tree.c,
        )
        nowhere = record(
            actor=tree.admin, action=AuditAction.CATEGORY_CHANGED, details={"after": {}}
        )
    return {"s1": march, "s2": d2, "city": city, "none": nowhere, "case": case}  # type: ignore[dict-item]


def _shown(client: Client, **params: Any) -> set[int]:
    response = client.get(URL, params)
    assert response.status_code == 200, response.content[:500]
    page = response.context["page"]
    return {r.pk for r in page.object_list}


def _ids(trail: dict[str, Any], *names: str) -> set[int]:
    return {trail[name].pk for name in names}


def test_an_administrator_reads_every_record_a_director_their_subtree(
    tree: Tree, trail: dict[str, Any], client_for: ClientFor
) -> None:
    assert _shown(client_for(tree.admin)) >= _ids(trail, "s1", "s2", "city", "none")
    assert _shown(client_for(tree.director_c)) >= _ids(trail, "s1", "s2", "city")
    assert trail["none"].pk not in _shown(client_for(tree.director_c))
    # A district director never sees the other district's records, nor the city's.
    d1 = _shown(client_for(tree.director_d1))
    assert trail["s1"].pk in d1 and not d1 & _ids(trail, "s2", "city", "none")
    d2 = _shown(client_for(tree.director_d2))
    assert trail["s2"].pk in d2 and not d2 & _ids(trail, "s1", "city", "none")


@pytest.mark.parametrize("role", ["observer_d1", "intake_s1", "mediator_s1", "court_liaison"])
def test_anyone_else_gets_403_and_no_link(
    tree: Tree, trail: dict[str, Any], client_for: ClientFor, role: str
) -> None:
    client = client_for(tree.users[role])
    assert client.get(URL).status_code == 403
    assert client.get(CSV_URL).status_code == 403
    assert URL not in client.get(reverse("web:workbench")).content.decode()
    api = APIClient()
    api.force_authenticate(tree.users[role])
    response = api.get("/api/v1/audit/")
    assert response.status_code == 403 and response.json()["error"]["code"] == "permission_denied"


def test_the_user_menu_links_the_page_for_its_readers(tree: Tree, client_for: ClientFor) -> None:
    for user in (tree.admin, tree.director_d1):
        html = client_for(user).get(reverse("web:workbench")).content.decode()
        assert f'href="{URL}"' in html


def test_the_filters(tree: Tree, trail: dict[str, Any], client_for: ClientFor) -> None:
    admin = client_for(tree.admin)
    assert _shown(admin, action="reveal") == _ids(trail, "s1")
    assert _shown(admin, action=["reveal", "download"]) == _ids(trail, "s1", "s2")
    assert _shown(admin, actor=tree.director_d2.username.upper()) == _ids(trail, "s2")
    assert _shown(admin, centre=tree.d1.pk) == set()
    assert _shown(admin, centre=tree.d1.pk, subtree="true") == _ids(trail, "s1")
    assert _shown(admin, case_number=trail["case"].number) == _ids(trail, "s1")
    # Days in the centres' time zone, both ends included.
    assert _shown(admin, date_from="2026-03-02", date_to="2026-03-02") == _ids(trail, "s1")
    april = _shown(admin, date_from="2026-04-05", date_to="2026-04-05")
    assert april == _ids(trail, "s2", "city", "none")


def test_a_director_cannot_filter_by_a_centre_outside_their_subtrees(
    tree: Tree, trail: dict[str, Any], client_for: ClientFor
) -> None:
    with translation.override("en"):
        response = client_for(tree.director_d1).get(URL, {"centre": tree.d2.pk})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert trail["s2"].actor_name not in response.content.decode()


def test_newest_first_fifty_a_page(tree: Tree, client_for: ClientFor) -> None:
    for number in range(55):
        record(actor=tree.admin, action=AuditAction.LOGOUT, details={"n": number})
    client = client_for(tree.admin)
    first = client.get(URL, {"action": "logout"}).context["page"]
    assert len(first.object_list) == 50
    assert first.object_list[0].details == {"n": 54}
    second = client.get(URL, {"action": "logout", "page": "2"}).context["page"]
    assert [r.details["n"] for r in second.object_list] == [4, 3, 2, 1, 0]


def test_the_csv_holds_the_filtered_records_and_is_itself_audited(
    tree: Tree, trail: dict[str, Any], client_for: ClientFor
) -> None:
    client = client_for(tree.director_d1, language="en")
    response = client.get(CSV_URL, {"action": "reveal"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["Time", "User name", "Action"]
    assert len(rows) == 2
    assert rows[1][1] == tree.director_d1.username
    assert rows[1][4] == trail["case"].number
    assert "138****5678" in rows[1][7]
    exported = AuditRecord.objects.filter(action=AuditAction.AUDIT_EXPORT).get()
    assert exported.actor == tree.director_d1
    assert exported.details == {"filters": {"action": "reveal"}, "rows": 1, "format": "csv"}


def test_the_api_reads_the_same_records_with_the_same_filters(
    tree: Tree, trail: dict[str, Any]
) -> None:
    api = APIClient()
    api.force_authenticate(tree.director_d1)
    body = api.get("/api/v1/audit/").json()
    assert {r["id"] for r in body["results"]} == _ids(trail, "s1")
    (row,) = body["results"]
    assert row["action"] == "reveal" and row["case_number"] == trail["case"].number
    assert row["details"] == {"phone": "138****5678"}
    assert row["centre_code"] == tree.s1.code

    api.force_authenticate(tree.admin)
    filtered = api.get("/api/v1/audit/", {"action": "download", "date_from": "2026-04-05"})
    assert [r["id"] for r in filtered.json()["results"]] == [trail["s2"].pk]
    bad = api.get("/api/v1/audit/", {"date_from": "yesterday"})
    assert bad.status_code == 400 and "date_from" in bad.json()["error"]["fields"]

    api.force_authenticate(tree.director_d2)
    outside = api.get("/api/v1/audit/", {"centre": tree.d1.pk})
    assert outside.status_code == 400 and "centre" in outside.json()["error"]["fields"]
