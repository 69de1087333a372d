"""The monthly report page in a real browser: a district director reads last month's report, in
Chinese and in English, on a desktop and on a 375 px phone. The page must be in the right language,
fit the screen (tables scroll inside their box), draw its charts and raise no script error; choosing
"the centre alone" replaces the results in place (HTMX) and a child centre's row opens its report.
"""

from pathlib import Path
from typing import Any

import pytest

from cases.reports import periods
from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.test_case_journey import PASSWORD, Run, Screen, t
from tests.factories import Tree, build_tree
from tests.web.test_reports_page import build_history

RUNS = [
    Run("zh-CN", DESKTOP, shots=True),
    Run("en", DESKTOP, shots=False),
    Run("zh-CN", PHONE, shots=True),
    Run("en", PHONE, shots=False),
]


@pytest.fixture
def director(transactional_db: None) -> Tree:
    """The small tree with last month's cases (see ``build_history``) and a director who logs in."""
    tree = build_tree()
    build_history(tree)
    tree.director_d1.set_password(PASSWORD)
    tree.director_d1.first_name = "主任老刘"
    tree.director_d1.save()
    return tree


@pytest.mark.parametrize("run", RUNS, ids=lambda run: run.name)
def test_a_director_reads_last_months_report(
    browser: Any, live_server: Any, director: Tree, screenshots_dir: Path, run: Run
) -> None:
    tree = director
    screen = Screen(browser, run, live_server.url, tree.director_d1)
    page = screen.page
    month = periods.format_month(periods.add_months(periods.current_month(), -1))
    screen.goto(f"/reports/?month={month}")
    assert page.locator("h1").inner_text() == t(run, "Monthly report")
    name = tree.d1.name_zh if run.language.startswith("zh") else tree.d1.name_en
    assert page.locator("#report-heading").inner_text().startswith(name)
    assert page.locator("svg.chart-drawing").count() == 4
    assert page.locator("svg.chart-drawing").first.is_visible()
    received = page.locator(".report-card[data-figure='received'] .report-card-value")
    assert received.inner_text() == "5"
    screen.shoot(screenshots_dir, "reports")

    # The centre alone: HTMX replaces the results, the address follows.
    with page.expect_response(lambda response: "scope=centre" in response.url):
        page.locator("input[name=scope][value=centre]").check()
    page.wait_for_load_state("networkidle")
    page.locator("#report-results section[data-scope='centre']").wait_for()
    assert "scope=centre" in page.url
    screen.check_layout()

    # Back to the subtree, then down to a child centre's report.
    screen.goto(f"/reports/?month={month}&scope=subtree")
    with page.expect_navigation():
        page.locator(f"[data-breakdown='child_centre'] tr[data-key='{tree.s1.pk}'] th a").click()
    screen.check_layout()
    assert page.locator("section.report").get_attribute("data-centre") == str(tree.s1.pk)
    screen.close()
