"""Notifications: as read, and marking them read."""

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ...models import Notification
from ..fields import IdField
from .base import ChoiceLabel


class NotificationSerializer(serializers.ModelSerializer[Notification]):
    kind_label = ChoiceLabel("kind")
    case_number = serializers.CharField(source="case.number", read_only=True, allow_null=True)
    case_visible = serializers.BooleanField(
        read_only=True, help_text="Whether you may still open the case (it may have moved)."
    )
    case_summary = serializers.SerializerMethodField(
        help_text="The case's summary, shortened to 40 characters; null when there is no case "
        "or you may no longer see it."
    )
    case_centre_name = serializers.SerializerMethodField(
        help_text="The name of the centre handling the case; null when there is no case or "
        "you may no longer see it."
    )
    text = serializers.SerializerMethodField(
        help_text="The entry as the bell shows it, in your language: the kind, then the case's "
        "number, shortened summary and centre (only the number for a case you may no longer see)."
    )
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = [
            "id",
            "kind",
            "kind_label",
            "case",
            "case_number",
            "case_visible",
            "case_summary",
            "case_centre_name",
            "text",
            "created_at",
            "read",
            "read_at",
        ]
        read_only_fields = fields

    def get_case_summary(self, notification: Notification) -> str | None:
        if notification.case is None or not getattr(notification, "case_visible", False):
            return None
        return notification.case_summary()

    def get_case_centre_name(self, notification: Notification) -> str | None:
        if notification.case is None or not getattr(notification, "case_visible", False):
            return None
        return notification.case.centre.name

    def get_text(self, notification: Notification) -> str:
        return notification.text(visible=bool(getattr(notification, "case_visible", False)))

    def get_read(self, notification: Notification) -> bool:
        return notification.read_at is not None


class NotificationReadSerializer(serializers.Serializer[Any]):
    ids = serializers.ListField(child=IdField(), required=False, max_length=1000)
    all = serializers.BooleanField(required=False, default=False)

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        if not data.get("all") and not data.get("ids"):
            raise serializers.ValidationError(
                {"ids": [_("Give the ids of the notifications to mark, or all: true.")]}
            )
        return data


class NotificationReadResultSerializer(serializers.Serializer[Any]):
    marked = serializers.IntegerField()
    unread = serializers.IntegerField()
