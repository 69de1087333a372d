"""GET /api/v1/me/: who the caller is, where they work, in which language."""

import pytest
from rest_framework.test import APIClient

from tests.factories import Tree

pytestmark = pytest.mark.django_db


def test_me_lists_memberships_mediator_profile_and_language(tree: Tree) -> None:
    client = APIClient()
    client.force_authenticate(tree.mediator_s1_user)
    body = client.get("/api/v1/me/", headers={"Accept-Language": "en"}).json()
    assert body["username"] == tree.mediator_s1_user.username
    assert body["language"] == "en"
    assert body["mediator"] == tree.med_s1.pk
    assert body["is_administrator"] is False
    assert [(m["centre"], m["role"]) for m in body["memberships"]] == [(tree.s1.pk, "mediator")]


def test_me_for_a_director_without_a_mediator_profile(tree: Tree) -> None:
    client = APIClient()
    client.force_authenticate(tree.director_d1)
    body = client.get("/api/v1/me/", headers={"Accept-Language": "zh-hans"}).json()
    assert body["mediator"] is None
    assert body["language"] == "zh-hans"
    assert [(m["centre_code"], m["role"]) for m in body["memberships"]] == [
        (tree.d1.code, "director")
    ]
