"""The quick search box in the header of every page (issue 20).

It takes a case number in either form (``JA01-2026-00001`` or ``（2026）大智街调解中心调字第1号``), a
party's name or phone. A number naming one case the user may see opens it; anything else goes to the
case list's results, the text kept server-side (``?search=<key>``) so a phone never travels in an
address. A number outside the user's scope finds nothing, exactly as an unknown number.
"""

import re
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from cases.models import Case, PartyRole, SavedSearch
from cases.queries.case_list import case_number_q
from cases.services.intake import PartyData
from tests.factories import Tree, register

pytestmark = pytest.mark.django_db

SEARCH = reverse("web:quick_search")
LIST = reverse("web:case_list")
PHONE = "13712345678"


@pytest.fixture
def cases(tree: Tree) -> dict[str, Case]:
    """A case at street centre S1 (no abbreviation: printed with its name) with a party whose
    phone is ``PHONE``, and one at district centre D1 (printed with its abbreviation 江岸)."""
    party = PartyData(name="欧阳修", role=PartyRole.APPLICANT, phone=PHONE)
    return {
        "street": register(actor=tree.intake_s1, centre=tree.s1, parties=[party]),
        "district": register(actor=tree.director_d1, centre=tree.d1, summary="邻里纠纷"),
    }


def search(client: Client, text: str) -> str:
    response = client.post(SEARCH, {"q": text})
    assert response.status_code == 303
    return str(response["Location"])


def test_every_page_has_the_box_labelled_and_translated(
    tree: Tree, client_for: Callable[..., Client]
) -> None:
    # The labels as the language's catalogue has them (the Chinese of the new ones: po/phone.po).
    for language, button in [("en", "Search"), ("zh-hans", "搜索")]:
        with translation.override(language):
            label, placeholder = (
                gettext("Search cases"),
                gettext("Words, case number, name or phone"),
            )
        client = client_for(tree.mediator_s1_user, language)
        for url in (reverse("web:workbench"), reverse("web:due"), reverse("web:calendar")):
            page = client.get(url).content.decode()
            form = re.search(r'<form class="quick-search" role="search".*?</form>', page, re.S)
            assert form, url
            box = form.group(0)
            assert f'method="post" action="{SEARCH}"' in box
            assert "csrfmiddlewaretoken" in box
            assert f'<label for="quick-search-q" class="visually-hidden">{label}</label>' in box
            assert 'id="quick-search-q" name="q"' in box
            assert f'placeholder="{placeholder}"' in box
            assert f'<button type="submit" class="secondary">{button}</button>' in box
    # Nobody logged in: no box (the login page).
    assert "quick-search" not in Client().get(reverse("web:login")).content.decode()


def test_a_case_number_in_either_form_opens_the_case(
    tree: Tree, cases: dict[str, Case], client_for: Callable[..., Client]
) -> None:
    client = client_for(tree.director_d1)
    street, district = cases["street"], cases["district"]
    assert street.number_zh == "（2026）大智街调解中心调字第1号".replace("2026", str(street.year))
    for text, case in [
        (street.number, street),
        (f"  {street.number.lower()} ", street),
        (street.number_zh, street),
        # ASCII brackets and spaces, as typed on a phone's keyboard.
        (f"({street.year}) 大智街调解中心调字 第 {street.sequence} 号", street),
        (district.number, district),
        (f"（{district.year}）江岸调字第{district.sequence}号", district),
    ]:
        assert search(client, text) == reverse("web:case_detail", args=[case.pk]), text
    opened = client.get(search(client, district.number_zh))
    assert opened.status_code == 200 and district.number in opened.content.decode()


def test_the_case_list_search_understands_the_printed_number_too(
    tree: Tree, cases: dict[str, Case], client_for: Callable[..., Client]
) -> None:
    client = client_for(tree.director_d1)
    district = cases["district"]
    page = client.post(LIST, {"q": district.number_zh}, follow=True).content.decode()
    assert district.number in page and cases["street"].number not in page
    # The abbreviation is the printed name of D1: its full name prints no number.
    assert (
        case_number_q(f"（{district.year}）江岸区调解中心调字第{district.sequence}号") is not None
    )
    page = client.post(
        LIST, {"q": f"（{district.year}）江岸区调解中心调字第{district.sequence}号"}, follow=True
    ).content.decode()
    assert district.number not in page


def test_a_number_outside_the_scope_is_not_found_like_an_unknown_one(
    tree: Tree, cases: dict[str, Case], client_for: Callable[..., Client]
) -> None:
    client = client_for(tree.director_d2)  # Jianghan: sees nothing of Jiang'an
    street = cases["street"]
    answers = {}
    for text in (street.number, street.number_zh, "JA01-1999-00042", "（1999）江岸调字第42号"):
        location = search(client, text)
        assert location.startswith(f"{LIST}?search="), text
        page = client.get(location)
        assert page.status_code == 200
        body = page.content.decode()
        assert street.number not in body.replace(f'value="{street.number}"', "")
        answers[text] = "No cases match." in body
    assert all(answers.values()), answers


def test_a_phone_goes_to_the_list_without_entering_an_address(
    tree: Tree, cases: dict[str, Case], client_for: Callable[..., Client]
) -> None:
    client = client_for(tree.intake_s1)
    location = search(client, "137 1234 5678")
    assert location.startswith(f"{LIST}?search=")
    assert "1234" not in location and "5678" not in location
    saved = SavedSearch.objects.get(user=tree.intake_s1)
    assert saved.key in location
    page = client.get(location).content.decode()
    assert cases["street"].number in page
    assert cases["district"].number not in page
    assert PHONE not in page.replace(f'value="{PHONE}"', "")


def test_a_name_lists_its_cases_and_an_empty_box_the_whole_list(
    tree: Tree, cases: dict[str, Case], client_for: Callable[..., Client]
) -> None:
    client = client_for(tree.director_d1)
    page = client.get(search(client, "欧阳")).content.decode()
    assert cases["street"].number in page and cases["district"].number not in page
    assert search(client, "   ") == LIST


def test_only_a_logged_in_post_searches(tree: Tree, client_for: Callable[..., Client]) -> None:
    assert client_for(tree.director_d1).get(SEARCH, {"q": PHONE}).status_code == 405
    response = Client().post(SEARCH, {"q": PHONE})
    assert response.status_code == 302 and response["Location"].startswith(reverse("web:login"))
    assert PHONE not in response["Location"]
    assert not SavedSearch.objects.exists()


def test_text_is_no_case_number() -> None:
    for text in ("张三", "13712345678", "JA01", "（2026）调字第1号", "第1号", "JA01-2026-0001 x"):
        assert case_number_q(text) is None, text
