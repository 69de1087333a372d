"""Evidence and attachments: files on a case, a session of it or its agreement (issue 19).

Files are added by ``cases.services.attachments.upload_attachment`` only, and never deleted: a file
put up by mistake is *withdrawn* (with a reason), which hides it from the default lists and keeps
the row, the file and its events. The files live on their own storage (``STORAGES["attachments"]``,
docs/deploy.md), at paths no one can guess, and are served only through the scoped download views.
"""

import uuid
from typing import Any

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.db import models
from django.utils.translation import gettext_lazy as _


class AttachmentKind(models.TextChoices):
    PHOTO = "photo", _("Photo")
    CONTRACT = "contract", _("Contract or IOU")
    SIGNED_AGREEMENT = "signed_agreement", _("Signed agreement")
    MEDICAL = "medical", _("Medical document")
    POLICE = "police", _("Police document")
    OTHER = "other", _("Other")


class AttachmentStorage(Storage):
    """``STORAGES["attachments"]``, looked up at each use rather than once when the model is
    loaded, so the setting (a deployment's, a test's temporary directory) always applies."""

    @property
    def backend(self) -> Storage:
        return storages["attachments"]

    def _open(self, name: str, mode: str = "rb") -> Any:
        return self.backend.open(name, mode)

    def save(self, name: str | None, content: Any, max_length: int | None = None) -> str:
        return self.backend.save(name, content, max_length=max_length)

    def get_available_name(self, name: str, max_length: int | None = None) -> str:
        return self.backend.get_available_name(name, max_length=max_length)

    def generate_filename(self, filename: Any) -> str:
        return self.backend.generate_filename(filename)

    def delete(self, name: str) -> None:
        self.backend.delete(name)

    def exists(self, name: str) -> bool:
        return self.backend.exists(name)

    def size(self, name: str) -> int:
        return self.backend.size(name)

    def listdir(self, path: str) -> tuple[list[str], list[str]]:
        return self.backend.listdir(path)

    def url(self, name: str | None) -> str:
        raise NotImplementedError("Attachments have no public URL: use the scoped views.")


def attachment_storage() -> Storage:
    """The attachments' storage (a callable, so migrations name it rather than a path)."""
    return AttachmentStorage()


def attachment_path(instance: "Attachment", filename: str) -> str:
    """``attachments/<case id>/<random hex><.ext>``: the extension is the one of the detected type,
    never the uploader's; the name is random so no path can be guessed from another."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"attachments/{instance.case_id}/{uuid.uuid4().hex}.{extension}"


def thumbnail_path(instance: "Attachment", filename: str) -> str:
    return f"attachments/{instance.case_id}/thumbnails/{uuid.uuid4().hex}.jpg"


class Attachment(models.Model):
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="attachments"
    )
    session = models.ForeignKey(
        "cases.Session",
        verbose_name=_("session"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="attachments",
    )
    agreement = models.ForeignKey(
        "cases.Agreement",
        verbose_name=_("agreement"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="attachments",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=AttachmentKind.choices)
    description = models.CharField(_("description"), max_length=200, blank=True)
    file = models.FileField(
        _("file"), storage=attachment_storage, upload_to=attachment_path, max_length=200
    )
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    thumbnail = models.FileField(
        _("thumbnail"),
        storage=attachment_storage,
        upload_to=thumbnail_path,
        max_length=200,
        blank=True,
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), db_index=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("withdrawn by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    withdraw_reason = models.CharField(_("reason for withdrawing"), max_length=500, blank=True)
    # Anonymisation (issue 22) deletes the file and its thumbnail from storage; the row stays.
    removed_at = models.DateTimeField(_("file removed at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["-uploaded_at", "-id"]
        indexes = [models.Index(fields=["case", "-id"], name="attachment_case_newest")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.original_name}"

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def removed(self) -> bool:
        return self.removed_at is not None

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")

    def event_values(self) -> dict[str, Any]:
        """What an event keeps of it: never the content."""
        return {
            "attachment": self.pk,
            "filename": self.original_name,
            "size": self.size,
            "content_type": self.content_type,
            "kind": self.kind,
        }
