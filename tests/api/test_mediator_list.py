"""Who appears in /api/v1/mediators/: those who may be assigned to the caller's cases."""

from typing import Any

import pytest
from rest_framework.test import APIClient

from tests.factories import Tree

pytestmark = pytest.mark.django_db


def listed(user: Any) -> set[int]:
    client = APIClient()
    client.force_authenticate(user)
    return {m["id"] for m in client.get("/api/v1/mediators/?page_size=200").json()["results"]}


def test_a_district_director_sees_the_city_mediators_who_can_be_assigned_below(tree: Tree) -> None:
    assert {tree.med_c.pk, tree.med_s1.pk} <= listed(tree.director_d1)


def test_mediators_of_a_sibling_district_stay_hidden(tree: Tree) -> None:
    seen = listed(tree.director_d2)
    assert tree.med_s2.pk in seen
    assert tree.med_c.pk in seen
    assert tree.med_s1.pk not in seen


def named(user: Any, text: str) -> set[int]:
    client = APIClient()
    client.force_authenticate(user)
    response = client.get("/api/v1/mediators/", {"q": text})
    assert response.status_code == 200
    return {m["id"] for m in response.json()["results"]}


def test_mediators_are_found_by_part_of_their_name_within_the_scope(tree: Tree) -> None:
    """``q`` (issue 21): a type-ahead over the caller's mediators only."""
    assert named(tree.director_d1, "王调") == {tree.med_s1.pk}
    assert named(tree.director_d1, "孙") == set()  # D2's
    assert named(tree.director_d2, "孙") == {tree.med_s2.pk}
    assert named(tree.director_d2, "王调") == set()  # D1's
    assert named(tree.director_d1, "调解") == {tree.med_s1.pk, tree.med_s1b.pk}


def test_a_mediator_search_over_100_characters_is_refused(tree: Tree) -> None:
    client = APIClient()
    client.force_authenticate(tree.director_d1)
    response = client.get("/api/v1/mediators/", {"q": "王" * 101})
    assert response.status_code == 400
    assert "q" in str(response.json())
