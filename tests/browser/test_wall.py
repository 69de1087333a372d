"""The wall screen in a real browser at 1920×1080, in Chinese and in English: a city with eighteen
districts (more than the table's rows), warnings with long reasons, cases today on several
channels, cases resolved at three levels this month. Nothing may stick out of the screen or out of
its panel (the display has no scroll bar anyone could use), the map is drawn, no script error;
and the board brings itself up to date without the page being reloaded."""

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from cases.models import Channel, Status
from cases.services import warnings
from tests.browser.test_case_journey import PASSWORD, Run, Screen
from tests.cases.test_warnings import case_at, person
from tests.factories import CentreFactory, Tree, build_tree, drive, register

WALL_SCREEN = {"width": 1920, "height": 1080}
RUNS = [Run("zh-CN", WALL_SCREEN, shots=True), Run("en", WALL_SCREEN, shots=False)]


@pytest.fixture
def city(transactional_db: None) -> Tree:
    tree = build_tree()
    for n in range(16):
        district = CentreFactory.create(
            parent=tree.c,
            name_zh=f"第{n + 3}区矛盾纠纷多元化解中心",
            name_en=f"Dispute resolution centre of district {n + 3}",
        )
        for _street in range(n % 4 + 1):
            street = CentreFactory.create(parent=district)
            register(actor=tree.admin, centre=street, channel=Channel.GRID)
        if n % 3 == 0:
            register(actor=tree.admin, centre=district, at=timezone.now() - timedelta(days=10))
    for channel in (Channel.WALK_IN, Channel.HOTLINE, Channel.POLICE, Channel.ONLINE):
        register(actor=tree.admin, centre=tree.s1, channel=channel)
    for centre in (tree.k1, tree.s2, tree.s1, tree.d2, tree.d1, tree.c):
        for _ in range(5):
            case_at(tree, centre, parties=(person(), person("respondent")))
    for centre in (tree.k1, tree.s2, tree.d1):
        resolved = register(actor=tree.admin, centre=centre)
        drive(resolved, Status.RESOLVED, actor=tree.admin, mediator=tree.mediator_for(centre))
    warnings.raise_warnings()
    tree.director_c.set_password(PASSWORD)
    tree.director_c.save()
    return tree


@pytest.mark.parametrize("run", RUNS, ids=lambda run: run.language)
def test_the_wall_screen_fits_1920_by_1080_and_updates_itself(
    browser: Any, live_server: Any, city: Tree, screenshots_dir: Path, run: Run, settings: Any
) -> None:
    screen = Screen(browser, run, live_server.url, city.director_c)
    page = screen.page
    screen.goto("/wall/")
    screen.shoot(screenshots_dir, "wall")

    overflow = page.evaluate(
        """() => ({
            width: document.documentElement.scrollWidth,
            height: document.documentElement.scrollHeight,
            cut: Array.from(document.querySelectorAll(".wall-panel, .wall-tile"))
                .filter(e => e.scrollHeight > e.clientHeight + 1 || e.scrollWidth > e.clientWidth + 1)
                .map(e => e.className + " " + e.textContent.trim().slice(0, 40)),
        })"""
    )
    assert overflow == {"width": 1920, "height": 1080, "cut": []}
    assert page.locator(".wall-map-area").count() == 18
    assert page.locator("svg.wall-map").is_visible()
    assert page.locator(".wall-areas tr.wall-rest").count() == 1
    assert page.locator(".wall-warnings li").count() == 4
    # Large enough to read from across the room: the figures at least 48 px high.
    height = page.locator(".wall-tile[data-tile='today'] .wall-tile-value").bounding_box()["height"]
    assert height >= 48
    # A case registered now is on the screen within the refresh (a second here), without a reload.
    settings.WALL_REFRESH_SECONDS = 1
    screen.goto("/wall/")
    today = page.locator(".wall-tile[data-tile='today'] .wall-tile-value")
    before = int(today.inner_text())

    page.evaluate("window.notReloaded = true")
    register(actor=city.admin, centre=city.s2, channel=Channel.PETITION)
    page.wait_for_function(
        "n => document.querySelector(\".wall-tile[data-tile='today'] .wall-tile-value\")"
        ".textContent.trim() === String(n)",
        arg=before + 1,
        timeout=10_000,
    )
    assert page.evaluate("window.notReloaded") is True
    assert not screen.errors, screen.errors
    screen.close()
