"""THE scope rule (DESIGN §2): who sees which cases, written out case by case for every role."""

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from cases import access, workflow
from cases.access import Relation
from cases.errors import CaseNotFound
from cases.models import Case, Role
from tests.factories import MembershipFactory, Tree, UserFactory, data_for

pytestmark = pytest.mark.django_db

ALL = {
    "c_open",
    "d1_open",
    "d1_accepted",
    "d1_court",
    "d2_open",
    "s1_queue",
    "s1_mine",
    "s1_other",
    "s1_co",
    "s1_declined",
    "s2_assigned",
    "s2_court",
    "k1_open",
}


def numbers(year: int) -> dict[str, str]:
    """The numbers ``populate_cases`` gives, in its registration order."""
    return {
        "c_open": f"WH-{year}-00001",
        "d1_open": f"JA-{year}-00001",
        "d1_accepted": f"JA-{year}-00002",
        "d1_court": f"JA-{year}-00003",
        "d2_open": f"JH-{year}-00001",
        "s1_queue": f"JA01-{year}-00001",
        "s1_mine": f"JA01-{year}-00002",
        "s1_other": f"JA01-{year}-00003",
        "s1_co": f"JA01-{year}-00004",
        "s1_declined": f"JA01-{year}-00005",
        "s2_assigned": f"JH01-{year}-00001",
        "s2_court": f"JH01-{year}-00002",
        "k1_open": f"JA0101-{year}-00001",
    }


D1_SUBTREE = {
    "d1_open",
    "d1_accepted",
    "d1_court",
    "s1_queue",
    "s1_mine",
    "s1_other",
    "s1_co",
    "s1_declined",
    "k1_open",
}

EXPECTED: dict[str, set[str]] = {
    "admin": ALL,
    "director_c": ALL,
    "director_d1": D1_SUBTREE,
    "observer_d1": D1_SUBTREE,
    "director_d2": {"d2_open", "s2_assigned", "s2_court"},
    # Intake officers see their own centre only, not the centres below it.
    "intake_s1": {"s1_queue", "s1_mine", "s1_other", "s1_co", "s1_declined"},
    # Own cases (lead or co-mediator) and the S1 queue; not a colleague's case, not a declined
    # unassigned case, not the unassigned case of the community below.
    "mediator_s1": {"s1_queue", "s1_mine", "s1_co"},
    "mediator_s1b": {"s1_queue", "s1_other", "s1_co"},
    "mediator_s2": {"s2_assigned", "s2_court"},
    "court_liaison": {"d1_court", "s2_court"},
}


@pytest.fixture
def world(shared_tree_with_cases: Tree, db: None) -> Tree:
    """The tree with its cases, built once for this module; each test's changes are undone."""
    return shared_tree_with_cases


def fresh(user: Any) -> Any:
    """The user as a new request would load it (no cached scope)."""
    return get_user_model().objects.get(pk=user.pk)


def visible_numbers(user: Any) -> set[str]:
    return set(access.visible_cases(user).values_list("number", flat=True))


def test_the_fixture_numbers_are_as_written(world: Tree) -> None:
    year = timezone.localdate().year
    assert {label: case.number for label, case in world.cases.items()} == numbers(year)


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_each_role_sees_exactly_its_cases(world: Tree, role: str) -> None:
    tree = world
    expected = {numbers(timezone.localdate().year)[label] for label in EXPECTED[role]}
    user = fresh(tree.users[role])

    assert visible_numbers(user) == expected


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_case_relations_agree_with_visible_cases(world: Tree, role: str) -> None:
    tree = world
    user = fresh(tree.users[role])
    visible = set(access.visible_cases(user).values_list("pk", flat=True))
    marked = set(
        access.visible_cases(user)
        .filter(access.registered_only_q(user))
        .values_list("pk", flat=True)
    )

    for label, case in tree.cases.items():
        loaded = Case.objects.get(pk=case.pk)
        relations = access.case_relations(user, loaded)
        assert bool(relations) == (case.pk in visible), (role, label, relations)
        assert (label in EXPECTED[role]) == bool(relations), (role, label, relations)
        # The list's "registered here" mark and the case's relations say the same.
        assert (case.pk in marked) == access.registered_only(relations), (role, label)


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_get_case_for_answers_not_found_outside_the_scope(world: Tree, role: str) -> None:
    tree = world
    user = fresh(tree.users[role])
    for label, case in tree.cases.items():
        if label in EXPECTED[role]:
            assert access.get_case_for(user, case.pk).pk == case.pk
        else:
            with pytest.raises(CaseNotFound):
                access.get_case_for(user, case.pk)
    with pytest.raises(CaseNotFound):
        access.get_case_for(user, "not-a-number")


