"""Keyboard shortcuts on every page and their ``?`` help (issue 20, "On a phone, and for everyone"),
in a real browser: ``?`` opens the list in the page's language, Esc closes it and gives the focus
back, ``g c`` opens the case list, ``n`` the intake, and nothing fires while typing in a field or
with a modifier key held (the intake's Alt+N and Ctrl+Enter stay the intake's)."""

from typing import Any

import pytest

from tests.browser.conftest import DESKTOP
from tests.browser.test_case_journey import PASSWORD, Run, Screen, t
from tests.factories import Tree, build_tree

RUNS = [Run("zh-CN", DESKTOP, shots=False), Run("en", DESKTOP, shots=False)]


@pytest.fixture
def people(transactional_db: None) -> Tree:
    tree = build_tree()
    for user in (tree.director_d1, tree.mediator_s1_user):
        user.set_password(PASSWORD)
        user.save()
    return tree


def navigations(page: Any) -> list[str]:
    """The paths the page will have navigated to, in order (a key that navigates by mistake shows
    here even if the assertion after it ran before the page changed)."""
    paths: list[str] = []
    page.on(
        "request",
        lambda request: (
            paths.append(request.url.split("://", 1)[1].split("/", 1)[1])
            if request.is_navigation_request() and request.frame == page.main_frame
            else None
        ),
    )
    return paths


def focused(page: Any) -> str:
    """The focused element, as tag#id.class or its text."""
    result: str = page.evaluate(
        """() => { const e = document.activeElement;
            return e.tagName + "#" + e.id + "." + (e.className || "") + " "
                + (e.textContent || "").trim().slice(0, 30); }"""
    )
    return result


@pytest.mark.parametrize("run", RUNS, ids=lambda run: run.name)
def test_the_shortcuts_and_their_help(
    browser: Any, live_server: Any, people: Tree, run: Run
) -> None:
    screen = Screen(browser, run, live_server.url, people.director_d1)
    page = screen.page
    base = live_server.url
    dialog = page.locator("dialog#shortcuts")
    assert not dialog.is_visible()
    went = navigations(page)

    # "?" opens the list, named by its heading, in the page's language.
    page.locator("main a").first.focus()
    before = focused(page)
    page.keyboard.press("?")
    assert dialog.is_visible()
    assert page.evaluate("document.getElementById('shortcuts').matches(':modal')")
    title = page.locator("#shortcuts-title")
    assert title.inner_text() == t(run, "Keyboard shortcuts")
    assert dialog.get_attribute("aria-labelledby") == "shortcuts-title"
    listed = dialog.locator("tbody tr:visible td:last-child").all_inner_texts()
    for action in (
        "Open the workbench",
        "Open the case list",
        "Open the due lists",
        "Open the notifications",
        "Register a new case",
        "Show this list",
        "Close this list",
    ):
        assert t(run, action) in listed, (action, listed)
    # No search box on this page: "/" is not offered.
    assert t(run, "Go to the search box") not in listed
    # While it is open, keys are the dialog's: "g c" does not leave the page.
    page.keyboard.press("g")
    page.keyboard.press("c")
    assert page.url == f"{base}/"

    # Esc closes it and the focus is back where it was.
    page.keyboard.press("Escape")
    assert not dialog.is_visible()
    assert focused(page) == before

    # The footer's button opens it too (for the mouse), and its Close button closes it.
    page.locator("[data-shortcuts-open]").click()
    assert dialog.is_visible()
    dialog.locator("button.shortcuts-close").click()
    assert not dialog.is_visible()
    assert focused(page).startswith("BUTTON#.link shortcuts-open")

    # "g" then "c": the case list.
    page.locator("main").focus()
    with page.expect_navigation():
        page.keyboard.press("g")
        page.keyboard.press("c")
    screen.check_layout()
    assert page.url == f"{base}/cases/"
    assert page.locator("h1").inner_text() == t(run, "Cases")

    # Typing "?", "g c" or "n" in a text field types them; nothing opens, nothing navigates.
    search = page.locator("main input[name=q]")
    search.focus()
    page.keyboard.type("?g cn/")
    assert search.input_value() == "?g cn/"
    assert not dialog.is_visible()
    assert page.url == f"{base}/cases/"

    # A modifier held: not a shortcut (Ctrl+N, Alt+N are the browser's and the intake's).
    page.locator("main").focus()
    page.keyboard.press("Alt+n")
    page.keyboard.press("Alt+g")
    page.keyboard.press("c")
    assert page.url == f"{base}/cases/"
    assert not dialog.is_visible()

    # "n": a new case, for someone who may register one.
    with page.expect_navigation():
        page.keyboard.press("n")
    screen.check_layout()
    assert page.url == f"{base}/cases/new/"
    assert page.locator("h1").inner_text() == t(run, "Register a dispute")
    # Every page reached, once each: no key above navigated by mistake.
    assert went == ["cases/", "cases/new/"], went
    screen.close()


def test_a_mediator_has_no_new_case_shortcut(browser: Any, live_server: Any, people: Tree) -> None:
    """A mediator may not register: "n" is neither listed nor acted on; "g d" opens the due lists."""
    run = RUNS[1]
    screen = Screen(browser, run, live_server.url, people.mediator_s1_user)
    page = screen.page
    base = live_server.url
    went = navigations(page)
    page.keyboard.press("?")
    listed = page.locator("dialog#shortcuts tbody tr:visible").all_inner_texts()
    assert not any(t(run, "Register a new case") in row for row in listed), listed
    page.keyboard.press("Escape")
    page.locator("main").focus()
    page.keyboard.press("n")
    with page.expect_navigation():
        page.keyboard.press("g")
        page.keyboard.press("d")
    screen.check_layout()
    assert page.url == f"{base}/due/"
    assert went == ["due/"], went  # "n" went nowhere
    screen.close()


def test_the_slash_focuses_the_header_search_box(
    browser: Any, live_server: Any, people: Tree
) -> None:
    """ "/" goes to the header's search box (``#quick-search``) on a page that has one. The box is
    another part of issue 20; here the served page gets one added to its header, as it will have."""
    run = RUNS[1]
    screen = Screen(browser, run, live_server.url, people.director_d1)
    page = screen.page
    box = '<input type="search" id="quick-search" name="q" aria-label="Search">'

    def with_box(route: Any) -> None:
        response = route.fetch()
        body = response.text()
        if 'id="quick-search"' not in body:
            body = body.replace('<ul class="tools">', f'<ul class="tools"><li>{box}</li>', 1)
        route.fulfill(response=response, body=body)

    page.route(f"{live_server.url}/due/", with_box)
    screen.goto("/due/")
    page.keyboard.press("?")
    listed = page.locator("dialog#shortcuts tbody tr:visible").all_inner_texts()
    assert any(t(run, "Go to the search box") in row for row in listed), listed
    page.keyboard.press("Escape")
    page.locator("main").focus()
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "quick-search"
    # The "/" went to the shortcut, not into the box.
    assert page.locator("#quick-search").input_value() == ""
    screen.close()
