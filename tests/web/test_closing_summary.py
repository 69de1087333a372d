"""A court-entrusted case that ends without agreement goes back to its court with a closing summary
(DESIGN §3 "Courts"): the court's liaison is told and reads the summary, as a page or a PDF."""

import io
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from cases import workflow
from cases.models import Notification, NotificationKind, Status
from cases.services.sessions import book_session, record_session
from tests.factories import Tree, build_tree, data_for, drive, register, register_entrusted

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree() -> Tree:
    return build_tree()


def failed_entrusted(tree: Tree) -> Any:
    case = register_entrusted(actor=tree.admin, centre=tree.s1, court=tree.court)
    case = drive(case, Status.IN_MEDIATION, actor=tree.admin, mediator=tree.med_s1)
    starts = timezone.now() - timedelta(days=1)
    session = book_session(
        case=case,
        actor=tree.admin,
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        mediators=[tree.med_s1],
        place="调解室",
    )
    record_session(session=session, actor=tree.admin, minutes="双方分歧较大", result="未达成一致")
    return workflow.transition(
        case=case, name="fail", actor=tree.admin,
        data={"guidance": "litigation", "note": "建议回法院审理"},
    )  # fmt: skip


def test_the_courts_liaison_is_told_when_mediation_fails(tree: Tree) -> None:
    case = failed_entrusted(tree)

    [note] = Notification.objects.filter(kind=NotificationKind.RETURNED_TO_COURT)
    assert (note.user, note.case) == (tree.court_liaison, case)


def test_a_withdrawn_entrusted_case_goes_back_too_and_a_plain_one_tells_no_court(
    tree: Tree,
) -> None:
    entrusted = register_entrusted(actor=tree.admin, centre=tree.s1, court=tree.court)
    entrusted = drive(entrusted, Status.WITHDRAWN, actor=tree.admin)
    plain = drive(register(actor=tree.admin, centre=tree.s1), Status.FAILED, actor=tree.admin,
                  mediator=tree.med_s1)  # fmt: skip

    told = Notification.objects.filter(kind=NotificationKind.RETURNED_TO_COURT)
    assert [n.case for n in told] == [entrusted]
    assert plain.status == Status.FAILED


def test_the_liaison_reads_the_summary_with_the_sessions_and_the_guidance(
    tree: Tree, client_for: Callable[..., Client]
) -> None:
    case = failed_entrusted(tree)
    client = client_for(tree.court_liaison, "zh-hans")

    page = client.get(reverse("web:closing_summary", args=[case.pk])).content.decode()

    assert "诉前委派调解终结书" in page
    assert tree.court.name_zh in page and case.court_case_number in page
    assert "未达成一致" in page  # the session held
    assert "诉讼" in page and "建议回法院审理" in page  # the guidance given, and the note
    assert "13900001111" not in page and "139****1111" in page  # personal data masked


def test_the_summary_as_a_pdf(tree: Tree, client_for: Callable[..., Client]) -> None:
    case = failed_entrusted(tree)

    response = client_for(tree.court_liaison).get(
        reverse("web:closing_summary_pdf", args=[case.pk])
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Closing summary of entrusted mediation" in text
    assert case.court_case_number in text


def test_the_case_page_links_the_summary_only_when_the_case_went_back(
    tree: Tree, client_for: Callable[..., Client]
) -> None:
    returned = failed_entrusted(tree)
    resolved = register_entrusted(actor=tree.admin, centre=tree.s1, court=tree.court)
    resolved = drive(resolved, Status.IN_MEDIATION, actor=tree.admin, mediator=tree.med_s1)
    resolved = workflow.transition(
        case=resolved, name="resolve", actor=tree.admin, data=data_for("resolve")
    )
    client = client_for(tree.director_d1)

    summary = reverse("web:closing_summary", args=[returned.pk])
    assert summary in client.get(reverse("web:case_detail", args=[returned.pk])).content.decode()
    page = client.get(reverse("web:case_detail", args=[resolved.pk])).content.decode()
    assert "data-closing-summary" not in page
    assert client.get(reverse("web:closing_summary", args=[resolved.pk])).status_code == 404


@pytest.mark.parametrize("view", ["web:closing_summary", "web:closing_summary_pdf"])
def test_out_of_scope_the_summary_does_not_exist(
    tree: Tree, client_for: Callable[..., Client], view: str
) -> None:
    case = failed_entrusted(tree)

    assert client_for(tree.director_d2).get(reverse(view, args=[case.pk])).status_code == 404
    assert Client().get(reverse(view, args=[case.pk])).status_code == 302  # to the login page
