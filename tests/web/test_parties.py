"""A case's parties changed from the case page (issue 19): "Add a party", "Correct" and "Remove",
each a form page with its reason, for those who may edit the case."""

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from cases import personal_data
from cases.models import Case, Event, Party, PartyRole, Status
from tests.factories import Tree, drive, register

pytestmark = pytest.mark.django_db


def s1_case(tree: Tree, status: str = Status.IN_MEDIATION) -> Case:
    case = register(actor=tree.intake_s1, centre=tree.s1)
    return drive(case, status, actor=tree.director_d1, mediator=tree.med_s1)


def version(case: Case) -> int:
    case.refresh_from_db()
    return case.version


def state(case: Case) -> tuple[Any, ...]:
    case.refresh_from_db()
    rows = list(Party.objects.filter(case=case).order_by("pk").values())
    return case.version, rows, Event.objects.filter(case=case).count()


def test_the_case_page_offers_the_changes_to_those_who_may_edit(
    tree: Tree, client_for: Callable[..., Client]
) -> None:
    case = s1_case(tree)
    party = case.parties.get(role=PartyRole.RESPONDENT)
    html = client_for(tree.mediator_s1_user).get(reverse("web:case_detail", args=[case.pk]))
    text = html.content.decode()
    assert reverse("web:party_add", args=[case.pk]) in text
    assert reverse("web:party_correct", args=[case.pk, party.pk]) in text
    assert reverse("web:party_remove", args=[case.pk, party.pk]) in text
    # The observer reads the case, not these.
    observed = client_for(tree.observer_d1).get(reverse("web:case_detail", args=[case.pk]))
    assert reverse("web:party_add", args=[case.pk]) not in observed.content.decode()
    assert (
        client_for(tree.observer_d1).get(reverse("web:party_add", args=[case.pk])).status_code
        == 403
    )
    # A concluded case: no more changes offered, the pages refuse.
    closed = s1_case(tree, Status.CLOSED)
    director = client_for(tree.director_d1)
    closed_page = director.get(reverse("web:case_detail", args=[closed.pk])).content.decode()
    assert reverse("web:party_add", args=[closed.pk]) not in closed_page
    assert director.get(reverse("web:party_add", args=[closed.pk])).status_code == 403


def test_adding_a_party_from_its_form(tree: Tree, client_for: Callable[..., Client]) -> None:
    case = s1_case(tree)
    client = client_for(tree.intake_s1)
    url = reverse("web:party_add", args=[case.pk])
    form = client.get(url)
    assert form.status_code == 200
    assert 'name="reason"' in form.content.decode()

    response = client.post(url, {
        "version": version(case), "role": "third_party", "kind": "person", "name": "王五",
        "phone": "137 1234 5678", "reason": "漏登第三人",
    })  # fmt: skip

    assert response.status_code == 303
    assert response["Location"].endswith(reverse("web:case_detail", args=[case.pk]) + "#parties")
    party = case.parties.get(name="王五")
    assert personal_data.decrypt(party.phone_encrypted) == "13712345678"
    event = Event.objects.filter(case=case).latest("id")
    assert (event.name, event.after["reason"]) == ("add_party", "漏登第三人")
    assert "王五" in client.get(response["Location"]).content.decode()


def test_errors_are_shown_at_their_fields_and_nothing_changes(
    tree: Tree, client_for: Callable[..., Client]
) -> None:
    case = s1_case(tree)
    client = client_for(tree.intake_s1)
    before = state(case)
    response = client.post(reverse("web:party_add", args=[case.pk]), {
        "version": version(case), "role": "third_party", "kind": "person", "name": "王五",
        "phone": "12", "reason": "",
    })  # fmt: skip
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_phone_error"' in html and 'id="id_reason_error"' in html
    assert state(case) == before


def test_correcting_a_phone_keeps_the_id_number_left_empty(
    tree: Tree, client_for: Callable[..., Client]
) -> None:
    case = s1_case(tree)
    applicant = case.parties.get(role=PartyRole.APPLICANT)
    stored_id = applicant.id_number_encrypted
    client = client_for(tree.mediator_s1_user)
    url = reverse("web:party_correct", args=[case.pk, applicant.pk])
    form = client.get(url).content.decode()
    # The form holds the party's fields, the personal data only masked (never in clear).
    assert f'value="{applicant.name}"' in form and applicant.phone_masked in form
    assert "13812345678" not in form

    response = client.post(url, {
        "version": version(case), "role": applicant.role, "kind": applicant.kind,
        "name": applicant.name, "id_number": "", "phone": "13987654321", "reason": "电话录错",
    })  # fmt: skip

    assert response.status_code == 303
    applicant.refresh_from_db()
    assert personal_data.decrypt(applicant.phone_encrypted) == "13987654321"
    assert applicant.id_number_encrypted == stored_id
    event = Event.objects.filter(case=case).latest("id")
    assert set(event.after) == {"party", "phone", "reason"}


def test_a_stale_form_is_refused_with_409_and_the_current_version(
    tree: Tree, client_for: Callable[..., Client]
) -> None:
    case = s1_case(tree)
    respondent = case.parties.get(role=PartyRole.RESPONDENT)
    client = client_for(tree.director_d1)
    stale = version(case) - 1
    before = state(case)
    response = client.post(reverse("web:party_correct", args=[case.pk, respondent.pk]), {
        "version": stale, "role": respondent.role, "kind": respondent.kind, "name": "李肆",
        "reason": "笔误",
    })  # fmt: skip
    assert response.status_code == 409
    html = response.content.decode()
    assert 'id="party-error"' in html
    assert f'name="version" value="{version(case)}"' in html
    assert state(case) == before


def test_removing_asks_for_confirmation_and_a_reason(
    tree: Tree, client_for: Callable[..., Client]
) -> None:
    case = s1_case(tree)
    respondent = case.parties.get(role=PartyRole.RESPONDENT)
    client = client_for(tree.director_d1)
    url = reverse("web:party_remove", args=[case.pk, respondent.pk])
    confirm = client.get(url)
    assert confirm.status_code == 200
    assert respondent.name in confirm.content.decode()
    assert Party.objects.filter(pk=respondent.pk).exists()  # asking removes nothing

    no_reason = client.post(url, {"version": version(case), "reason": " "})
    assert no_reason.status_code == 400 and 'id="id_reason_error"' in no_reason.content.decode()
    assert Party.objects.filter(pk=respondent.pk).exists()

    done = client.post(url, {"version": version(case), "reason": "误登"})
    assert done.status_code == 303
    assert not Party.objects.filter(pk=respondent.pk).exists()


def test_the_only_applicant_is_not_removed(tree: Tree, client_for: Callable[..., Client]) -> None:
    case = s1_case(tree)
    applicant = case.parties.get(role=PartyRole.APPLICANT)
    before = state(case)
    response = client_for(tree.director_d1).post(
        reverse("web:party_remove", args=[case.pk, applicant.pk]),
        {"version": version(case), "reason": "误登"},
    )
    assert response.status_code == 409
    assert "applicant" in response.content.decode()
    assert state(case) == before


def test_another_cases_party_is_not_found_through_this_case(
    tree: Tree, client_for: Callable[..., Client]
) -> None:
    case, other = s1_case(tree), s1_case(tree)
    theirs = other.parties.get(role=PartyRole.RESPONDENT)
    client = client_for(tree.director_d1)
    for name in ("web:party_correct", "web:party_remove"):
        assert client.get(reverse(name, args=[case.pk, theirs.pk])).status_code == 404
