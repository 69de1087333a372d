"""A party's full identity through the API (issue 19): given at intake, shown with the case, and
refused with the field named (``parties.{i}.{field}``) when it cannot be right."""

from typing import Any

import pytest

from cases.models import Case, Event, Party
from tests.api.support import assert_error, client_for
from tests.factories import Tree, credit_code, resident_id, seeded_category

pytestmark = pytest.mark.django_db

CASES = "/api/v1/cases/"
ID_NUMBER = resident_id("42010619920615552")  # a woman born 15 June 1992
CREDIT_CODE = credit_code("91420100MA4K12345")


def wrong_last(number: str) -> str:
    """``number`` with another check character."""
    return number[:17] + ("1" if number[17] != "1" else "2")


def body(tree: Tree, *parties: dict[str, Any]) -> dict[str, Any]:
    return {
        "centre": tree.s1.pk,
        "channel": "walk_in",
        "category": seeded_category().pk,
        "summary": "楼上漏水致天花板受损",
        "parties": list(parties),
    }


PERSON = {"role": "applicant", "name": "张三", "id_number": ID_NUMBER, "ethnicity": "03"}
ORGANISATION = {
    "role": "respondent",
    "kind": "organisation",
    "name": "武汉某某物业服务有限公司",
    "id_number": CREDIT_CODE,
    "phone": "027-85551234",
    "legal_representative": "王五",
    "address": "江汉区新华路1号",
}


def test_intake_takes_the_identity_and_the_case_shows_it(tree: Tree) -> None:
    client = client_for(tree.intake_s1)
    response = client.post(CASES, body(tree, PERSON, ORGANISATION), format="json")
    assert response.status_code == 201, response.content

    shown = client.get(f"{CASES}{response.json()['id']}/").json()["parties"]
    person, organisation = shown
    assert {k: person[k] for k in ("document_type", "gender", "ethnicity", "birth_date")} == {
        "document_type": "resident_id",
        "gender": "female",
        "ethnicity": "03",
        "birth_date": "1992-06-15",
    }
    assert person["legal_representative"] == ""
    assert {k: organisation[k] for k in ("document_type", "legal_representative", "address")} == {
        "document_type": "credit_code",
        "legal_representative": "王五",
        "address": "江汉区新华路1号",
    }
    assert (organisation["gender"], organisation["ethnicity"], organisation["birth_date"]) == (
        "",
        "",
        None,
    )


def test_a_party_without_an_id_number_has_no_document_type(tree: Tree) -> None:
    client = client_for(tree.intake_s1)
    response = client.post(
        CASES, body(tree, {"name": "李四", "phone": "+86 139 0013 9000"}), format="json"
    )
    assert response.status_code == 201, response.content
    (party,) = client.get(f"{CASES}{response.json()['id']}/").json()["parties"]
    assert (party["document_type"], party["phone"]) == ("", "139****9000")


BAD = [
    ("17-digit ID number", 0, {"id_number": ID_NUMBER[:17]}, "id_number"),
    ("wrong check digit", 0, {"id_number": wrong_last(ID_NUMBER)}, "id_number"),
    ("30 February", 0, {"id_number": resident_id("42010619920230552")}, "id_number"),
    ("7-digit phone", 0, {"phone": "5551234"}, "phone"),
    ("another gender", 0, {"gender": "male"}, "gender"),
    ("another date of birth", 0, {"birth_date": "1992-06-16"}, "birth_date"),
    ("a date that does not exist", 0, {"birth_date": "1992-02-30"}, "birth_date"),
    ("an unknown ethnicity", 0, {"ethnicity": "Han"}, "ethnicity"),
    ("an unknown document type", 0, {"document_type": "driving_licence"}, "document_type"),
    ("a person's credit code", 0, {"document_type": "credit_code"}, "document_type"),
    ("a person's legal representative", 0, {"legal_representative": "王五"}, "legal_representative"),
    ("credit code with I", 1, {"id_number": "91420100MA4K1234I0"}, "id_number"),
    ("credit code with O", 1, {"id_number": "91420100MA4KO2345" + "0"}, "id_number"),
    ("wrong credit code check", 1, {"id_number": wrong_last(CREDIT_CODE)}, "id_number"),
    ("an organisation's gender", 1, {"gender": "male"}, "gender"),
    ("an organisation's date of birth", 1, {"birth_date": "1990-01-01"}, "birth_date"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("position", "changes", "field"),
    [(p, c, f) for _, p, c, f in BAD],
    ids=[label for label, *_ in BAD],
)
def test_a_wrong_identity_is_refused_naming_the_field_and_nothing_is_written(
    tree: Tree, position: int, changes: dict[str, Any], field: str
) -> None:
    parties = [dict(PERSON), dict(ORGANISATION)]
    parties[position].update(changes)
    before = (Case.objects.count(), Party.objects.count(), Event.objects.count())

    response = client_for(tree.intake_s1).post(CASES, body(tree, *parties), format="json")

    error = assert_error(response, 400)
    assert list(error["fields"]) == [f"parties.{position}.{field}"], error
    assert (Case.objects.count(), Party.objects.count(), Event.objects.count()) == before
