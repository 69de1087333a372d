"""Evidence and attachments (issue 19): type by content, size limit, thumbnails, events, scope."""

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import storages
from django.utils import timezone
from PIL import Image

from cases.errors import CaseNotFound, InvalidInput, NotPermitted
from cases.models import Attachment, Case, Event, EventKind, Status
from cases.queries.attachments import case_attachments
from cases.services.attachments import (
    FileTooLarge,
    detect_type,
    download_attachment,
    safe_filename,
    upload_attachment,
    withdraw_attachment,
)
from cases.services.sessions import book_session
from tests.attachment_files import (
    DOCX,
    XLSX,
    docx,
    heic_header,
    jpeg,
    pdf,
    png,
    upload,
    use_tmp_storage,
    xlsx,
)
from tests.factories import Tree, drive, register

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def files(settings: Any, tmp_path: Path) -> Path:
    return use_tmp_storage(settings, tmp_path)


def s1_case(tree: Tree) -> Case:
    case = register(actor=tree.intake_s1, centre=tree.s1)
    return drive(case, Status.IN_MEDIATION, actor=tree.director_d1, mediator=tree.med_s1)


def test_a_photo_is_stored_privately_with_its_thumbnail_and_one_event(
    tree: Tree, files: Path
) -> None:
    case = s1_case(tree)
    version, events = case.version, Event.objects.filter(case=case).count()
    content = jpeg(800, 400)

    attachment = upload_attachment(
        case=case, actor=tree.mediator_s1_user, file=upload("../../现场照片.JPG", content),
        kind="photo", description=" 天花板渗水 ",
    )  # fmt: skip

    attachment.refresh_from_db()
    assert attachment.original_name == "现场照片.JPG"  # no path
    assert (attachment.content_type, attachment.size) == ("image/jpeg", len(content))
    assert attachment.description == "天花板渗水"
    assert attachment.uploaded_by == tree.mediator_s1_user
    stored = attachment.file.name
    assert stored.startswith(f"attachments/{case.pk}/") and stored.endswith(".jpg")
    assert "现场照片" not in stored and len(Path(stored).stem) == 32  # random, not guessable
    assert (files / stored).read_bytes() == content
    with Image.open(files / attachment.thumbnail.name) as thumbnail:
        assert thumbnail.format == "JPEG" and max(thumbnail.size) == 320
    event = Event.objects.filter(case=case).latest("id")
    assert Event.objects.filter(case=case).count() == events + 1
    assert (event.kind, event.name, event.actor) == (
        EventKind.ATTACHMENT,
        "upload_attachment",
        tree.mediator_s1_user,
    )
    assert event.after == {
        "attachment": attachment.pk, "filename": "现场照片.JPG", "size": len(content),
        "content_type": "image/jpeg", "kind": "photo",
    }  # fmt: skip
    case.refresh_from_db()
    assert case.version == version


def test_the_thumbnail_is_turned_as_the_camera_meant(tree: Tree, files: Path) -> None:
    """A phone photo stored sideways with EXIF orientation 6 (turn 90° clockwise to view)."""
    case = s1_case(tree)
    attachment = upload_attachment(
        case=case, actor=tree.mediator_s1_user, file=upload("p.jpg", jpeg(80, 40, orientation=6)),
        kind="photo",
    )  # fmt: skip
    with Image.open(files / attachment.thumbnail.name) as thumbnail:
        assert thumbnail.size == (40, 80)  # upright: taller than wide
        red_on_top: Any = thumbnail.convert("RGB").getpixel((20, 5))
    assert red_on_top[0] > 200 and red_on_top[2] < 80  # the left (red) half is now on top


@pytest.mark.parametrize(
    ("name", "content", "mime", "thumbnail"),
    [
        ("scan.pdf", pdf(), "application/pdf", False),
        ("IOU.png", png(), "image/png", True),
        ("合同.docx", docx(), DOCX, False),
        ("账目.xlsx", xlsx(), XLSX, False),
    ],
)
def test_each_accepted_type_is_told_by_its_content(
    tree: Tree, name: str, content: bytes, mime: str, thumbnail: bool
) -> None:
    case = s1_case(tree)
    attachment = upload_attachment(
        case=case, actor=tree.intake_s1, file=upload("renamed.bin", content), kind="contract"
    )
    assert attachment.content_type == mime
    assert attachment.file.name.endswith("." + name.rsplit(".", 1)[1])
    assert bool(attachment.thumbnail) is thumbnail


def test_heic_is_told_from_its_header() -> None:
    assert detect_type(heic_header()) == "image/heic"
    assert detect_type(heic_header(b"mif1", b"mif1msf1")) == "image/heif"
    assert detect_type(heic_header(b"isom", b"isommp41")) is None  # an MP4 video


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("photo.jpg", "这其实是一段文字，不是照片。".encode()),
        ("contract.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200),
        ("archive.docx", b"PK\x03\x04" + b"\x00" * 100),
        ("empty.png", b""),
    ],
)
def test_a_file_whose_content_is_not_accepted_is_refused_whatever_its_name(
    tree: Tree, name: str, content: bytes, files: Path
) -> None:
    case = s1_case(tree)
    events = Event.objects.count()
    with pytest.raises(InvalidInput) as refused:
        upload_attachment(
            case=case, actor=tree.mediator_s1_user, file=upload(name, content, "image/jpeg"),
            kind="photo",
        )  # fmt: skip
    assert set(refused.value.fields) == {"file"}
    assert not Attachment.objects.exists() and Event.objects.count() == events
    assert not list(files.rglob("*.*"))


