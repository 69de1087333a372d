"""Names are shown in their own order on every page: 刘小红, never "小红 刘" (Django's
``get_full_name``); "Anna Smith" as written."""

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.template import Context, Template
from django.test import Client
from django.urls import reverse

from cases import workflow
from cases.models import Transfer, TransferStatus
from tests.factories import Tree

pytestmark = pytest.mark.django_db

LANGUAGES = ["en", "zh-hans"]


def rename(user: User, given: str, family: str) -> User:
    user.first_name, user.last_name = given, family
    user.save(update_fields=["first_name", "last_name"])
    return user


@pytest.fixture
def liu(tree_with_cases: Tree) -> User:
    """The D1 director is 刘小红: given name 小红, family name 刘."""
    return rename(tree_with_cases.director_d1, "小红", "刘")


@pytest.fixture
def sent(tree_with_cases: Tree, liu: User) -> Transfer:
    """刘小红 sends S1's case in mediation across to D2."""
    case = tree_with_cases.cases["s1_mine"]
    workflow.transition(
        case=case,
        name="transfer",
        actor=liu,
        data={"target_centre": tree_with_cases.d2.pk, "reason": "涉及多方，需上级调处"},
    )
    return Transfer.objects.get(case=case, status=TransferStatus.PENDING)


def user_menu(page: str) -> str:
    found = re.search(r'<details class="dropdown user-menu">\s*<summary>(.*?)</summary>', page)
    assert found, "no user menu"
    return found.group(1)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_user_menu_shows_a_name_in_its_own_order(
    tree: Tree, client_for: Callable[..., Client], language: str
) -> None:
    liu = rename(tree.director_d1, "小红", "刘")
    assert user_menu(client_for(liu, language).get("/").content.decode()) == "刘小红"
    anna = rename(tree.director_d2, "Anna", "Smith")
    assert user_menu(client_for(anna, language).get("/").content.decode()) == "Anna Smith"
    nameless = tree.director_c
    page = client_for(nameless, language).get("/").content.decode()
    assert user_menu(page) == nameless.get_username()


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_transfer_inbox_names_who_sent_it_family_name_first(
    tree_with_cases: Tree, sent: Transfer, client_for: Callable[..., Client], language: str
) -> None:
    page = client_for(tree_with_cases.director_d2, language).get(reverse("web:transfers"))
    text = page.content.decode()
    incoming = text[text.index('id="incoming-heading"') : text.index('id="outgoing-heading"')]
    assert "刘小红" in incoming
    assert "小红 刘" not in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_case_page_names_the_transfer_and_its_timeline_entry_family_name_first(
    tree_with_cases: Tree, sent: Transfer, client_for: Callable[..., Client], language: str
) -> None:
    case = tree_with_cases.cases["s1_mine"]
    page = client_for(tree_with_cases.director_d1, language).get(
        reverse("web:case_detail", args=[case.pk])
    )
    text = page.content.decode()
    assert "小红 刘" not in text
    transfers = re.search(r"<td>[^<]*<br><small>([^<]*)</small></td>\s*<td>[^<]*</td>", text)
    assert transfers and transfers.group(1) == "刘小红"
    actors = re.findall(
        r'<li data-event="transfer">.*?· <strong>[^<]*</strong> · ([^<]*)</p>', text, re.S
    )
    assert actors == ["刘小红"]


def test_no_template_shows_a_name_through_get_full_name() -> None:
    """``get_full_name`` says "小红 刘": pages use ``|person`` (``cases.models.display_name``)."""
    root = Path(settings.BASE_DIR) / "cases"
    templates = [*root.rglob("*.html"), *root.rglob("*.txt")]
    offenders = [p for p in templates if "get_full_name" in p.read_text(encoding="utf-8")]
    offenders += [
        p for p in root.rglob("*.py") if re.search(r"\w\.get_full_name\(", p.read_text("utf-8"))
    ]
    assert [str(path.relative_to(root)) for path in offenders] == []


def test_the_person_filter_is_what_the_pages_use(liu: User) -> None:
    rendered = Template("{% load web %}{{ who|person }}").render(Context({"who": liu}))
    assert rendered == "刘小红"
