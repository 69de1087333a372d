"""Parties: as shown (masked), as given at intake, and revealed in clear."""

from typing import Any

from rest_framework import serializers
from rest_framework.fields import empty

from ...models import Party, PartyKind, PartyRole
from .base import FieldsBuiltOnce


class PartySerializer(FieldsBuiltOnce[Party]):
    """A party to a case, its ID number and phone masked (`POST /parties/{id}/reveal/` shows them,
    logged)."""

    id_number = serializers.CharField(source="id_number_masked", read_only=True)
    phone = serializers.CharField(source="phone_masked", read_only=True)

    class Meta:
        model = Party
        fields = ["id", "case", "role", "kind", "name", "id_number", "phone", "address", "agent"]
        read_only_fields = fields


class PartyInputSerializer(serializers.Serializer[Any]):
    role = serializers.ChoiceField(choices=PartyRole.choices, default=PartyRole.APPLICANT)
    kind = serializers.ChoiceField(choices=PartyKind.choices, default=PartyKind.PERSON)
    name = serializers.CharField(max_length=120)
    id_number = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=24, required=False, allow_blank=True, default="")
    address = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    agent = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")


class RevealedSerializer(serializers.Serializer[Any]):
    """A party's personal data in clear: answered once, never stored, never cached."""

    id_number = serializers.CharField(read_only=True)
    phone = serializers.CharField(read_only=True)


#: The longest reason for a change of a case's parties (``cases.services.parties``).
REASON_MAX = 500


def _reason_field() -> "serializers.CharField":
    return serializers.CharField(
        max_length=REASON_MAX,
        help_text="Why the parties change (kept in the case's timeline). Required.",
    )


class PartyAddSerializer(PartyInputSerializer):
    """A party to add to an existing case: its fields as at intake, and the reason."""

    reason = _reason_field()


class PartyCorrectionSerializer(serializers.Serializer[Any]):
    """The fields of a party to correct (any of those given at intake; those left out stay as
    they are), and the reason. An ID number or phone given is validated and sealed again."""

    reason = _reason_field()

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        # The intake fields, each optional and without a default: a field left out is unchanged.
        fields: dict[str, serializers.Field[Any, Any, Any, Any]] = {}
        for name, field in PartyInputSerializer().get_fields().items():
            field.required = False
            field.default = empty
            fields[name] = field
        fields.update(super().get_fields())
        return fields


class PartyRemovalSerializer(serializers.Serializer[Any]):
    """The query string of a removal: its reason."""

    reason = _reason_field()
