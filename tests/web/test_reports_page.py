"""The monthly report page: who may read which centre's report, the choice (centre, month, scope)
and its errors, the figures against ``monthly.report``, the charts, the drill-down into child
centres and into the case list behind a count, HTMX, and the cost of a page."""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from cases.models import OPEN_STATUSES, Case, Centre, Channel, RiskLevel, Status
from cases.reports import figures, monthly, periods
from tests.api.support import all_ids
from tests.api.support import client_for as api_client_for
from tests.factories import Tree, build_tree, drive, register, unique_suffix

pytestmark = pytest.mark.django_db

URL = reverse("web:reports")
READERS = {
    "admin": "c",
    "director_c": "c",
    "director_d1": "d1",
    "director_d2": "d2",
    "observer_d1": "d1",
}
NON_READERS = ("intake_s1", "mediator_s1", "court_liaison")


def this_month() -> date:
    return periods.current_month()


def last_month() -> date:
    return periods.add_months(this_month(), -1)


def day(month: date, number: int, hour: int = 10) -> datetime:
    """``hour`` o'clock on day ``number`` of ``month``, in Asia/Shanghai."""
    return periods.month_start(month) + timedelta(days=number - 1, hours=hour)


def month_param(month: date) -> str:
    return periods.format_month(month)


def picker_ids(page: str) -> set[int]:
    select = re.search(r'<select name="centre".*?</select>', page, re.S)
    assert select, "the centre picker is on the page"
    return {int(pk) for pk in re.findall(r'<option value="(\d+)"', select.group(0))}


def section(page: str, marker: str) -> str:
    """The HTML of the ``<section>`` that ``marker`` opens (up to the next section of its kind)."""
    start = page.index(marker)
    end = page.find("</section>", start)
    return page[start:end]


def field_html(page: str, name: str) -> str:
    """The form's block holding the field ``name`` (its label, input and errors)."""
    at = page.index(f'name="{name}"')
    start = page.rfind('class="field', 0, at)
    end = page.find('class="field', at)
    return page[start : end if end != -1 else None]


def link_in(html: str) -> str:
    found = re.search(r'href="([^"]+)"', html)
    assert found, html
    return found.group(1).replace("&amp;", "&")


def card(page: str, key: str) -> str:
    """A headline card's value and change (after its heading, which links to the definition)."""
    start = page.index(f'<article class="report-card" data-figure="{key}">')
    start = page.index("</h4>", start)
    return page[start : page.index("</article>", start)]


def cell(page: str, dimension: str, row_key: str, figure: str) -> str:
    table = section(page, f'data-breakdown="{dimension}"')
    row_start = table.index(f'<tr data-key="{row_key}">')
    row = table[row_start : table.index("</tr>", row_start)]
    start = row.index(f'data-figure="{figure}"')
    return row[start : row.index("</td>", start)]


def row_of(table: str, key: str) -> str:
    """A row of the figures table, after its heading (which links to the definition)."""
    start = table.index("</th>", table.index(f'<tr data-figure="{key}">'))
    return table[start : table.index("</tr>", start)]


def figure_of(charts: str, chart_id: str) -> str:
    start = charts.index(f'id="{chart_id}"')
    return charts[start : charts.index("</figure>", start)]


def listed_numbers(client: Client, url: str) -> set[str]:
    """The case numbers the case list shows at ``url`` (one page)."""
    response = client.get(url)
    assert response.status_code == 200, response.content.decode()[:1500]
    assert not response.context["next_url"]
    return {case.number for case in response.context["cases"]}


# --- A history over two months -------------------------------------------------------------------


@dataclass
class History:
    """Cases of last month (and one of the month before) in and around D1's subtree."""

    tree: Tree
    received: list[Case]  # registered last month in D1's subtree
    resolved: list[Case]  # resolved last month in D1's subtree
    failed: Case
    withdrawn: Case
    elsewhere: Case  # D2: registered and resolved last month, outside D1's subtree


