"""Audit records as read (``GET /api/v1/audit/``)."""

from typing import Any

from rest_framework import serializers

from ...models import AuditRecord
from .base import ChoiceLabel


class AuditRecordSerializer(serializers.ModelSerializer[AuditRecord]):
    action_label = ChoiceLabel("action")
    actor_name = serializers.CharField(
        read_only=True, help_text="The user name of whoever acted (for a failed sign-in: typed)."
    )
    centre_code = serializers.CharField(source="centre.code", read_only=True, allow_null=True)
    case_number = serializers.CharField(source="case.number", read_only=True, allow_null=True)
    details = serializers.SerializerMethodField(
        help_text="What the act concerned, personal data masked: for a change, `before` and "
        "`after` (changed fields only; a password never, only `password_changed`); for a "
        "download, `document` and `format`; for a sign-in, `channel` (web, admin, api)."
    )

    class Meta:
        model = AuditRecord
        fields = [
            "id",
            "created_at",
            "actor",
            "actor_name",
            "action",
            "action_label",
            "centre",
            "centre_code",
            "case",
            "case_number",
            "target",
            "ip_address",
            "details",
        ]
        read_only_fields = fields

    def get_details(self, record: AuditRecord) -> dict[str, Any]:
        return dict(record.details)
