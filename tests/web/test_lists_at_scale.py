"""The case list at city scale (issue 21): type-ahead centre and mediator filters, the list's
total (exact up to a bound), report drill-downs whose total is the report's figure and that link
back, and the city director's page, whose size does not grow with the city."""

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from cases import workflow
from cases.models import Centre, CentreLevel, Mediator
from cases.queries.lookups import LOOKUP_LIMIT
from cases.reports import monthly
from cases.web.views import case_list as case_list_views
from tests.factories import (
    CentreFactory,
    MediatorFactory,
    Tree,
    build_tree,
    data_for,
    register,
    unique_suffix,
)
from tests.web.test_reports_page import (
    History,
    build_history,
    card,
    cell,
    day,
    last_month,
    link_in,
    month_param,
    report_page,
    row_of,
    section,
    this_month,
)

pytestmark = pytest.mark.django_db

URL = reverse("web:case_list")
CENTRES = reverse("web:lookup_centres")
MEDIATORS = reverse("web:lookup_mediators")


@pytest.fixture
def tree(db: None) -> Tree:
    return build_tree(unique_suffix())


@pytest.fixture
def history(db: None) -> History:
    return build_history(build_tree(unique_suffix()))


def suggested(client: Client, url: str, text: str) -> list[dict[str, Any]]:
    response = client.get(url, {"q": text})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    results: list[dict[str, Any]] = response.json()["results"]
    return results


# --- Type-ahead -----------------------------------------------------------------------------------


def test_centres_are_suggested_by_code_name_or_abbreviation_within_the_scope(
    tree: Tree, client_for: Callable[..., Client]
) -> None:
    client = client_for(tree.director_d1)
    by_code = suggested(client, CENTRES, tree.s1.code.lower())
    assert by_code[0] == {"id": tree.s1.pk, "label": tree.s1.name_en, "detail": tree.s1.code}
    assert {r["id"] for r in by_code} == {tree.s1.pk}
    assert {r["id"] for r in suggested(client, CENTRES, tree.k1.code)} == {tree.k1.pk}
    assert [r["id"] for r in suggested(client, CENTRES, "大智街")] == [tree.s1.pk]
    assert [r["id"] for r in suggested(client, CENTRES, "江岸")] == [tree.d1.pk, tree.court.pk]
    # The other district is not D1's director's, by code, by name or by abbreviation.
    for text in (tree.d2.code, tree.s2.code, "江汉区", "江汉", "民族街"):
        assert suggested(client, CENTRES, text) == [], text
    assert suggested(client, CENTRES, "  ") == []
    # The city director is suggested both districts.
    city = client_for(tree.director_c)
    assert {r["id"] for r in suggested(city, CENTRES, "调解中心")} >= {tree.d1.pk, tree.d2.pk}


def test_mediators_are_suggested_by_name_within_the_scope(
    tree: Tree, client_for: Callable[..., Client]
) -> None:
    client = client_for(tree.director_d1)
    found = suggested(client, MEDIATORS, "王调")
    assert found == [{"id": tree.med_s1.pk, "label": "王调解", "detail": tree.s1.name_en}]
    assert suggested(client, MEDIATORS, "孙调解") == []  # at JH01, D2's
    assert [r["id"] for r in suggested(client, MEDIATORS, tree.s2.code)] == []
    assert {r["id"] for r in suggested(client, MEDIATORS, tree.s1.code)} == {
        tree.med_s1.pk,
        tree.med_s1b.pk,
    }
    assert [r["id"] for r in suggested(client_for(tree.director_d2), MEDIATORS, "孙")] == [
        tree.med_s2.pk
    ]


def test_a_lookup_answers_at_most_its_limit(tree: Tree, client_for: Callable[..., Client]) -> None:
    for i in range(LOOKUP_LIMIT + 5):
        centre = CentreFactory.create(
            code=f"Z{i:03d}{tree.s1.code}", parent=tree.d1, level=CentreLevel.STREET
        )
        MediatorFactory.create(name=f"周{i}", home_centre=centre)
    client = client_for(tree.director_d1)
    assert len(suggested(client, CENTRES, "Z")) == LOOKUP_LIMIT
    assert len(suggested(client, MEDIATORS, "周")) == LOOKUP_LIMIT


def test_the_lookups_are_for_signed_in_users_only(tree: Tree) -> None:
    response = Client().get(CENTRES, {"q": tree.d1.code})
    assert response.status_code == 302 and "login" in response["Location"]


