"""The pages that are not the mediators' own, under the Content-Security-Policy, in a real browser:
the Django admin (its lists, forms and widgets) and the API docs (Swagger UI). Any script, style or
image the policy refuses fails the test (``Screen`` collects Chromium's "Refused to ..." errors)."""

from typing import Any

import pytest

from tests.browser.conftest import DESKTOP
from tests.browser.test_case_journey import PASSWORD, Run, Screen
from tests.factories import Tree, build_tree

RUN = Run("en", DESKTOP, shots=False)


@pytest.fixture
def administrator(transactional_db: None) -> Tree:
    tree = build_tree()
    tree.admin.set_password(PASSWORD)
    tree.admin.save()
    return tree


def test_the_admin_works_under_the_policy(
    browser: Any, live_server: Any, administrator: Tree
) -> None:
    screen = Screen(browser, RUN, live_server.url, administrator.admin)
    page = screen.page
    for path in [
        "/admin/",
        "/admin/cases/centre/",
        f"/admin/cases/centre/{administrator.s1.pk}/change/",
        "/admin/cases/case/",
        "/admin/cases/centre/add/",
    ]:
        page.goto(f"{live_server.url}{path}")  # the admin's own layout: no width check
        assert page.locator("#content").is_visible(), path
        assert not screen.errors, screen.errors
    # The centre tree is indented by depth (a class from cases/admin.css, not a style attribute).
    page.goto(f"{live_server.url}/admin/cases/centre/")
    indent = page.locator(f"span.centre-depth-3:has-text('{administrator.s1.name_zh}')")
    assert indent.evaluate("e => getComputedStyle(e).paddingLeft") != "0px"
    # A widget that builds its own markup: the autocomplete of the parent centre.
    page.goto(f"{live_server.url}/admin/cases/centre/{administrator.s1.pk}/change/")
    page.locator(".field-parent .select2-selection").first.click()
    page.locator(".select2-dropdown .select2-search__field").fill(administrator.d1.code)
    page.locator(".select2-results__option").first.wait_for()
    assert not screen.errors, screen.errors
    screen.close()


def test_the_api_docs_work_under_the_policy(
    browser: Any, live_server: Any, administrator: Tree
) -> None:
    screen = Screen(browser, RUN, live_server.url, administrator.admin)
    page = screen.page
    page.goto(f"{live_server.url}/api/docs/")
    page.locator(".swagger-ui .info .title").wait_for()
    page.locator(".opblock").first.wait_for()
    assert "Mediation case tracker API" in page.locator(".swagger-ui .info .title").inner_text()
    assert not screen.errors, screen.errors
    screen.close()
