"""The wall screen (``/wall/``, issue 24): today's intake by channel, open and overdue cases by
district (table and map), the month's level resolution, the warnings in hand; scoped like the
report page; the minute's refresh fetches the board alone; both languages; a number of queries
that does not grow with the cases."""

import re
from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import OPEN_STATUSES, Case, Centre, Channel, ReportScope, Status
from cases.reports import monthly, periods
from cases.services import warnings
from tests.cases.test_warnings import case_at, person
from tests.factories import Tree, drive, register

pytestmark = pytest.mark.django_db

ClientFor = Callable[..., Client]
WALL = reverse("web:wall")


def midnight() -> datetime:
    today = timezone.localtime(timezone.now(), periods.zone()).date()
    return datetime.combine(today, time.min, tzinfo=periods.zone())


def board(client: Client, **params: Any) -> str:
    response = client.get(WALL, params)
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


def tile(page: str, key: str) -> str:
    found = re.search(
        rf'data-tile="{key}">\s*<p class="wall-tile-label">[^<]*</p>\s*'
        r'<p class="wall-tile-value">([^<]*)</p>',
        page,
    )
    assert found, key
    return found.group(1)


def channel_count(page: str, channel: str) -> int:
    found = re.search(rf'data-channel="{channel}">.*?data-count>(\d+)<', page, re.S)
    assert found, channel
    return int(found.group(1))


def row(page: str, centre: Centre) -> tuple[int, int] | None:
    found = re.search(
        rf'<tr data-centre="{centre.pk}"[^>]*>.*?data-open>(\d+)<.*?data-overdue>(\d+)<', page, re.S
    )
    return (int(found.group(1)), int(found.group(2))) if found else None


@pytest.fixture
def today(tree: Tree) -> dict[str, Case]:
    """Cases registered today in D1 (street S1, community K1) and D2, one yesterday, one overdue
    (registered ten days ago and never accepted) and one resolved this month."""
    now = timezone.now()
    made = {
        "walk_in": register(actor=tree.admin, centre=tree.s1, at=now),
        "hotline_1": register(actor=tree.admin, centre=tree.k1, channel=Channel.HOTLINE, at=now),
        "hotline_2": register(actor=tree.admin, centre=tree.k1, channel=Channel.HOTLINE, at=now),
        "grid": register(actor=tree.admin, centre=tree.s2, channel=Channel.GRID, at=now),
        "yesterday": register(
            actor=tree.admin,
            centre=tree.s1,
            channel=Channel.POLICE,
            at=midnight() - timedelta(hours=2),
        ),
        "overdue": register(actor=tree.admin, centre=tree.k1, at=now - timedelta(days=10)),
    }
    made["resolved"] = drive(
        register(actor=tree.admin, centre=tree.k1, at=now),
        Status.RESOLVED,
        actor=tree.admin,
        mediator=tree.med_s1,
        at=now,
    )
    return made


def test_a_city_director_sees_today_s_intake_by_channel(
    tree: Tree, today: dict[str, Case], client_for: ClientFor
) -> None:
    page = board(client_for(tree.director_c))

    registered_today = Case.objects.filter(registered_at__gte=midnight()).count()
    assert tile(page, "today") == str(registered_today) == "5"
    assert channel_count(page, Channel.WALK_IN) == 2  # S1's and the resolved one at K1
    assert channel_count(page, Channel.HOTLINE) == 2
    assert channel_count(page, Channel.GRID) == 1
    assert channel_count(page, Channel.POLICE) == 0  # yesterday's
    assert "Today&#x27;s intake by channel" in page or "Today's intake by channel" in page


def test_open_and_overdue_by_district_are_the_cases_open_and_overdue_now(
    tree: Tree, today: dict[str, Case], client_for: ClientFor
) -> None:
    page = board(client_for(tree.director_c))

    for district in (tree.d1, tree.d2):
        open_now = Case.objects.filter(
            centre__path__startswith=district.path, status__in=OPEN_STATUSES
        )
        assert row(page, district) == (open_now.count(), 1 if district == tree.d1 else 0)
    assert row(page, tree.d1) == (5, 1)
    assert row(page, tree.court) is None  # a court with nothing open is no area
    assert tile(page, "open") == "6"
    assert tile(page, "overdue") == "1"
    # The same figures as the live month's report.
    report = monthly.report(tree.c, periods.current_month(), ReportScope.SUBTREE)
    assert tile(page, "received") == str(report["figures"]["received"])
    assert tile(page, "resolved") == str(report["figures"]["resolved"]) == "1"


def test_the_map_draws_each_district_with_its_streets_and_its_band(
    tree: Tree, today: dict[str, Case], client_for: ClientFor
) -> None:
    page = board(client_for(tree.director_c))
    svg = re.search(r'<svg class="wall-map".*?</svg>', page, re.S)
    assert svg
    areas = dict(re.findall(r'class="wall-map-area" data-centre="(\d+)" data-band="(\w+)"', svg[0]))
    # The districts are places; the court under D1 is not an area of the city.
    assert areas == {str(tree.d1.pk): "high", str(tree.d2.pk): "calm"}  # 1 of 5 overdue: 20 %
    assert svg[0].count('class="wall-map-street"') == 2  # S1 in D1, S2 in D2
    assert f'href="{WALL}?centre={tree.d1.pk}"' in svg[0]
    assert f"{tree.d1.name_en}: 5 open, 1 overdue" in svg[0]


