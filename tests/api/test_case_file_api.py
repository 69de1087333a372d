"""``GET /api/v1/cases/{id}/case-file/`` (issue 19): the whole case file (卷宗) as one PDF for the
archive; the agreement in it in clear only for a user who may reveal (one logged event)."""

import io
import sys
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from cases.models import Case, Event, EventKind
from tests.api.support import assert_error, client_for
from tests.attachment_files import use_tmp_storage
from tests.factories import Tree
from tests.web.test_case_file import (
    CLEAR_ID,
    MASKED_ID,
    NOTES,
    STATEMENTS,
    TERMS,
    assert_in_order,
    build_case,
    squeezed,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(tree: Tree, settings: Any, tmp_path: Path) -> Case:
    use_tmp_storage(settings, tmp_path)
    return build_case(tree)


def url(case: Case) -> str:
    return f"/api/v1/cases/{case.pk}/case-file/"


def text_of(response: Any) -> str:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return squeezed("".join(page.extract_text() for page in reader.pages))


def reveals(case: Case) -> list[Event]:
    return list(Event.objects.filter(case=case, kind=EventKind.REVEAL).order_by("id"))


def test_the_case_file_in_order_with_the_agreement_in_clear(tree: Tree, case: Case) -> None:
    response = client_for(tree.mediator_s1_user).get(url(case))

    text = text_of(response)
    assert response["Content-Disposition"] == (
        f'attachment; filename="{case.number}-case-file.pdf"'
    )
    cache_control = response["Cache-Control"]
    assert "no-store" in cache_control and "private" in cache_control
    assert_in_order(
        text,
        "People'smediationcasefile",
        case.number,
        "Index",
        "Disputeregistrationform",
        STATEMENTS[0],
        STATEMENTS[3],
        squeezed(NOTES[1]),
        "People'sMediationAgreement",
        CLEAR_ID,
        squeezed(TERMS),
        "Follow-up",
        "借条照片.jpg",
        "维修报价单.pdf",
        "错传的照片.jpg",
    )
    [event] = reveals(case)
    assert event.actor == tree.mediator_s1_user and event.after["document"] == "case_file"


def test_an_observer_gets_the_masked_copy_and_nothing_is_revealed(tree: Tree, case: Case) -> None:
    text = text_of(client_for(tree.observer_d1).get(url(case)))
    assert CLEAR_ID not in text and MASKED_ID in text and "Copy,notforsignature" in text
    assert reveals(case) == []


def test_out_of_scope_not_found(tree: Tree, case: Case) -> None:
    assert_error(client_for(tree.director_d2).get(url(case)), 404, "not_found")
    assert reveals(case) == []


def test_without_the_renderer_503_and_nothing_revealed(
    tree: Tree, case: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "weasyprint", None)
    response = client_for(tree.director_d1).get(url(case))
    assert_error(response, 503, "pdf_unavailable")
    assert reveals(case) == []
