"""The mediator roster and profiles: scoped, with seats, specialties and the current load."""

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases.models import Mediator, MediatorKind
from cases.services import sessions
from tests.factories import MediatorFactory, Tree, seeded_category

pytestmark = pytest.mark.django_db

ROSTER = reverse("web:mediator_list")


def profile_url(mediator: Mediator) -> str:
    return reverse("web:mediator_detail", args=[mediator.pk])


def listed(response: Any) -> list[str]:
    return [m.name for m in response.context["page"]]


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        # A street's people see their street's mediators and those of the centres above.
        ("mediator_s1", {"王调解", "赵调解", "钱老"}),
        ("intake_s1", {"王调解", "赵调解", "钱老"}),
        ("director_d1", {"王调解", "赵调解", "钱老"}),
        ("observer_d1", {"王调解", "赵调解", "钱老"}),
        ("director_d2", {"孙调解", "钱老"}),
        ("mediator_s2", {"孙调解", "钱老"}),
        ("director_c", {"王调解", "赵调解", "孙调解", "钱老"}),
        ("admin", {"王调解", "赵调解", "孙调解", "钱老"}),
    ],
)
def test_the_roster_lists_the_mediators_the_user_may_see(
    shared_tree_with_cases: Tree, client_for: Callable[..., Client], user: str, expected: set[str]
) -> None:
    response = client_for(shared_tree_with_cases.users[user]).get(ROSTER)
    assert response.status_code == 200
    assert set(listed(response)) == expected
    page = response.content.decode()
    for name in {"王调解", "赵调解", "孙调解"} - expected:
        assert name not in page


def test_the_roster_shows_kind_centres_seats_specialties_languages_and_load(
    shared_tree_with_cases: Tree, client_for: Callable[..., Client]
) -> None:
    tree = shared_tree_with_cases
    noise = seeded_category("noise")
    tree.med_s1.seats.add(tree.k1)
    tree.med_s1.specialties.add(noise)
    Mediator.objects.filter(pk=tree.med_s1.pk).update(languages="普通话，武汉话")
    # 赵调解 leads s1_other and s1_co: at capacity with 2, over it with 1.
    Mediator.objects.filter(pk=tree.med_s1b.pk).update(capacity=2)
    response = client_for(tree.director_d1).get(ROSTER)
    page = response.content.decode()
    row = page[page.index("王调解") : page.index("</tr>", page.index("王调解"))]
    assert "Full-time people&#x27;s mediator" in row
    assert tree.s1.name_en in row and f"seat: {tree.k1.name_en}" in row
    assert "Noise" in row and "普通话, 武汉话" in row
    assert "1 / 10" in row  # leads s1_mine
    full = page[page.index("赵调解") : page.index("</tr>", page.index("赵调解"))]
    assert "2 / 2" in full and "at capacity" in full
    Mediator.objects.filter(pk=tree.med_s1b.pk).update(capacity=1)
    page = client_for(tree.director_d1).get(ROSTER).content.decode()
    over = page[page.index("赵调解") : page.index("</tr>", page.index("赵调解"))]
    assert "2 / 1" in over and "over capacity" in over
    loads = {m.name: m.open_load for m in response.context["page"]}
    assert loads == {"王调解": 1, "赵调解": 2, "钱老": 0}


