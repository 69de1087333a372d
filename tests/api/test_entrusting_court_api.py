"""Intake over the API names only a court that serves the registering centre, and no date of what
already happened lies in the future (issue 15, leak 4)."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from cases.models import Case, Centre, CentreKind, CentreLevel, Event, Membership, Party, Role
from tests.api.support import assert_error, client_for, results
from tests.factories import (
    CentreFactory,
    MembershipFactory,
    Tree,
    data_for,
    drive,
    register,
    register_entrusted,
    seeded_category,
)

pytestmark = pytest.mark.django_db

CASES = "/api/v1/cases/"


def d2_court_and_liaison(tree: Tree) -> tuple[Centre, Any]:
    court = CentreFactory.create(
        parent=tree.d2, level=CentreLevel.STREET, kind=CentreKind.COURT, name_zh="江汉区人民法院"
    )
    liaison = MembershipFactory.create(centre=court, role=Role.COURT_LIAISON).user
    return court, liaison


def entrusted_body(centre: Centre, court: Centre, **extra: Any) -> dict[str, Any]:
    return {
        "centre": centre.pk,
        "channel": "court_entrusted",
        "category": seeded_category().pk,
        "summary": "邻里纠纷，法院诉前委派",
        "entrusting_court": court.pk,
        "court_case_number": "(2026)鄂0103民诉前调9号",
        "entrusted_on": timezone.localdate().isoformat(),
        "parties": [
            {"role": "applicant", "name": "张三", "phone": "13812345678"},
            {"role": "respondent", "name": "李四", "id_number": "420102199001011236"},
        ],
        **extra,
    }


def state() -> tuple[int, int, int]:
    return Case.objects.count(), Party.objects.count(), Event.objects.count()


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_an_intake_officer_cannot_name_another_districts_court(tree: Tree, language: str) -> None:
    court, liaison = d2_court_and_liaison(tree)
    before = state()
    response = client_for(tree.intake_s1, language=language).post(
        CASES, entrusted_body(tree.s1, court), format="json"
    )
    error = assert_error(response, 400, "invalid")
    assert set(error["fields"]) == {"entrusting_court"}
    expected = {
        "en": "This court does not serve the area of the registering centre.",
        "zh-hans": "该法院不负责登记中心所在的辖区，不能作为委派法院。",
    }[language]
    assert error["fields"]["entrusting_court"] == [expected]
    assert state() == before
    # The other district's court liaison has nothing to read or reveal.
    assert results(client_for(liaison).get(CASES)) == []
    assert not Case.objects.filter(entrusting_court=court).exists()


def test_an_intake_officer_names_the_court_of_the_district(tree: Tree) -> None:
    response = client_for(tree.intake_s1).post(
        CASES, entrusted_body(tree.s1, tree.court), format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["entrusting_court"] == tree.court.pk
    assert response.json()["entrusted_on"] == timezone.localdate().isoformat()
    listed = results(client_for(tree.court_liaison).get(CASES))
    assert [c["id"] for c in listed] == [response.json()["id"]]


def test_a_court_configured_to_serve_the_area_may_be_named(tree: Tree) -> None:
    court, liaison = d2_court_and_liaison(tree)
    court.served_areas.set([tree.s1])
    response = client_for(tree.intake_s1).post(CASES, entrusted_body(tree.s1, court), format="json")
    assert response.status_code == 201, response.content
    assert [c["id"] for c in results(client_for(liaison).get(CASES))] == [response.json()["id"]]


@pytest.mark.parametrize("day", ["9999-12-31", "tomorrow"])
def test_an_entrustment_date_in_the_future_is_refused(tree: Tree, day: str) -> None:
    if day == "tomorrow":
        day = (timezone.localdate() + timedelta(days=1)).isoformat()
    before = state()
    response = client_for(tree.intake_s1).post(
        CASES, entrusted_body(tree.s1, tree.court, entrusted_on=day), format="json"
    )
    error = assert_error(response, 400, "invalid")
    assert error["fields"] == {"entrusted_on": ["This date is in the future."]}
    assert state() == before


def test_the_court_of_a_case_is_not_changed_by_an_edit(tree: Tree) -> None:
    court, _liaison = d2_court_and_liaison(tree)
    case = register_entrusted(actor=tree.admin, centre=tree.s1, court=tree.court)
    client = client_for(tree.intake_s1)
    response = client.patch(
        f"{CASES}{case.pk}/",
        {"entrusting_court": court.pk, "summary": "邻里纠纷"},
        format="json",
        headers={"If-Match": f'"{case.version}"'},
    )
    assert response.status_code == 200, response.content
    assert response.json()["entrusting_court"] == tree.court.pk
    case.refresh_from_db()
    assert case.entrusting_court == tree.court


def test_a_transfer_to_another_districts_court_is_refused(tree: Tree) -> None:
    court, liaison = d2_court_and_liaison(tree)
    case = register(actor=tree.admin, centre=tree.s1)
    response = client_for(tree.director_d1).post(
        f"{CASES}{case.pk}/transitions/transfer/",
        data_for("transfer", target=court),
        format="json",
        headers={"If-Match": f'"{case.version}"'},
    )
    error = assert_error(response, 400, "invalid")
    assert set(error["fields"]) == {"target_centre"}
    assert results(client_for(liaison).get(CASES)) == []
    assert Membership.objects.filter(centre=court).count() == 1


@pytest.mark.parametrize("name", ["signed_on", "effective_on"])
def test_an_agreement_dated_in_the_future_is_refused(tree: Tree, name: str) -> None:
    case = drive(
        register(actor=tree.admin, centre=tree.s1),
        "in_mediation",
        actor=tree.admin,
        mediator=tree.med_s1,
    )
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = client_for(tree.mediator_s1_user).post(
        f"{CASES}{case.pk}/transitions/resolve/",
        {"agreement": {"terms": "晚十点后不再施工", name: tomorrow}},
        format="json",
        headers={"If-Match": f'"{case.version}"'},
    )
    error = assert_error(response, 400, "invalid")
    assert error["fields"] == {f"agreement.{name}": ["This date is in the future."]}
    case.refresh_from_db()
    assert case.status == "in_mediation"


def test_an_agreement_signed_today_is_accepted(tree: Tree) -> None:
    case = drive(
        register(actor=tree.admin, centre=tree.s1),
        "in_mediation",
        actor=tree.admin,
        mediator=tree.med_s1,
    )
    today = timezone.localdate().isoformat()
    response = client_for(tree.mediator_s1_user).post(
        f"{CASES}{case.pk}/transitions/resolve/",
        {"agreement": {"terms": "晚十点后不再施工", "signed_on": today, "effective_on": today}},
        format="json",
        headers={"If-Match": f'"{case.version}"'},
    )
    assert response.status_code == 200, response.content
    case.refresh_from_db()
    assert str(case.agreement.signed_on) == today
