"""Follow-ups: as read, and the visit recorded."""

from typing import Any

from django.contrib.auth.models import User
from rest_framework import serializers

from ...models import ContactMethod, FollowUp, Fulfilment
from ..fields import WholeNumberField
from .base import ChoiceLabel


class FollowUpSerializer(serializers.ModelSerializer[FollowUp]):
    case_number = serializers.CharField(source="case.number", read_only=True)
    done = serializers.SerializerMethodField()
    # Blank until the visit is recorded.
    contact_method = serializers.ChoiceField(
        choices=ContactMethod.choices, allow_blank=True, read_only=True
    )
    contact_method_label = ChoiceLabel("contact_method")
    fulfilment = serializers.ChoiceField(
        choices=Fulfilment.choices, allow_blank=True, read_only=True
    )
    fulfilment_label = ChoiceLabel("fulfilment")
    recorded_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = FollowUp
        fields = [
            "id",
            "case",
            "case_number",
            "due_on",
            "done",
            "done_at",
            "contact_method",
            "contact_method_label",
            "fulfilment",
            "fulfilment_label",
            "satisfaction",
            "note",
            "recorded_by",
        ]
        read_only_fields = fields

    def get_done(self, follow_up: FollowUp) -> bool:
        return follow_up.done_at is not None


class FollowUpRecordSerializer(serializers.Serializer[Any]):
    """The visit: how the parties were reached, whether they did what they agreed, satisfaction."""

    contact_method = serializers.ChoiceField(choices=ContactMethod.choices)
    fulfilment = serializers.ChoiceField(choices=Fulfilment.choices)
    satisfaction = WholeNumberField(
        min_value=1, max_value=5, required=False, allow_null=True, default=None
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")

    # Sent with PATCH, but never partial: contact_method and fulfilment are required (and so the
    # schema says, where drf-spectacular would declare a PATCH body all optional).
    @property
    def partial(self) -> bool:
        return False

    @partial.setter
    def partial(self, value: bool) -> None:
        """DRF sets it from ``partial=``, drf-spectacular for a ``PATCH``: a visit is whole."""