def test_relations_name_how_each_user_stands(world: Tree) -> None:
    tree = world
    cases = tree.cases

    def relations(role: str, label: str) -> frozenset[Relation]:
        return access.case_relations(fresh(tree.users[role]), Case.objects.get(pk=cases[label].pk))

    assert relations("admin", "s1_mine") == {Relation.ADMIN}
    assert relations("director_c", "k1_open") == {Relation.DIRECTOR}
    assert relations("observer_d1", "s1_mine") == {Relation.OBSERVER}
    assert relations("intake_s1", "s1_mine") == {Relation.INTAKE}
    assert relations("mediator_s1", "s1_mine") == {Relation.MEDIATOR}
    assert relations("mediator_s1", "s1_co") == {Relation.MEDIATOR}
    assert relations("mediator_s1", "s1_queue") == {Relation.QUEUE}
    assert relations("court_liaison", "d1_court") == {Relation.COURT_LIAISON}
    assert relations("director_d1", "d1_court") == {Relation.DIRECTOR}


def test_who_may_perform_a_transition_is_the_workflows_not_can(world: Tree) -> None:
    """``workflow.may_perform`` answers from the table's actors and the user's relations;
    ``access.can`` knows only the actions that are not transitions."""
    tree = world
    for role, user in tree.users.items():
        user = fresh(user)
        for label, case in tree.cases.items():
            relations = access.case_relations(user, case)
            for name, spec in workflow.TRANSITIONS.items():
                allowed = bool(relations & spec.actors)
                assert workflow.may_perform(user, name, case) == allowed, (role, label, name)
    with pytest.raises(KeyError):
        access.can(tree.admin, "accept", tree.cases["d1_open"])


def test_a_pending_transfer_is_visible_to_the_receiving_director(world: Tree) -> None:
    tree = world
    case = tree.cases["d1_open"]
    assert case.number not in visible_numbers(fresh(tree.director_d2))

    workflow.transition(
        case=case,
        name="transfer",
        actor=tree.director_d1,
        data=data_for("transfer", target=tree.d2),
    )

    director_d2 = fresh(tree.director_d2)
    assert case.number in visible_numbers(director_d2)
    assert access.case_relations(director_d2, Case.objects.get(pk=case.pk)) == {Relation.RECEIVER}
    # The sending centre still sees it until the transfer is accepted.
    assert case.number in visible_numbers(fresh(tree.director_d1))
    # A mediator at the receiving side does not see it yet.
    assert case.number not in visible_numbers(fresh(tree.mediator_s2_user))


def test_a_pending_transfer_to_a_court_is_visible_to_its_liaison(world: Tree) -> None:
    tree = world
    case = tree.cases["d1_open"]
    workflow.transition(
        case=case,
        name="transfer",
        actor=tree.director_d1,
        data=data_for("transfer", target=tree.court),
    )
    liaison = fresh(tree.court_liaison)
    assert case.number in visible_numbers(liaison)
    assert access.case_relations(liaison, Case.objects.get(pk=case.pk)) == {Relation.RECEIVER}


