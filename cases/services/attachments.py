"""Evidence and attachments: the one writer of ``Attachment`` (docs/api.md, "Attachments").

A file is taken only when its *content* is one of the accepted types (``filetype`` reads its first
bytes; the name and the type the browser claims are not believed), and only up to
``settings.ATTACHMENT_MAX_BYTES``, checked from the size before anything is read. Images get a
thumbnail (Pillow; the phone's EXIF orientation applied). Uploading, withdrawing and downloading
each write one event (kind ``attachment``) with the file's id, name, size and type, never its
content. A withdrawn file keeps its row, its file and its events.

Like a note, an attachment changes nothing on the case itself: no If-Match, the case's version
stays as it is.
"""

import hashlib
import io
import logging
import unicodedata
import weakref
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any
from urllib.parse import quote

import filetype
from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.base import ContentFile, File
from django.core.files.storage import Storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

from .. import personal_data
from ..access import can, get_case_for
from ..errors import FileRemoved, InvalidInput, NotPermitted
from ..models import Agreement, Attachment, AttachmentKind, Case, EventKind, Session
from . import audit, events

#: The types taken, by the MIME type detected from the content, with the extension stored.
ACCEPTED_TYPES: dict[str, str] = {
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/heic": "heic",
    "image/heif": "heif",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
}
#: What a file picker offers (the content decides all the same).
ACCEPT_ATTRIBUTE = "image/*,application/pdf,.pdf,.heic,.heif,.docx,.xlsx"
#: ISO-BMFF brands of HEIF images that ``filetype`` (HEIC only) does not name.
HEIF_BRANDS = {"heic", "heix", "hevc", "hevx", "heim", "heis", "mif1", "msf1"}
#: The thumbnail's longest side, in pixels.
THUMBNAIL_SIZE = 320
DESCRIPTION_MAX = 200
REASON_MAX = 500
NAME_MAX = 200
#: What a multipart body may hold besides the file (the other fields, the boundaries): a body
#: longer than ``ATTACHMENT_MAX_BYTES`` plus this is refused unread. The proxy's limit
#: (deploy/nginx/mediation.conf) is above the sum, so that the refusal is the application's.
MULTIPART_OVERHEAD = 1024 * 1024
#: Bytes read to tell the type (what ``filetype`` looks at).
SIGNATURE_BYTES = 8192

logger = logging.getLogger(__name__)


class FileTooLarge(InvalidInput):
    """A file over ``ATTACHMENT_MAX_BYTES``: 413 in the API (the body is too large), naming
    ``file``."""

    code = "request_too_large"
    default_message = _("The file is too large.")


def max_bytes() -> int:
    return int(settings.ATTACHMENT_MAX_BYTES)


def human_size(size: int) -> str:
    """``20 MB``, ``512 KB``, ``800 B``: sizes as people read them (units are not translated)."""
    if size >= 1024 * 1024:
        value = size / (1024 * 1024)
        return f"{value:.0f} MB" if value == int(value) else f"{value:.1f} MB"
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size} B"


def detect_type(head: bytes) -> str | None:
    """The accepted MIME type of content starting with ``head``, or ``None``."""
    kind = filetype.guess(head)
    mime = kind.mime if kind is not None else None
    if mime in ACCEPTED_TYPES:
        return mime
    if len(head) >= 12 and head[4:8] == b"ftyp" and head[8:12].decode("latin-1") in HEIF_BRANDS:
        return "image/heif"
    return None