def test_the_roster_filters(
    shared_tree_with_cases: Tree, client_for: Callable[..., Client]
) -> None:
    tree = shared_tree_with_cases
    noise = seeded_category("noise")
    tree.med_s1.specialties.add(noise)
    tree.med_c.seats.add(tree.s1)
    Mediator.objects.filter(pk=tree.med_s1b.pk).update(active=False)
    client = client_for(tree.director_d1)

    def names(**params: Any) -> set[str]:
        response = client.get(ROSTER, params)
        assert response.status_code == 200
        return set(listed(response))

    assert names(centre=tree.s1.pk) == {"王调解", "赵调解", "钱老"}  # 钱老 holds a seat there
    assert names(centre=tree.c.pk) == {"钱老"}
    assert names(kind=MediatorKind.LOCAL_NOTABLE) == {"钱老"}
    assert names(specialty=noise.pk) == {"王调解"}
    assert names(specialty=noise.parent_id) == {"王调解"}  # a top category includes its children
    assert names(active="no") == {"赵调解"}
    assert names(active="yes") == {"王调解", "钱老"}
    assert names(q="王") == {"王调解"}
    assert names(q="nobody") == set()


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"centre": "999999"}, "Centre"),
        ({"kind": "wizard"}, "Kind"),
        ({"specialty": "abc"}, "Specialty"),
        ({"active": "maybe"}, "Active"),
    ],
)
def test_bad_filters_are_refused_at_the_field(
    shared_tree_with_cases: Tree,
    client_for: Callable[..., Client],
    params: dict[str, str],
    field: str,
) -> None:
    response = client_for(shared_tree_with_cases.director_d1).get(ROSTER, params)
    assert response.status_code == 400
    page = response.content.decode()
    name = next(iter(params))
    errors = re.search(rf'<ul class="errorlist" id="id_{name}_error">(.*?)</ul>', page, re.S)
    assert errors is not None and "Select a valid choice" in errors.group(1)
    assert "王调解" not in page.split('id="mediator-rows"')[1]


def test_the_centre_filter_offers_centres_with_mediators_near_the_users_own(
    shared_tree_with_cases: Tree, client_for: Callable[..., Client]
) -> None:
    tree = shared_tree_with_cases
    page = client_for(tree.director_d1).get(ROSTER).content.decode()
    select = re.search(r'<select name="centre".*?</select>', page, re.S)
    assert select is not None
    labels = [label.strip("\u3000") for label in re.findall(r'">([^<]*)</option>', select.group(0))]
    assert labels == [tree.c.name_en, tree.s1.name_en]  # D1 itself has no mediators


def test_a_centre_out_of_scope_is_not_a_filter(
    shared_tree_with_cases: Tree, client_for: Callable[..., Client]
) -> None:
    tree = shared_tree_with_cases
    response = client_for(tree.director_d1).get(ROSTER, {"centre": tree.s2.pk})
    assert response.status_code == 400
    assert "孙调解" not in response.content.decode()


def test_the_roster_is_paginated_and_its_queries_do_not_grow(
    shared_tree_with_cases: Tree,
    client_for: Callable[..., Client],
    django_assert_max_num_queries: Any,
) -> None:
    tree = shared_tree_with_cases
    noise = seeded_category("noise")
    client = client_for(tree.director_d1)
    client.get(ROSTER)
    with django_assert_max_num_queries(20) as few:
        client.get(ROSTER)
    for n in range(30):
        mediator = MediatorFactory.create(name=f"调解员{n:02d}", home_centre=tree.s1)
        mediator.seats.add(tree.k1)
        mediator.specialties.add(noise)
    with django_assert_max_num_queries(len(few.captured_queries)):
        first = client.get(ROSTER)
    assert len(first.context["page"]) == 25 and first.context["page"].paginator.count == 33
    second = client.get(ROSTER, {"q": "调解员", "page": "2"})
    assert listed(second) == [f"调解员{n:02d}" for n in range(25, 30)]
    page = second.content.decode()
    assert "page=1" in page and "q=%E8%B0%83%E8%A7%A3%E5%91%98" in page  # the filter is kept