def test_without_javascript_the_centre_field_takes_a_code(
    tree: Tree, client_for: Callable[..., Client]
) -> None:
    case = register(actor=tree.admin, centre=tree.s1)
    register(actor=tree.admin, centre=tree.d1)
    client = client_for(tree.director_d1)
    response = client.get(URL, {"centre": tree.s1.code.lower()})
    assert response.status_code == 200
    assert [c.pk for c in response.context["cases"]] == [case.pk]
    page = response.content.decode()
    # The field holds the id; the centre's name is shown beside it.
    assert f'name="centre" value="{tree.s1.pk}"' in page
    assert f"{tree.s1.name_en} ({tree.s1.code})" in page
    # A code outside the scope is refused at the field, like a centre that does not exist.
    refused = client.get(URL, {"centre": tree.s2.code})
    missing = client.get(URL, {"centre": "ZZ99"})
    assert refused.status_code == missing.status_code == 400
    assert refused.context["form"].errors["centre"] == missing.context["form"].errors["centre"]
    assert tree.s2.name_en not in refused.content.decode()
    # A mediator by their exact name (one in scope has it).
    by_name = client.get(URL, {"mediator": "王调解"})
    assert by_name.context["form"].cleaned_data["mediator"] == tree.med_s1


# --- The total ----------------------------------------------------------------------------------


def total_text(page: str) -> str:
    found = re.search(r'<p class="case-total"[^>]*>([^<]*)</p>', page)
    assert found, "the list says its total"
    return found.group(1)


def test_the_list_shows_its_total_exact_up_to_the_bound(
    tree: Tree,
    client_for: Callable[..., Client],
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for _i in range(5):
        register(actor=tree.admin, centre=tree.s1)
    client = client_for(tree.director_d1)
    params = {"centre": str(tree.s1.pk)}
    assert total_text(client.get(URL, params).content.decode()) == "5 cases"
    # Pages of two: the total is counted (not read from the page), and paging still works.
    monkeypatch.setattr(case_list_views, "PAGE_SIZE", 2)
    for page in ("1", "2", "3", "4"):
        response = client.get(URL, {**params, "page": page})
        assert response.context["total"] == 5 and not response.context["capped"]
        assert total_text(response.content.decode()) == "5 cases"
    assert len(client.get(URL, {**params, "page": "3"}).context["cases"]) == 1
    assert client.get(URL, {**params, "page": "2"}).context["next_url"]
    # Past the bound: "more than", and the count reads no more than the bound + 1 rows.
    settings.CASE_LIST_COUNT_LIMIT = 3
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL, params)
    assert response.context["capped"] and response.context["total"] == 3
    assert total_text(response.content.decode()) == "More than 3 cases"
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(*) FROM (" in q["sql"]]
    assert len(counts) == 1 and "LIMIT 4" in counts[0]
    settings.CASE_LIST_COUNT_LIMIT = 10_000
    with translation.override("en"):
        assert total_text(client.get(URL, params).content.decode()) == "5 cases"


def test_a_short_list_is_counted_without_a_count_query(
    tree: Tree, client_for: Callable[..., Client]
) -> None:
    register(actor=tree.admin, centre=tree.s1)
    client = client_for(tree.director_d1)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL, {"centre": str(tree.s1.pk)})
    assert response.context["total"] == 1
    assert not [q for q in queries.captured_queries if "COUNT(*) FROM (" in q["sql"]]


# --- Drill-down from a report --------------------------------------------------------------------


