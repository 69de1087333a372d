"""manage.py prune_attachment_files: files no attachment refers to, older than an hour, are
listed (--dry-run) or deleted; attachments' files and young files are never touched."""

import io
import os
import time
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from cases.models import Case, Status
from cases.services.attachments import download_attachment, upload_attachment
from tests.attachment_files import jpeg, pdf, upload, use_tmp_storage
from tests.factories import Tree, drive, register

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def files(settings: Any, tmp_path: Path) -> Path:
    return use_tmp_storage(settings, tmp_path)


def s1_case(tree: Tree) -> Case:
    case = register(actor=tree.intake_s1, centre=tree.s1)
    return drive(case, Status.IN_MEDIATION, actor=tree.director_d1, mediator=tree.med_s1)


def put(files: Path, name: str, *, hours_old: float) -> Path:
    path = files / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"left behind")
    then = time.time() - hours_old * 3600
    os.utime(path, (then, then))
    return path


def prune(*args: str) -> str:
    out = io.StringIO()
    call_command("prune_attachment_files", *args, stdout=out)
    return out.getvalue()


def test_old_files_without_an_attachment_are_listed_then_deleted(tree: Tree, files: Path) -> None:
    case = s1_case(tree)
    photo = upload_attachment(
        case=case, actor=tree.mediator_s1_user, file=upload("a.jpg", jpeg()), kind="photo"
    )
    scan = upload_attachment(
        case=case, actor=tree.mediator_s1_user, file=upload("b.pdf", pdf()), kind="contract"
    )
    kept = [photo.file.name, photo.thumbnail.name, scan.file.name]
    for name in kept:  # an attachment's files are kept however old
        os.utime(files / name, (time.time() - 7200, time.time() - 7200))
    orphan = put(files, f"attachments/{case.pk}/0123abcd.pdf", hours_old=2)
    orphan_thumbnail = put(files, f"attachments/{case.pk}/thumbnails/4567ef.jpg", hours_old=30)
    in_flight = put(files, f"attachments/{case.pk}/89ab.jpg", hours_old=0.5)

    listed = prune("--dry-run")
    assert f"would delete attachments/{case.pk}/0123abcd.pdf (11 bytes)" in listed
    assert f"would delete attachments/{case.pk}/thumbnails/4567ef.jpg (11 bytes)" in listed
    assert (
        "6 files stored; 2 that no attachment refers to (22 bytes): listed, none deleted "
        "(--dry-run); 1 younger than an hour without an attachment left alone."
    ) in listed
    assert orphan.exists() and orphan_thumbnail.exists()

    deleted = prune()
    assert f"deleted attachments/{case.pk}/0123abcd.pdf (11 bytes)" in deleted
    assert not orphan.exists() and not orphan_thumbnail.exists()
    assert in_flight.exists()
    assert all((files / name).exists() for name in kept)
    download = download_attachment(attachment=photo, actor=tree.mediator_s1_user)
    with download.content as content:
        assert content.read() == jpeg()

    assert "4 files stored; 0 that no attachment refers to (0 bytes): deleted; 1 younger" in prune()


def test_a_storage_folder_not_made_yet_is_no_error(settings: Any, tmp_path: Path) -> None:
    use_tmp_storage(settings, tmp_path / "no uploads yet")
    assert "0 files stored; 0 that no attachment refers to (0 bytes): deleted" in prune()
