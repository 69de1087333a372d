"""Case notes: as read, and a note to write."""

from typing import Any

from django.contrib.auth.models import User
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ...models import Note, NoteKind
from ...services.notes import TEXT_MAX
from ..fields import IdField
from .base import ChoiceLabel


class NoteSerializer(serializers.ModelSerializer[Note]):
    author: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username",
        read_only=True,
        allow_null=True,
        help_text="The username of who wrote it (null once that account is deleted).",
    )
    kind_label = ChoiceLabel("kind")
    corrected_by = serializers.SerializerMethodField(
        help_text="The id of the note that corrects this one, or null: it stands as written."
    )
    mentions: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username",
        many=True,
        read_only=True,
        help_text="The users `@`-mentioned in the text, by username.",
    )

    class Meta:
        model = Note
        fields = [
            "id",
            "case",
            "kind",
            "kind_label",
            "happened_on",
            "text",
            "author",
            "written_at",
            "corrects",
            "corrected_by",
            "mentions",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "happened_on": {"help_text": "The day it happened (never in the future)."},
            "written_at": {"help_text": "When the note was written."},
            "corrects": {"help_text": "The id of the earlier note this one corrects, or null."},
        }

    @extend_schema_field({"type": "integer", "nullable": True})
    def get_corrected_by(self, note: Note) -> int | None:
        correction = getattr(note, "corrected_by", None)
        return correction.pk if correction is not None else None


class NoteCreateSerializer(serializers.Serializer[Any]):
    """A note to add to the case. Nothing else changes on the case (no If-Match)."""

    kind = serializers.ChoiceField(choices=NoteKind.choices)
    happened_on = serializers.DateField(
        required=False,
        default=None,
        allow_null=True,
        help_text="The day it happened; not in the future. Default: today at the case's centre.",
    )
    text = serializers.CharField(
        max_length=TEXT_MAX,
        help_text=(
            "What was said or done. `@username` mentions a user who may see the case (stored; "
            "an unknown name or one who may not see the case is a 400 naming `text`)."
        ),
    )
    corrects = IdField(
        required=False,
        allow_null=True,
        default=None,
        help_text=(
            "The id of an earlier note of this case that this one corrects (it is not changed; "
            "it shows `corrected_by`). A note is corrected once: correct its correction after."
        ),
    )
