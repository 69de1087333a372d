"""One dispute from the window to closing, in a real browser: the issue's acceptance scenario.

An intake officer registers a two-party neighbour dispute; the director accepts it and assigns a
mediator; the mediator books a session, records the agreement and resolves; the director closes.
Once in Chinese, once in English, and once on a 375 px phone screen (in Chinese, the default).
"""

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext

from cases.models import Case, EventKind, Status
from tests.browser.conftest import DESKTOP, PHONE
from tests.factories import Tree, build_tree, seeded_category

PASSWORD = "window-demo-2026"


@dataclass(frozen=True)
class Run:
    language: str  # the browser's language; the site follows it
    viewport: dict[str, int]
    shots: bool  # save screenshots from this run

    @property
    def name(self) -> str:
        return f"{self.language}-{'phone' if self.viewport == PHONE else 'desktop'}"


RUNS = [
    Run("zh-CN", DESKTOP, shots=True),
    Run("en", DESKTOP, shots=False),
    Run("zh-CN", PHONE, shots=True),
]


def t(run: Run, message: str) -> str:
    """``message`` as the page should show it in the run's language."""
    with translation.override("zh-hans" if run.language.startswith("zh") else "en"):
        return gettext(message)


@pytest.fixture
def people(transactional_db: None) -> Tree:
    tree = build_tree()
    for user in (tree.intake_s1, tree.director_d1, tree.mediator_s1_user):
        user.set_password(PASSWORD)
    names = {
        tree.intake_s1: "受理员小陈",
        tree.director_d1: "主任老刘",
        tree.mediator_s1_user: "王调解",
    }
    for user, name in names.items():
        user.first_name = name
        user.save()
    return tree


class Screen:
    """A browser page logged in as one user, with the checks every page must pass."""

    def __init__(self, browser: Any, run: Run, base_url: str, user: Any) -> None:
        self.run = run
        self.base_url = base_url
        self.context = browser.new_context(
            viewport=run.viewport,
            locale=run.language,
            extra_http_headers={"Accept-Language": run.language},
        )
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.errors: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        # What the Content-Security-Policy refused ("Refused to execute inline script...", "Refused
        # to apply inline style...", "Refused to load..."): Chromium says so on the console.
        self.page.on("console", self._refused)
        self.log_in(user)

    def _refused(self, message: Any) -> None:
        if message.type == "error" and (
            message.text.startswith("Refused to") or "Content Security Policy" in message.text
        ):
            self.errors.append(f"{self.page.url}: {message.text}")

    def log_in(self, user: Any) -> None:
        page = self.page
        page.goto(f"{self.base_url}/login/")
        assert page.locator("h1").inner_text() == t(self.run, "Log in")
        page.fill("input[name=username]", user.username)
        page.fill("input[name=password]", PASSWORD)
        page.locator("form[action='/login/'] button[type=submit]").click()
        page.wait_for_url(f"{self.base_url}/")
        self.check_layout()

    def goto(self, path: str) -> None:
        self.page.goto(f"{self.base_url}{path}")
        self.check_layout()

    def check_layout(self) -> None:
        """The page is in the run's language and nothing is wider than the screen."""
        page = self.page
        page.wait_for_load_state("networkidle")
        expected = "zh-hans" if self.run.language.startswith("zh") else "en"
        assert page.locator("html").get_attribute("lang") == expected
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= self.run.viewport["width"], (page.url, width, self.too_wide())
        assert not self.errors, self.errors

    def too_wide(self) -> list[str]:
        """The outermost elements sticking out on the right: what to fix when a page is too wide."""
        return self.page.evaluate(
            """limit => Array.from(document.querySelectorAll("body *"))
                .filter(e => e.getBoundingClientRect().right > limit + 1)
                .filter(e => !e.parentElement.closest(".table-wrap"))
                .slice(0, 8)
                .map(e => e.tagName + "." + e.className + " " + e.textContent.slice(0, 40))""",
            self.run.viewport["width"],
        )

    def action(self, name: str) -> None:
        """Open a workflow action's form on the case page (HTMX loads it in place)."""
        self.page.locator(f"[data-action='{name}']").click()
        self.page.locator(f"button[data-confirm='{name}']").wait_for()

    def confirm(self, name: str) -> None:
        with self.page.expect_navigation():
            self.page.locator(f"button[data-confirm='{name}']").click()
        self.check_layout()

    def shoot(self, shots: Path, name: str) -> None:
        if self.run.shots:
            kind = "phone" if self.run.viewport == PHONE else "desktop"
            self.page.screenshot(path=str(shots / f"{name}-{kind}.png"), full_page=True)

    def close(self) -> None:
        self.context.close()


