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
