"""Transfers between centres."""

from django.contrib.auth.models import User
from rest_framework import serializers

from ...models import Transfer
from .base import ChoiceLabel


class TransferSerializer(serializers.ModelSerializer[Transfer]):
    case_number = serializers.CharField(source="case.number", read_only=True)
    direction_label = ChoiceLabel("direction")
    status_label = ChoiceLabel("status")
    requested_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    decided_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = Transfer
        fields = [
            "id",
            "case",
            "case_number",
            "from_centre",
            "to_centre",
            "direction",
            "direction_label",
            "reason",
            "automatic",
            "previous_status",
            "status",
            "status_label",
            "requested_by",
            "requested_at",
            "decided_by",
            "decided_at",
            "return_reason",
        ]
        read_only_fields = fields