def build_history(tree: Tree) -> History:
    month, before = last_month(), periods.add_months(last_month(), -1)
    admin = tree.admin

    def resolved(centre: Centre, registered: datetime, at: datetime, **extra: Any) -> Case:
        case = register(actor=admin, centre=centre, at=registered, **extra)
        return drive(case, Status.RESOLVED, actor=admin, mediator=tree.mediator_for(centre), at=at)

    s1_resolved = resolved(tree.s1, day(month, 2), day(month, 5))
    k1_resolved = resolved(tree.k1, day(month, 3), day(month, 9), channel=Channel.HOTLINE)
    earlier = resolved(tree.s1, day(before, 20), day(month, 4))  # received the month before
    failed = drive(
        register(actor=admin, centre=tree.s1, at=day(month, 2)),
        Status.FAILED,
        actor=admin,
        mediator=tree.med_s1,
        at=day(month, 6),
    )
    withdrawn = drive(
        register(actor=admin, centre=tree.s1, at=day(month, 2, 11)),
        Status.WITHDRAWN,
        actor=admin,
        at=day(month, 7),
    )
    still_open = drive(
        register(actor=admin, centre=tree.d1, at=day(month, 4), risk_level=RiskLevel.HIGH),
        Status.ACCEPTED,
        actor=admin,
        at=day(month, 4, 12),
    )
    elsewhere = resolved(tree.d2, day(month, 2), day(month, 8))
    return History(
        tree=tree,
        received=[s1_resolved, k1_resolved, failed, withdrawn, still_open],
        resolved=[s1_resolved, k1_resolved, earlier],
        failed=failed,
        withdrawn=withdrawn,
        elsewhere=elsewhere,
    )


@pytest.fixture
def history(db: None) -> History:
    # A tree of its own: the module's shared tree holds the plain centre codes.
    return build_history(build_tree(unique_suffix()))


def report_page(client: Client, centre: Centre, month: date, scope: str = "subtree") -> Any:
    params = {"centre": str(centre.pk), "month": month_param(month), "scope": scope}
    response = client.get(URL, params)
    assert response.status_code == 200, response.content.decode()[:1500]
    return response


# --- Who may read which report -------------------------------------------------------------------


@pytest.mark.parametrize("role", sorted(READERS))
def test_a_reader_gets_the_report_of_their_highest_centre(
    shared_tree_with_cases: Tree, client_for: Callable[..., Client], role: str
) -> None:
    tree = shared_tree_with_cases
    response = client_for(tree.users[role]).get(URL)
    assert response.status_code == 200
    centre = getattr(tree, READERS[role])
    assert response.context["report"]["centre"]["id"] == centre.pk
    assert response.context["report"]["month"] == month_param(this_month())
    assert response.context["report"]["scope"] == "subtree"
    page = response.content.decode()
    assert f'href="{URL}" aria-current="page">Reports</a>' in page  # in the menu


@pytest.mark.parametrize("role", NON_READERS)
def test_a_user_who_reads_no_reports_is_told_so_and_has_no_menu_entry(
    shared_tree_with_cases: Tree, client_for: Callable[..., Client], role: str
) -> None:
    tree = shared_tree_with_cases
    client = client_for(tree.users[role])
    response = client.get(URL)
    assert response.status_code == 403
    assert "Monthly reports are read by centre directors, observers and administrators" in (
        response.content.decode()
    )
    assert f'href="{URL}"' not in client.get(reverse("web:workbench")).content.decode()
    # Naming a centre discloses nothing either: the same 404 as for one that does not exist.
    assert client.get(URL, {"centre": tree.s1.pk}).status_code == 404
    assert client.get(URL, {"centre": 999_999}).status_code == 404


@pytest.mark.parametrize(
    ("role", "foreign"),
    [("director_d1", "d2"), ("director_d1", "c"), ("observer_d1", "s2"), ("director_d2", "k1")],
)
def test_a_centre_outside_the_users_scope_is_not_found(
    shared_tree_with_cases: Tree, client_for: Callable[..., Client], role: str, foreign: str
) -> None:
    tree = shared_tree_with_cases
    client = client_for(tree.users[role])
    assert client.get(URL, {"centre": getattr(tree, foreign).pk}).status_code == 404
    for missing in ("999999", "0", "-3", "99999999999999999999999"):
        assert client.get(URL, {"centre": missing}).status_code == 404


