"""The profile page: the user's language (the UI then speaks it, whatever the browser asks) and how
they hear of each notification kind (issue 20)."""

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from cases.models import UserSettings
from cases.queries.preferences import CHOOSABLE_KINDS
from cases.services.preferences import update_settings
from tests.factories import Tree

pytestmark = pytest.mark.django_db

URL = reverse("web:profile")


def test_the_user_menu_links_the_profile_page(
    tree: Tree, client_for: Callable[..., Client]
) -> None:
    page = client_for(tree.mediator_s1_user).get(reverse("web:workbench")).content.decode()
    assert f'href="{URL}"' in page and "Your settings" in page


def test_the_page_offers_a_digest_only_to_directors(
    tree: Tree, client_for: Callable[..., Client]
) -> None:
    director = client_for(tree.director_d1).get(URL).content.decode()
    assert 'value="digest"' in director and "Daily digest" in director
    mediator = client_for(tree.mediator_s1_user).get(URL).content.decode()
    assert 'value="digest"' not in mediator
    assert 'name="kind_high_risk" value="off"' in mediator


def test_saving_stores_language_and_preferences_and_the_ui_follows_the_profile(
    tree: Tree, client_for: Callable[..., Client]
) -> None:
    client = client_for(tree.director_d1, language="en")
    data: dict[str, Any] = {"language": "zh-hans", "kind_high_risk": "digest"}
    for name in CHOOSABLE_KINDS:
        if name != "high_risk":
            data[f"kind_{name}"] = "app"
    data["kind_mentioned"] = "off"
    response = client.post(URL, data)
    assert response.status_code == 302
    row = UserSettings.objects.get(user=tree.director_d1)
    assert row.language == "zh-hans"
    assert row.delivery("high_risk") == "digest" and row.delivery("mentioned") == "off"
    assert row.delivery("overdue") == "app"
    # The browser still asks for English; the pages are in the profile's Chinese.
    page = client.get(reverse("web:workbench"))
    assert page["Content-Language"] == "zh-hans"
    assert '<html lang="zh-hans">' in page.content.decode()
    assert "工作台" in page.content.decode()


def test_a_chosen_language_is_spoken_from_the_next_login(
    tree: Tree, client_for: Callable[..., Client]
) -> None:
    update_settings(user=tree.mediator_s1_user, language="zh-hans")
    page = client_for(tree.mediator_s1_user, language="en").get(reverse("web:workbench"))
    assert page["Content-Language"] == "zh-hans"
    # Without a choice the browser's language counts, as before.
    other = client_for(tree.mediator_s1b_user, language="en").get(reverse("web:workbench"))
    assert other["Content-Language"] == "en"


def test_the_header_language_switch_stores_the_choice_on_the_profile(
    tree: Tree, client_for: Callable[..., Client]
) -> None:
    client = client_for(tree.mediator_s1_user, language="zh-hans")
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert UserSettings.objects.get(user=tree.mediator_s1_user).language == "en"
    assert client.get(reverse("web:workbench"))["Content-Language"] == "en"


def test_an_invalid_choice_is_refused_and_nothing_stored(
    tree: Tree, client_for: Callable[..., Client]
) -> None:
    response = client_for(tree.mediator_s1_user).post(
        URL, {"language": "en", "kind_high_risk": "digest"}
    )
    assert response.status_code == 400
    assert not UserSettings.objects.filter(user=tree.mediator_s1_user).exists()
