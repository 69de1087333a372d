"""Every page on a 375 px phone (issue 20): nothing wider than the screen, lists as cards, the
menu folded behind a button, tap targets of at least 44 px, the quick search in the header.

Each role of the demo logins (administrator, city, district and street directors, intake officer,
mediator, observer, court liaison) signs in at 375 × 812 and walks every page its menus offer, the
case pages (every section unfolded) and the printable documents of the cases it may see. The page
itself never scrolls sideways (``document.scrollingElement.scrollWidth`` at most 375): a table that
must stay wide scrolls inside its own container.
"""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from cases import access, workflow
from cases.models import Case, Role, Status
from cases.services import sessions
from tests.browser.test_case_journey import PASSWORD, Run, Screen, t
from tests.factories import (
    MembershipFactory,
    Tree,
    UserFactory,
    agreement_data,
    build_tree,
    drive,
    populate_cases,
    register,
)

PHONE_812 = {"width": 375, "height": 812}
RUN = Run("zh-CN", PHONE_812, shots=False)
TAP = 44  # px: the smallest tap target


@pytest.fixture
def city(transactional_db: None) -> tuple[Tree, dict[str, Any], dict[str, Case]]:
    """The small tree with cases in every state, one resolved (its agreement due, its documents
    printable) and one with a session booked; a login per demo role."""
    tree = build_tree()
    populate_cases(tree)
    street_director = MembershipFactory.create(
        centre=tree.s1, role=Role.DIRECTOR, user=UserFactory.create()
    ).user
    logins = {
        "admin": tree.admin,
        "director": tree.director_c,
        "director_ja": tree.director_d1,
        "director_street": street_director,
        "intake": tree.intake_s1,
        "mediator": tree.mediator_s1_user,
        "observer": tree.observer_d1,
        "court": tree.court_liaison,
    }
    for user in logins.values():
        user.set_password(PASSWORD)
        user.save()
    today = timezone.localdate()
    resolved = drive(
        register(
            actor=tree.admin, centre=tree.s1, summary="拖欠装修工程款纠纷，双方已达成分期付款协议"
        ),
        Status.IN_MEDIATION,
        actor=tree.admin,
        mediator=tree.med_s1,
    )
    resolved = workflow.transition(
        case=resolved,
        name="resolve",
        actor=tree.admin,
        data=agreement_data(performance_deadline=str(today + timedelta(days=5))),
    )
    in_mediation = tree.cases["s1_mine"]
    starts = timezone.now() + timedelta(days=1)
    booked = sessions.book_session(
        case=in_mediation,
        actor=tree.admin,
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        mediators=[tree.med_s1],
        place="大智街调解中心第一调解室",
    )
    # A second session, held and recorded: its record (调解笔录) is a printable page too.
    held = sessions.book_session(
        case=in_mediation,
        actor=tree.admin,
        starts_at=starts + timedelta(days=1),
        ends_at=starts + timedelta(days=1, hours=1),
        mediators=[tree.med_s1],
        place="大智街调解中心第二调解室",
    )
    assert booked.pk != held.pk
    sessions.record_session(
        session=held,
        actor=tree.admin,
        minutes="双方陈述了各自的意见，同意下次再谈。",
        applicant_statement="要求对方停止夜间施工噪音，并赔偿损失两千元。",
        respondent_statement="同意调整施工时间，赔偿金额需要再商量。",
        next_step="一周后再次调解",
    )
    return tree, logins, {"resolved": resolved, "in_mediation": in_mediation}


def scroll_width(screen: Screen) -> int:
    return int(screen.page.evaluate("document.scrollingElement.scrollWidth"))


def visit(screen: Screen, path: str) -> None:
    """Open ``path``: it answers, and the page is no wider than the phone."""
    response = screen.page.goto(f"{screen.base_url}{path}")
    assert response is not None and response.status < 400, (path, response and response.status)
    # goto waits for the page's load event; no page loads more by itself (no hx-trigger="load"),
    # so waiting for the network to idle (half a second a page, ~250 pages) would add nothing.
    assert scroll_width(screen) <= PHONE_812["width"], (path, screen.too_wide())
    assert not screen.errors, screen.errors


def menu_paths(screen: Screen) -> list[str]:
    """Every page the header offers this user: the menu, the bell and the user's menu."""
    hrefs = screen.page.locator(
        "header.site :is(#site-menu, .tools) a[href^='/']:not([href^='/admin'])"
    ).evaluate_all("links => links.map(a => a.getAttribute('href'))")
    return list(dict.fromkeys(hrefs))


def case_paths(case: Case) -> list[str]:
    paths = [
        f"/cases/{case.pk}/",
        f"/cases/{case.pk}/registration/",
        f"/cases/{case.pk}/case-file/",
    ]
    if case.status in {Status.RESOLVED, Status.CLOSED}:
        paths.append(f"/cases/{case.pk}/agreement/")
    return paths


