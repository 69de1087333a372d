"""Fast intake with the keyboard only (issue 20, "Fast intake"), in a real browser.

A hotline operator (an intake officer whose last case came by the hotline) logs in, skips the
navigation, and registers a two-party hotline case without touching the mouse: the cursor starts
in the first field to fill, the channel is already the hotline, Enter moves from field to field,
Alt+N goes to the next party and Ctrl+Enter registers. Every key is counted; the page listens for
pointer events and must hear none.
"""

from typing import Any

import pytest
from django.utils import translation
from django.utils.translation import gettext

from cases.models import Case, Channel, PartyKind, PartyRole
from tests.browser.conftest import DESKTOP
from tests.factories import Tree, build_tree, register, seeded_category

PASSWORD = "hotline-2026"
# What the page counts: any pointer (mouse, pen, touch) pressed anywhere, from the first script on.
COUNT_POINTERS = """
window.__pointerActions = 0;
for (const kind of ["pointerdown", "mousedown", "touchstart"]) {
  window.addEventListener(kind, () => { window.__pointerActions += 1; }, true);
}
"""
# The measure of the old form: 19 clicks (4 of them drop-downs) for a two-party case.
OLD_CLICKS = 19


def zh(message: str) -> str:
    with translation.override("zh-hans"):
        return gettext(message)


