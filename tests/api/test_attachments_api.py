"""Attachments over HTTP: `GET/POST /api/v1/cases/{id}/attachments/`, download, thumbnail,
withdraw (issue 19, docs/api.md "Attachments")."""

from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from cases.models import Attachment, Case, Event, Status
from cases.services.attachments import upload_attachment
from tests.api.support import assert_error, client_for
from tests.attachment_files import jpeg, pdf, upload, use_tmp_storage
from tests.factories import Tree, drive, register

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def files(settings: Any, tmp_path: Path) -> Path:
    return use_tmp_storage(settings, tmp_path)


def s1_case(tree: Tree) -> Case:
    case = register(actor=tree.intake_s1, centre=tree.s1)
    return drive(case, Status.IN_MEDIATION, actor=tree.director_d1, mediator=tree.med_s1)


def url(case: Case) -> str:
    return f"/api/v1/cases/{case.pk}/attachments/"


def test_a_phone_photo_is_uploaded_listed_and_downloaded(tree: Tree) -> None:
    case = s1_case(tree)
    content = jpeg(640, 480)
    response = client_for(tree.mediator_s1_user).post(
        url(case),
        {"file": upload("现场 照片.jpg", content, "image/jpeg"), "kind": "photo",
         "description": "天花板渗水"},
        format="multipart",
    )  # fmt: skip

    assert response.status_code == 201, response.content
    item = response.json()
    assert (item["kind"], item["kind_label"], item["content_type"]) == (
        "photo",
        "Photo",
        "image/jpeg",
    )
    assert (item["original_name"], item["size"]) == ("现场 照片.jpg", len(content))
    assert item["uploaded_by"] == tree.mediator_s1_user.username
    download = f"http://testserver/api/v1/cases/{case.pk}/attachments/{item['id']}/download/"
    assert item["download_url"] == download
    assert item["thumbnail_url"] == download.replace("/download/", "/thumbnail/")

    reader = client_for(tree.observer_d1)
    listed = reader.get(url(case)).json()["results"]
    assert [a["id"] for a in listed] == [item["id"]]
    events = Event.objects.filter(case=case).count()
    got = reader.get(item["download_url"])
    assert got.status_code == 200
    assert got.getvalue() == content
    assert got["Content-Type"] == "image/jpeg"
    assert got["Content-Disposition"] == (
        "attachment; filename=\"__ __.jpg\"; filename*=UTF-8''" + quote("现场 照片.jpg")
    )
    assert got["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in got["Cache-Control"] and "private" in got["Cache-Control"]
    assert Event.objects.filter(case=case).count() == events + 1
    assert Event.objects.filter(case=case).latest("id").name == "download_attachment"
    thumbnail = reader.get(item["thumbnail_url"])
    assert thumbnail.status_code == 200 and thumbnail["Content-Type"] == "image/jpeg"
    assert Event.objects.filter(case=case).count() == events + 1  # thumbnails are not logged


def test_a_text_file_named_jpg_is_refused_naming_file(tree: Tree) -> None:
    case = s1_case(tree)
    response = client_for(tree.mediator_s1_user, language="zh-hans").post(
        url(case),
        {"file": upload("photo.jpg", "不是照片".encode(), "image/jpeg"), "kind": "photo"},
        format="multipart",
    )
    error = assert_error(response, 400, "invalid")
    assert set(error["fields"]) == {"file"}
    assert not Attachment.objects.exists()


def test_an_exe_renamed_pdf_is_refused(tree: Tree) -> None:
    case = s1_case(tree)
    exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 500
    response = client_for(tree.mediator_s1_user).post(
        url(case), {"file": upload("contract.pdf", exe, "application/pdf"), "kind": "contract"},
        format="multipart",
    )  # fmt: skip
    assert set(assert_error(response, 400, "invalid")["fields"]) == {"file"}
    assert not Attachment.objects.exists()


def test_an_oversize_file_is_413_naming_file(tree: Tree, settings: Any) -> None:
    settings.ATTACHMENT_MAX_BYTES = 2000
    case = s1_case(tree)
    big = pdf() + b"%" * 3000
    response = client_for(tree.mediator_s1_user).post(
        url(case), {"file": upload("big.pdf", big), "kind": "other"}, format="multipart"
    )
    error = assert_error(response, 413, "request_too_large")
    assert set(error["fields"]) == {"file"}
    assert not Attachment.objects.exists()


def test_a_body_that_cannot_hold_an_accepted_file_is_refused_unread(
    tree: Tree, settings: Any
) -> None:
    settings.ATTACHMENT_MAX_BYTES = 10
    case = s1_case(tree)
    big = pdf() + b"%" * (1024 * 1024 + 100)
    response = client_for(tree.mediator_s1_user).post(
        url(case), {"file": upload("big.pdf", big), "kind": "other"}, format="multipart"
    )
    assert set(assert_error(response, 413, "request_too_large")["fields"]) == {"file"}


def test_a_session_of_another_case_is_refused(tree: Tree) -> None:
    from tests.cases.test_attachments import _booked

    case, other = s1_case(tree), s1_case(tree)
    foreign = _booked(tree, other)
    response = client_for(tree.director_d1).post(
        url(case), {"file": upload("a.pdf", pdf()), "kind": "other", "session": foreign.pk},
        format="multipart",
    )  # fmt: skip
    assert set(assert_error(response, 400, "invalid")["fields"]) == {"session"}
    own = _booked(tree, case, days=4)
    response = client_for(tree.director_d1).post(
        url(case), {"file": upload("a.pdf", pdf()), "kind": "other", "session": own.pk},
        format="multipart",
    )  # fmt: skip
    assert response.status_code == 201 and response.json()["session"] == own.pk


def test_an_observer_may_not_upload_or_withdraw(tree: Tree) -> None:
    case = s1_case(tree)
    response = client_for(tree.observer_d1).post(
        url(case), {"file": upload("a.pdf", pdf()), "kind": "other"}, format="multipart"
    )
    assert_error(response, 403, "permission_denied")
    attachment = upload_attachment(
        case=case, actor=tree.intake_s1, file=upload("a.pdf", pdf()), kind="other"
    )
    response = client_for(tree.observer_d1).post(
        f"{url(case)}{attachment.pk}/withdraw/", {"reason": "x"}, format="json"
    )
    assert_error(response, 403, "permission_denied")


def test_withdrawn_files_are_hidden_unless_asked_for(tree: Tree) -> None:
    case = s1_case(tree)
    attachment = upload_attachment(
        case=case, actor=tree.intake_s1, file=upload("a.pdf", pdf()), kind="other"
    )
    client = client_for(tree.mediator_s1_user)
    missing_reason = client.post(f"{url(case)}{attachment.pk}/withdraw/", {}, format="json")
    assert set(assert_error(missing_reason, 400, "invalid")["fields"]) == {"reason"}
    response = client.post(
        f"{url(case)}{attachment.pk}/withdraw/", {"reason": "传错了"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["withdrawn"] is True
    assert response.json()["withdraw_reason"] == "传错了"
    assert client.get(url(case)).json()["results"] == []
    listed = client.get(url(case) + "?withdrawn=true").json()["results"]
    assert [a["id"] for a in listed] == [attachment.pk]
    assert client.get(listed[0]["download_url"]).status_code == 200  # still in the record


def test_an_attachment_of_another_case_is_404_through_this_one(tree: Tree) -> None:
    case, other = s1_case(tree), s1_case(tree)
    attachment = upload_attachment(
        case=other, actor=tree.intake_s1, file=upload("a.pdf", pdf()), kind="other"
    )
    response = client_for(tree.director_d1).get(f"{url(case)}{attachment.pk}/download/")
    assert_error(response, 404, "not_found")


def test_a_repeated_upload_with_its_key_creates_one_file(tree: Tree) -> None:
    case = s1_case(tree)
    client = client_for(tree.mediator_s1_user)
    answers = [
        client.post(
            url(case),
            {"file": upload("a.pdf", pdf()), "kind": "other"},
            format="multipart",
            headers={"Idempotency-Key": "photo-1"},
        )
        for _ in range(2)
    ]
    assert [a.status_code for a in answers] == [201, 201]
    assert answers[1]["Idempotent-Replayed"] == "true"
    assert Attachment.objects.count() == 1
    other = client.post(
        url(case), {"file": upload("a.pdf", pdf() + b"\n"), "kind": "other"},
        format="multipart", headers={"Idempotency-Key": "photo-1"},
    )  # fmt: skip
    assert_error(other, 422, "idempotency_key_reused")  # another file under the same name


def test_an_upload_whose_request_fails_later_leaves_no_file(
    tree: Tree, files: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Idempotency-Key block rolls the whole request back on an error after the upload: the
    stored file and thumbnail go with it, and a retry with the key stores one file."""
    from cases.api.views.attachments import CaseAttachmentsMixin

    case = s1_case(tree)
    client = client_for(tree.mediator_s1_user)
    client.raise_request_exception = False
    original = CaseAttachmentsMixin._attachment

    def broken(self: Any, case: Case, aid: Any) -> Attachment:
        raise RuntimeError("the answer could not be read")

    monkeypatch.setattr(CaseAttachmentsMixin, "_attachment", broken)
    body = {"file": upload("a.jpg", jpeg(), "image/jpeg"), "kind": "photo"}
    failed = client.post(url(case), body, format="multipart", HTTP_IDEMPOTENCY_KEY="k1")
    assert failed.status_code == 500
    assert not Attachment.objects.filter(case=case).exists()
    assert [path for path in files.rglob("*") if path.is_file()] == []

    monkeypatch.setattr(CaseAttachmentsMixin, "_attachment", original)
    body = {"file": upload("a.jpg", jpeg(), "image/jpeg"), "kind": "photo"}
    retried = client.post(url(case), body, format="multipart", HTTP_IDEMPOTENCY_KEY="k1")
    assert retried.status_code == 201, retried.content
    attachment = Attachment.objects.get(case=case)
    assert sorted(str(p.relative_to(files)) for p in files.rglob("*") if p.is_file()) == sorted(
        [attachment.file.name, attachment.thumbnail.name]
    )