def case_page_links(screen: Screen) -> list[str]:
    """The pages a case page links to (its forms and printable documents), not files."""
    hrefs = screen.page.locator("main a[href^='/']").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )
    return [
        href
        for href in dict.fromkeys(hrefs)
        if not (href.endswith((".pdf", ".csv")) or "download" in href or "?" in href)
        and href.rstrip("/").split("/")[-1] not in {"phone"}
    ]


# Every role in Chinese; in English (longer words) the roles whose pages differ most. The
# administrator, who may do everything, also opens every page a case page links to: its forms
# (note, party, attachment, session booking and moving, actions) and its printable documents.
WALKS = [
    pytest.param("zh-CN", None, id="zh-CN"),
    pytest.param("en", ("admin", "director_ja", "intake", "mediator", "court"), id="en"),
]


@pytest.mark.parametrize(("language", "roles"), WALKS)
def test_no_page_is_wider_than_a_phone_for_any_role(
    browser: Any,
    live_server: Any,
    city: tuple[Tree, dict[str, Any], dict[str, Case]],
    language: str,
    roles: tuple[str, ...] | None,
) -> None:
    _, logins, cases = city
    run = Run(language, PHONE_812, shots=False)
    walked: dict[str, list[str]] = {}
    for login, user in logins.items():
        if roles is not None and login not in roles:
            continue
        screen = Screen(browser, run, live_server.url, user)
        paths = menu_paths(screen)
        assert "/" in paths and "/cases/" in paths and "/password/" in paths, (login, paths)
        visible = access.visible_cases(user)
        for case in cases.values():
            if visible.filter(pk=case.pk).exists():
                paths += case_paths(case)
        position = 0
        while position < len(paths):
            path = paths[position]
            position += 1
            visit(screen, path)
            if path.startswith("/cases/") and path.rstrip("/").split("/")[-1].isdigit():
                # Every section of the case page unfolded.
                screen.page.evaluate(
                    "document.querySelectorAll('main details').forEach(d => d.open = true)"
                )
                assert scroll_width(screen) <= PHONE_812["width"], (login, path, screen.too_wide())
                if login == "admin":
                    paths += [link for link in case_page_links(screen) if link not in paths]
        walked[login] = paths
        screen.close()
    admin = walked["admin"]
    # The administrator opened the case pages' forms and the session record (调解笔录) too.
    assert f"/cases/{cases['in_mediation'].pk}/parties/new/" in admin, admin
    assert any("/sessions/" in path and path.endswith("/record/") for path in admin), admin
    assert any(path.endswith("/move/") for path in admin), admin
    if roles is not None:
        return
    # Each role saw its own pages: intake, transfers, reports and sent mail where its role has them.
    assert "/cases/new/" in walked["intake"] and "/cases/new/" not in walked["mediator"]
    assert "/transfers/" in walked["director_ja"] and "/reports/" in walked["director"]
    assert "/sent-mail/" in walked["admin"] and "/calendar/" in walked["mediator"]
    assert f"/cases/{cases['resolved'].pk}/agreement/" in walked["mediator"]


def test_the_case_list_and_the_due_lists_are_cards_one_tap_to_open(
    browser: Any, live_server: Any, city: tuple[Tree, dict[str, Any], dict[str, Case]]
) -> None:
    _, logins, cases = city
    screen = Screen(browser, RUN, live_server.url, logins["director_ja"])
    page = screen.page
    visit(screen, "/cases/")
    rows = page.locator("table.case-list-table tbody tr")
    assert rows.count() >= 10
    boxes = rows.evaluate_all(
        """rows => rows.map(row => {
            const box = sel => { const e = row.querySelector(sel);
                                 const r = e.getBoundingClientRect();
                                 return {left: r.left, right: r.right, width: r.width,
                                         visible: e.getClientRects().length > 0}; };
            return {height: row.getBoundingClientRect().height,
                    number: box('td.card-number'), summary: box('td.card-summary'),
                    centre: box('td.card-centre'), status: box('td.card-status'),
                    deadline: box('td.card-deadline'), category: box('td.card-extra')}; })"""
    )
    for box in boxes:
        assert box["height"] < 200, box
        # No narrow column: the centre and the summary take the card's width.
        assert box["summary"]["width"] > 250 and box["centre"]["width"] > 250, box
        for cell in ("number", "status", "deadline"):
            assert box[cell]["visible"] and box[cell]["right"] <= PHONE_812["width"], (cell, box)
        assert not box["category"]["visible"], box
    # The cell's name is read before its value (the column's header is hidden).
    deadline = rows.first.locator("td.card-deadline")
    label = deadline.evaluate("td => getComputedStyle(td, '::before').content")
    assert t(RUN, "Deadline") in label
    # A tap anywhere on the card (here: on its summary) opens the case.
    first = rows.first
    href = first.locator("td.card-number a").get_attribute("href")
    summary = first.locator("td.card-summary")
    summary.scroll_into_view_if_needed()
    area = summary.bounding_box()
    assert area is not None
    # A finger on the summary's text: the card's link lies over the whole card and takes the tap.
    with page.expect_navigation():
        page.mouse.click(area["x"] + area["width"] / 2, area["y"] + area["height"] / 2)
    assert page.url == f"{screen.base_url}{href}"

    # The due lists: the resolved case's agreement as a card, its action link tappable apart.
    screen.close()
    screen = Screen(browser, RUN, live_server.url, logins["mediator"])
    page = screen.page
    visit(screen, "/due/")
    card = page.locator(f"#due-agreements tbody tr:has(a:text-is('{cases['resolved'].number}'))")
    assert card.evaluate("row => getComputedStyle(row).display") == "flex"
    assert card.bounding_box()["height"] < 300
    record = card.locator("a[data-record-fulfilment]")
    assert record.bounding_box()["height"] >= TAP
    with page.expect_navigation():
        record.click()
    assert "/fulfilment/" in page.url
    screen.close()