class Keys:
    """``page.keyboard`` with a count: one action per key pressed or per text typed into a field."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.actions = 0

    def press(self, key: str, times: int = 1) -> None:
        for _ in range(times):
            self.page.keyboard.press(key)
            self.actions += 1

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)
        self.actions += 1


@pytest.fixture
def operator(transactional_db: None) -> Tree:
    tree = build_tree()
    tree.intake_s1.set_password(PASSWORD)
    tree.intake_s1.save()
    # Their last case came by the hotline: the next one starts there.
    register(actor=tree.intake_s1, centre=tree.s1, channel=Channel.HOTLINE, summary="上一通电话")
    return tree


def active(page: Any) -> dict[str, str]:
    """The focused element: its tag, id, name and class."""
    result: dict[str, str] = page.evaluate(
        """() => { const e = document.activeElement;
            return {tag: e.tagName, id: e.id, name: e.getAttribute("name") || "",
                    cls: e.className || "", text: (e.textContent || "").trim()}; }"""
    )
    return result


def arrows_to(page: Any, select: str, value: str) -> int:
    """How many ArrowDown presses take ``select`` from its current option to ``value``."""
    index: int = page.evaluate(
        """([select, value]) => { const s = document.querySelector(select);
            return Array.from(s.options).findIndex(o => o.value === value) - s.selectedIndex; }""",
        [select, value],
    )
    assert index > 0, (select, value)
    return index


def open_page(browser: Any, base: str) -> tuple[Any, Any, list[str]]:
    context = browser.new_context(
        viewport=DESKTOP, locale="zh-CN", extra_http_headers={"Accept-Language": "zh-CN"}
    )
    context.add_init_script(COUNT_POINTERS)
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda message: errors.append(message.text) if message.type == "error" else None,
    )
    return context, page, errors


def log_in(page: Any, keys: Keys, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    keys.type(username)  # the user name field has the focus
    keys.press("Tab")
    keys.type(PASSWORD)
    with page.expect_navigation():
        keys.press("Enter")
    page.wait_for_load_state("networkidle")


def test_a_two_party_hotline_case_is_registered_with_the_keyboard_only(
    browser: Any, live_server: Any, operator: Tree
) -> None:
    tree, base = operator, live_server.url
    noise = seeded_category()
    assert noise.parent is not None
    context, page, errors = open_page(browser, base)
    keys = Keys(page)
    log_in(page, keys, base, tree.intake_s1.username)

    # The bell is a drawing, not an emoji that needs an emoji font.
    bell = page.locator("header .bell a")
    assert bell.locator("svg[aria-hidden=true]").count() == 1
    assert bell.get_attribute("aria-label")  # its name for screen readers
    assert all(ord(ch) < 0x2000 for ch in bell.inner_text())
    # The first Tab of a page lands on the skip link; Enter on it moves past the navigation.
    keys.press("Tab")
    assert active(page)["cls"] == "skip-link"
    assert active(page)["text"] == zh("Skip to main content")
    keys.press("Enter")
    assert active(page)["id"] == "main"

    page.goto(f"{base}/cases/new/")
    page.wait_for_load_state("networkidle")
    start = keys.actions
    # One centre, the channel of their last case: the cursor starts at the category.
    assert page.locator("#id_channel").input_value() == Channel.HOTLINE
    assert active(page)["id"] == "id_parent"
    keys.press("ArrowDown", arrows_to(page, "#id_parent", str(noise.parent.pk)))
    # Each option passed on the way asked for its sub-categories (HTMX); wait for the last.
    page.wait_for_function(
        """value => { const s = document.querySelector("#id_category");
            return !s.querySelector("optgroup") && !!s.querySelector(`option[value="${value}"]`); }""",
        arg=str(noise.pk),
    )
    keys.press("Enter")
    assert active(page)["id"] == "id_category"
    keys.press("ArrowDown", arrows_to(page, "#id_category", str(noise.pk)))
    keys.press("Enter")
    assert active(page)["id"] == "id_summary"
    keys.type("来电反映楼上夜间噪音")
    keys.press("Enter")  # moves on to the facts; nothing is registered yet
    assert active(page)["id"] == "id_facts"
    assert Case.objects.count() == 1

    # Alt+N: to the first party still empty (the applicant row).
    keys.press("Alt+N")
    assert active(page)["name"] == "parties-0-name"
    keys.type("张三")
    keys.press("Enter", 3)  # past the document type and the ID number to the phone
    assert active(page)["name"] == "parties-0-phone"
    keys.type("138 1234 5678")
    # Alt+N again: the respondent row, already a respondent and a person.
    keys.press("Alt+N")
    assert active(page)["name"] == "parties-1-name"
    keys.type("李四")
    with page.expect_navigation():
        keys.press("Control+Enter")
    page.wait_for_load_state("networkidle")
    intake_actions = keys.actions - start

    case = Case.objects.exclude(summary="上一通电话").get()
    assert case.channel == Channel.HOTLINE
    assert case.category == noise
    parties = list(case.parties.order_by("position").values_list("name", "role", "kind"))
    assert parties == [
        ("张三", PartyRole.APPLICANT, PartyKind.PERSON),
        ("李四", PartyRole.RESPONDENT, PartyKind.PERSON),
    ]
    assert page.url.endswith(f"/cases/{case.pk}/")
    assert case.number in page.locator(".messages").inner_text()
    # Keyboard only, and fewer actions for the whole form than the old form's clicks alone.
    assert page.evaluate("window.__pointerActions") == 0
    assert intake_actions < OLD_CLICKS, intake_actions
    assert not errors, errors
    context.close()


def test_alt_n_adds_a_party_row_when_every_row_is_used(
    browser: Any, live_server: Any, operator: Tree
) -> None:
    context, page, errors = open_page(browser, live_server.url)
    keys = Keys(page)
    log_in(page, keys, live_server.url, operator.intake_s1.username)
    page.goto(f"{live_server.url}/cases/new/")
    page.wait_for_load_state("networkidle")
    assert page.locator(".party-row").count() == 2
    keys.press("Alt+N")
    keys.type("张三")
    keys.press("Alt+N")
    keys.type("李四")

    # Both rows are used: Alt+N adds a third (HTMX) and puts the cursor in its name.
    with page.expect_response(lambda response: "/cases/new/party-row/" in response.url):
        keys.press("Alt+N")
    page.locator("#parties-2 input[name=parties-2-name]").wait_for()
    page.wait_for_function("document.activeElement.name === 'parties-2-name'")
    assert page.locator(".party-row").count() == 3
    assert page.locator("#id_parties-TOTAL_FORMS").input_value() == "3"
    assert page.evaluate("window.__pointerActions") == 0
    assert not errors, errors
    context.close()
