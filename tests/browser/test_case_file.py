"""The director prints the whole case file (卷宗) in a real browser: from the case page, the
"Case file" link opens the print page, whose "Download PDF" gives one PDF with every section."""

import io
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from tests.attachment_files import use_tmp_storage
from tests.browser.conftest import DESKTOP
from tests.factories import Tree, build_tree
from tests.web.test_case_file import STATEMENTS, assert_in_order, build_case, squeezed

PASSWORD = "archive-2026"


@pytest.fixture
def people(transactional_db: None, settings: Any, tmp_path: Path) -> Tree:
    use_tmp_storage(settings, tmp_path)
    tree = build_tree()
    tree.director_d1.set_password(PASSWORD)
    tree.director_d1.save()
    return tree


def test_the_director_prints_the_case_file(browser: Any, live_server: Any, people: Tree) -> None:
    case = build_case(people)
    context = browser.new_context(
        viewport=DESKTOP, locale="en", extra_http_headers={"Accept-Language": "en"}
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda message: (
            errors.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    base = live_server.url
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", people.director_d1.username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form[action='/login/'] button[type=submit]").click()
    page.wait_for_url(f"{base}/")

    page.goto(f"{base}/cases/{case.pk}/")
    with page.expect_navigation():
        page.get_by_role("link", name="Case file").click()
    assert page.url == f"{base}/cases/{case.pk}/case-file/"
    assert page.locator("#cover-title").inner_text() == "People's mediation case file"
    assert page.locator("[data-number]").inner_text() == case.number

    pdf_link = page.get_by_role("link", name="Download PDF")
    response = page.request.get(f"{base}{pdf_link.get_attribute('href')}")
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.body()))
    text = squeezed("".join(p.extract_text() for p in reader.pages))
    assert_in_order(
        text,
        case.number,
        "Index",
        "Disputeregistrationform",
        STATEMENTS[0],
        "Casenotes",
        "People'sMediationAgreement",
        "Follow-up",
        "Attachments",
        "借条照片.jpg",
    )
    assert not errors, errors
    context.close()