def test_the_picker_offers_only_centres_in_scope_around_the_chosen_one(
    shared_tree_with_cases: Tree, client_for: Callable[..., Client]
) -> None:
    tree = shared_tree_with_cases
    director = client_for(tree.director_d1)
    page = director.get(URL).content.decode()
    assert picker_ids(page) == {tree.d1.pk, tree.s1.pk, tree.court.pk}  # D1 and its children
    page = director.get(URL, {"centre": tree.s1.pk}).content.decode()
    assert picker_ids(page) == {tree.d1.pk, tree.s1.pk, tree.k1.pk}  # not the city above D1
    admin = client_for(tree.admin).get(URL, {"centre": tree.s1.pk}).content.decode()
    assert picker_ids(admin) == {tree.c.pk, tree.d1.pk, tree.s1.pk, tree.k1.pk}
    # The chosen centre's path above it, each a link to its report.
    path = section(admin, 'class="report-path"')
    assert tree.c.name_en in path and tree.d1.name_en in path


# --- The choice and its errors -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"month": "2026-13"}, "month", "Enter a month as year and month"),
        ({"month": "soon"}, "month", "Enter a month as year and month"),
        ({"month": "1999-12"}, "month", "Enter a month as year and month"),
        ({"month": "next"}, "month", "Enter a month as year and month"),
        ({"scope": "everything"}, "scope", "Select a valid choice."),
        ({"centre": "JA"}, "centre", "Enter a whole number."),
        ({"centre": "1.5"}, "centre", "Enter a whole number."),
    ],
)
def test_a_bad_choice_is_400_with_the_error_at_the_field_and_no_figures(
    shared_tree_with_cases: Tree,
    client_for: Callable[..., Client],
    params: dict[str, str],
    field: str,
    message: str,
) -> None:
    if params.get("month") == "next":
        params = {"month": month_param(periods.add_months(this_month(), 1))}
        message = "A report can be made for this month or an earlier one"
    response = client_for(shared_tree_with_cases.director_d1).get(URL, params)
    assert response.status_code == 400
    assert list(response.context["form"].errors) == [field]
    page = response.content.decode()
    assert message in field_html(page, field)
    assert response.context["report"] is None
    assert "data-figure" not in page and "chart-drawing" not in page
    assert "Correct the choice marked above to see the report." in page


def test_the_choice_is_kept_in_the_address_and_the_form(
    history: History, client_for: Callable[..., Client]
) -> None:
    tree = history.tree
    response = report_page(client_for(tree.director_d1), tree.s1, last_month(), "centre")
    page = response.content.decode()
    assert f'name="month" value="{month_param(last_month())}"' in page
    assert 'value="centre" id="id_scope_1" checked' in page
    assert f'<option value="{tree.s1.pk}" selected>' in page
    assert response.context["report"]["scope"] == "centre"
    assert response.context["report"]["breakdowns"]["child_centre"] == []
    assert 'data-breakdown="child_centre"' not in page  # no child centres when alone


# --- The figures -----------------------------------------------------------------------------------


def test_the_page_shows_the_figures_of_the_report(
    history: History, client_for: Callable[..., Client]
) -> None:
    tree = history.tree
    response = report_page(client_for(tree.director_d1), tree.d1, last_month())
    expected = monthly.report(tree.d1, last_month(), "subtree")
    shown = response.context["report"]
    for key in ("figures", "previous_month", "same_month_last_year", "level_resolution"):
        assert shown[key] == expected[key], key
    for dimension, entries in expected["breakdowns"].items():
        assert [(e["key"], e["figures"]) for e in shown["breakdowns"][dimension]] == [
            (e["key"], e["figures"]) for e in entries
        ], dimension
    assert expected["figures"]["received"] == len(history.received) == 5
    assert expected["figures"]["resolved"] == len(history.resolved) == 3
    page = response.content.decode()
    assert ">5</a>" in card(page, "received")
    assert ">3</a>" in card(page, "resolved")
    assert "75.0%" in card(page, "success_rate")  # 3 resolved ÷ (3 resolved + 1 failed)
    figures_table = section(page, 'class="report-figures"')
    for figure in figures.FIGURES:
        assert f'<tr data-figure="{figure.key}">' in figures_table
    # The previous month beside it: one case received (resolved this month), nothing concluded.
    assert shown["previous_month"]["received"] == 1
    assert "+4 (+400.0%)" in row_of(figures_table, "received")
    # Breakdowns with their labels.
    assert ">Walk-in</th>" in section(page, 'data-breakdown="channel"')
    assert ">Phone / 12345 hotline</th>" in section(page, 'data-breakdown="channel"')
    assert ">Neighbours</th>" in section(page, 'data-breakdown="category"')
    assert ">High</th>" in section(page, 'data-breakdown="risk_level"')
    centres = section(page, 'data-breakdown="child_centre"')
    assert f"{tree.d1.name_en}, its own cases" in centres and tree.s1.name_en in centres
    assert tree.d2.name_en not in centres
    assert tree.med_s1.name in section(page, 'data-breakdown="mediator"')


