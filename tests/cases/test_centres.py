"""The centre tree (DESIGN §3): subtrees in one query, valid codes, and moves that carry the subtree."""

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from cases import access
from cases.errors import InvalidInput
from cases.models import Centre, CentreKind, CentreLevel
from cases.services.centres import create_centre, save_centre
from tests.factories import CentreFactory, Tree, register

pytestmark = pytest.mark.django_db


def paths() -> dict[str, tuple[str, int]]:
    return {c.code: (c.path, c.depth) for c in Centre.objects.all()}


def test_the_fixture_tree_has_consistent_paths(tree: Tree) -> None:
    assert paths() == {
        "WH": ("WH/", 1),
        "JA": ("WH/JA/", 2),
        "JH": ("WH/JH/", 2),
        "JA01": ("WH/JA/JA01/", 3),
        "JH01": ("WH/JH/JH01/", 3),
        "JA0101": ("WH/JA/JA01/JA0101/", 4),
        "JAFY": ("WH/JA/JAFY/", 3),
    }


def test_a_subtree_is_one_query_and_exactly_the_subtree(
    tree: Tree, django_assert_num_queries: Any
) -> None:
    # A sibling whose code starts like D1's must not be caught by the prefix.
    CentreFactory.create(code="JA2", parent=tree.c)

    with django_assert_num_queries(1):
        codes = [c.code for c in Centre.objects.subtree_of(tree.d1)]

    assert codes == ["JA", "JA01", "JA0101", "JAFY"]
    assert [c.code for c in Centre.objects.subtree_of(tree.s1)] == ["JA01", "JA0101"]
    assert [c.code for c in Centre.objects.subtree_of(tree.k1)] == ["JA0101"]
    assert Centre.objects.subtree_of(tree.c).count() == 8


def test_is_within_and_ancestors_read_the_path(tree: Tree) -> None:
    assert tree.k1.is_within(tree.d1)
    assert tree.k1.is_within(tree.k1)
    assert not tree.d1.is_within(tree.k1)
    assert not tree.s2.is_within(tree.d1)
    assert tree.k1.ancestor_codes() == ["WH", "JA", "JA01", "JA0101"]


BAD_CODES = ["ja", "J", "JA-01", "JA 1", "江岸", "Ja01", ""]


@pytest.mark.parametrize("code", BAD_CODES)
def test_a_bad_code_is_refused_by_the_database(tree: Tree, code: str) -> None:
    centre = Centre(
        code=code,
        name_zh="坏代码中心",
        level=CentreLevel.STREET,
        kind=CentreKind.COMPREHENSIVE,
        parent=tree.d1,
        path=f"{tree.d1.path}{code}/",
        depth=3,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        centre.save()
    assert not Centre.objects.filter(name_zh="坏代码中心").exists()


@pytest.mark.parametrize("code", [*BAD_CODES, "ABCDEFGHIJKLM"])
def test_a_bad_code_is_refused_by_full_clean(tree: Tree, code: str) -> None:
    centre = Centre(
        code=code, name_zh="坏代码中心", level=CentreLevel.STREET, kind=CentreKind.COMPREHENSIVE
    )
    centre.parent, centre.path, centre.depth = tree.d1, f"{tree.d1.path}{code}/", 3
    with pytest.raises(ValidationError) as exc:
        centre.full_clean()
    assert "code" in exc.value.message_dict


@pytest.mark.parametrize("code", ["JA02", "12", "ABCDEFGHIJKL"])
def test_good_codes_are_accepted(tree: Tree, code: str) -> None:
    centre = create_centre(
        parent=tree.d1,
        code=code,
        name_zh="新中心",
        level=CentreLevel.STREET,
        kind=CentreKind.COMMITTEE,
    )
    assert (centre.path, centre.depth) == (f"WH/JA/{code}/", 3)


def test_create_centre_refuses_a_bad_code_naming_the_field(tree: Tree) -> None:
    with pytest.raises(InvalidInput) as exc:
        create_centre(
            parent=tree.d1, code="ja-02", name_zh="新中心", level=3, kind=CentreKind.COMMITTEE
        )
    assert "code" in exc.value.fields
    assert not Centre.objects.filter(name_zh="新中心").exists()


def test_create_centre_refuses_a_duplicate_code(tree: Tree) -> None:
    with pytest.raises(InvalidInput) as exc:
        create_centre(parent=tree.d2, code="JA01", name_zh="重复", level=3, kind="committee")
    assert "code" in exc.value.fields


def test_moving_a_centre_moves_its_subtree(tree: Tree) -> None:
    s1 = Centre.objects.get(pk=tree.s1.pk)
    s1.parent = tree.d2

    save_centre(s1)

    after = paths()
    assert after["JA01"] == ("WH/JH/JA01/", 3)
    assert after["JA0101"] == ("WH/JH/JA01/JA0101/", 4)
    assert after["JA"] == ("WH/JA/", 2)  # the old parent stays where it was
    assert after["JAFY"] == ("WH/JA/JAFY/", 3)
    assert [c.code for c in Centre.objects.subtree_of(tree.d2)] == ["JH", "JA01", "JA0101", "JH01"]
    assert Centre.objects.get(code="JA0101").parent_id == s1.pk


def test_moving_a_centre_changes_the_depths_below_it(tree: Tree) -> None:
    s1 = Centre.objects.get(pk=tree.s1.pk)
    s1.parent = None
    save_centre(s1)
    assert paths()["JA01"] == ("JA01/", 1)
    assert paths()["JA0101"] == ("JA01/JA0101/", 2)

    d1 = Centre.objects.get(pk=tree.d1.pk)
    d1.parent = Centre.objects.get(pk=tree.d2.pk)
    save_centre(d1)
    assert paths()["JA"] == ("WH/JH/JA/", 3)
    assert paths()["JAFY"] == ("WH/JH/JA/JAFY/", 4)


def test_changing_a_code_rewrites_the_paths_below(tree: Tree) -> None:
    s1 = Centre.objects.get(pk=tree.s1.pk)
    s1.code = "JA09"
    save_centre(s1)
    assert paths()["JA09"] == ("WH/JA/JA09/", 3)
    assert paths()["JA0101"] == ("WH/JA/JA09/JA0101/", 4)


@pytest.mark.parametrize("new_parent", ["d1", "s1", "k1"])
def test_moving_a_centre_below_itself_is_refused(tree: Tree, new_parent: str) -> None:
    before = paths()
    d1 = Centre.objects.get(pk=tree.d1.pk)
    d1.parent = Centre.objects.get(pk=getattr(tree, new_parent).pk)

    with pytest.raises(InvalidInput) as exc:
        save_centre(d1)

    assert "parent" in exc.value.fields
    assert paths() == before


def test_after_a_move_the_scope_follows_the_tree(tree: Tree) -> None:
    case = register(actor=tree.admin, centre=tree.k1)
    s1 = Centre.objects.get(pk=tree.s1.pk)
    s1.parent = tree.d2
    save_centre(s1)

    users = get_user_model().objects
    director_d1 = users.get(pk=tree.director_d1.pk)
    director_d2 = users.get(pk=tree.director_d2.pk)
    assert not access.visible_cases(director_d1).filter(pk=case.pk).exists()
    assert access.visible_cases(director_d2).filter(pk=case.pk).exists()
