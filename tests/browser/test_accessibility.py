"""Accessibility of the main pages (issue 20, "On a phone, and for everyone"), checked by axe-core in
a real browser: the workbench, the intake, the case list, a case page, the due lists and the monthly
report, in Chinese and in English, with no violation of impact "serious" or "critical".

axe-core is vendored for the tests only (tests/browser/vendor/, refreshed by ``make vendor``) and
never served by the site. It is run through Playwright's ``evaluate``, which the page's
Content-Security-Policy does not govern, so the pages are checked under their real policy.
"""

from pathlib import Path
from typing import Any

import pytest

from cases.reports import periods
from tests.browser.conftest import DESKTOP
from tests.browser.test_case_journey import PASSWORD, Run, Screen, t
from tests.factories import Tree, build_tree
from tests.web.test_reports_page import History, build_history

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
BLOCKING = ("serious", "critical")
RUNS = [Run("zh-CN", DESKTOP, shots=False), Run("en", DESKTOP, shots=False)]


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it is now (WCAG 2.x A and AA, and best practices)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    violations: list[dict[str, Any]] = page.evaluate(
        """async () => (await window.axe.run(document, {resultTypes: ["violations"]})).violations
            .map(v => ({id: v.id, impact: v.impact, help: v.help,
                        targets: v.nodes.map(n => n.target.join(" ")).slice(0, 6)}))"""
    )
    return violations


def blocking(violations: list[dict[str, Any]]) -> list[str]:
    """The serious and critical violations, as 'id (impact): help -> targets' lines."""
    return [
        f"{v['id']} ({v['impact']}): {v['help']} -> {v['targets']}"
        for v in violations
        if v["impact"] in BLOCKING
    ]


@pytest.fixture
def director(transactional_db: None) -> History:
    """A district director who registers cases and reads reports, with last month's cases."""
    tree = build_tree()
    history = build_history(tree)
    tree.director_d1.set_password(PASSWORD)
    tree.director_d1.first_name = "主任老刘"
    tree.director_d1.save()
    return history


def main_pages(tree: Tree, history: History) -> list[tuple[str, str]]:
    """(path, the h1 the page should show, untranslated) of each page checked."""
    month = periods.format_month(periods.add_months(periods.current_month(), -1))
    case = history.resolved[0]
    return [
        ("/", "Workbench"),
        ("/cases/new/", "Register a dispute"),
        ("/cases/", "Cases"),
        (f"/cases/{case.pk}/", ""),
        ("/due/", "Due lists"),
        (f"/reports/?month={month}", "Monthly report"),
        ("/reports/trend/?months=24", "Trend"),
        ("/reports/snapshots/", "Report archive"),
        ("/notifications/", "Notifications"),
        ("/profile/", "Your settings"),
    ]


@pytest.mark.parametrize("run", RUNS, ids=lambda run: run.name)
def test_the_main_pages_have_no_serious_accessibility_violation(
    browser: Any, live_server: Any, director: History, run: Run
) -> None:
    tree = director.tree
    screen = Screen(browser, run, live_server.url, tree.director_d1)
    page = screen.page
    found: dict[str, list[str]] = {}
    for path, heading in main_pages(tree, director):
        screen.goto(path)
        if heading:  # the page itself, in the run's language, not an error page
            assert page.locator("h1").first.inner_text() == t(run, heading), path
        violations = axe_violations(page)
        if problems := blocking(violations):
            found[path] = problems
    # The keyboard shortcuts' help, open over the last page.
    page.keyboard.press("?")
    assert page.locator("dialog#shortcuts").is_visible()
    if problems := blocking(axe_violations(page)):
        found["the ? dialog"] = problems
    assert not screen.errors, screen.errors  # axe ran under the policy without a refusal
    assert not found, "\n".join(f"{path}:\n  " + "\n  ".join(p) for path, p in found.items())
    screen.close()


def test_axe_reports_what_it_finds(browser: Any, live_server: Any, director: History) -> None:
    """The check itself: a page broken on purpose (an unlabelled field, a nameless button, text
    almost the colour of its background) shows those violations, so a quiet run means a clean
    page and not axe failing to run."""
    screen = Screen(browser, RUNS[1], live_server.url, director.tree.director_d1)
    page = screen.page
    screen.goto("/")
    page.evaluate(
        """() => { const main = document.getElementById("main");
            main.insertAdjacentHTML("beforeend",
              '<input type="text"><button type="button"></button>');
            const faint = document.createElement("p");
            faint.textContent = "faint";
            faint.style.color = "#eee";
            faint.style.background = "#fff";
            main.append(faint); }"""
    )
    ids = {v["id"] for v in axe_violations(page) if v["impact"] in BLOCKING}
    assert {"label", "button-name", "color-contrast"} <= ids, ids
    screen.close()
