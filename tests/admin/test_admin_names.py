"""The admin lists people by name in their own order: 刘小红, not Django's "小红 刘"."""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from tests.factories import Tree

pytestmark = pytest.mark.django_db


@pytest.fixture
def liu(tree_with_cases: Tree) -> User:
    """The administrator, who registered every case of the tree, named 刘小红 (given 小红, family 刘)."""
    user = tree_with_cases.admin
    user.first_name, user.last_name = "小红", "刘"
    user.save(update_fields=["first_name", "last_name"])
    return user


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_user_list_shows_the_name_family_name_first(liu: User, language: str) -> None:
    client = Client(headers={"accept-language": language})
    client.force_login(liu)
    page = client.get(reverse("admin:auth_user_changelist"), {"q": liu.username})
    assert page.status_code == 200
    text = page.content.decode()
    assert '<td class="field-name">刘小红</td>' in text
    assert "小红 刘" not in text


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_event_and_membership_lists_name_the_user_family_name_first(
    tree_with_cases: Tree, liu: User, language: str
) -> None:
    """Every case of the tree was registered by the administrator, now named 刘小红."""
    client = Client(headers={"accept-language": language})
    client.force_login(liu)
    events = client.get(reverse("admin:cases_event_changelist")).content.decode()
    assert f"刘小红 ({liu.username})" in events
    assert "小红 刘" not in events
    director = tree_with_cases.director_d1
    director.first_name, director.last_name = "Anna", "Smith"
    director.save(update_fields=["first_name", "last_name"])
    memberships = client.get(reverse("admin:cases_membership_changelist")).content.decode()
    assert f"Anna Smith ({director.username})" in memberships