def test_level_resolution_this_month(
    tree: Tree, today: dict[str, Case], client_for: ClientFor
) -> None:
    page = board(client_for(tree.director_c))
    levels = re.search(r'<section class="wall-panel wall-levels".*?</section>', page, re.S)
    assert levels
    assert "Community / village 100.0%" in levels[0]


def test_a_district_director_sees_their_district_and_no_other(
    tree: Tree, today: dict[str, Case], client_for: ClientFor
) -> None:
    client = client_for(tree.director_d1)
    page = board(client)

    main = re.search(r'<main id="wall"[^>]*data-centre="(\d+)"', page)
    assert main and main[1] == str(tree.d1.pk)
    assert tile(page, "today") == "4"  # D2's grid report is not theirs
    assert row(page, tree.s1) == (5, 1)
    assert client.get(WALL, {"centre": tree.d2.pk}).status_code == 404
    assert client.get(WALL, {"centre": 999_999}).status_code == 404
    # Down to a street, and a link back up to the district.
    street = board(client, centre=tree.s1.pk)
    assert f'href="{WALL}?centre={tree.d1.pk}"' in street
    # The city is not theirs: no link up from the district.
    assert f'href="{WALL}?centre={tree.c.pk}"' not in page


def test_who_may_not_read_reports_gets_403_and_a_bad_centre_400(
    tree: Tree, client_for: ClientFor
) -> None:
    assert client_for(tree.mediator_s1_user).get(WALL).status_code == 403
    assert client_for(tree.intake_s1).get(WALL).status_code == 403
    response = client_for(tree.director_c).get(WALL, {"centre": "twelve"})
    assert response.status_code == 400
    assert "centre: choose a centre by its number" in response.content.decode()
    anonymous = Client().get(WALL)
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]


def test_the_warnings_in_hand_of_the_subtree(tree: Tree, client_for: ClientFor) -> None:
    for centre in (tree.k1, tree.s2):
        for _ in range(5):
            case_at(tree, centre, parties=(person(), person("respondent")))
    made = {w.centre.code: w for w in warnings.raise_warnings().raised}

    d1 = board(client_for(tree.director_d1))
    assert f'data-warning="{made[tree.k1.code].pk}"' in d1
    assert f'data-warning="{made[tree.s2.code].pk}"' not in d1
    assert f"5 cases of Unpaid wages registered at {tree.k1.name_en}" in d1
    assert tile(d1, "warnings") == "1"

    warnings.dismiss(actor=tree.director_c, warning=made[tree.k1.code], reason="已核实")
    city = board(client_for(tree.director_c))
    assert f'data-warning="{made[tree.k1.code].pk}"' not in city  # dismissed: no longer in hand
    assert tile(city, "warnings") == "1"

    # An observer reads the figures, not the warnings.
    observer = board(client_for(tree.observer_d1))
    assert "wall-warnings" not in observer
    assert 'data-tile="warnings"' not in observer


def test_the_refresh_fetches_the_board_alone(
    tree: Tree, today: dict[str, Case], client_for: ClientFor, settings: Any
) -> None:
    settings.WALL_REFRESH_SECONDS = 60
    client = client_for(tree.director_c)
    page = board(client)
    assert "<html" in page
    main = re.search(r'<main id="wall"[^>]*>', page)
    assert main
    assert 'hx-trigger="every 60s"' in main[0]
    assert f'hx-get="{WALL}?centre={tree.c.pk}"' in main[0]

    register(actor=tree.admin, centre=tree.s2, channel=Channel.ONLINE)
    response = client.get(WALL, {"centre": tree.c.pk}, headers={"HX-Request": "true"})
    fragment = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in fragment
    assert fragment.lstrip().startswith("{#") is False and '<main id="wall"' in fragment
    assert tile(fragment, "today") == "6"
    assert channel_count(fragment, Channel.ONLINE) == 1
    assert "HX-Request" in response["Vary"]


def test_in_chinese(tree: Tree, today: dict[str, Case], client_for: ClientFor) -> None:
    page = board(client_for(tree.director_c, "zh-hans"))
    assert '<html lang="zh-hans"' in page
    assert "今日受理" in page
    assert "指挥中心大屏" in page
    assert tree.d1.name_zh in page


def _queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as queries:
        board(client)
    return len(queries)


def test_the_queries_do_not_grow_with_the_cases_or_the_warnings(
    tree: Tree, client_for: ClientFor
) -> None:
    client = client_for(tree.director_c)
    register(actor=tree.admin, centre=tree.s1)
    case_at(tree, tree.s2)
    before = _queries(client)
    for centre in (tree.k1, tree.s2, tree.s1):
        for _ in range(5):
            case_at(tree, centre, parties=(person(), person("respondent")))
    register(actor=tree.admin, centre=tree.d2, at=timezone.now() - timedelta(days=10))
    warnings.raise_warnings()
    assert _queries(client) == before


def test_the_report_page_links_to_the_wall_screen_of_its_centre(
    tree: Tree, client_for: ClientFor
) -> None:
    page = client_for(tree.director_c).get(reverse("web:reports"), {"centre": tree.d2.pk})
    assert f'href="{WALL}?centre={tree.d2.pk}"' in page.content.decode()
