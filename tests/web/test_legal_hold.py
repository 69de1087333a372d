"""The legal hold and anonymisation on the case page (issue 22)."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases.models import Case
from cases.services.anonymisation import anonymise_case
from cases.services.attachments import upload_attachment
from tests.attachment_files import pdf, upload, use_tmp_storage
from tests.factories import Tree, register

pytestmark = pytest.mark.django_db


def test_a_director_sets_a_hold_from_the_case_page_and_the_page_shows_it(
    tree: Tree, client_for: Callable[..., Client]
) -> None:
    case = register(actor=tree.intake_s1, centre=tree.s1)
    client = client_for(tree.director_d1)
    hold_url = reverse("web:case_legal_hold", args=[case.pk])
    page = client.get(reverse("web:case_detail", args=[case.pk])).content.decode()
    assert hold_url in page and "Set a legal hold" in page

    refused = client.post(hold_url, {"reason": ""})
    assert refused.status_code == 400
    response = client.post(hold_url, {"reason": "涉诉保全"})
    assert response.status_code == 303
    assert Case.objects.get(pk=case.pk).legal_hold is True
    page = client.get(reverse("web:case_detail", args=[case.pk])).content.decode()
    assert "On legal hold: 涉诉保全" in page and "Release the legal hold" in page

    mediator_page = client_for(tree.intake_s1).get(reverse("web:case_detail", args=[case.pk]))
    assert hold_url not in mediator_page.content.decode()
    assert client_for(tree.intake_s1).post(hold_url, {"reason": "x"}).status_code == 403


def test_an_anonymised_case_says_so_and_its_files_answer_410(
    tree: Tree,
    client_for: Callable[..., Client],
    settings: Any,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    use_tmp_storage(settings, tmp_path)
    case = register(actor=tree.intake_s1, centre=tree.s1)
    attachment = upload_attachment(
        case=case, actor=tree.intake_s1, file=upload("证据.pdf", pdf()), kind="other"
    )
    with django_capture_on_commit_callbacks(execute=True):
        anonymise_case(case, actor=None, reason="retention", at=timezone.now())
    client = client_for(tree.director_d1)

    page = client.get(reverse("web:case_detail", args=[case.pk])).content.decode()
    assert "Parties, notes and files anonymised at the end of the retention period." in page
    assert "张三" not in page
    download = client.get(reverse("web:attachment_download", args=[case.pk, attachment.pk]))
    assert download.status_code == 410
    assert "deleted when the personal data of the case was anonymised" in download.content.decode()
