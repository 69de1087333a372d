"""Searching cases without putting a phone or ID number in a URL (issue 15, leak 2), and the
maximum length of ``q``.

``POST /api/v1/cases/search/`` takes the list's filters in a JSON body and answers the list's
page; its ``next`` link carries an opaque key of the search, kept server-side. A ``GET`` with a
number in ``q`` still answers, but its links carry the key too.
"""

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from cases.models import IdempotencyKey, SavedSearch
from tests.factories import CITY_LABELS as EVERY
from tests.factories import Tree

from .support import assert_error, client_for, results

pytestmark = pytest.mark.django_db

CASES = reverse("api:case-list")
SEARCH = f"{CASES}search/"
PHONE = "13800138000"  # a party to "water" only
ID_NUMBER = "420106198001011237"  # a party to every case but "water"


@pytest.fixture
def admin(city: Tree) -> APIClient:
    return client_for(city.admin)


def digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def labels(city: Tree, ids: list[int]) -> set[str]:
    by_id = {case.pk: label for label, case in city.cases.items()}
    return {by_id[i] for i in ids}


def follow(client: APIClient, first: Any, *numbers: str) -> list[int]:
    """The ids of every page from ``first`` on; no link on the way holds one of ``numbers``."""
    response, ids = first, []
    for _page in range(100):
        assert response.status_code == 200, response.content[:500]
        body = response.json()
        ids += [item["id"] for item in results(response)]
        for link in (body["next"], body["previous"]):
            for number in numbers:
                assert not link or digits(number)[-8:] not in digits(link), link
        if not body["next"]:
            return ids
        assert "search=" in body["next"], body["next"]
        response = client.get(body["next"])
    raise AssertionError("more than 100 pages")


def test_a_get_with_an_id_number_answers_with_links_that_hide_it(
    city: Tree, admin: APIClient
) -> None:
    first = admin.get(CASES, {"q": ID_NUMBER, "page_size": "3", "ordering": "number"})
    ids = follow(admin, first, ID_NUMBER)
    assert labels(city, ids) == EVERY - {"water"}
    assert len(ids) == len(set(ids))


def test_a_get_with_a_case_number_keeps_its_links_as_they_were(
    city: Tree, admin: APIClient
) -> None:
    prefix = city.cases["water"].number.rsplit("-", 1)[0]
    first = admin.get(CASES, {"q": prefix, "page_size": "1"})
    assert "q=" in first.json()["next"] and "search=" not in first.json()["next"]
    assert not SavedSearch.objects.exists()


def test_the_post_search_answers_the_list_and_links_by_key(city: Tree, admin: APIClient) -> None:
    first = admin.post(
        SEARCH,
        {"q": ID_NUMBER, "page_size": 4, "ordering": "-number", "status": ["registered"]},
        format="json",
    )
    assert set(first.json()) == {"next", "previous", "results"}
    ids = follow(admin, first, ID_NUMBER)
    expected = admin.get(CASES, {"q": ID_NUMBER, "status": "registered", "ordering": "-number"})
    assert ids == [item["id"] for item in results(expected)]
    assert len(ids) > 4
    key = parse_qs(urlsplit(first.json()["next"]).query)["search"][0]
    assert digits(ID_NUMBER)[-8:] not in digits(SavedSearch.objects.get(key=key).query_encrypted)


@pytest.mark.parametrize("typed", [PHONE, "+86 138 0013 8000"])
def test_the_post_search_finds_by_phone(city: Tree, admin: APIClient, typed: str) -> None:
    response = admin.post(SEARCH, {"q": typed}, format="json")
    assert labels(city, [item["id"] for item in results(response)]) == {"water"}


def test_the_post_search_is_a_read_not_replayed(city: Tree, admin: APIClient) -> None:
    headers = {"Idempotency-Key": "search-1"}
    first = admin.post(SEARCH, {"q": PHONE}, format="json", headers=headers)
    again = admin.post(SEARCH, {"q": PHONE}, format="json", headers=headers)
    assert first.status_code == again.status_code == 200
    assert "Idempotent-Replayed" not in again
    assert not IdempotencyKey.objects.filter(key="search-1").exists()


def test_the_post_search_keeps_to_the_scope(city: Tree) -> None:
    client = client_for(city.intake_s1)
    foreign = city.cases["d2_open"].number
    assert results(client.post(SEARCH, {"q": foreign}, format="json")) == []
    everything = [item["id"] for item in results(client.post(SEARCH, {}, format="json"))]
    assert labels(city, everything) == {
        "s1_queue", "s1_mine", "s1_other", "s1_co", "s1_declined", "overdue",
    }  # fmt: skip


def test_another_users_search_key_is_not_found(city: Tree, admin: APIClient) -> None:
    first = admin.post(SEARCH, {"q": ID_NUMBER, "page_size": 1}, format="json")
    following = first.json()["next"]
    assert admin.get(following).status_code == 200
    assert_error(client_for(city.director_c).get(following), 404, "not_found")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"centre": 25.5}, "centre"),
        ({"centre": "abc"}, "centre"),
        ({"status": ["lost"]}, "status"),
        ({"overdue": "maybe"}, "overdue"),
        ({"registered_after": "yesterday"}, "registered_after"),
        ({"teleport": 1}, "teleport"),
        ({"q": {"nested": "object"}}, "q"),
        ({"q": "x" * 5000}, "q"),
    ],
)
def test_bad_search_bodies_are_400_naming_the_field(
    admin: APIClient, body: dict[str, Any], field: str
) -> None:
    error = assert_error(admin.post(SEARCH, body, format="json"), 400, "invalid")
    assert any(name.split(".")[0] == field for name in error["fields"]), error
    assert not SavedSearch.objects.exists()


def test_a_body_that_is_not_an_object_is_400(admin: APIClient) -> None:
    assert_error(admin.post(SEARCH, ["q"], format="json"), 400, "invalid")


def test_a_q_of_5000_characters_is_400_naming_q(admin: APIClient) -> None:
    error = assert_error(admin.get(CASES, {"q": "7" * 5000}), 400, "invalid")
    assert list(error["fields"]) == ["q"]
    assert "200" in error["fields"]["q"][0]
    assert admin.get(CASES, {"q": "7" * 200}).status_code == 200


def test_the_schema_documents_the_search(admin: APIClient) -> None:
    schema = admin.get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/cases/search/"]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    properties = schema["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]["properties"]
    assert {"q", "status", "centre", "overdue", "ordering", "page_size"} <= set(properties)
    answer = operation["responses"]["200"]["content"]["application/json"]["schema"]
    page = schema["components"]["schemas"][answer["$ref"].rsplit("/", 1)[1]]
    assert {"next", "previous", "results"} <= set(page["properties"])
    listed = schema["paths"]["/api/v1/cases/"]["get"]["parameters"]
    assert {"q", "search"} <= {p["name"] for p in listed}
