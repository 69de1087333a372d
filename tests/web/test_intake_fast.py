"""Fast intake and the page frame for the keyboard (issue 20, "Fast intake"; icons as SVG).

The keyboard behaviour itself (Enter moves on, Alt+N, Ctrl+Enter) runs in a browser:
tests/browser/test_keyboard_intake.py. Here: what the server renders for it.
"""

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import tinyhtml5
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from cases.models import Case, Channel, PartyKind, PartyRole, RiskLevel
from cases.web.forms.intake import last_channel
from tests.factories import Tree, register
from tests.web.test_intake import post_data, two_parties

pytestmark = pytest.mark.django_db

ClientFor = Callable[..., Client]
INTAKE = reverse("web:intake")
HTML = "{http://www.w3.org/1999/xhtml}"
FOCUSABLE = {"a", "button", "input", "select", "textarea", "summary"}
TEMPLATES = Path(__file__).resolve().parents[2] / "cases" / "templates"
# Emoji and pictographs: what shows as an empty box on a desktop without an emoji font.
EMOJI = re.compile("[\U0001f000-\U0001ffff\u2600-\u27bf\u2b50\u2b55\ufe0f]")


def parse(response: Any) -> Any:
    assert response.status_code in (200, 400), response.status_code
    return tinyhtml5.parse(response.content.decode())


def focusable(document: Any) -> list[Any]:
    """The elements Tab visits, in document order (no tabindex reorders them in this UI)."""
    body = document.find(f"{HTML}body")
    return [
        element
        for element in body.iter()
        if element.tag.removeprefix(HTML) in FOCUSABLE
        and element.get("type") != "hidden"
        and element.get("tabindex") != "-1"
        and (element.tag != f"{HTML}a" or element.get("href"))
    ]


def autofocused(document: Any) -> list[str]:
    return [
        element.get("id") for element in document.iter() if element.get("autofocus") is not None
    ]


def checked(document: Any, name: str) -> list[str]:
    return [
        element.get("value")
        for element in document.iter(f"{HTML}input")
        if element.get("name") == name and element.get("checked") is not None
    ]


def selected(document: Any, select_id: str) -> list[str]:
    select = next(e for e in document.iter(f"{HTML}select") if e.get("id") == select_id)
    return [o.get("value") for o in select.iter(f"{HTML}option") if o.get("selected") is not None]


# --- The channel starts where the user's last case came from ----------------------------------


def test_the_channel_starts_on_the_users_last_one(tree: Tree, client_for: ClientFor) -> None:
    client = client_for(tree.intake_s1)
    assert selected(parse(client.get(INTAKE)), "id_channel") == [Channel.WALK_IN]  # no case yet

    register(actor=tree.intake_s1, centre=tree.s1, channel=Channel.POLICE)
    register(actor=tree.intake_s1, centre=tree.s1, channel=Channel.HOTLINE)
    # Another officer's later case does not count: it is the user's own habit.
    register(actor=tree.director_d1, centre=tree.s1, channel=Channel.GRID)

    assert selected(parse(client.get(INTAKE)), "id_channel") == [Channel.HOTLINE]


def test_the_last_channel_is_one_query(tree: Tree, django_assert_num_queries: Any) -> None:
    register(actor=tree.intake_s1, centre=tree.s1, channel=Channel.HOTLINE)
    with django_assert_num_queries(1):
        assert last_channel(tree.intake_s1) == Channel.HOTLINE


def test_a_case_posted_with_the_default_channel_comes_by_it(
    tree: Tree, client_for: ClientFor
) -> None:
    register(actor=tree.intake_s1, centre=tree.s1, channel=Channel.HOTLINE)
    client = client_for(tree.intake_s1)
    document = parse(client.get(INTAKE))
    data = post_data(tree.s1, *two_parties(), channel=selected(document, "id_channel")[0])

    response = client.post(INTAKE, data)

    assert response.status_code == 303
    assert Case.objects.order_by("-id").first().channel == Channel.HOTLINE  # type: ignore[union-attr]


# --- Where the cursor starts ------------------------------------------------------------------


def test_the_cursor_starts_in_the_first_field_to_fill(tree: Tree, client_for: ClientFor) -> None:
    # One centre (preselected): the category. Several: the centre.
    assert autofocused(parse(client_for(tree.intake_s1).get(INTAKE))) == ["id_parent"]
    assert autofocused(parse(client_for(tree.director_d1).get(INTAKE))) == ["id_centre"]


