"""The case list's type-ahead centre and mediator filters in a real browser (issue 21): a
combobox that suggests the centres of the user's scope as they type, worked with the keyboard
(↓, Enter), that filters the list by the chosen id and shows the centre's name after a reload;
no Content-Security-Policy refusal on the way (``Screen`` collects them)."""

from typing import Any

import pytest

from cases.models import Status
from tests.browser.conftest import DESKTOP
from tests.browser.test_case_journey import PASSWORD, Run, Screen
from tests.factories import Tree, build_tree, register

RUN = Run("en", DESKTOP, shots=False)


@pytest.fixture
def people(transactional_db: None) -> Tree:
    tree = build_tree()
    tree.director_d1.set_password(PASSWORD)
    tree.director_d1.save()
    return tree


def test_the_centre_is_chosen_by_typing_and_the_keyboard(
    browser: Any, live_server: Any, people: Tree
) -> None:
    tree = people
    at_s1 = register(actor=tree.admin, centre=tree.s1)
    at_d1 = register(actor=tree.admin, centre=tree.d1)
    assert at_s1.status == at_d1.status == Status.REGISTERED
    screen = Screen(browser, RUN, live_server.url, tree.director_d1)
    page = screen.page
    screen.goto("/cases/")
    page.locator("details.case-filter-fields > summary").click()
    box = page.locator("#id_centre")
    assert box.get_attribute("role") == "combobox"
    assert box.get_attribute("aria-expanded") == "false"
    assert page.locator("select[name=centre]").count() == 0
    box.press_sequentially("大智街", delay=30)
    listbox = page.locator(f"#{box.get_attribute('aria-controls')}")
    listbox.locator("[role=option]").first.wait_for()
    assert box.get_attribute("aria-expanded") == "true"
    assert listbox.get_attribute("role") == "listbox"
    assert listbox.locator("[role=option]").all_inner_texts() == [
        f"{tree.s1.name_en} · {tree.s1.code}"
    ]
    box.press("ArrowDown")
    option = listbox.locator("[role=option]").first
    assert option.get_attribute("aria-selected") == "true"
    assert box.get_attribute("aria-activedescendant") == option.get_attribute("id")
    with page.expect_response(lambda r: r.request.method == "POST" and "/cases/" in r.url):
        box.press("Enter")
    page.wait_for_url(f"**/cases/?*centre={tree.s1.pk}*")
    page.wait_for_load_state("networkidle")
    rows = page.locator("table.case-list-table tbody td.card-number").all_inner_texts()
    assert rows == [at_s1.number]
    assert page.locator("#case-total").inner_text() == "1 case"
    assert box.input_value() == tree.s1.name_en
    # Reloaded, the field shows the centre by name (and holds its id).
    page.reload()
    page.wait_for_load_state("networkidle")
    assert page.locator("#id_centre").input_value() == f"{tree.s1.name_en} ({tree.s1.code})"
    assert page.locator("input[name=centre]").input_value() == str(tree.s1.pk)
    # A centre of another district is never suggested.
    box = page.locator("#id_centre")
    box.fill("")
    with page.expect_response(lambda r: "/lookup/centres/" in r.url) as answer:
        box.press_sequentially(tree.s2.code, delay=30)
    assert answer.value.json() == {"results": []}
    assert page.locator("[role=listbox] [role=option]").count() == 0
    assert box.get_attribute("aria-expanded") == "false"
    assert not screen.errors, screen.errors