def test_the_menu_folds_behind_a_button_opened_by_keyboard_too(
    browser: Any, live_server: Any, city: tuple[Tree, dict[str, Any], dict[str, Case]]
) -> None:
    logins = city[1]
    screen = Screen(browser, RUN, live_server.url, logins["director_ja"])
    page = screen.page
    toggle = page.locator("header.site .menu-toggle")
    menu = page.locator("#site-menu")
    assert toggle.is_visible() and not menu.is_visible()
    assert toggle.get_attribute("aria-expanded") == "false"
    assert toggle.get_attribute("aria-controls") == "site-menu"
    assert t(RUN, "Menu") in toggle.inner_text()
    # The header without the menu leaves the page its room: at most a fifth of the screen.
    header = page.locator("header.site").bounding_box()
    assert header["height"] <= PHONE_812["height"] / 5, header

    # Keyboard: Tab reaches the button, Enter opens, Tab goes into the menu, Escape closes.
    page.keyboard.press("Tab")  # the skip link
    for _ in range(5):
        if page.evaluate("document.activeElement.classList.contains('menu-toggle')"):
            break
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.classList.contains('menu-toggle')")
    page.keyboard.press("Enter")
    assert toggle.get_attribute("aria-expanded") == "true" and menu.is_visible()
    links = menu.locator("a")
    assert links.count() >= 6
    for link in links.all():
        box = link.bounding_box()
        assert box["height"] >= TAP and box["width"] >= PHONE_812["width"] / 2, box
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('#site-menu') !== null")
    page.keyboard.press("Escape")
    assert toggle.get_attribute("aria-expanded") == "false" and not menu.is_visible()
    assert page.evaluate("document.activeElement.classList.contains('menu-toggle')")
    page.keyboard.press("Space")
    assert menu.is_visible()
    with page.expect_navigation():
        menu.locator("a[href='/due/']").click()
    assert not page.locator("#site-menu").is_visible()  # folded again on the next page

    # Every control of the header is a 44 px target.
    small = page.locator("header.site :is(a, button, summary, input):not(.skip-link)").evaluate_all(
        f"""els => els.filter(e => e.getClientRects().length)
            .map(e => [e.tagName + '.' + e.className, e.getBoundingClientRect().height,
                       e.getBoundingClientRect().width])
            .filter(([, h, w]) => h < {TAP} || w < {TAP})"""
    )
    assert not small, small
    screen.close()

    # On a desktop the menu is open and the button is gone.
    desktop = Screen(
        browser,
        Run("zh-CN", {"width": 1280, "height": 860}, shots=False),
        live_server.url,
        logins["director_ja"],
    )
    assert desktop.page.locator("#site-menu").is_visible()
    assert not desktop.page.locator("header.site .menu-toggle").is_visible()
    desktop.close()


def test_the_quick_search_in_the_header_on_a_phone(
    browser: Any, live_server: Any, city: tuple[Tree, dict[str, Any], dict[str, Case]]
) -> None:
    _, logins, cases = city
    screen = Screen(browser, RUN, live_server.url, logins["intake"])
    page = screen.page
    box = page.get_by_role("search").get_by_label(t(RUN, "Search cases"))
    assert box.is_visible() and box.bounding_box()["height"] >= TAP
    # A phone of a party: the case list, the phone in no address.
    box.fill("138 1234 5678")
    with page.expect_navigation():
        box.press("Enter")
    screen.check_layout()
    assert "/cases/?search=" in page.url and "5678" not in page.url
    assert cases["resolved"].number in page.locator("table.case-list-table").inner_text()
    # A printed case number: straight to the case.
    resolved = cases["resolved"]
    box = page.get_by_role("search").get_by_label(t(RUN, "Search cases"))
    box.fill(resolved.number_zh)
    with page.expect_navigation():
        box.press("Enter")
    assert page.url == f"{screen.base_url}/cases/{resolved.pk}/"
    screen.check_layout()
    screen.close()