def test_after_a_refused_post_the_cursor_is_at_the_first_mistake(
    tree: Tree, client_for: ClientFor
) -> None:
    applicant, respondent = two_parties()
    client = client_for(tree.intake_s1)

    no_summary = parse(client.post(INTAKE, post_data(tree.s1, applicant, respondent, summary="")))
    no_name = parse(client.post(INTAKE, post_data(tree.s1, {**applicant, "name": ""}, respondent)))

    assert autofocused(no_summary) == ["id_summary"]
    assert autofocused(no_name) == ["id_parties-0-name"]


def test_add_a_party_without_javascript_puts_the_cursor_in_the_new_row(
    tree: Tree, client_for: ClientFor
) -> None:
    data = post_data(tree.s1, *two_parties(), add_party="1")

    document = parse(client_for(tree.intake_s1).post(INTAKE, data))

    assert autofocused(document) == ["id_parties-2-name"]


# --- Fewer drop-downs -------------------------------------------------------------------------


def test_role_kind_and_risk_are_radio_groups_with_defaults(
    tree: Tree, client_for: ClientFor
) -> None:
    document = parse(client_for(tree.intake_s1).get(INTAKE))

    assert checked(document, "risk_level") == [RiskLevel.NORMAL]
    assert checked(document, "parties-0-role") == [PartyRole.APPLICANT]
    assert checked(document, "parties-1-role") == [PartyRole.RESPONDENT]
    assert (
        checked(document, "parties-0-kind")
        == checked(document, "parties-1-kind")
        == [PartyKind.PERSON]
    )
    names = {e.get("name") for e in document.iter(f"{HTML}select")}
    assert not names & {"risk_level", "parties-0-role", "parties-0-kind", "parties-1-role"}


def test_the_keyboard_shortcuts_are_on_the_page_in_both_languages(
    tree: Tree, client_for: ClientFor
) -> None:
    english = client_for(tree.intake_s1).get(INTAKE).content.decode()
    chinese = client_for(tree.intake_s1, language="zh-hans").get(INTAKE).content.decode()

    for page, language in ((english, "en"), (chinese, "zh-hans")):
        with translation.override(language):
            words = gettext("next party (a new row when all are filled)")
        assert "<kbd>Alt</kbd>+<kbd>N</kbd>" in page and words in page
        assert "<kbd>Ctrl</kbd>+<kbd>Enter</kbd>" in page
    assert 'id="add-party" class="secondary" aria-keyshortcuts="Alt+N"' in english


# --- Every page: a skip link first, icons as SVG ----------------------------------------------


@pytest.mark.parametrize("url", ["web:workbench", "web:case_list", "web:intake", "web:due"])
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_first_stop_of_tab_is_the_skip_link_to_the_content(
    tree: Tree, client_for: ClientFor, url: str, language: str
) -> None:
    document = parse(client_for(tree.intake_s1, language=language).get(reverse(url)))

    first = focusable(document)[0]
    assert first.get("href") == "#main"
    with translation.override(language):
        assert first.text == gettext("Skip to main content")
    main = next(document.iter(f"{HTML}main"))
    assert (main.get("id"), main.get("tabindex")) == ("main", "-1")


def test_the_skip_link_is_on_the_login_page_too(client: Client) -> None:
    document = parse(client.get(reverse("web:login")))

    assert focusable(document)[0].get("href") == "#main"


def test_the_bell_is_an_svg_drawing_with_a_name(tree: Tree, client_for: ClientFor) -> None:
    document = parse(client_for(tree.intake_s1).get(reverse("web:workbench")))

    bell = next(e for e in document.iter(f"{HTML}li") if e.get("class") == "bell")
    link = next(bell.iter(f"{HTML}a"))
    svg = next(link.iter("{http://www.w3.org/2000/svg}svg"))
    assert (svg.get("aria-hidden"), svg.get("focusable")) == ("true", "false")
    assert link.get("aria-label") == "0 unread notifications"
    assert not EMOJI.search("".join(link.itertext()))


def test_no_template_shows_an_emoji() -> None:
    found = {
        str(path.relative_to(TEMPLATES)): EMOJI.findall(path.read_text(encoding="utf-8"))
        for path in TEMPLATES.rglob("*.*")
    }
    assert {name: chars for name, chars in found.items() if chars} == {}
