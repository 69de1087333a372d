"""The intake page offers and takes only the courts that serve the registering centre, and refuses
an entrustment date in the future (issue 15, leak 4)."""

from typing import Any

import pytest
from django.utils import timezone

from cases.models import Case, Centre, CentreKind, CentreLevel, Channel, Event, Party
from tests.factories import CentreFactory, Tree
from tests.web.test_intake import INTAKE, ClientFor, error_at, options, post_data, two_parties

pytestmark = pytest.mark.django_db


def d2_court(tree: Tree) -> Centre:
    return CentreFactory.create(
        parent=tree.d2, level=CentreLevel.STREET, kind=CentreKind.COURT, name_zh="江汉区人民法院"
    )


def entrusted(centre: Centre, court: Centre, **extra: Any) -> dict[str, Any]:
    applicant, respondent = two_parties()
    fields: dict[str, Any] = {
        "channel": Channel.COURT_ENTRUSTED,
        "entrusting_court": court.pk,
        "court_case_number": "(2026)鄂0102民诉前调8号",
        "entrusted_on": timezone.localdate().isoformat(),
        **extra,
    }
    return post_data(centre, applicant, respondent, **fields)


def state() -> tuple[int, int, int]:
    return Case.objects.count(), Party.objects.count(), Event.objects.count()


def test_the_court_select_offers_only_the_courts_serving_the_officers_centre(
    tree: Tree, client_for: ClientFor
) -> None:
    other = d2_court(tree)
    page = client_for(tree.intake_s1).get(INTAKE).content.decode()
    assert options(page, "id_entrusting_court") == {
        "": "---------",
        str(tree.court.pk): tree.court.name_en,
    }
    # Configured to serve S1 as well: now offered too.
    other.served_areas.set([tree.s1])
    page = client_for(tree.intake_s1).get(INTAKE).content.decode()
    assert set(options(page, "id_entrusting_court")) == {"", str(tree.court.pk), str(other.pk)}


def test_a_director_is_offered_the_courts_of_the_subtree(tree: Tree, client_for: ClientFor) -> None:
    d2_court(tree)
    page = client_for(tree.director_d1).get(INTAKE).content.decode()
    assert set(options(page, "id_entrusting_court")) == {"", str(tree.court.pk)}


def test_an_intake_officer_cannot_post_another_districts_court(
    tree: Tree, client_for: ClientFor
) -> None:
    court = d2_court(tree)
    before = state()
    response = client_for(tree.intake_s1).post(INTAKE, entrusted(tree.s1, court))
    assert response.status_code == 400
    assert "Select a valid choice" in error_at(response.content.decode(), "id_entrusting_court")
    assert state() == before
    assert not Case.objects.filter(entrusting_court=court).exists()


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_court_that_does_not_serve_the_chosen_centre_is_refused_at_its_field(
    tree: Tree, client_for: ClientFor, language: str
) -> None:
    # The city director may register anywhere, and every court serves somewhere in the city;
    # the court of D2 does not serve S1.
    court = d2_court(tree)
    before = state()
    response = client_for(tree.director_c, language=language).post(
        INTAKE, entrusted(tree.s1, court)
    )
    assert response.status_code == 400
    expected = {
        "en": "This court does not serve the area of the registering centre.",
        "zh-hans": "该法院不负责登记中心所在的辖区，不能作为委派法院。",
    }[language]
    assert error_at(response.content.decode(), "id_entrusting_court") == f"<li>{expected}</li>"
    assert state() == before


def test_an_entrustment_date_in_the_future_is_refused(tree: Tree, client_for: ClientFor) -> None:
    before = state()
    response = client_for(tree.intake_s1).post(
        INTAKE, entrusted(tree.s1, tree.court, entrusted_on="9999-12-31")
    )
    assert response.status_code == 400
    assert error_at(response.content.decode(), "id_entrusted_on") == (
        "<li>This date is in the future.</li>"
    )
    assert state() == before


def test_an_entrustment_dated_today_is_registered(tree: Tree, client_for: ClientFor) -> None:
    response = client_for(tree.intake_s1).post(INTAKE, entrusted(tree.s1, tree.court))
    assert response.status_code == 303, response.content.decode()[:2000]
    case = Case.objects.get()
    assert (case.entrusting_court, case.entrusted_on) == (tree.court, timezone.localdate())
