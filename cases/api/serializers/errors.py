"""The one error shape of every API answer (``cases.errors.error_body``), for the OpenAPI schema:
the ``Error`` component every error answer of every operation refers to."""

from typing import Any

from rest_framework import serializers

from ...errors import ERROR_CODE_CHOICES


class ErrorDetailSerializer(serializers.Serializer[Any]):
    """What went wrong: a stable `code` to match on, a `message` for people, the fields at fault."""

    code = serializers.ChoiceField(
        choices=ERROR_CODE_CHOICES,
        help_text="Stable: match on it. The catalogue of codes is docs/errors.md.",
    )
    message = serializers.CharField(help_text="For people, in the caller's language.")
    # Declared fields leave the class body (DRF's metaclass), so this does not hide `.fields`.
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        help_text=(
            "Each field at fault (a dotted path into nested input, e.g. `parties.0.phone`; "
            "`__all__` for the request as a whole) with its messages; `{}` when no field is to "
            "blame."
        ),
    )
    current_version = serializers.IntegerField(
        required=False,
        help_text="412 `precondition_failed` only: the case's current version (its ETag).",
    )


class ErrorSerializer(serializers.Serializer[Any]):
    """Every error answer: `{"error": {"code", "message", "fields"}}`."""

    error = ErrorDetailSerializer()