def test_every_definition_is_printed_on_the_page(
    history: History, client_for: Callable[..., Client]
) -> None:
    tree = history.tree
    page = report_page(client_for(tree.director_d1), tree.d1, last_month()).content.decode()
    definitions = section(page, 'class="report-definitions"')
    for figure in figures.FIGURES:
        assert f'<dt id="definition-{figure.key}">{escape(figure.label)}</dt>' in definitions
        assert f"<dd>{escape(figure.definition)}</dd>" in definitions
    assert str(escape(figures.LEVEL_RESOLUTION_DEFINITION)) in definitions


def test_the_current_month_is_live_and_a_past_month_is_not(
    history: History, client_for: Callable[..., Client]
) -> None:
    client = client_for(history.tree.director_d1)
    live = client.get(URL).content.decode()
    assert "this month so far, as of" in live
    past = report_page(client, history.tree.d1, last_month()).content.decode()
    assert "this month so far" not in past and "Computed at" in past


def test_the_charts_are_inline_svg_with_labels(
    history: History, client_for: Callable[..., Client]
) -> None:
    tree = history.tree
    page = report_page(client_for(tree.director_d1), tree.d1, last_month()).content.decode()
    charts = section(page, 'class="report-charts"')
    assert "<script" not in charts
    assert charts.count('<svg class="chart-drawing"') == 4
    # The by-centre chart holds links to the child centres' reports: a group, so they are read;
    # the others are images.
    assert charts.count('role="img"') == 3
    by_centre = figure_of(charts, "chart-concluded-by-centre")
    assert by_centre.count('role="group"') == 1 and "<a href=" in by_centre
    assert (
        '<title id="chart-concluded-by-centre-title">Concluded, by centre and outcome</title>'
        in by_centre
    )
    assert f'class="chart-label">{tree.s1.name_en}</text>' in by_centre
    # S1's subtree: 3 resolved (K1's and one registered the month before), 1 failed, 1 withdrawn.
    assert f"{tree.s1.name_en}: Resolved 3, Failed 1, Withdrawn 1 (total 5)" in by_centre
    assert '<span class="swatch series-resolved" aria-hidden="true"></span>Resolved' in by_centre
    levels = figure_of(charts, "chart-level-resolution")
    # Resolved at S1 (a street) twice and at K1 (a community) once.
    assert "Street / town 66.7%" in levels and "Community / village 33.3%" in levels
    assert ">66.7%</text>" in levels


# --- Drill-down ------------------------------------------------------------------------------------


def test_a_child_centres_row_opens_its_own_report(
    history: History, client_for: Callable[..., Client]
) -> None:
    tree = history.tree
    client = client_for(tree.director_d1)
    page = report_page(client, tree.d1, last_month()).content.decode()
    centres = section(page, 'data-breakdown="child_centre"')
    response = client.get(link_in(centres[centres.index(f'<tr data-key="{tree.s1.pk}">') :]))
    assert response.status_code == 200
    assert response.context["report"]["centre"]["id"] == tree.s1.pk
    assert response.context["report"]["month"] == month_param(last_month())
    assert response.context["report"]["figures"]["received"] == 4  # S1 and K1


def test_the_counts_link_to_exactly_the_cases_behind_them(
    history: History, client_for: Callable[..., Client]
) -> None:
    tree = history.tree
    client = client_for(tree.director_d1)
    page = report_page(client, tree.d1, last_month()).content.decode()

    def numbers(cases: list[Case]) -> set[str]:
        return {case.number for case in cases}

    assert listed_numbers(client, link_in(card(page, "received"))) == numbers(history.received)
    assert listed_numbers(client, link_in(card(page, "resolved"))) == numbers(history.resolved)
    figures_table = section(page, 'class="report-figures"')
    failed = row_of(figures_table, "failed")
    assert listed_numbers(client, link_in(failed)) == {history.failed.number}
    withdrawn = row_of(figures_table, "withdrawn")
    assert listed_numbers(client, link_in(withdrawn)) == {history.withdrawn.number}
    # Per child centre and per channel too.
    own = cell(page, "child_centre", str(tree.d1.pk), "received")
    assert listed_numbers(client, link_in(own)) == {history.received[-1].number}
    hotline = cell(page, "channel", Channel.HOTLINE, "received")
    assert listed_numbers(client, link_in(hotline)) == {history.received[1].number}
    neighbours = history.received[0].category.parent
    assert neighbours is not None
    resolved = cell(page, "category", str(neighbours.pk), "resolved")
    assert listed_numbers(client, link_in(resolved)) == numbers(history.resolved)


