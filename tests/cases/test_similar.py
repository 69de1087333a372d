"""Similar cases (类案参考, issue 21): ``similar_cases`` orders resolved cases by category, then
by shared words through the search index, within the viewer's scope, never the case itself."""

import pytest

from cases.access import visible_cases
from cases.models import Status
from cases.queries.similar import Match, similar_cases, telling_words
from tests.factories import Tree, aware
from tests.similar_world import NOISE_FACTS, NOISE_SUMMARY, World, build, resolved

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(tree: Tree) -> World:
    return build(tree)


def numbers(world: World, user: object) -> list[str]:
    return [s.case.number for s in similar_cases(world.subject, user)]  # type: ignore[arg-type]


def test_same_category_first_then_the_family_then_words(tree: Tree, world: World) -> None:
    """As the case's mediator sees them: the same category (the one sharing 噪音/楼上 above the one
    sharing nothing), then water leaks (same parent), then a loan case sharing words."""
    found = similar_cases(world.subject, tree.mediator_s1_user)
    assert [s.case for s in found] == [world.words, world.bare, world.sibling, world.other]
    assert [s.match for s in found] == [
        Match.SAME_CATEGORY,
        Match.SAME_CATEGORY,
        Match.RELATED_CATEGORY,
        Match.WORDS,
    ]


def test_never_itself_nor_an_open_or_failed_case_nor_one_sharing_nothing(
    tree: Tree, world: World
) -> None:
    shown = set(numbers(world, tree.admin))
    for case in (world.subject, world.open_twin, world.failed_twin, world.unrelated):
        assert case.number not in shown
    assert world.open_twin.status == Status.REGISTERED
    assert world.failed_twin.status == Status.FAILED


def test_only_within_the_viewers_scope(tree: Tree, world: World) -> None:
    """The twins (same category, same words) rank first for whoever sees them, and never
    appear for one who does not: S1's mediator sees neither, D1's director the colleague's only."""
    mediator = numbers(world, tree.mediator_s1_user)
    assert world.colleague_twin.number not in mediator
    assert world.foreign_twin.number not in mediator
    director = numbers(world, tree.director_d1)
    assert director == [c.number for c in world.in_d1]
    assert world.foreign_twin.number not in director
    city = numbers(world, tree.director_c)
    assert set(city[:2]) == {world.colleague_twin.number, world.foreign_twin.number}
    for user in (tree.mediator_s1_user, tree.director_d1, tree.director_c):
        visible = set(visible_cases(user).values_list("number", flat=True))
        assert set(numbers(world, user)) <= visible


def test_at_most_five(tree: Tree, world: World) -> None:
    assert len(numbers(world, tree.director_c)) == 5
    for day in range(1, 5):
        resolved(tree, summary=NOISE_SUMMARY, facts=NOISE_FACTS, registered=aware(2026, 4, day))
    assert len(numbers(world, tree.director_c)) == 5
    assert len(similar_cases(world.subject, tree.director_c, limit=2)) == 2


def test_days_terms_shortened_and_no_names(tree: Tree, world: World) -> None:
    long_terms = "被申请人李四向申请人张三赔礼道歉。" + "双方今后互相体谅，" * 20
    case = resolved(
        tree, summary="楼上噪音，张三与李四争执", facts=NOISE_FACTS, terms=long_terms, days=9
    )
    item = next(s for s in similar_cases(world.subject, tree.admin) if s.case == case)
    assert item.days == 9
    assert item.terms.startswith("被申请人李某向申请人张某赔礼道歉。")
    assert len(item.terms) == 120 and item.terms.endswith("…")
    assert item.summary == "楼上噪音，张某与李某争执"
    words = next(s for s in similar_cases(world.subject, tree.admin) if s.case == world.words)
    assert "李四" not in words.terms and "张三" not in words.terms
    assert "13900001111" not in words.terms and "*" * 11 in words.terms
    assert words.days == 12


def test_the_most_telling_words_are_the_longest_few(tree: Tree, world: World) -> None:
    words = telling_words(world.subject)
    assert "噪音" in words and "楼上" in words
    assert len(words) <= 12
    assert all(len(w) >= 2 for w in words)
