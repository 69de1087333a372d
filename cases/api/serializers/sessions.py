"""Sessions: as read, to book, and what happened at one."""

from typing import Any

from rest_framework import serializers

from ...models import Mediator, Room, Session, SessionMode
from ..fields import IdField, IdRelatedField
from .base import ChoiceLabel


class SessionSerializer(serializers.ModelSerializer[Session]):
    mode_label = ChoiceLabel("mode")
    status_label = ChoiceLabel("status")

    class Meta:
        model = Session
        fields = [
            "id",
            "case",
            "starts_at",
            "ends_at",
            "room",
            "place",
            "mode",
            "mode_label",
            "status",
            "status_label",
            "mediators",
            "parties_present",
            "minutes",
            "result",
        ]
        read_only_fields = fields


class SessionCreateSerializer(serializers.Serializer[Any]):
    """A session to book. `case` must be in your scope; `parties_present` are its parties."""

    case = IdField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField(help_text="After starts_at.")
    mediators = IdRelatedField(
        queryset=Mediator.objects.filter(active=True), many=True, allow_empty=False
    )
    room = IdRelatedField(
        queryset=Room.objects.filter(active=True), required=False, allow_null=True, default=None
    )
    place = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    mode = serializers.ChoiceField(choices=SessionMode.choices, default=SessionMode.IN_PERSON)
    parties_present = serializers.ListField(child=IdField(), required=False, default=list)


class SessionRecordSerializer(serializers.Serializer[Any]):
    """What happened at a session; the session becomes `held`. Omitted fields keep their value."""

    minutes = serializers.CharField(required=False, allow_blank=True)
    result = serializers.CharField(max_length=255, required=False, allow_blank=True)
