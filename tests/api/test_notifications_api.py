"""Notifications through the API (the bell's list), and the court's closing summary as a PDF."""

import io
from typing import Any

import pytest
from pypdf import PdfReader

from cases import workflow
from cases.models import Notification, NotificationKind, RiskLevel, Status
from tests.api.support import assert_error, client_for
from tests.factories import Tree, build_tree, drive, register, register_entrusted

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree() -> Tree:
    return build_tree()


def high_risk(tree: Tree, centre: Any) -> Any:
    """A high-risk case; its directors hold its ``high_risk`` entries only (the registration's
    ``awaiting_acceptance`` ones are dropped: these tests count the entries they make)."""
    case = register(actor=tree.admin, centre=centre, risk_level=RiskLevel.HIGH)
    Notification.objects.filter(kind=NotificationKind.AWAITING_ACCEPTANCE).delete()
    return case


def test_the_list_holds_only_your_own_newest_first_and_filters_unread(tree: Tree) -> None:
    first, second = high_risk(tree, tree.s1), high_risk(tree, tree.k1)
    high_risk(tree, tree.s2)  # D2's director is told; D1's is not
    mine = Notification.objects.filter(user=tree.director_d1).order_by("pk")
    mine.filter(case=first).update(read_at=first.registered_at)
    client = client_for(tree.director_d1)

    listed = client.get("/api/v1/notifications/").json()["results"]
    unread = client.get("/api/v1/notifications/?unread=true").json()["results"]

    assert [(n["case_number"], n["read"]) for n in listed] == [
        (second.number, False),
        (first.number, True),
    ]
    assert (
        listed[0]["kind"] == "high_risk" and listed[0]["kind_label"] == "High-risk case registered"
    )
    assert listed[0]["case_visible"] is True
    assert [n["case_number"] for n in unread] == [second.number]


def test_marking_read_touches_only_your_own(tree: Tree) -> None:
    case = high_risk(tree, tree.s1)
    mine = Notification.objects.get(user=tree.director_d1, case=case)
    theirs = Notification.objects.get(user=tree.director_c, case=case)
    client = client_for(tree.director_d1)

    answer = client.post(
        "/api/v1/notifications/read/", {"ids": [mine.pk, theirs.pk]}, format="json"
    )

    assert answer.status_code == 200
    assert answer.json() == {"marked": 1, "unread": 0}
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.read_at is not None and theirs.read_at is None


def test_mark_all(tree: Tree) -> None:
    high_risk(tree, tree.s1), high_risk(tree, tree.k1)
    client = client_for(tree.director_c)

    answer = client.post("/api/v1/notifications/read/", {"all": True}, format="json")

    assert answer.json() == {"marked": 2, "unread": 0}
    assert not Notification.objects.filter(user=tree.director_c, read_at__isnull=True).exists()


@pytest.mark.parametrize("body", [{}, {"ids": []}, {"all": False}, {"ids": ["x"]}])
def test_marking_needs_ids_or_all_and_says_so(tree: Tree, body: dict[str, Any]) -> None:
    high_risk(tree, tree.s1)
    client = client_for(tree.director_d1, language="zh-hans")

    answer = client.post("/api/v1/notifications/read/", body, format="json")

    error = assert_error(answer, 400, "invalid")
    assert [name.split(".")[0] for name in error["fields"]] == ["ids"]
    assert not Notification.objects.filter(read_at__isnull=False).exists()


def test_the_court_gets_the_closing_summary_as_a_pdf(tree: Tree) -> None:
    case = register_entrusted(actor=tree.admin, centre=tree.s1, court=tree.court)
    case = drive(case, Status.FAILED, actor=tree.admin, mediator=tree.med_s1)
    client = client_for(tree.court_liaison)

    told = client.get("/api/v1/notifications/?kind=returned_to_court").json()["results"]
    response = client.get(f"/api/v1/cases/{case.pk}/closing-summary/")

    assert [n["case"] for n in told] == [case.pk]
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f"{case.number}-closing-summary.pdf" in response["Content-Disposition"]
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert case.court_case_number in text and "Litigation" in text


def test_a_case_that_did_not_go_back_has_no_closing_summary(tree: Tree) -> None:
    case = drive(register(actor=tree.admin, centre=tree.s1), Status.IN_MEDIATION,
                 actor=tree.admin, mediator=tree.med_s1)  # fmt: skip
    entrusted = register_entrusted(actor=tree.admin, centre=tree.s1, court=tree.court)
    workflow.transition(case=entrusted, name="accept", actor=tree.admin)

    for pk in (case.pk, entrusted.pk):
        assert_error(client_for(tree.admin).get(f"/api/v1/cases/{pk}/closing-summary/"), 404)
