"""Case notes over HTTP: `GET/POST /api/v1/cases/{id}/notes/` (issue 19, docs/api.md "Case notes")."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cases.models import Case, Event, Note, Status
from cases.services.notes import write_note
from tests.api.support import assert_error, client_for
from tests.factories import Tree, drive, register, register_entrusted

pytestmark = pytest.mark.django_db


def s1_case(tree: Tree) -> Case:
    case = register(actor=tree.intake_s1, centre=tree.s1)
    return drive(case, Status.IN_MEDIATION, actor=tree.director_d1, mediator=tree.med_s1)


def url(case: Case) -> str:
    return f"/api/v1/cases/{case.pk}/notes/"


def test_a_mediator_writes_a_note_and_whoever_sees_the_case_reads_it(tree: Tree) -> None:
    case = s1_case(tree)
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = client_for(tree.mediator_s1_user).post(
        url(case),
        {"kind": "visit", "happened_on": yesterday,
         "text": f"上门走访双方，已告知 @{tree.director_d1.username}。"},
        format="json",
    )  # fmt: skip

    assert response.status_code == 201, response.content
    note = response.json()
    assert note["kind"] == "visit" and note["kind_label"] == "Visit"
    assert (note["happened_on"], note["author"]) == (yesterday, tree.mediator_s1_user.username)
    assert note["mentions"] == [tree.director_d1.username]
    assert (note["corrects"], note["corrected_by"]) == (None, None)
    assert "ETag" not in response  # the case is not edited: no If-Match, no new version
    case_after = client_for(tree.observer_d1).get(f"/api/v1/cases/{case.pk}/")
    assert case_after.json()["version"] == case.version

    for reader in (tree.observer_d1, tree.director_c, tree.intake_s1):
        listed = client_for(reader).get(url(case))
        assert listed.status_code == 200
        assert [n["id"] for n in listed.json()["results"]] == [note["id"]]
    timeline = client_for(tree.observer_d1).get(f"/api/v1/cases/{case.pk}/events/").json()
    assert timeline["results"][-1]["kind"] == "note"
    assert timeline["results"][-1]["after"]["note"] == note["id"]


def test_a_correction_names_the_old_note_and_the_list_is_newest_first(tree: Tree) -> None:
    case = s1_case(tree)
    client = client_for(tree.director_d1)
    first = client.post(url(case), {"kind": "call", "text": "约定周二"}, format="json").json()
    fixed = client.post(
        url(case), {"kind": "call", "text": "约定周三", "corrects": first["id"]}, format="json"
    )
    assert fixed.status_code == 201, fixed.content
    assert fixed.json()["corrects"] == first["id"]

    listed = client.get(url(case)).json()["results"]
    assert [n["id"] for n in listed] == [fixed.json()["id"], first["id"]]
    assert listed[1]["text"] == "约定周二"  # unchanged
    assert listed[1]["corrected_by"] == fixed.json()["id"]

    again = client.post(
        url(case), {"kind": "call", "text": "约定周四", "corrects": first["id"]}, format="json"
    )
    assert "corrects" in assert_error(again, 400, "invalid")["fields"]


def test_the_list_is_paginated(tree: Tree) -> None:
    case = s1_case(tree)
    for n in range(3):
        write_note(case=case, actor=tree.director_d1, kind="other", text=f"第{n}条")
    client = client_for(tree.director_d1)
    first = client.get(url(case), {"page_size": 2}).json()
    assert len(first["results"]) == 2 and first["next"]
    rest = client.get(first["next"]).json()
    assert [n["text"] for n in first["results"] + rest["results"]] == ["第2条", "第1条", "第0条"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "gossip", "text": "x"}, "kind"),
        ({"kind": "call"}, "text"),
        ({"kind": "call", "text": "   "}, "text"),
        ({"kind": "call", "text": "明天", "happened_on": "2099-01-01"}, "happened_on"),
        ({"kind": "call", "text": "x", "happened_on": "yesterday"}, "happened_on"),
        ({"kind": "call", "text": "x", "corrects": 999_999_999}, "corrects"),
        ({"kind": "call", "text": "x", "corrects": 1.5}, "corrects"),
        ({"kind": "call", "text": "告知 @nobody-at-all"}, "text"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(
    tree: Tree, body: dict[str, object], field: str
) -> None:
    case = s1_case(tree)
    events = Event.objects.filter(case=case).count()
    response = client_for(tree.director_d1).post(url(case), body, format="json")
    assert field in assert_error(response, 400, "invalid")["fields"]
    assert Event.objects.filter(case=case).count() == events
    assert not Note.objects.filter(case=case).exists()


def test_mentioning_a_user_outside_the_cases_scope_is_refused(tree: Tree) -> None:
    case = s1_case(tree)
    response = client_for(tree.director_d1).post(
        url(case), {"kind": "call", "text": f"@{tree.director_d2.username} 请看"}, format="json"
    )
    error = assert_error(response, 400, "invalid")
    assert f"@{tree.director_d2.username}" in error["fields"]["text"][0]


def test_a_note_of_another_case_cannot_be_corrected(tree: Tree) -> None:
    case, other = s1_case(tree), s1_case(tree)
    foreign = write_note(case=other, actor=tree.director_d1, kind="call", text="另一案件")
    response = client_for(tree.director_d1).post(
        url(case), {"kind": "call", "text": "更正", "corrects": foreign.pk}, format="json"
    )
    assert "corrects" in assert_error(response, 400, "invalid")["fields"]


@pytest.mark.parametrize("who", ["observer_d1", "court_liaison"])
def test_readers_get_403_even_with_a_bad_body(tree: Tree, who: str) -> None:
    case = register(actor=tree.intake_s1, centre=tree.s1)
    if who == "court_liaison":
        case = register_entrusted(actor=tree.court_liaison, centre=tree.s1, court=tree.court)
    client = client_for(getattr(tree, who))
    assert client.get(url(case)).status_code == 200
    for body in ({"kind": "call", "text": "只读"}, {"kind": "nonsense"}):
        assert_error(client.post(url(case), body, format="json"), 403, "permission_denied")
    assert not Note.objects.filter(case=case).exists()


def test_a_case_outside_the_scope_is_404_like_a_missing_one(tree: Tree) -> None:
    case = s1_case(tree)
    write_note(case=case, actor=tree.director_d1, kind="call", text="本案记录")
    client = client_for(tree.director_d2)
    missing = client.get("/api/v1/cases/999999999/notes/")
    for response in (
        client.get(url(case)),
        client.post(url(case), {"kind": "call", "text": "越权"}, format="json"),
    ):
        assert_error(response, 404, "not_found")
        assert response.json() == missing.json()
    assert Note.objects.filter(case=case).count() == 1
