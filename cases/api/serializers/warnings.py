"""Early warnings (``/api/v1/warnings/``): a warning with its reason in the caller's language, the
cases it links that the caller may see, and the bodies of acknowledge, assign and dismiss."""

from typing import Any

from django.contrib.auth.models import User
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ...models import Case, EarlyWarning
from ...services.warnings import REASON_MAX
from .base import ChoiceLabel


class WarningCaseSerializer(serializers.ModelSerializer[Case]):
    centre_name = serializers.CharField(source="centre.name", read_only=True)

    class Meta:
        model = Case
        fields = ["id", "number", "summary", "status", "centre", "centre_name", "registered_at"]
        read_only_fields = fields


class WarningSerializer(serializers.ModelSerializer[EarlyWarning]):
    rule_label = ChoiceLabel("rule")
    status_label = ChoiceLabel("status")
    centre_code = serializers.CharField(source="centre.code", read_only=True)
    centre_name = serializers.CharField(source="centre.name", read_only=True)
    reason = serializers.SerializerMethodField(
        help_text="Why it was raised, in the caller's language (from `facts`)."
    )
    facts = serializers.JSONField(
        source="data",
        read_only=True,
        help_text="What the rule found: `count`, `threshold` and, by rule, `days`, `place`, "
        "`category`, `respondent`, `person` (masked), `number`, `month`, `mean`, `ratio`.",
    )
    cases = serializers.SerializerMethodField(
        help_text="The linked cases the caller may see (others are left out)."
    )
    acted_by = serializers.CharField(source="acted_by.username", read_only=True, allow_null=True)
    assigned_to = serializers.CharField(
        source="assigned_to.username", read_only=True, allow_null=True
    )

    class Meta:
        model = EarlyWarning
        fields = [
            "id", "rule", "rule_label", "status", "status_label", "centre", "centre_code",
            "centre_name", "reason", "facts", "cases", "raised_at", "updated_at", "acted_by",
            "acted_at", "assigned_to", "dismissal_reason",
        ]  # fmt: skip
        read_only_fields = fields

    def get_reason(self, warning: EarlyWarning) -> str:
        return warning.reason()

    @extend_schema_field(WarningCaseSerializer(many=True))
    def get_cases(self, warning: EarlyWarning) -> Any:
        return WarningCaseSerializer(warning.cases.all(), many=True).data


class WarningAssignSerializer(serializers.Serializer[Any]):
    user = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True),
        help_text="The user to look into it: one who works at the warning's centre, below it or "
        "above it.",
    )


class WarningDismissSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(
        max_length=REASON_MAX, help_text="Why nothing more is needed (required)."
    )
