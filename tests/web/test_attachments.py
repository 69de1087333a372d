"""Files on the case page (issue 19): a photo straight from a phone's camera, type by content,
withdrawal with a reason, downloads through the case only."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from cases.models import Attachment, Case, Event, Status
from cases.services.attachments import upload_attachment
from tests.attachment_files import jpeg, pdf, upload, use_tmp_storage
from tests.factories import Tree, drive, register

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def files(settings: Any, tmp_path: Path) -> Path:
    return use_tmp_storage(settings, tmp_path)


def s1_case(tree: Tree) -> Case:
    case = register(actor=tree.intake_s1, centre=tree.s1)
    return drive(case, Status.IN_MEDIATION, actor=tree.director_d1, mediator=tree.med_s1)


def page(client: Client, case: Case) -> str:
    response = client.get(reverse("web:case_detail", args=[case.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_mediator_takes_a_photo_from_the_case_page(
    tree: Tree, client_for: Callable[..., Client]
) -> None:
    case = s1_case(tree)
    client = client_for(tree.mediator_s1_user)
    html = page(client, case)
    assert 'id="attachments"' in html and 'enctype="multipart/form-data"' in html
    assert 'capture="environment"' in html and 'accept="image/*,application/pdf' in html

    response = client.post(
        reverse("web:attachment_add", args=[case.pk]),
        {"file": upload("IMG_0001.jpg", jpeg(640, 480)), "kind": "photo", "description": "现场"},
    )

    assert response.status_code == 303, response.content.decode()[:500]
    attachment = Attachment.objects.get(case=case)
    html = page(client, case)
    download = reverse("web:attachment_download", args=[case.pk, attachment.pk])
    thumbnail = reverse("web:attachment_thumbnail", args=[case.pk, attachment.pk])
    assert download in html and thumbnail in html and "IMG_0001.jpg" in html
    got = client.get(thumbnail)
    assert got.status_code == 200 and got["Content-Type"] == "image/jpeg"


def test_a_text_file_named_jpg_is_refused_at_the_field(
    tree: Tree, client_for: Callable[..., Client]
) -> None:
    case = s1_case(tree)
    client = client_for(tree.mediator_s1_user, language="zh-hans")
    response = client.post(
        reverse("web:attachment_add", args=[case.pk]),
        {"file": upload("photo.jpg", "文字".encode()), "kind": "photo"},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["file"]
    assert not Attachment.objects.exists()


def test_an_oversize_file_is_refused_naming_the_limit(
    tree: Tree, client_for: Callable[..., Client], settings: Any
) -> None:
    settings.ATTACHMENT_MAX_BYTES = 1000
    case = s1_case(tree)
    response = client_for(tree.mediator_s1_user).post(
        reverse("web:attachment_add", args=[case.pk]),
        {"file": upload("big.pdf", pdf() + b"%" * 2000), "kind": "other"},
    )
    assert response.status_code == 400
    assert "1000 B" in str(response.context["form"].errors["file"])
    assert not Attachment.objects.exists()


def test_a_download_is_on_the_timeline_and_an_observer_may_not_add(
    tree: Tree, client_for: Callable[..., Client]
) -> None:
    case = s1_case(tree)
    attachment = upload_attachment(
        case=case, actor=tree.intake_s1, file=upload("借条.pdf", pdf()), kind="contract"
    )
    observer = client_for(tree.observer_d1)
    html = page(observer, case)
    assert "借条.pdf" in html and 'id="attachment-form"' not in html
    assert observer.get(reverse("web:attachment_add", args=[case.pk])).status_code == 403
    response = observer.get(reverse("web:attachment_download", args=[case.pk, attachment.pk]))
    assert response.status_code == 200 and response.getvalue() == pdf()
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    event = Event.objects.filter(case=case).latest("id")
    assert (event.name, event.actor) == ("download_attachment", tree.observer_d1)


def test_a_withdrawn_file_moves_to_the_withdrawn_list_with_its_reason(
    tree: Tree, client_for: Callable[..., Client]
) -> None:
    case = s1_case(tree)
    attachment = upload_attachment(
        case=case, actor=tree.intake_s1, file=upload("错的.pdf", pdf()), kind="other"
    )
    client = client_for(tree.mediator_s1_user)
    url = reverse("web:attachment_withdraw", args=[case.pk, attachment.pk])
    assert client.post(url, {"reason": ""}).status_code == 400
    response = client.post(url, {"reason": "传错了文件"})
    assert response.status_code == 303
    html = page(client, case)
    assert f'data-attachment-withdrawn="{attachment.pk}"' in html and "传错了文件" in html
    assert f'data-attachment="{attachment.pk}"' not in html


def test_a_file_of_another_case_is_404_through_this_one(
    tree: Tree, client_for: Callable[..., Client]
) -> None:
    case, other = s1_case(tree), s1_case(tree)
    attachment = upload_attachment(
        case=other, actor=tree.intake_s1, file=upload("a.pdf", pdf()), kind="other"
    )
    client = client_for(tree.director_d1)
    url = reverse("web:attachment_download", args=[case.pk, attachment.pk])
    assert client.get(url).status_code == 404