def safe_filename(name: str) -> str:
    """The name as shown and as sent back in downloads: no path, no control characters, at most
    ``NAME_MAX`` characters (its extension kept)."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip().strip(".")
    if not name:
        return "file"
    if len(name) > NAME_MAX:
        stem, dot, extension = name.rpartition(".")
        if dot and len(extension) < 10:
            name = stem[: NAME_MAX - len(extension) - 1] + "." + extension
        else:
            name = name[:NAME_MAX]
    return name


def content_disposition(filename: str) -> str:
    """``attachment`` with an ASCII fallback name and the real one in RFC 5987 form."""
    fallback = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\;' else "_" for c in filename
    )
    encoded = quote(filename, safe="")
    return f"attachment; filename=\"{fallback or 'file'}\"; filename*=UTF-8''{encoded}"


def _read_head(upload: IO[bytes]) -> bytes:
    upload.seek(0)
    head = upload.read(SIGNATURE_BYTES)
    upload.seek(0)
    return head


def _sha256(upload: File) -> str:  # type: ignore[type-arg]
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def make_thumbnail(upload: IO[bytes], content_type: str) -> "ContentFile[bytes] | None":
    """A JPEG of at most ``THUMBNAIL_SIZE`` px, turned as the camera meant (EXIF orientation);
    ``None`` for a file that is no image Pillow can read."""
    if not content_type.startswith("image/"):
        return None
    if content_type in {"image/heic", "image/heif"}:
        import pi_heif

        pi_heif.register_heif_opener()
    upload.seek(0)
    try:
        with Image.open(upload) as opened:
            image: Image.Image = ImageOps.exif_transpose(opened)
            image.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE))
            if image.mode not in {"RGB", "L"}:
                image = image.convert("RGB")
            out = io.BytesIO()
            image.save(out, format="JPEG", quality=80)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None
    finally:
        upload.seek(0)
    return ContentFile(out.getvalue(), name="thumbnail.jpg")


def _delete_stored(storage: Storage, name: str) -> None:
    try:
        storage.delete(name)
    except Exception:  # the sweep (prune_attachment_files) removes it later
        logger.warning("could not delete %s after its transaction rolled back", name, exc_info=True)


class DeleteUnlessCommitted:
    """An ``on_commit`` callback that deletes a just-stored file if it is never called, i.e. when
    the transaction (or the savepoint) it was registered in rolls back.

    Django has no rollback hook, but it drops the callbacks of a transaction or savepoint that
    rolls back (``run_on_commit`` emptied or filtered) and of a connection closed in a
    transaction: this object is then freed without having been called, and its finalizer deletes
    the file. Called (the transaction committed), it keeps the file. The same on PostgreSQL and
    SQLite. Register it with no other reference held (``transaction.on_commit(
    DeleteUnlessCommitted(...))``), so that nothing but Django's list keeps it alive; what a
    crashed process leaves behind, ``manage.py prune_attachment_files`` removes.
    """

    def __init__(self, storage: Storage, name: str) -> None:
        self._finalizer = weakref.finalize(self, _delete_stored, storage, name)

    def __call__(self) -> None:
        self._finalizer.detach()


def _store(field: Any, name: str, content: Any) -> None:
    """Save ``content`` into the ``FieldFile`` ``field`` (no row saved) and have the stored file
    deleted unless the current transaction commits."""
    field.save(name, content, save=False)
    transaction.on_commit(DeleteUnlessCommitted(field.storage, field.name))


def _require(actor: User, case: Case, message: Any) -> None:
    if not can(actor, "attach", case):
        raise NotPermitted(message)


def upload_attachment(
    *,
    case: Case,
    actor: User,
    file: Any,
    kind: str,
    description: str = "",
    session: Session | None = None,
    agreement: Agreement | None = None,
    at: datetime | None = None,
) -> Attachment:
    """Put ``file`` (an ``UploadedFile``, or any Django ``File`` with a name and a size) on
    ``case``, optionally naming one of its sessions or its agreement.

    Refused with ``InvalidInput`` naming ``file`` when its content is none of the accepted types
    (``ACCEPTED_TYPES``) or it is empty, and with ``FileTooLarge`` (naming ``file``) when it is over
    ``ATTACHMENT_MAX_BYTES`` (told from its size, before reading it). The case's mediators, the
    directors over its centre and its intake officers may upload (``attach``); others who see
    the case: ``NotPermitted``.
    """
    case = get_case_for(actor, case.pk)
    _require(actor, case, _("You may not add files to this case."))
    at = at or timezone.now()
    problems: dict[str, list[Any]] = {}
    if file is None:
        raise InvalidInput(fields={"file": [_("Choose a file.")]})
    size = int(getattr(file, "size", 0) or 0)
    limit = max_bytes()
    if size > limit:
        raise FileTooLarge(
            _("The file is larger than the %(limit)s this server accepts.")
            % {"limit": human_size(limit)},
            fields={
                "file": [
                    _("This file is %(size)s; files of at most %(limit)s are accepted.")
                    % {"size": human_size(size), "limit": human_size(limit)}
                ]
            },
        )
    content_type = detect_type(_read_head(file)) if size else None
    if not size:
        problems["file"] = [_("The file is empty.")]
    elif content_type is None:
        problems["file"] = [
            _(
                "This file is not a PDF, a JPEG, PNG or HEIC photo, a Word (.docx) or Excel "
                "(.xlsx) document, whatever its name says."
            )
        ]
    if kind not in AttachmentKind.values:
        problems["kind"] = [_("Choose what kind of document this is.")]
    description = (description or "").strip()
    if len(description) > DESCRIPTION_MAX:
        problems["description"] = [_("At most %(max)d characters.") % {"max": DESCRIPTION_MAX}]
    if session is not None and session.case_id != case.pk:
        problems["session"] = [_("Only a session of this case can be named here.")]
    if agreement is not None and agreement.case_id != case.pk:
        problems["agreement"] = [_("Only this case's agreement can be named here.")]
    if problems:
        raise InvalidInput(fields=problems)
    assert content_type is not None
    extension = ACCEPTED_TYPES[content_type]
    original = safe_filename(str(getattr(file, "name", "") or f"file.{extension}"))
    digest = _sha256(file)
    thumbnail = make_thumbnail(file, content_type)
    attachment = Attachment(
        case=case,
        session=session,
        agreement=agreement,
        kind=kind,
        description=description,
        original_name=original,
        content_type=content_type,
        size=size,
        sha256=digest,
        uploaded_by=actor if getattr(actor, "pk", None) else None,
        uploaded_at=at,
    )
    with transaction.atomic():
        # The stored name is random, with the detected type's extension (models.attachment_path).
        # Written now, in the transaction, and deleted again if it (or one around it: the
        # request's Idempotency-Key block) rolls back: no file without its row.
        _store(attachment.file, f"upload.{extension}", file)
        if thumbnail is not None:
            _store(attachment.thumbnail, "thumbnail.jpg", thumbnail)
        attachment.save()
        after = attachment.event_values()
        if session is not None:
            after["session"] = session.pk
        if agreement is not None:
            after["agreement"] = agreement.pk
        events.record(
            case=case,
            actor=actor,
            kind=EventKind.ATTACHMENT,
            name="upload_attachment",
            at=at,
            after=after,
        )
    return attachment


def withdraw_attachment(
    *, attachment: Attachment, actor: User, reason: str, at: datetime | None = None
) -> Attachment:
    """Withdraw a file put up by mistake: hidden from the default lists, kept with its file and
    events. Needs a ``reason``; a file is withdrawn once. Who may upload may withdraw."""
    case = get_case_for(actor, attachment.case_id)
    _require(actor, case, _("You may not withdraw files of this case."))
    at = at or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(fields={"reason": [_("Say why the file is withdrawn.")]})
    if len(reason) > REASON_MAX:
        raise InvalidInput(
            fields={"reason": [_("At most %(max)d characters.") % {"max": REASON_MAX}]}
        )
    with transaction.atomic():
        attachment = Attachment.objects.select_for_update().get(pk=attachment.pk)
        if attachment.withdrawn_at is not None:
            raise InvalidInput(fields={"__all__": [_("This file has already been withdrawn.")]})
        attachment.withdrawn_at = at
        attachment.withdrawn_by = actor if getattr(actor, "pk", None) else None
        attachment.withdraw_reason = reason
        attachment.save(update_fields=["withdrawn_at", "withdrawn_by", "withdraw_reason"])
        events.record(
            case=case,
            actor=actor,
            kind=EventKind.ATTACHMENT,
            name="withdraw_attachment",
            at=at,
            after={**attachment.event_values(), "reason": reason},
        )
    return attachment


@dataclass(frozen=True)
class Download:
    """An attachment's content, opened, with the name and type to send it under."""

    content: IO[bytes]
    filename: str
    content_type: str
    size: int


