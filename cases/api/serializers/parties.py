"""Parties: as shown (masked), as given at intake, and revealed in clear."""

from typing import Any

from rest_framework import serializers

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