def test_after_accept_transfer_the_old_side_keeps_only_registration_sight(world: Tree) -> None:
    """The mediator who worked the case loses it; the window that registered it (its intake, the
    directors and observers over it) keeps read-only sight (DESIGN §2)."""
    tree = world
    case = tree.cases["s1_mine"]  # led by med_s1 at S1
    case = workflow.transition(
        case=case,
        name="transfer",
        actor=tree.director_d1,
        data=data_for("transfer", target=tree.d2),
    )
    assert case.number in visible_numbers(fresh(tree.mediator_s1_user))  # still theirs meanwhile

    workflow.transition(case=case, name="accept_transfer", actor=tree.director_d2)

    moved = Case.objects.get(pk=case.pk)
    mediator = fresh(tree.users["mediator_s1"])
    assert case.number not in visible_numbers(mediator)
    assert access.case_relations(mediator, moved) == frozenset()
    for role in ("intake_s1", "director_d1", "observer_d1"):
        user = fresh(tree.users[role])
        assert case.number in visible_numbers(user), role
        relations = access.case_relations(user, moved)
        assert relations == {access.Relation.REGISTRAR}, role
        assert access.registered_only(relations), role
        assert [a for a in access.ACTIONS if access.can(user, a, moved)] == ["view"], role
        assert workflow.available_transitions(user, moved) == [], role
        marked = access.visible_cases(user).filter(access.registered_only_q(user))
        assert marked.filter(pk=moved.pk).exists(), role
    for role in ("director_d2", "director_c", "admin"):
        assert case.number in visible_numbers(fresh(tree.users[role])), role
    with pytest.raises(CaseNotFound):
        workflow.transition(
            case=case, name="suspend", actor=fresh(tree.mediator_s1_user), data={"reason": "x"}
        )


def test_a_user_without_membership_sees_nothing(world: Tree) -> None:
    nobody = UserFactory.create()
    assert visible_numbers(nobody) == set()
    assert not access.visible_centres(nobody).exists()
    for case in world.cases.values():
        assert access.case_relations(nobody, Case.objects.get(pk=case.pk)) == frozenset()


@pytest.mark.parametrize("role", ["admin", "director_c", "director_d1", "mediator_s1"])
def test_an_inactive_user_sees_nothing(world: Tree, role: str) -> None:
    user = fresh(world.users[role])
    user.is_active = False
    user.save(update_fields=["is_active"])
    user = fresh(user)

    assert visible_numbers(user) == set()
    for case in world.cases.values():
        assert access.case_relations(user, Case.objects.get(pk=case.pk)) == frozenset()


def test_several_memberships_add_up(world: Tree) -> None:
    tree = world
    user = MembershipFactory.create(centre=tree.d2, role=Role.DIRECTOR).user
    MembershipFactory.create(user=user, centre=tree.k1, role=Role.INTAKE)
    year = timezone.localdate().year
    expected = {numbers(year)[label] for label in ("d2_open", "s2_assigned", "s2_court", "k1_open")}
    assert visible_numbers(fresh(user)) == expected


def test_an_admin_membership_sees_everything(world: Tree) -> None:
    user = MembershipFactory.create(centre=world.s2, role=Role.ADMIN).user
    assert visible_numbers(fresh(user)) == set(numbers(timezone.localdate().year).values())


def test_visible_cases_is_one_query_once_the_scope_is_loaded(
    world: Tree, django_assert_num_queries: Any
) -> None:
    user = fresh(world.mediator_s1_user)
    access.scope_of(user)
    with django_assert_num_queries(1):
        assert len(list(access.visible_cases(user))) == 3


def test_visible_centres_follow_the_roles(world: Tree) -> None:
    tree = world

    def codes(user: Any) -> set[str]:
        return set(access.visible_centres(fresh(user)).values_list("code", flat=True))

    assert codes(tree.director_d1) == {"JA", "JA01", "JA0101", "JAFY"}
    assert codes(tree.intake_s1) == {"JA01"}
    assert codes(tree.mediator_s2_user) == {"JH01"}
    assert codes(tree.court_liaison) == {"JAFY"}
    assert codes(tree.admin) == {"WH", "JA", "JH", "JA01", "JH01", "JA0101", "JAFY"}
