"""Phone and ID numbers typed into the case list's search never travel in a URL (issue 15, leak 2).

A search is submitted by POST and kept server-side behind an opaque key (``?search=<key>``); the
list's pages, sort links, CSV link and HTMX push-urls carry the key; a GET that still arrives with a
number (an old bookmark) is answered with a redirect to the opaque form. And ``q`` has a maximum
length (5,000 characters used to be a 500).
"""

import re
from collections.abc import Callable
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases.models import SavedSearch
from cases.tasks import purge_saved_searches
from cases.web.views import case_list as case_list_views
from tests.factories import CITY_LABELS as EVERY
from tests.factories import Tree

from .test_case_list import labels, read_csv

pytestmark = pytest.mark.django_db

URL = reverse("web:case_list")
CSV_URL = reverse("web:case_export")
PHONE = "13800138000"  # 欧阳修, a party to "water" only
ID_NUMBER = "420106198001011237"  # the factory's applicant: a party to every case but "water"
# Links, form targets and HTMX addresses of a page.
LINK = re.compile(r'(?:href|action|hx-get|hx-post|hx-push-url)="([^"]*)"')


@pytest.fixture
def admin(city: Tree, client_for: Callable[..., Client]) -> Client:
    return client_for(city.admin)


def digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def assert_no_number_in_links(page: str, *numbers: str) -> list[str]:
    """Every address on ``page``; none holds one of ``numbers``, however it is encoded."""
    links = LINK.findall(page)
    for link in links:
        for number in numbers:
            assert digits(number)[-8:] not in digits(link), link
    return links


def key_of(url: str) -> str:
    keys = parse_qs(urlsplit(url).query).get("search")
    assert keys and len(keys) == 1, url
    return keys[0]


def test_a_get_with_a_phone_number_redirects_to_an_opaque_key(city: Tree, admin: Client) -> None:
    response = admin.get(URL, {"q": PHONE, "ordering": "number"})
    assert response.status_code in (302, 303)
    location = response["Location"]
    assert digits(PHONE)[-8:] not in digits(location)
    assert "q=" not in location and "ordering=number" in location
    key_of(location)
    page = admin.get(location)
    assert page.status_code == 200
    assert labels(city, page.context["cases"]) == {"water"}
    html = page.content.decode()
    links = assert_no_number_in_links(html, PHONE)
    assert any(link.startswith(f"{CSV_URL}?") and "search=" in link for link in links)
    # The box still shows what the user typed.
    assert f'value="{PHONE}"' in html


