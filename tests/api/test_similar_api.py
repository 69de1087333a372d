"""``GET /api/v1/cases/{id}/similar/`` (类案参考): the panel's cases, scoped like the case."""

import pytest

from tests.api.support import assert_error, client_for
from tests.factories import Tree
from tests.similar_world import World, build

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(tree: Tree) -> World:
    return build(tree)


def url(world: World) -> str:
    return f"/api/v1/cases/{world.subject.pk}/similar/"


def test_the_similar_cases_in_order_without_parties(tree: Tree, world: World) -> None:
    response = client_for(tree.director_d1).get(url(world))
    assert response.status_code == 200
    rows = response.json()
    assert [r["id"] for r in rows] == [c.pk for c in world.in_d1]
    first = rows[1]
    assert first["number"] == world.words.number
    assert first["match"] == "same_category"
    assert first["outcome"] == "resolved" and first["outcome_label"] == "Resolved"
    assert first["days_to_conclusion"] == 12
    assert first["terms"].startswith("被申请人李某于三日内向申请人张某赔偿")
    assert [r["match"] for r in rows[3:]] == ["related_category", "words"]
    text = response.content.decode()
    for personal in ("张三", "李四", "13900001111", "parties"):
        assert personal not in text, personal


def test_scoped_like_the_case(tree: Tree, world: World) -> None:
    mediator = client_for(tree.mediator_s1_user).get(url(world)).json()
    assert world.colleague_twin.pk not in {r["id"] for r in mediator}
    assert_error(client_for(tree.director_d2).get(url(world)), 404, "not_found")
    assert_error(client_for(tree.intake_s1).get(url(world)), 403, "permission_denied")
    assert client_for(tree.observer_d1).get(url(world)).status_code == 200
    assert client_for(tree.director_d1).get("/api/v1/cases/999999999/similar/").status_code == 404
