"""The due lists (/due/): agreements to supervise and follow-up visits, role by role."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import workflow
from cases.access import can
from cases.models import (
    Agreement,
    Case,
    Centre,
    Event,
    EventKind,
    FollowUp,
    Fulfilment,
    Mediator,
    Status,
)
from cases.services.agreements import record_fulfilment
from cases.services.follow_ups import record_follow_up
from cases.web.views import due
from tests.factories import Tree, agreement_data, aware, drive, register

pytestmark = pytest.mark.django_db

URL = reverse("web:due")
NOW = aware(2026, 6, 1, 10, 0)
TODAY = date(2026, 6, 1)
ClientFor = Callable[..., Client]


@pytest.fixture(autouse=True)
def _frozen() -> Iterator[None]:
    """Today is 1 June 2026 (Asia/Shanghai) for the data and the pages alike."""
    with time_machine.travel(NOW, tick=False):
        yield


def resolved(
    tree: Tree,
    centre: Centre,
    lead: Mediator,
    *,
    deadline: date | None,
    co: Mediator | None = None,
    days_ago: int = 60,
) -> Case:
    """A case resolved ``days_ago`` with an agreement performed by ``deadline``."""
    at = NOW - timedelta(days=days_ago)
    case = drive(
        register(actor=tree.admin, centre=centre, at=at),
        Status.ACCEPTED,
        actor=tree.admin,
        at=at,
    )
    case = workflow.transition(
        case=case,
        name="assign",
        actor=tree.admin,
        data={"lead_mediator": lead.pk, "co_mediators": [co.pk] if co else []},
        at=at,
    )
    extra = {"performance_deadline": deadline.isoformat()} if deadline else {}
    return workflow.transition(
        case=case, name="resolve", actor=tree.admin, data=agreement_data(**extra), at=at
    )


def agreement(tree: Tree, centre: Centre, lead: Mediator, **kwargs: Any) -> Agreement:
    return Agreement.objects.get(case=resolved(tree, centre, lead, **kwargs))


def follow_up(
    tree: Tree,
    centre: Centre,
    lead: Mediator,
    *,
    closed_days_ago: int,
    co: Mediator | None = None,
) -> FollowUp:
    """A follow-up visit, due 30 days after its resolved case was closed ``closed_days_ago``."""
    case = resolved(tree, centre, lead, deadline=None, co=co, days_ago=closed_days_ago + 5)
    workflow.transition(
        case=case,
        name="close",
        actor=tree.admin,
        data={},
        at=NOW - timedelta(days=closed_days_ago),
    )
    return FollowUp.objects.get(case=case)


@dataclass
class Due:
    overdue: Agreement  # S1, med_s1, 5 days past its deadline, pending
    soon: Agreement  # S1, med_s1b with med_s1 co-mediating, in 3 days, partly fulfilled
    later: Agreement  # S1, med_s1b, in 20 days, not fulfilled
    far: Agreement  # S1, med_s1, in 60 days: beyond the default 30
    fulfilled: Agreement  # S1, med_s1, past its deadline but fulfilled: never listed
    no_deadline: Agreement  # S1, med_s1: never listed
    s2: Agreement  # S2 (the other district), med_s2, tomorrow
    visit_overdue: FollowUp  # S1, med_s1, due 10 days ago
    visit_soon: FollowUp  # S1, med_s1b, due in 5 days
    visit_done: FollowUp  # S1, med_s1, due 5 days ago but recorded: never listed
    visit_s2: FollowUp  # S2, med_s2, due today


@pytest.fixture
def items(tree: Tree) -> Due:
    s1, s2 = tree.s1, tree.s2
    found = Due(
        overdue=agreement(tree, s1, tree.med_s1, deadline=TODAY - timedelta(days=5)),
        soon=agreement(tree, s1, tree.med_s1b, co=tree.med_s1, deadline=TODAY + timedelta(days=3)),
        later=agreement(tree, s1, tree.med_s1b, deadline=TODAY + timedelta(days=20)),
        far=agreement(tree, s1, tree.med_s1, deadline=TODAY + timedelta(days=60), days_ago=1),
        fulfilled=agreement(tree, s1, tree.med_s1, deadline=TODAY - timedelta(days=2)),
        no_deadline=agreement(tree, s1, tree.med_s1, deadline=None),
        s2=agreement(tree, s2, tree.med_s2, deadline=TODAY + timedelta(days=1)),
        visit_overdue=follow_up(tree, s1, tree.med_s1, closed_days_ago=40),
        visit_soon=follow_up(tree, s1, tree.med_s1b, closed_days_ago=25),
        visit_done=follow_up(tree, s1, tree.med_s1, closed_days_ago=35),
        visit_s2=follow_up(tree, s2, tree.med_s2, closed_days_ago=30),
    )
    for item, fulfilment in [
        (found.soon, Fulfilment.PARTLY),
        (found.later, Fulfilment.NOT_FULFILLED),
        (found.fulfilled, Fulfilment.FULFILLED),
    ]:
        record_fulfilment(agreement=item, actor=tree.admin, fulfilment=fulfilment)
    record_follow_up(
        follow_up=found.visit_done,
        actor=tree.admin,
        contact_method="phone",
        fulfilment=Fulfilment.FULFILLED,
        satisfaction=5,
    )
    return found


def listed(response: Any) -> tuple[list[int], list[int]]:
    ctx = response.context
    return [r["item"].pk for r in ctx["agreements"]], [r["item"].pk for r in ctx["follow_ups"]]


def pks(*objects: Any) -> list[int]:
    return [o.pk for o in objects]


# --- Who sees what --------------------------------------------------------------------------------


def test_a_mediator_sees_the_cases_they_mediate_with_links(
    tree: Tree, items: Due, client_for: ClientFor
) -> None:
    response = client_for(tree.mediator_s1_user).get(URL)
    assert response.status_code == 200
    assert listed(response) == (pks(items.overdue, items.soon), pks(items.visit_overdue))
    page = response.content.decode()
    for record in [items.overdue, items.soon]:  # lead and co-mediator alike
        assert f'href="{reverse("web:fulfilment", args=[record.pk])}"' in page
    assert f'href="{reverse("web:follow_up_record", args=[items.visit_overdue.pk])}"' in page
    assert f'href="{reverse("web:case_detail", args=[items.overdue.case_id])}"' in page
    assert items.overdue.case.number in page and "张三" in page and "李四" in page


def test_the_other_mediator_of_the_street_sees_theirs(
    tree: Tree, items: Due, client_for: ClientFor
) -> None:
    response = client_for(tree.mediator_s1b_user).get(URL)
    assert listed(response) == (pks(items.soon, items.later), pks(items.visit_soon))


def test_a_director_sees_the_subtree_and_nothing_of_another_district(
    tree: Tree, items: Due, client_for: ClientFor
) -> None:
    response = client_for(tree.director_d1).get(URL)
    assert listed(response) == (
        pks(items.overdue, items.soon, items.later),
        pks(items.visit_overdue, items.visit_soon),
    )
    page = response.content.decode()
    assert page.count("data-record-fulfilment=") == 3
    assert page.count("data-record-follow-up=") == 2
    assert items.s2.case.number not in page and items.visit_s2.case.number not in page


def test_the_other_districts_director_sees_only_theirs(
    tree: Tree, items: Due, client_for: ClientFor
) -> None:
    response = client_for(tree.director_d2).get(URL)
    assert listed(response) == (pks(items.s2), pks(items.visit_s2))
    page = response.content.decode()
    assert items.overdue.case.number not in page and items.visit_overdue.case.number not in page


def test_the_city_director_and_the_administrator_see_everything(
    tree: Tree, items: Due, client_for: ClientFor
) -> None:
    for user in [tree.director_c, tree.admin]:
        response = client_for(user).get(URL)
        assert listed(response) == (
            pks(items.overdue, items.s2, items.soon, items.later),
            pks(items.visit_overdue, items.visit_s2, items.visit_soon),
        )


@pytest.mark.parametrize("who", ["observer_d1", "intake_s1"])
def test_those_who_may_not_record_see_the_list_without_links(
    tree: Tree, items: Due, client_for: ClientFor, who: str
) -> None:
    response = client_for(tree.users[who]).get(URL)
    assert response.status_code == 200
    assert listed(response) == (
        pks(items.overdue, items.soon, items.later),
        pks(items.visit_overdue, items.visit_soon),
    )
    page = response.content.decode()
    assert "data-record-fulfilment=" not in page and "data-record-follow-up=" not in page
    assert "Record fulfilment" not in page and "Record the visit" not in page


def test_out_of_scope_users_see_empty_lists(tree: Tree, items: Due, client_for: ClientFor) -> None:
    for user in [tree.court_liaison, tree.mediator_s2_user]:
        response = client_for(user).get(URL)
        assert response.status_code == 200
        expected = (
            (pks(items.s2), pks(items.visit_s2)) if user == tree.mediator_s2_user else ([], [])
        )
        assert listed(response) == expected
    page = client_for(tree.court_liaison).get(URL).content.decode()
    assert "No agreement is due." in page and "No follow-up visit is due." in page


def test_the_links_agree_with_the_scope_rule(tree: Tree, items: Due, client_for: ClientFor) -> None:
    """Each list offers its record link exactly when ``access.can`` allows that action."""
    for user in tree.users.values():
        response = client_for(user).get(URL)
        for key, action in [
            ("agreements", "record_fulfilment"),
            ("follow_ups", "record_follow_up"),
        ]:
            for row in response.context[key]:
                case = Case.objects.select_related("centre", "transfer_target").get(
                    pk=row["case"].pk
                )
                assert row["may_record"] == can(user, action, case), (user, key, case.number)


# --- Urgency --------------------------------------------------------------------------------------


def test_overdue_and_due_soon_are_coloured_and_worded(
    tree: Tree, items: Due, client_for: ClientFor
) -> None:
    response = client_for(tree.director_d1).get(URL)
    bands = {
        row["item"].pk: (row["band"], str(row["label"])) for row in response.context["agreements"]
    }
    assert bands == {
        items.overdue.pk: ("overdue", "Overdue"),
        items.soon.pk: ("soon", "Due soon"),
        items.later.pk: ("ok", "On time"),
    }
    visits = {row["item"].pk: row["band"] for row in response.context["follow_ups"]}
    assert visits == {items.visit_overdue.pk: "overdue", items.visit_soon.pk: "soon"}
    page = response.content.decode()
    assert 'class="deadline deadline-overdue"' in page and "<small>Overdue</small>" in page
    assert 'class="deadline deadline-soon"' in page and "<small>Due soon</small>" in page
    assert "Partly fulfilled" in page and "Not fulfilled" in page and "500.00" in page


def test_a_not_fulfilled_agreement_past_due_stays_flagged(
    tree: Tree, items: Due, client_for: ClientFor
) -> None:
    record_fulfilment(
        agreement=items.overdue, actor=tree.admin, fulfilment=Fulfilment.NOT_FULFILLED
    )
    rows = client_for(tree.mediator_s1_user).get(URL).context["agreements"]
    assert (rows[0]["item"].pk, rows[0]["band"]) == (items.overdue.pk, "overdue")


def test_within_sets_the_horizon_and_overdue_always_shows(
    tree: Tree, items: Due, client_for: ClientFor
) -> None:
    client = client_for(tree.director_d1)
    assert listed(client.get(URL, {"within": 1})) == (pks(items.overdue), pks(items.visit_overdue))
    assert listed(client.get(URL, {"within": 90})) == (
        pks(items.overdue, items.soon, items.later, items.far),
        pks(items.visit_overdue, items.visit_soon),
    )
    # Inclusive: the agreement due in exactly 20 days shows with within=20, not 19.
    assert items.later.pk in listed(client.get(URL, {"within": 20}))[0]
    assert items.later.pk not in listed(client.get(URL, {"within": 19}))[0]
    assert client.get(URL, {"within": ""}).context["within"] == 30


@pytest.mark.parametrize("value", ["0", "-3", "366", "abc", "1.5", "99999999999999999999"])
def test_a_bad_within_is_a_400_at_the_field(tree: Tree, client_for: ClientFor, value: str) -> None:
    response = client_for(tree.director_d1).get(URL, {"within": value})
    assert response.status_code == 400
    page = response.content.decode()
    errors = page.split('id="within-errors">', 1)[1].split("</ul>", 1)[0]
    assert "<li>" in errors
    assert 'aria-invalid="true"' in page
    assert "Agreements to supervise" not in page


def test_the_nav_links_the_page(tree: Tree, client_for: ClientFor) -> None:
    page = client_for(tree.observer_d1).get(reverse("web:workbench")).content.decode()
    assert f'href="{URL}"' in page and "Due lists" in page


def test_post_is_refused(tree: Tree, client_for: ClientFor) -> None:
    assert client_for(tree.director_d1).post(URL).status_code == 405


# --- Query count ----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["mediator_s1", "director_d1"])
def test_the_queries_do_not_grow_with_the_lists(
    tree: Tree,
    client_for: ClientFor,
    django_assert_max_num_queries: Callable[..., Any],
    who: str,
) -> None:
    client = client_for(tree.users[who])

    def add(count: int) -> None:
        for i in range(count):
            # Co-mediated rows: the mediator's relation comes from the prefetched co-mediators.
            agreement(
                tree, tree.s1, tree.med_s1b, co=tree.med_s1, deadline=TODAY + timedelta(days=i)
            )
            follow_up(tree, tree.s1, tree.med_s1b, co=tree.med_s1, closed_days_ago=20 + i)
            overdue_case(tree, tree.s1)  # at the mediator's centre, no lead yet: theirs to take

    add(2)
    with CaptureQueriesContext(connection) as few:
        response = client.get(URL)
    assert len(response.context["agreements"]) == 2 and len(response.context["follow_ups"]) == 2
    assert all(row["may_record"] for row in response.context["agreements"])
    add(10)
    with django_assert_max_num_queries(len(few)):
        response = client.get(URL)
    assert len(response.context["agreements"]) == 12 and len(response.context["follow_ups"]) == 12
    assert all(row["may_record"] for row in response.context["follow_ups"])
    assert len(response.context["overdue_cases"]) == 12


# --- Filters, sorting, paging and counts (issue 20) -----------------------------------------------


def overdue_case(tree: Tree, centre: Centre) -> Case:
    """An open case registered a month ago and never accepted: its acceptance decision is late."""
    return register(actor=tree.admin, centre=centre, at=NOW - timedelta(days=30))


def test_the_centre_filter_takes_the_centre_and_those_below(
    tree: Tree, items: Due, client_for: ClientFor
) -> None:
    client = client_for(tree.director_c)
    assert listed(client.get(URL, {"centre": tree.d1.pk})) == (
        pks(items.overdue, items.soon, items.later),
        pks(items.visit_overdue, items.visit_soon),
    )
    assert listed(client.get(URL, {"centre": tree.s2.pk})) == (pks(items.s2), pks(items.visit_s2))


def test_a_district_director_cannot_pick_a_centre_of_another_district(
    tree: Tree, items: Due, client_for: ClientFor
) -> None:
    client = client_for(tree.director_d1)
    response = client.get(URL, {"centre": tree.s2.pk})
    assert response.status_code == 400
    assert 'id="centre-errors"' in response.content.decode()
    # The centre is typed (issue 21): the lookup suggests the director's centres only.
    page = client.get(URL).content.decode()
    assert '<select name="centre"' not in page and tree.s2.name not in page
    lookup = reverse("web:lookup_centres")
    assert f'data-lookup="{lookup}"' in page
    suggested = {r["id"] for r in client.get(lookup, {"q": "J"}).json()["results"]}
    assert tree.s1.pk in suggested and tree.s2.pk not in suggested
    # Within their own subtree the director still sees only it, whatever the other filters.
    response = client.get(URL, {"centre": str(tree.d1.pk), "ordering": "-due"})
    assert items.s2.case.number not in response.content.decode()


def test_the_mediator_filter_takes_lead_and_co_mediators(
    tree: Tree, items: Due, client_for: ClientFor
) -> None:
    client = client_for(tree.director_d1)
    assert listed(client.get(URL, {"mediator": tree.med_s1b.pk})) == (
        pks(items.soon, items.later),
        pks(items.visit_soon),
    )
    assert listed(client.get(URL, {"mediator": tree.med_s1.pk})) == (
        pks(items.overdue, items.soon),  # the co-mediated one too
        pks(items.visit_overdue),
    )


def test_overdue_only(tree: Tree, items: Due, client_for: ClientFor) -> None:
    response = client_for(tree.director_d1).get(URL, {"overdue": "on"})
    assert listed(response) == (pks(items.overdue), pks(items.visit_overdue))
    assert 'name="overdue"' in response.content.decode()
    assert "checked" in response.content.decode().split('name="overdue"', 1)[1].split(">")[0]


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("due", ["overdue", "s2", "soon", "later"]),
        ("-due", ["later", "soon", "s2", "overdue"]),
        ("centre", ["overdue", "soon", "later", "s2"]),  # S1 (under D1) before S2, then by date
        ("-centre", ["s2", "later", "soon", "overdue"]),
    ],
)
def test_the_lists_sort(
    tree: Tree, items: Due, client_for: ClientFor, ordering: str, expected: list[str]
) -> None:
    response = client_for(tree.director_c).get(URL, {"ordering": ordering})
    assert listed(response)[0] == [getattr(items, name).pk for name in expected]


def test_the_lists_sort_by_case_number(tree: Tree, items: Due, client_for: ClientFor) -> None:
    client = client_for(tree.director_c)
    numbers = [
        r["case"].number for r in client.get(URL, {"ordering": "number"}).context["agreements"]
    ]
    assert numbers == sorted(numbers) and len(numbers) == 4
    backwards = client.get(URL, {"ordering": "-number"}).context["agreements"]
    assert [r["case"].number for r in backwards] == numbers[::-1]


def test_counts_in_all_and_overdue_in_the_tabs_and_headings(
    tree: Tree, items: Due, client_for: ClientFor
) -> None:
    overdue_case(tree, tree.s1)
    overdue_case(tree, tree.s2)
    response = client_for(tree.director_d1).get(URL)
    ctx = response.context
    assert ctx["agreements_counts"] == {"total": 3, "overdue": 1}
    assert ctx["follow_ups_counts"] == {"total": 2, "overdue": 1}
    assert ctx["confirmations_counts"]["overdue"] == 0
    assert ctx["overdue_cases_counts"] == {"total": 1, "overdue": 1}
    page = response.content.decode()
    tabs = page.split('class="due-tabs"', 1)[1].split("</nav>", 1)[0]
    assert "3 items, 1 overdue" in tabs and "2 items, 1 overdue" in tabs
    heading = page.split('id="due-agreements-heading"', 1)[1].split("</h2>", 1)[0]
    assert "3 items, 1 overdue" in heading
    # The overdue filter narrows the counts too.
    ctx = client_for(tree.director_d1).get(URL, {"overdue": "on"}).context
    assert ctx["agreements_counts"] == {"total": 1, "overdue": 1}


def test_the_overdue_cases_list_is_scoped(tree: Tree, items: Due, client_for: ClientFor) -> None:
    mine, other = overdue_case(tree, tree.k1), overdue_case(tree, tree.s2)
    register(actor=tree.admin, centre=tree.s1, at=NOW)  # decision not yet due: not listed
    rows = client_for(tree.director_d1).get(URL).context["overdue_cases"]
    assert [r["case"].pk for r in rows] == [mine.pk]
    rows = client_for(tree.director_c).get(URL).context["overdue_cases"]
    assert {r["case"].pk for r in rows} == {mine.pk, other.pk}
    page = client_for(tree.director_d2).get(URL).content.decode()
    assert f'data-overdue-case="{other.pk}"' in page and mine.number not in page


def test_pages_per_list_keep_the_filters_in_the_address(
    tree: Tree, items: Due, client_for: ClientFor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(due, "PAGE_SIZE", 2)
    client = client_for(tree.director_d1)
    query = {"centre": str(tree.d1.pk), "ordering": "due", "within": "40"}
    first = client.get(URL, query)
    assert listed(first) == (
        pks(items.overdue, items.soon),
        pks(items.visit_overdue, items.visit_soon),
    )
    next_url = first.context["agreements_page"].next_url
    assert f"centre={tree.d1.pk}" in next_url and "within=40" in next_url
    assert "agreements_page=2" in next_url
    assert first.context["follow_ups_page"].next_url == ""  # two visits: one page
    assert f'href="{next_url.replace("&", "&amp;")}"' in first.content.decode()
    second = client.get(next_url)
    assert listed(second) == (pks(items.later), pks(items.visit_overdue, items.visit_soon))
    assert "Rows 3–3 of 3." in second.content.decode()
    assert second.context["agreements_page"].previous_url.count("agreements_page") == 0
    # A page past the end is empty, not an error; a bad page is an error at the field.
    assert client.get(URL, {"agreements_page": 9}).context["agreements"] == []
    assert client.get(URL, {"agreements_page": "0"}).status_code == 400


def test_there_is_no_cap_of_200_rows(
    tree: Tree, client_for: ClientFor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(due, "PAGE_SIZE", 1)
    for days in (1, 2, 3):
        agreement(tree, tree.s1, tree.med_s1, deadline=TODAY + timedelta(days=days))
    client = client_for(tree.mediator_s1_user)
    seen = [client.get(URL, {"agreements_page": n}).context["agreements"] for n in (1, 2, 3)]
    assert [len(rows) for rows in seen] == [1, 1, 1]
    assert len({rows[0]["item"].pk for rows in seen}) == 3


# --- Amounts --------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_amounts_as_the_report_shows_them(tree: Tree, client_for: ClientFor, language: str) -> None:
    record = agreement(tree, tree.s1, tree.med_s1, deadline=TODAY)
    Agreement.objects.filter(pk=record.pk).update(amount_agreed="1234567.5")
    page = client_for(tree.director_d1, language).get(URL).content.decode()
    assert '<span class="num" data-amount>1,234,567.50</span>' in page


# --- The phone for a follow-up call ---------------------------------------------------------------


def phone_url(visit: FollowUp, party_pk: int) -> str:
    return reverse("web:due_phone", args=[visit.pk, party_pk])


def test_a_follow_up_row_shows_the_phone_inline_logged_as_a_reveal(
    tree: Tree, items: Due, client_for: ClientFor
) -> None:
    visit = items.visit_overdue
    party = visit.case.parties.get(name="张三")
    client = client_for(tree.mediator_s1_user)
    page = client.get(URL).content.decode()
    assert f'data-reveal-phone="{party.pk}"' in page and "13812345678" not in page
    assert 'data-label="Parties and phones"' in page
    before = Event.objects.filter(case=visit.case).count()
    response = client.post(phone_url(visit, party.pk), headers={"HX-Request": "true"})
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    html = response.content.decode()
    assert "<html" not in html and 'href="tel:13812345678"' in html
    assert Event.objects.filter(case=visit.case).count() == before + 1
    event = Event.objects.filter(case=visit.case).latest("id")
    assert (event.kind, event.name, event.actor_id) == (
        EventKind.REVEAL,
        "reveal",
        tree.mediator_s1_user.pk,
    )
    assert event.after == {
        "party": party.pk,
        "id_number": party.id_number_masked,
        "phone": party.phone_masked,
    }
    # A plain post (no script) gets a page with the number and the way back.
    plain = client.post(phone_url(visit, party.pk))
    assert plain.status_code == 200 and "13812345678" in plain.content.decode()
    assert f'href="{URL}"' in plain.content.decode()


def test_observers_are_not_offered_the_phone_and_are_refused(
    tree: Tree, items: Due, client_for: ClientFor
) -> None:
    visit = items.visit_overdue
    party = visit.case.parties.get(name="张三")
    client = client_for(tree.observer_d1)
    page = client.get(URL).content.decode()
    assert f'data-follow-up="{visit.pk}"' in page and "data-reveal-phone=" not in page
    before = Event.objects.count()
    response = client.post(phone_url(visit, party.pk), headers={"HX-Request": "true"})
    assert response.status_code == 403 and "13812345678" not in response.content.decode()
    assert Event.objects.count() == before


def test_the_phone_of_another_case_or_district_is_not_found(
    tree: Tree, items: Due, client_for: ClientFor
) -> None:
    other_party = items.visit_s2.case.parties.first()
    assert other_party is not None
    before = Event.objects.count()
    client = client_for(tree.director_d1)
    # Another district's visit, and a party of another case through one's own visit.
    assert client.post(phone_url(items.visit_s2, other_party.pk)).status_code == 404
    assert client.post(phone_url(items.visit_overdue, other_party.pk)).status_code == 404
    assert client.get(phone_url(items.visit_overdue, other_party.pk)).status_code == 405
    assert Event.objects.count() == before


def test_every_cell_is_labelled_and_the_open_button_does_not_wrap(
    tree: Tree, items: Due, client_for: ClientFor
) -> None:
    overdue_case(tree, tree.s1)
    page = client_for(tree.director_d1).get(URL).content.decode()
    body = page.split('id="due-agreements"', 1)[1].split("</main>", 1)[0]
    cells = body.count("<td")
    assert cells > 0 and cells == body.count("<td data-label=")
    rows = page.count('<tr class="urgency-')
    assert rows >= 3 + 2 + 1 and page.count('class="due-open"') == rows  # one a row