@pytest.mark.parametrize("run", RUNS, ids=lambda run: run.name)
def test_a_neighbour_dispute_from_the_window_to_closing(
    browser: Any, live_server: Any, people: Tree, screenshots_dir: Path, run: Run
) -> None:
    tree, base = people, live_server.url
    noise = seeded_category()
    neighbours = noise.parent
    assert neighbours is not None

    # 1. The intake officer registers the dispute with two parties.
    window = Screen(browser, run, base, tree.intake_s1)
    window.goto("/cases/new/")
    page = window.page
    heading = page.locator("h1").inner_text()
    assert heading == t(run, "Register a dispute")
    assert (heading == "Register a dispute") == (run.language == "en")  # translated in Chinese
    page.select_option("select[name=channel]", "walk_in")
    # Choosing the category narrows the sub-categories (HTMX): wait for them to arrive.
    with page.expect_response(lambda response: "/cases/new/categories/" in response.url):
        page.select_option("select[name=parent]", str(neighbours.pk))
    # ... and for HTMX to have put them in place (the response may arrive before the swap; on a
    # busy machine the old select could be chosen and then replaced).
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
    )
    page.select_option("select[name=category]", str(noise.pk))
    assert page.locator("select[name=category]").input_value() == str(noise.pk)
    page.fill("input[name=summary]", "楼上装修噪音扰民")
    page.fill("textarea[name=facts]", "申请人称楼上住户连续两周夜间装修。")
    page.fill("input[name=amount_in_dispute]", "2000")
    page.fill("input[name=parties-0-name]", "张三")
    page.fill("input[name=parties-0-phone]", "138 1234 5678")
    page.fill("input[name=parties-1-name]", "李四")
    page.fill("input[name=parties-1-id_number]", "420102198503034329")
    # The hint while typing: 张三's phone is in no earlier case here.
    window.shoot(screenshots_dir, "intake")
    with page.expect_navigation():
        page.locator("#intake-form button[type=submit]:not([name])").click()
    window.check_layout()
    assert not page.locator(".errorlist").count(), page.locator(
        "#intake-form .errorlist"
    ).evaluate_all("els => els.map(e => e.id + ': ' + e.innerText)")
    case = Case.objects.get(summary="楼上装修噪音扰民")
    assert case.number in page.locator(".messages").inner_text()
    assert case.parties.count() == 2
    assert "138****5678" in page.content() and "13812345678" not in page.content()
    window.close()

    # 2. The director sees it on the workbench, accepts it and assigns a mediator.
    director = Screen(browser, run, base, tree.director_d1)
    assert case.number in director.page.content()
    director.shoot(screenshots_dir, "workbench")
    director.goto(f"/cases/{case.pk}/")
    director.action("accept")
    director.confirm("accept")
    director.action("assign")
    director.page.select_option("select[name=lead_mediator]", str(tree.med_s1.pk))
    director.confirm("assign")
    case.refresh_from_db()
    assert (case.status, case.lead_mediator) == (Status.IN_MEDIATION, tree.med_s1)

    # 3. The mediator books a session, then resolves the case with the agreement.
    mediator = Screen(browser, run, base, tree.mediator_s1_user)
    assert case.number in mediator.page.content()  # "My open cases"
    mediator.goto(f"/cases/{case.pk}/sessions/new/")
    tomorrow = timezone.localdate() + timedelta(days=1)
    page = mediator.page
    page.fill("input[name=date]", tomorrow.isoformat())
    page.fill("input[name=starts_at]", "09:30")
    page.fill("input[name=ends_at]", "10:30")
    page.fill("input[name=place]", "大智社区调解室")
    with page.expect_navigation():
        page.locator("#session-book-form button[type=submit]").click()
    mediator.check_layout()
    assert case.sessions.count() == 1
    assert "大智社区调解室" in page.content()
    mediator.action("resolve")
    page.fill("textarea[name=terms]", "李四于晚十点后停止装修，并赔偿张三人民币伍佰元。")
    page.fill("input[name=amount_agreed]", "500")
    page.fill("input[name=performance_deadline]", (tomorrow + timedelta(days=14)).isoformat())
    mediator.confirm("resolve")
    case.refresh_from_db()
    assert case.status == Status.RESOLVED
    mediator.shoot(screenshots_dir, "case")
    mediator.close()

    # 4. The director closes the case; its follow-up visit is scheduled.
    director.goto(f"/cases/{case.pk}/")
    director.action("close")
    director.confirm("close")
    case.refresh_from_db()
    assert case.status == Status.CLOSED
    assert case.follow_ups.filter(done_at__isnull=True).count() == 1
    page = director.page
    assert t(run, "Closed") in page.locator("main .badge[class*=status-]").first.inner_text()
    # Every other page of the menu fits the screen too.
    for path in [
        "/cases/",
        "/calendar/",
        "/transfers/",
        "/mediators/",
        f"/cases/{case.pk}/agreement/",
    ]:
        director.goto(path)
    # The printable agreement's Print button comes from a static script (no inline script).
    assert page.locator("#print-now").is_visible()
    transitions = list(
        case.events.filter(kind=EventKind.TRANSITION).order_by("id").values_list("name", flat=True)
    )
    assert transitions == ["accept", "assign", "resolve", "close"]
    director.close()
