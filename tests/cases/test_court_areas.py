"""Which courts may entrust a case to a centre (issue 15, leak 4): a court serves the subtree of its
parent centre unless an administrator set the areas it serves; intake, transfers and the demo name
only a court that serves the centre; dates of what already happened are never in the future."""

from datetime import date, timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import translation

from cases import workflow
from cases.access import forget_scope
from cases.errors import InvalidInput, NotPermitted
from cases.models import Case, Centre, CentreKind, CentreLevel, Event, Party
from cases.queries.centres import intake_centres
from tests.factories import CentreFactory, Tree, data_for, register, register_entrusted

pytestmark = pytest.mark.django_db


def other_court(tree: Tree) -> Centre:
    """The people's court of district D2 (the tree's own court sits under D1)."""
    return CentreFactory.create(
        parent=tree.d2, level=CentreLevel.STREET, kind=CentreKind.COURT, name_zh="江汉区人民法院"
    )


def serving(centre: Centre) -> set[Centre]:
    return set(Centre.objects.courts_serving(centre))


def test_a_court_serves_the_subtree_of_its_parent_by_default(tree: Tree) -> None:
    d2_court = other_court(tree)
    for centre in (tree.d1, tree.s1, tree.k1):
        assert serving(centre) == {tree.court}, centre
    for centre in (tree.d2, tree.s2):
        assert serving(centre) == {d2_court}, centre
    # The city centre is above both districts: neither district's court serves it.
    assert serving(tree.c) == set()


def test_areas_set_by_an_administrator_replace_the_default(tree: Tree) -> None:
    d2_court = other_court(tree)
    tree.court.served_areas.set([tree.k1, tree.s2])
    assert serving(tree.k1) == {tree.court}
    assert serving(tree.s2) == {tree.court, d2_court}
    # No longer the rest of D1: only the areas set.
    assert serving(tree.s1) == set()
    assert serving(tree.d1) == set()


def test_an_inactive_court_serves_nowhere(tree: Tree) -> None:
    Centre.objects.filter(pk=tree.court.pk).update(active=False)
    assert serving(tree.s1) == set()


def test_whether_a_court_serves_a_centre_is_one_query(
    tree: Tree, django_assert_num_queries: Any
) -> None:
    tree.court.served_areas.set([tree.s2])
    with django_assert_num_queries(1):
        assert Centre.objects.courts_serving(tree.s2).filter(pk=tree.court.pk).exists()
    with django_assert_num_queries(1):
        assert not Centre.objects.courts_serving(tree.s1).filter(pk=tree.court.pk).exists()


