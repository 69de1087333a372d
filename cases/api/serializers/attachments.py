"""Attachments: as listed, a file to upload, a withdrawal."""

from typing import Any

from django.contrib.auth.models import User
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ...models import Attachment, AttachmentKind
from ...services.attachments import DESCRIPTION_MAX, REASON_MAX
from ..fields import IdField
from .base import ChoiceLabel


class AttachmentSerializer(serializers.ModelSerializer[Attachment]):
    kind_label = ChoiceLabel("kind")
    uploaded_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username",
        read_only=True,
        allow_null=True,
        help_text="The username of who uploaded it (null once that account is deleted).",
    )
    withdrawn_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True, help_text="Who withdrew it."
    )
    withdrawn = serializers.BooleanField(read_only=True, help_text="Withdrawn (kept, hidden).")
    download_url = serializers.SerializerMethodField(
        help_text="Where to download the file (absolute; your token needed; each download logged)."
    )
    thumbnail_url = serializers.SerializerMethodField(
        help_text="A JPEG thumbnail of at most 320 px (absolute), for images; null otherwise."
    )

    class Meta:
        model = Attachment
        fields = [
            "id",
            "case",
            "session",
            "agreement",
            "kind",
            "kind_label",
            "description",
            "original_name",
            "content_type",
            "size",
            "sha256",
            "uploaded_by",
            "uploaded_at",
            "withdrawn",
            "withdrawn_at",
            "withdrawn_by",
            "withdraw_reason",
            "removed_at",
            "download_url",
            "thumbnail_url",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "original_name": {"help_text": "The file's name as uploaded (path and controls cut)."},
            "content_type": {"help_text": "The type detected from the content."},
            "size": {"help_text": "In bytes."},
            "removed_at": {
                "help_text": "When the file was deleted from storage, the case anonymised after "
                "its retention period (downloads then answer 410); null while it is kept."
            },
            "sha256": {"help_text": "The SHA-256 of the content, in hex."},
            "session": {"help_text": "The session of this case the file belongs to, or null."},
            "agreement": {"help_text": "The case's agreement, when the file belongs to it."},
        }

    def _absolute(self, name: str, attachment: Attachment) -> str:
        path = reverse(name, kwargs={"pk": attachment.case_id, "aid": attachment.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path

    @extend_schema_field({"type": "string", "format": "uri"})
    def get_download_url(self, attachment: Attachment) -> str:
        return self._absolute("api:case-attachment-download", attachment)

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_thumbnail_url(self, attachment: Attachment) -> str | None:
        if not attachment.thumbnail or attachment.removed_at is not None:
            return None
        return self._absolute("api:case-attachment-thumbnail", attachment)


class AttachmentUploadSerializer(serializers.Serializer[Any]):
    """A file for the case (multipart/form-data). Nothing else changes on the case (no If-Match)."""

    file = serializers.FileField(
        allow_empty_file=True,
        use_url=False,
        help_text=(
            "PDF, JPEG, PNG, HEIC/HEIF, DOCX or XLSX, told by the content (not the name); at most "
            "ATTACHMENT_MAX_BYTES (20 MB by default): larger is 413 naming `file`."
        ),
    )
    kind = serializers.ChoiceField(choices=AttachmentKind.choices)
    description = serializers.CharField(
        max_length=DESCRIPTION_MAX, required=False, allow_blank=True, default=""
    )
    session = IdField(
        required=False, allow_null=True, default=None, help_text="A session of this case."
    )
    agreement = IdField(
        required=False, allow_null=True, default=None, help_text="This case's agreement."
    )


class AttachmentWithdrawSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(
        max_length=REASON_MAX, help_text="Why the file is withdrawn (kept with it)."
    )
