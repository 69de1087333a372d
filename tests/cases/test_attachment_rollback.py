"""An upload whose transaction rolls back leaves no file behind (issue 19): the stored file and
its thumbnail are deleted when the service's own block, or one around it, rolls back."""

from pathlib import Path
from typing import Any

import pytest
from django.db import transaction

from cases.models import Attachment, Case, Status
from cases.services import attachments as service
from cases.services.attachments import upload_attachment
from tests.attachment_files import jpeg, pdf, upload, use_tmp_storage
from tests.factories import Tree, drive, register


@pytest.fixture(autouse=True)
def files(settings: Any, tmp_path: Path) -> Path:
    return use_tmp_storage(settings, tmp_path)


def stored(files: Path) -> list[str]:
    return sorted(str(path.relative_to(files)) for path in files.rglob("*") if path.is_file())


def s1_case(tree: Tree) -> Case:
    case = register(actor=tree.intake_s1, centre=tree.s1)
    return drive(case, Status.IN_MEDIATION, actor=tree.director_d1, mediator=tree.med_s1)


class Boom(Exception):
    pass


@pytest.mark.django_db
def test_a_failure_after_the_files_are_written_leaves_neither_file_nor_thumbnail(
    tree: Tree, files: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = s1_case(tree)
    written: list[str] = []

    def record(**kwargs: Any) -> Any:
        # The file and the thumbnail are in the storage when the event is written.
        written.extend(stored(files))
        raise Boom()

    monkeypatch.setattr(service.events, "record", record)
    with pytest.raises(Boom):
        upload_attachment(
            case=case, actor=tree.mediator_s1_user, file=upload("a.jpg", jpeg()), kind="photo"
        )

    assert len(written) == 2 and any("/thumbnails/" in name for name in written)
    assert stored(files) == []
    assert not Attachment.objects.filter(case=case).exists()


@pytest.mark.django_db
def test_a_later_error_in_the_surrounding_transaction_deletes_the_file(
    tree: Tree, files: Path
) -> None:
    case = s1_case(tree)
    with pytest.raises(Boom), transaction.atomic():
        upload_attachment(
            case=case, actor=tree.mediator_s1_user, file=upload("a.pdf", pdf()), kind="contract"
        )
        assert len(stored(files)) == 1
        raise Boom()

    assert stored(files) == []
    # One that stays in the transaction keeps its file.
    kept = upload_attachment(
        case=case, actor=tree.mediator_s1_user, file=upload("b.pdf", pdf()), kind="contract"
    )
    assert stored(files) == [kept.file.name]
    assert (files / kept.file.name).read_bytes() == pdf()


@pytest.mark.django_db(transaction=True)
def test_a_committed_upload_keeps_its_files_and_a_rolled_back_one_leaves_none(
    tree: Tree, files: Path
) -> None:
    case = s1_case(tree)
    kept = upload_attachment(
        case=case, actor=tree.mediator_s1_user, file=upload("a.jpg", jpeg()), kind="photo"
    )
    assert stored(files) == sorted([kept.file.name, kept.thumbnail.name])

    # The outermost transaction (not a savepoint) rolls back.
    with pytest.raises(Boom), transaction.atomic():
        upload_attachment(
            case=case, actor=tree.mediator_s1_user, file=upload("b.jpg", jpeg()), kind="photo"
        )
        assert len(stored(files)) == 4
        raise Boom()

    assert stored(files) == sorted([kept.file.name, kept.thumbnail.name])
    assert Attachment.objects.get(case=case) == kept
