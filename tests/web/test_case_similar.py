"""The similar-cases panel (类案参考) on the case page: loaded when opened, for the case's
mediators, directors and observers, with each case's number, outcome, days and terms, no party."""

from typing import Any

import pytest
from django.urls import reverse

from cases import access
from tests.factories import Tree
from tests.similar_world import World, build

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(tree: Tree) -> World:
    return build(tree)


def panel(client: Any, world: World) -> Any:
    return client.get(reverse("web:case_similar", args=[world.subject.pk]), HTTP_HX_REQUEST="true")


def test_the_panel_lists_the_similar_cases_without_parties(
    tree: Tree, world: World, client_for: Any
) -> None:
    response = panel(client_for(tree.director_d1), world)
    assert response.status_code == 200
    text = response.content.decode()
    positions = [text.index(case.number) for case in world.in_d1]
    assert positions == sorted(positions)
    assert reverse("web:case_detail", args=[world.words.pk]) in text
    assert world.foreign_twin.number not in text and world.subject.number not in text
    assert "12 days from registration to conclusion" in text
    assert "Resolved" in text and "李某" in text
    for personal in ("张三", "李四", "13900001111", "138 1234 5678", "13812345678"):
        assert personal not in text, personal
    assert "<html" not in text  # a fragment for HTMX


def test_who_sees_the_panel(tree: Tree, world: World, client_for: Any) -> None:
    """The case's mediator, the directors and the observer over it: the panel. The intake officer
    sees the case but not the panel (403); a director elsewhere sees neither (404)."""
    page = reverse("web:case_detail", args=[world.subject.pk])
    for user in (tree.mediator_s1_user, tree.director_d1, tree.director_c, tree.observer_d1):
        client = client_for(user)
        assert "data-similar-panel" in client.get(page).content.decode()
        assert panel(client, world).status_code == 200
    for user in (tree.intake_s1,):
        client = client_for(user)
        assert client.get(page).status_code == 200
        assert "data-similar-panel" not in client.get(page).content.decode()
        assert panel(client, world).status_code == 403
    assert panel(client_for(tree.director_d2), world).status_code == 404
    assert panel(client_for(tree.mediator_s1b_user), world).status_code == 404


def test_without_htmx_the_panel_is_a_page(tree: Tree, world: World, client_for: Any) -> None:
    url = reverse("web:case_similar", args=[world.subject.pk])
    text = client_for(tree.director_d1).get(url).content.decode()
    assert "<html" in text and world.words.number in text and "Similar cases" in text


def test_the_case_page_reads_nothing_more_for_the_panel(
    tree: Tree,
    world: World,
    client_for: Any,
    django_assert_num_queries: Any,
    django_assert_max_num_queries: Any,
    monkeypatch: Any,
) -> None:
    """The page with the panel asks as many queries as without it, and holds no similar case:
    they come when the panel is opened."""
    client = client_for(tree.director_d1)
    url = reverse("web:case_detail", args=[world.subject.pk])
    client.get(url)  # the session and the caches warm
    monkeypatch.setitem(access.ACTIONS, "similar_cases", frozenset())
    with django_assert_max_num_queries(1000) as without:
        assert "data-similar-panel" not in client.get(url).content.decode()
    monkeypatch.undo()
    with django_assert_num_queries(len(without.captured_queries)):
        text = client.get(url).content.decode()
    assert "data-similar-panel" in text
    assert world.words.number not in text