@transaction.atomic
def download_attachment(
    *, attachment: Attachment, actor: User, at: datetime | None = None
) -> Download:
    """Open the file for ``actor`` (whoever sees the case) and write the download's event and its
    ``download`` audit record (the file's name with any long number in it masked);
    ``FileRemoved`` (nothing written) when anonymisation deleted the file."""
    case = get_case_for(actor, attachment.case_id)
    if attachment.removed_at is not None:
        raise FileRemoved()
    at = at or timezone.now()
    content = attachment.file.storage.open(attachment.file.name, "rb")
    events.record(
        case=case,
        actor=actor,
        kind=EventKind.ATTACHMENT,
        name="download_attachment",
        at=at,
        after=attachment.event_values(),
    )
    audit.downloaded(
        actor=actor,
        document="attachment",
        file_format=attachment.content_type,
        case=case,
        target=attachment,
        name=personal_data.mask_numbers(attachment.original_name),
        size=attachment.size,
    )
    return Download(
        content=content,
        filename=attachment.original_name,
        content_type=attachment.content_type,
        size=attachment.size,
    )


def open_thumbnail(*, attachment: Attachment, actor: User) -> IO[bytes] | None:
    """The thumbnail (a JPEG) for whoever sees the case, or ``None`` when it has none. Not
    logged: it shows what the list shows."""
    get_case_for(actor, attachment.case_id)
    if not attachment.thumbnail or attachment.removed_at is not None:
        return None
    return attachment.thumbnail.storage.open(attachment.thumbnail.name, "rb")