def list_total(client: Client, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200, response.content.decode()[:1500]
    assert not response.context["capped"]
    total: int = response.context["total"]
    return total


def test_a_drill_down_lists_as_many_cases_as_the_figure(
    history: History, client_for: Callable[..., Client]
) -> None:
    tree = history.tree
    client = client_for(tree.director_d1)
    month = last_month()
    page = report_page(client, tree.d1, month).content.decode()
    data = monthly.report(tree.d1, month)
    figures = data["figures"]
    checked = 0
    for key in ("received", "resolved"):
        assert list_total(client, link_in(card(page, key))) == figures[key] > 0, key
        checked += 1
    table = section(page, 'class="report-figures"')
    for key in ("received", "resolved", "failed", "withdrawn"):
        assert list_total(client, link_in(row_of(table, key))) == figures[key] > 0, key
        checked += 1
    # Per child centre, per channel, per category.
    for dimension, figure in (
        ("child_centre", "received"),
        ("child_centre", "resolved"),
        ("channel", "received"),
        ("category", "resolved"),
    ):
        for entry in data["breakdowns"][dimension]:
            value = entry["figures"][figure]
            html = cell(page, dimension, str(entry["key"]), figure)
            if value:
                assert list_total(client, link_in(html)) == value, (dimension, entry["key"])
                checked += 1
    assert checked >= 10


def test_the_live_months_stocks_drill_down_to_as_many_cases(
    history: History, client_for: Callable[..., Client]
) -> None:
    tree = history.tree
    # Registered last month and never accepted: overdue now.
    register(actor=tree.admin, centre=tree.s1, at=day(last_month(), 1))
    client = client_for(tree.director_d1)
    page = report_page(client, tree.d1, this_month()).content.decode()
    figures = monthly.report(tree.d1, this_month())["figures"]
    for key in ("open_at_month_end", "overdue_at_month_end", "high_risk_open"):
        assert list_total(client, link_in(card(page, key))) == figures[key] > 0, key


def test_a_drill_down_links_back_to_its_report(
    history: History, client_for: Callable[..., Client]
) -> None:
    tree = history.tree
    client = client_for(tree.director_d1)
    month = last_month()
    page = report_page(client, tree.d1, month).content.decode()
    drill = link_in(card(page, "received"))
    listing = client.get(drill).content.decode()
    back = re.search(r'<a href="([^"]+)" data-report-origin>([^<]*)</a>', listing)
    assert back, "the list links back to the report"
    assert back.group(2) == f"← Back to the report of {month_param(month)} for {tree.d1.name}"
    report = client.get(back.group(1).replace("&amp;", "&"))
    assert report.status_code == 200
    assert report.context["report"]["centre"]["id"] == tree.d1.pk
    assert report.context["report"]["month"] == month_param(month)
    # The form keeps the way back when a filter is changed (it posts).
    assert 'type="hidden" name="from" value="report"' in listing
    # A report the user may not read is never named.
    foreign = drill.replace(f"report_centre={tree.d1.pk}", f"report_centre={tree.d2.pk}")
    assert "data-report-origin" not in client.get(foreign).content.decode()
    assert tree.d2.name not in client.get(foreign).content.decode()


# --- The city director's page -----------------------------------------------------------------


def test_the_city_directors_page_does_not_grow_with_the_city(
    tree: Tree, client_for: Callable[..., Client]
) -> None:
    register(actor=tree.admin, centre=tree.s1)
    client = client_for(tree.director_c)
    before = len(client.get(URL).content)
    added: list[Centre] = []
    mediators: list[Mediator] = []
    for i in range(150):
        centre = CentreFactory.create(
            code=f"Y{i:03d}{tree.s1.code}", parent=tree.d1 if i % 2 else tree.d2
        )
        added.append(centre)
        mediators.append(MediatorFactory.create(name=f"吴{i}", home_centre=centre))
    response = client.get(URL)
    page = response.content.decode()
    assert response.status_code == 200
    assert len(response.content) - before < 500, "the page grew with the number of centres"
    assert '<select name="centre"' not in page and '<select name="mediator"' not in page
    assert not [centre.code for centre in added if centre.code in page]
    assert not re.search(r"吴\d", page), "no mediator is listed"
    assert len(mediators) == 150
    assert len(response.content) < 200_000
    # The new centres are found by typing.
    assert len(suggested(client, CENTRES, "Y")) == LOOKUP_LIMIT


def test_a_case_transferred_out_of_the_subtree_still_counts_in_the_received_list(
    history: History, client_for: Callable[..., Client]
) -> None:
    """The report counts it as received by D1's subtree; D1's director sees it (registered there,
    handled elsewhere, read-only), so the received drill-down still totals the figure."""
    tree = history.tree
    month = last_month()
    case = register(actor=tree.admin, centre=tree.s1, at=day(month, 10))
    case = workflow.transition(
        case=case, name="transfer", actor=tree.admin, data=data_for("transfer", target=tree.s2)
    )
    workflow.transition(case=case, name="accept_transfer", actor=tree.admin)
    client = client_for(tree.director_d1)
    page = report_page(client, tree.d1, month).content.decode()
    figure = monthly.report(tree.d1, month)["figures"]["received"]
    assert figure == len(history.received) + 1
    assert list_total(client, link_in(card(page, "received"))) == figure