def test_a_long_breakdown_shows_its_busiest_entries_and_leads_to_the_full_file(
    history: History, client_for: Callable[..., Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A city's mediator breakdown has thousands of entries: the page shows the busiest
    ``figures.SHOWN_ENTRIES`` (here 1) and says the XLSX file has them all. Child centres are
    all shown, in the tree's order."""
    tree = history.tree
    monkeypatch.setattr(figures, "SHOWN_ENTRIES", 1)
    client = client_for(tree.director_d1)
    page = report_page(client, tree.d1, last_month()).content.decode()
    data = monthly.report(tree.d1, last_month())
    entries = data["breakdowns"]["channel"]
    assert len(entries) == 2  # walk-in and hotline
    table = section(page, 'data-breakdown="channel"')
    assert re.findall(r'<tr data-key="([^"]+)">', table) == [entries[0]["key"]]
    assert "1 of 2 are shown, the busiest first" in table
    xlsx = link_in(table[table.index('data-more="1"') :])
    assert "format=xlsx" in xlsx and f"centre={tree.d1.pk}" in xlsx
    centres = section(page, 'data-breakdown="child_centre"')
    assert len(re.findall(r"<tr data-key=", centres)) == len(data["breakdowns"]["child_centre"]) > 1
    assert "data-more" not in centres


def test_the_api_has_the_case_filters_the_report_links_to(history: History) -> None:
    """``registering_centre``, ``outcome`` and the conclusion instants, on ``/api/v1/cases/``."""
    tree, month = history.tree, last_month()
    client = api_client_for(tree.admin)

    def ids(**params: Any) -> set[int]:
        return set(all_ids(client, "/api/v1/cases/", params))

    start, end = periods.month_start(month).isoformat(), periods.month_end(month).isoformat()
    assert ids(outcome="resolved", concluded_after=start, concluded_before=end) == {
        case.pk for case in [*history.resolved, history.elsewhere]
    }
    assert ids(
        outcome=["failed", "withdrawn"], centre=tree.d1.pk, subtree="true", concluded_after=start
    ) == {history.failed.pk, history.withdrawn.pk}
    registered_in_d1 = ids(registering_centre=tree.d1.pk, subtree="true", registered_after=start)
    assert registered_in_d1 == {case.pk for case in history.received}
    assert ids(registering_centre=tree.d1.pk) == {history.received[-1].pk}


def test_counts_the_case_list_cannot_show_exactly_are_not_links(
    history: History, client_for: Callable[..., Client]
) -> None:
    tree = history.tree
    page = report_page(client_for(tree.director_d1), tree.d1, last_month()).content.decode()
    # A past month's end position: the case list shows the cases as they are now.
    assert "href" not in card(page, "open_at_month_end")
    assert "href" not in card(page, "high_risk_open")
    # Received per risk level (a risk level may be changed after registration).
    assert "href" not in cell(page, "risk_level", RiskLevel.HIGH, "received")
    # Nothing per mediator (the list's mediator filter takes co-mediators as well).
    assert "href" not in section(page, 'data-breakdown="mediator"').split("</thead>")[1]


def test_the_live_months_open_counts_link_to_the_open_cases(
    history: History, client_for: Callable[..., Client]
) -> None:
    tree = history.tree
    client = client_for(tree.director_d1)
    page = client.get(URL).content.decode()
    open_now = Case.objects.filter(centre__path__startswith=tree.d1.path, status__in=OPEN_STATUSES)
    assert listed_numbers(client, link_in(card(page, "open_at_month_end"))) == {
        case.number for case in open_now
    }
    assert f">{open_now.count()}</a>" in card(page, "open_at_month_end")
    high = {case.number for case in open_now.filter(risk_level=RiskLevel.HIGH)}
    assert high
    assert listed_numbers(client, link_in(card(page, "high_risk_open"))) == high


def test_the_export_links_lead_to_the_api_files(
    history: History, client_for: Callable[..., Client]
) -> None:
    tree = history.tree
    client = client_for(tree.director_d1)
    page = report_page(client, tree.d1, last_month()).content.decode()
    query = f"centre={tree.d1.pk}&amp;month={month_param(last_month())}&amp;scope=subtree"
    base = reverse("api:report-monthly")
    for kind in ("csv", "xlsx", "pdf"):
        assert f'href="{base}?{query}&amp;format={kind}"' in page
    response = client.get(f"{base}?{query.replace('&amp;', '&')}&format=csv")
    assert response.status_code == 200
    assert tree.d1.name_en in response.content.decode("utf-8-sig")


# --- Languages, HTMX, cost -------------------------------------------------------------------------


def test_the_page_is_in_chinese_by_default(
    history: History, client_for: Callable[..., Client], settings: Any
) -> None:
    settings.LANGUAGE_CODE = "zh-hans"
    tree = history.tree
    client = Client()
    client.force_login(tree.director_d1)
    response = client.get(URL, {"month": month_param(last_month())})
    page = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in page
    assert f"{tree.d1.name_zh} · {last_month().year}年{last_month().month}月" in page
    assert tree.s1.name_zh in section(page, 'data-breakdown="child_centre"')


def test_htmx_gets_the_results_and_the_picker_out_of_band(
    history: History, client_for: Callable[..., Client]
) -> None:
    tree = history.tree
    client = client_for(tree.director_d1)
    params = {"centre": str(tree.s1.pk), "month": month_param(last_month())}
    response = client.get(URL, params, headers={"HX-Request": "true"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>" not in page and "<form" not in page
    assert '<div class="field" id="report-centre-field" hx-swap-oob="true">' in page
    assert picker_ids(page) == {tree.d1.pk, tree.s1.pk, tree.k1.pk}
    assert 'data-figure="received"' in page
    assert "HX-Request" in response["Vary"]
    bad = client.get(URL, {"month": "2020-99"}, headers={"HX-Request": "true"})
    assert bad.status_code == 400
    assert bad["HX-Retarget"] == "#report-body"
    assert "Enter a month as year and month" in bad.content.decode()


def _page_queries(client: Client, params: dict[str, Any]) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL, params).status_code == 200
    return len(queries)


def test_a_page_costs_the_same_queries_for_3_and_30_cases(
    client_for: Callable[..., Client],
) -> None:
    tree = build_tree(unique_suffix())
    month = last_month()

    def add(count: int) -> None:
        for index in range(count):
            centre = (tree.s1, tree.k1, tree.d1)[index % 3]
            case = register(
                actor=tree.admin, centre=centre, at=day(month, 1 + index % 25), channel=Channel.GRID
            )
            if index % 2:
                drive(
                    case,
                    Status.RESOLVED,
                    actor=tree.admin,
                    mediator=tree.mediator_for(centre),
                    at=day(month, 27),
                )
            register(actor=tree.admin, centre=centre)  # this month too: the live page

    client = client_for(tree.director_d1)
    past = {"centre": tree.d1.pk, "month": month_param(month)}
    add(3)
    few = (_page_queries(client, {}), _page_queries(client, past))
    add(27)
    many = (_page_queries(client, {}), _page_queries(client, past))
    assert many == few


def test_the_case_list_shows_the_registering_centre_it_was_sent(
    history: History, client_for: Callable[..., Client]
) -> None:
    """The filter the "received" links set appears on the case list form with the centre named,
    and only then (the form does not list every centre a second time)."""
    tree = history.tree
    client = client_for(tree.director_d1)
    cases = reverse("web:case_list")
    plain = client.get(cases).content.decode()
    assert 'name="registering_centre"' not in plain
    sent = client.get(cases, {"registering_centre": str(tree.s1.pk)}).content.decode()
    select = field_html(sent, "registering_centre")
    assert f'<option value="{tree.s1.pk}" selected>{tree.s1.name_en}</option>' in select
    assert select.count("<option") == 2  # and "Any centre"
    foreign = client.get(cases, {"registering_centre": str(tree.d2.pk)})
    assert foreign.status_code == 400
    assert "Select a valid choice." in field_html(foreign.content.decode(), "registering_centre")