def test_htmx_filtering_answers_the_rows_only(
    shared_tree_with_cases: Tree, client_for: Callable[..., Client]
) -> None:
    response = client_for(shared_tree_with_cases.director_d1).get(
        ROSTER, {"q": "王"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert page.lstrip().startswith('<div id="mediator-rows">') and "王调解" in page


# --- The profile --------------------------------------------------------------------------------


def test_a_profile_shows_the_mediator_but_never_their_declared_conflicts(
    shared_tree_with_cases: Tree, client_for: Callable[..., Client]
) -> None:
    tree = shared_tree_with_cases
    tree.med_s1.seats.add(tree.k1)
    tree.med_s1.specialties.add(seeded_category("noise"))
    Mediator.objects.filter(pk=tree.med_s1.pk).update(
        languages="普通话, 武汉话", conflicts="李秘密\n某某公司"
    )
    response = client_for(tree.director_d1).get(profile_url(tree.med_s1))
    assert response.status_code == 200
    page = response.content.decode()
    for text in [
        "王调解",
        "Full-time people&#x27;s mediator",
        tree.s1.name_en,
        tree.k1.name_en,
        "Noise",
        "普通话, 武汉话",
        "1 / 10",
        f"{reverse('web:calendar')}?mediator={tree.med_s1.pk}",
    ]:
        assert text in page, text
    assert "李秘密" not in page and "某某公司" not in page
    assert "conflict" not in page.lower()


def test_a_profile_lists_only_the_cases_and_sessions_the_user_may_see(
    shared_tree_with_cases: Tree, client_for: Callable[..., Client]
) -> None:
    tree = shared_tree_with_cases
    cases = tree.cases
    tomorrow = timezone.now() + timedelta(days=1)
    mine = sessions.book_session(
        case=cases["s1_mine"],
        actor=tree.admin,
        starts_at=tomorrow,
        ends_at=tomorrow + timedelta(hours=1),
        mediators=[tree.med_s1],
    )
    shared = sessions.book_session(
        case=cases["s1_co"],
        actor=tree.admin,
        starts_at=tomorrow + timedelta(hours=2),
        ends_at=tomorrow + timedelta(hours=3),
        mediators=[tree.med_s1, tree.med_s1b],
    )
    past = sessions.book_session(
        case=cases["s1_co"],
        actor=tree.admin,
        starts_at=tomorrow - timedelta(days=3),
        ends_at=tomorrow - timedelta(days=3, hours=-1),
        mediators=[tree.med_s1],
    )
    # The director sees both of 王调解's open cases and upcoming sessions.
    director = client_for(tree.director_d1).get(profile_url(tree.med_s1))
    assert {c.number for c in director.context["cases"]} == {
        cases["s1_mine"].number,
        cases["s1_co"].number,
    }
    assert director.context["sessions"] == [mine, shared]
    assert past not in director.context["sessions"]
    # 赵调解 sees only the case they work on with 王调解.
    colleague = client_for(tree.mediator_s1b_user).get(profile_url(tree.med_s1))
    assert colleague.status_code == 200
    assert [c.number for c in colleague.context["cases"]] == [cases["s1_co"].number]
    assert colleague.context["sessions"] == [shared]
    assert cases["s1_mine"].number not in colleague.content.decode()


@pytest.mark.parametrize(
    ("user", "mediator", "status"),
    [
        ("director_d2", "med_s1", 404),
        ("mediator_s2", "med_s1b", 404),
        ("director_d1", "med_s2", 404),
        ("mediator_s1", "med_s2", 404),
        ("director_d2", "med_s2", 200),
        ("mediator_s1", "med_c", 200),
        ("court_liaison", "med_c", 200),
    ],
)
def test_a_profile_out_of_scope_is_not_found(
    shared_tree_with_cases: Tree,
    client_for: Callable[..., Client],
    user: str,
    mediator: str,
    status: int,
) -> None:
    tree = shared_tree_with_cases
    response = client_for(tree.users[user]).get(profile_url(getattr(tree, mediator)))
    assert response.status_code == status


def test_an_unknown_profile_is_not_found(
    shared_tree_with_cases: Tree, client_for: Callable[..., Client]
) -> None:
    response = client_for(shared_tree_with_cases.admin).get(
        reverse("web:mediator_detail", args=[0])
    )
    assert response.status_code == 404


def test_a_profiles_queries_do_not_grow_with_its_cases_and_sessions(
    shared_tree_with_cases: Tree,
    client_for: Callable[..., Client],
    django_assert_max_num_queries: Any,
) -> None:
    tree = shared_tree_with_cases
    client = client_for(tree.director_d1)
    url = profile_url(tree.med_s1)
    start = timezone.now() + timedelta(days=1)
    sessions.book_session(
        case=tree.cases["s1_mine"],
        actor=tree.admin,
        starts_at=start - timedelta(hours=2),
        ends_at=start - timedelta(hours=1),
        mediators=[tree.med_s1],
    )
    client.get(url)
    with django_assert_max_num_queries(25) as few:
        client.get(url)
    for n in range(5):
        sessions.book_session(
            case=tree.cases["s1_mine"],
            actor=tree.admin,
            starts_at=start + timedelta(hours=2 * n),
            ends_at=start + timedelta(hours=2 * n + 1),
            mediators=[tree.med_s1],
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(response.context["sessions"]) == 6