def test_the_pages_and_sort_links_of_an_id_search_carry_only_the_key(
    city: Tree, admin: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(case_list_views, "PAGE_SIZE", 5)
    location = admin.get(URL, {"q": ID_NUMBER})["Location"]
    seen: set[str] = set()
    page = admin.get(location)
    while True:
        assert page.status_code == 200
        seen |= labels(city, page.context["cases"])
        assert_no_number_in_links(page.content.decode(), ID_NUMBER)
        for header in page.context["headers"]:
            assert not header["url"] or "search=" in header["url"]
        if not page.context["next_url"]:
            break
        assert "search=" in page.context["next_url"]
        page = admin.get(page.context["next_url"])
    assert seen == EVERY - {"water"}


@pytest.mark.parametrize("typed", [PHONE, "+86 138 0013 8000", "张三 138-0013-8000"])
def test_a_posted_search_is_kept_server_side(admin: Client, typed: str) -> None:
    response = admin.post(URL, {"q": typed, "ordering": "number"})
    assert response.status_code == 303
    location = response["Location"]
    assert digits(PHONE)[-8:] not in digits(location) and "q=" not in location
    saved = SavedSearch.objects.get(key=key_of(location))
    # Stored encrypted, like the parties' numbers.
    assert digits(PHONE)[-8:] not in digits(saved.query_encrypted)
    assert "138" not in saved.query_encrypted.partition("$")[0]
    assert saved.expires_at - timezone.now() <= timedelta(hours=24)


def test_htmx_posts_get_the_results_and_an_opaque_push_url(city: Tree, admin: Client) -> None:
    response = admin.post(URL, {"q": PHONE}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    push = response["HX-Push-Url"]
    assert push.startswith(f"{URL}?") and digits(PHONE)[-8:] not in digits(push)
    key_of(push)
    html = response.content.decode()
    assert "<html" not in html and city.cases["water"].number in html
    assert_no_number_in_links(html, PHONE)


def test_the_form_posts_the_search(admin: Client) -> None:
    page = admin.get(URL).content.decode()
    form = page[page.index('<form id="case-filters"') :]
    form_tag = form[: form.index(">")]
    assert 'method="post"' in form_tag and f'action="{URL}"' in form_tag
    assert f'hx-post="{URL}"' in form_tag and 'hx-get="' not in form_tag
    assert "csrfmiddlewaretoken" in form[: form.index("</form>")]


def test_plain_searches_by_get_still_work_in_place(city: Tree, admin: Client) -> None:
    water = city.cases["water"]
    response = admin.get(URL, {"q": water.number})
    assert response.status_code == 200
    assert labels(city, response.context["cases"]) == {"water"}


def test_the_csv_of_a_number_search_goes_by_key(city: Tree, admin: Client) -> None:
    response = admin.get(CSV_URL, {"q": ID_NUMBER})
    assert response.status_code in (302, 303)
    location = response["Location"]
    assert location.startswith(f"{CSV_URL}?") and digits(ID_NUMBER)[-8:] not in digits(location)
    rows = read_csv(admin.get(location))
    numbers = {row[0] for row in rows[1:]}
    expected = {c.number for label, c in city.cases.items() if label != "water"}
    assert numbers == expected


def test_another_users_key_and_an_expired_key_are_not_found(
    city: Tree, admin: Client, client_for: Callable[..., Client]
) -> None:
    location = admin.post(URL, {"q": PHONE})["Location"]
    other = client_for(city.director_c)
    assert other.get(location).status_code == 404
    assert other.get(CSV_URL, {"search": key_of(location)}).status_code == 404
    assert admin.get(location).status_code == 200
    SavedSearch.objects.filter(key=key_of(location)).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    gone = admin.get(location)
    assert gone.status_code == 404
    assert "search again" in gone.content.decode()
    assert admin.get(URL, {"search": "no-such-key"}).status_code == 404


def test_expired_searches_are_purged(admin: Client) -> None:
    admin.post(URL, {"q": PHONE})
    admin.post(URL, {"q": ID_NUMBER})
    SavedSearch.objects.filter(pk=SavedSearch.objects.order_by("pk").values("pk")[:1]).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    assert purge_saved_searches() == 1
    assert SavedSearch.objects.count() == 1


def test_the_login_redirect_does_not_carry_the_number() -> None:
    response = Client().get(URL, {"q": PHONE})
    assert response.status_code == 302
    assert "login" in response["Location"]
    assert digits(PHONE)[-8:] not in digits(response["Location"])


# --- The length of q ----------------------------------------------------------------------------


@pytest.mark.parametrize("url", [URL, CSV_URL])
def test_a_search_of_5000_characters_is_an_error_at_the_field(admin: Client, url: str) -> None:
    response = admin.get(url, {"q": "x" * 5000})
    assert response.status_code == 400
    assert "q" in response.context["form"].errors
    assert "at most 200 characters" in response.content.decode()
    posted = admin.post(URL, {"q": "x" * 5000})
    assert posted.status_code == 400
    assert "q" in posted.context["form"].errors
    assert not SavedSearch.objects.exists()


def test_a_search_of_200_characters_is_fine(admin: Client) -> None:
    assert admin.get(URL, {"q": "x" * 200}).status_code == 200