def test_an_oversize_file_is_refused_from_its_size_before_it_is_read(
    tree: Tree, settings: Any, files: Path
) -> None:
    settings.ATTACHMENT_MAX_BYTES = 1000

    class Unreadable:
        name, size = "big.pdf", 1001

        def read(self, *args: Any) -> bytes:
            raise AssertionError("an oversize file must not be read")

        seek = chunks = read

    with pytest.raises(FileTooLarge) as refused:
        upload_attachment(
            case=s1_case(tree), actor=tree.mediator_s1_user, file=Unreadable(), kind="other"
        )
    assert set(refused.value.fields) == {"file"}
    assert "1000 B" in refused.value.fields["file"][0]
    assert not Attachment.objects.exists() and not list(files.rglob("*.*"))


def test_a_session_of_another_case_is_refused(tree: Tree) -> None:
    case, other = s1_case(tree), s1_case(tree)
    foreign = _booked(tree, other)
    with pytest.raises(InvalidInput) as refused:
        upload_attachment(
            case=case, actor=tree.director_d1, file=upload("a.pdf", pdf()), kind="other",
            session=foreign,
        )  # fmt: skip
    assert set(refused.value.fields) == {"session"}
    own = _booked(tree, case, days=4)
    attachment = upload_attachment(
        case=case, actor=tree.director_d1, file=upload("a.pdf", pdf()), kind="other", session=own
    )
    assert attachment.session == own


def _booked(tree: Tree, case: Case, days: int = 3) -> Any:
    starts = timezone.now() + timedelta(days=days)
    return book_session(
        case=case, actor=tree.director_d1, starts_at=starts, ends_at=starts + timedelta(hours=1),
        mediators=[tree.med_s1],
    )  # fmt: skip


def test_who_may_upload_withdraw_and_download(tree: Tree) -> None:
    case = s1_case(tree)
    with pytest.raises(NotPermitted):  # sees the case, may not add to it
        upload_attachment(
            case=case, actor=tree.observer_d1, file=upload("a.pdf", pdf()), kind="other"
        )
    with pytest.raises(CaseNotFound):  # does not see it
        upload_attachment(
            case=case, actor=tree.director_d2, file=upload("a.pdf", pdf()), kind="other"
        )
    attachment = upload_attachment(
        case=case, actor=tree.intake_s1, file=upload("a.pdf", pdf()), kind="other"
    )
    with pytest.raises(NotPermitted):
        withdraw_attachment(attachment=attachment, actor=tree.observer_d1, reason="x")
    with pytest.raises(CaseNotFound):
        download_attachment(attachment=attachment, actor=tree.director_d2)
    download = download_attachment(attachment=attachment, actor=tree.observer_d1)
    with download.content as content:
        assert content.read() == pdf()
    event = Event.objects.filter(case=case).latest("id")
    assert (event.name, event.actor, event.after["attachment"]) == (
        "download_attachment",
        tree.observer_d1,
        attachment.pk,
    )


def test_a_withdrawn_file_is_kept_but_hidden_and_needs_a_reason(tree: Tree, files: Path) -> None:
    case = s1_case(tree)
    attachment = upload_attachment(
        case=case, actor=tree.mediator_s1_user, file=upload("a.pdf", pdf()), kind="other"
    )
    with pytest.raises(InvalidInput) as refused:
        withdraw_attachment(attachment=attachment, actor=tree.mediator_s1_user, reason="  ")
    assert set(refused.value.fields) == {"reason"}

    withdraw_attachment(attachment=attachment, actor=tree.mediator_s1_user, reason="传错了文件")

    attachment.refresh_from_db()
    assert attachment.withdrawn_by == tree.mediator_s1_user
    assert attachment.withdraw_reason == "传错了文件"
    assert (files / attachment.file.name).exists()
    assert list(case_attachments(tree.observer_d1, case)) == []
    assert list(case_attachments(tree.observer_d1, case, withdrawn=True)) == [attachment]
    event = Event.objects.filter(case=case).latest("id")
    assert (event.name, event.after["reason"]) == ("withdraw_attachment", "传错了文件")
    with pytest.raises(InvalidInput):
        withdraw_attachment(attachment=attachment, actor=tree.mediator_s1_user, reason="again")


def test_a_filename_is_shown_without_path_or_control_characters() -> None:
    assert safe_filename("C:\\Users\\李\\证据\x00\n.pdf") == "证据.pdf"
    assert safe_filename("...") == "file"
    long = safe_filename("长" * 300 + ".pdf")
    assert len(long) == 200 and long.endswith(".pdf")


def test_the_tests_write_no_file_into_the_code(files: Path) -> None:
    backend: Any = storages["attachments"]
    assert Path(backend.location) == files