def test_the_areas_are_set_in_the_centre_admin(tree: Tree) -> None:
    client = Client()
    client.force_login(tree.admin)
    url = reverse("admin:cases_centre_change", args=[tree.court.pk])
    page = client.get(url).content.decode()
    assert 'name="served_areas"' in page
    court = tree.court
    response = client.post(
        url,
        {
            "code": court.code,
            "name_zh": court.name_zh,
            "name_en": court.name_en,
            "level": court.level,
            "kind": court.kind,
            "parent": tree.d1.pk,
            "served_areas": [tree.d1.pk, tree.s2.pk],
            "timezone": "Asia/Shanghai",
            "active": "on",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
            "children-TOTAL_FORMS": "0",
            "children-INITIAL_FORMS": "0",
            "deadline_policies-TOTAL_FORMS": "0",
            "deadline_policies-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert set(court.served_areas.all()) == {tree.d1, tree.s2}
    assert (
        register_entrusted(actor=tree.admin, centre=tree.s2, court=court).entrusting_court == court
    )


# --- Intake -------------------------------------------------------------------------------------


def state() -> tuple[int, int, int]:
    return Case.objects.count(), Party.objects.count(), Event.objects.count()


@pytest.mark.parametrize("user", ["admin", "director_c"])
def test_intake_refuses_a_court_that_does_not_serve_the_centre(tree: Tree, user: str) -> None:
    before = state()
    with pytest.raises(InvalidInput) as raised, translation.override("en"):
        register_entrusted(actor=tree.users[user], centre=tree.s2, court=tree.court)
    assert raised.value.fields == {
        "entrusting_court": ["This court does not serve the area of the registering centre."]
    }
    assert state() == before


def test_intake_takes_a_court_serving_the_centre_by_configuration(tree: Tree) -> None:
    tree.court.served_areas.set([tree.s2])
    case = register_entrusted(actor=tree.director_c, centre=tree.s2, court=tree.court)
    assert case.entrusting_court == tree.court


def test_intake_refuses_an_entrustment_date_in_the_future(tree: Tree) -> None:
    before = state()
    for day in (date(9999, 12, 31), date.today() + timedelta(days=2)):
        with pytest.raises(InvalidInput) as raised, translation.override("en"):
            register_entrusted(actor=tree.admin, centre=tree.s1, court=tree.court, entrusted_on=day)
        assert raised.value.fields == {"entrusted_on": ["This date is in the future."]}
    assert state() == before


def test_today_is_the_centres_today(tree: Tree) -> None:
    """At 00:30 in Wuhan it is still yesterday in UTC: the Wuhan date is today, not the future;
    the day after it is."""
    with time_machine.travel(date(2026, 3, 2).isoformat() + "T16:30:00Z", tick=False):
        wuhan_today = date(2026, 3, 3)
        case = register_entrusted(
            actor=tree.admin, centre=tree.s1, court=tree.court, entrusted_on=wuhan_today
        )
        assert case.entrusted_on == wuhan_today
        with pytest.raises(InvalidInput) as raised:
            register_entrusted(
                actor=tree.admin,
                centre=tree.s1,
                court=tree.court,
                entrusted_on=wuhan_today + timedelta(days=1),
            )
        assert set(raised.value.fields) == {"entrusted_on"}


def test_a_centre_in_another_time_zone_has_its_own_today(tree: Tree) -> None:
    # 10:00 UTC on 2 March: already 18:00 in Wuhan, but 02:00 on 2 March in Los Angeles.
    Centre.objects.filter(pk=tree.s1.pk).update(timezone="America/Los_Angeles")
    tree.s1.refresh_from_db()
    with time_machine.travel("2026-03-02T10:00:00Z", tick=False):
        assert register_entrusted(
            actor=tree.admin, centre=tree.s1, court=tree.court, entrusted_on=date(2026, 3, 2)
        ).pk
        with pytest.raises(InvalidInput):
            register_entrusted(
                actor=tree.admin, centre=tree.s1, court=tree.court, entrusted_on=date(2026, 3, 3)
            )


def test_a_court_liaison_registers_at_the_centres_the_court_serves(tree: Tree) -> None:
    # By default the court's district (D1, S1, K1); set to S2, there and nowhere else.
    assert set(intake_centres(tree.court_liaison)) == {tree.d1, tree.s1, tree.k1}
    tree.court.served_areas.set([tree.s2])
    forget_scope(tree.court_liaison)
    assert set(intake_centres(tree.court_liaison)) == {tree.s2}
    case = register_entrusted(actor=tree.court_liaison, centre=tree.s2, court=tree.court)
    assert case.entrusting_court == tree.court
    with pytest.raises(NotPermitted):
        register_entrusted(actor=tree.court_liaison, centre=tree.s1, court=tree.court)


# --- Transfers to a court -------------------------------------------------------------------------


def test_a_case_is_not_transferred_to_a_court_that_does_not_serve_its_centre(tree: Tree) -> None:
    case = register(actor=tree.admin, centre=tree.s2)
    with pytest.raises(InvalidInput) as raised:
        workflow.transition(
            case=case,
            name="transfer",
            actor=tree.admin,
            data=data_for("transfer", target=tree.court),
        )
    assert set(raised.value.fields) == {"target_centre"}
    case.refresh_from_db()
    assert (case.status, case.transfer_target) == ("registered", None)


def test_a_case_is_transferred_to_a_court_that_serves_its_centre(tree: Tree) -> None:
    case = register(actor=tree.admin, centre=tree.s1)
    moved = workflow.transition(
        case=case, name="transfer", actor=tree.admin, data=data_for("transfer", target=tree.court)
    )
    assert moved.transfer_target == tree.court


# --- Agreements: signed and effective in the past ---------------------------------------------------


@pytest.mark.parametrize("name", ["signed_on", "effective_on"])
def test_an_agreement_is_not_signed_or_effective_in_the_future(tree: Tree, name: str) -> None:
    case = register(actor=tree.admin, centre=tree.s1)
    case = workflow.transition(case=case, name="accept", actor=tree.admin)
    case = workflow.transition(
        case=case, name="assign", actor=tree.admin, data=data_for("assign", mediator=tree.med_s1)
    )
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    agreement = {"terms": "晚十点后不再施工", name: tomorrow}
    with pytest.raises(InvalidInput) as raised:
        workflow.transition(
            case=case, name="resolve", actor=tree.admin, data={"agreement": agreement}
        )
    assert set(raised.value.fields) == {f"agreement.{name}"}
    case.refresh_from_db()
    assert case.status == "in_mediation"
