"""Cases: the case as read, the intake and edit bodies, and the timeline's events."""

from typing import Any

from django.contrib.auth.models import User
from rest_framework import serializers

from ...models import Case, Category, Centre, Channel, Event, FailGuidance, Outcome, RiskLevel
from ...services.cases import EDITABLE_FIELDS
from ..fields import IdRelatedField
from .base import ChoiceLabel, FieldsBuiltOnce
from .parties import PartyInputSerializer, PartySerializer


class CaseSerializer(FieldsBuiltOnce[Case]):
    """A case as you see it: its state, deadlines, parties (personal data masked) and outcome.
    `version` is its ETag: send it as `If-Match` to change the case."""

    status_label = ChoiceLabel("status")
    channel_label = ChoiceLabel("channel")
    risk_level_label = ChoiceLabel("risk_level")
    number_zh = serializers.CharField(read_only=True)
    parties = PartySerializer(many=True, read_only=True)
    # Blank until the case is concluded (and failed): the schema must allow "".
    outcome = serializers.ChoiceField(choices=Outcome.choices, allow_blank=True, read_only=True)
    fail_guidance = serializers.ChoiceField(
        choices=FailGuidance.choices, allow_blank=True, read_only=True
    )
    registered_only = serializers.BooleanField(
        read_only=True,
        default=False,
        help_text=(
            "True when you see this case only because it was registered at your centre (or below "
            "one you direct or observe) and it is handled elsewhere (`centre`): read-only sight "
            "of its status, handling centre, sessions, outcome and timeline; no action, no "
            "reveal, no files or documents (403)."
        ),
    )

    class Meta:
        model = Case
        fields = [
            "id",
            "number",
            "number_zh",
            "status",
            "status_label",
            "centre",
            "registering_centre",
            "transfer_target",
            "category",
            "channel",
            "channel_label",
            "risk_level",
            "risk_level_label",
            "summary",
            "facts",
            "amount_in_dispute",
            "location",
            "registered_at",
            "accepted_at",
            "assigned_at",
            "concluded_at",
            "closed_at",
            "acceptance_due_at",
            "due_at",
            "extended_at",
            "extension_days",
            "extension_reason",
            "lead_mediator",
            "co_mediators",
            "outcome",
            "fail_guidance",
            "entrusting_court",
            "court_case_number",
            "entrusted_on",
            "parties",
            "registered_only",
            "legal_hold",
            "anonymised_at",
            "version",
            "updated_at",
        ]
        read_only_fields = fields


class LegalHoldSerializer(serializers.Serializer[Any]):
    """Set (`hold: true`) or release (`hold: false`) a case's legal hold, with the reason."""

    hold = serializers.BooleanField(
        help_text="true: keep the case's personal data past its retention period; false: release."
    )
    reason = serializers.CharField(
        max_length=500, help_text="Why the hold is set or released (kept in the event)."
    )


class CaseCreateSerializer(serializers.Serializer[Any]):
    """A new case with all its parties, in one request."""

    centre = IdRelatedField(queryset=Centre.objects.all())
    channel = serializers.ChoiceField(choices=Channel.choices)
    category = IdRelatedField(queryset=Category.objects.filter(active=True))
    summary = serializers.CharField(max_length=200)
    facts = serializers.CharField(required=False, allow_blank=True, default="")
    amount_in_dispute = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, required=False, allow_null=True, default=None
    )
    location = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    risk_level = serializers.ChoiceField(choices=RiskLevel.choices, default=RiskLevel.NORMAL)
    entrusting_court = IdRelatedField(
        queryset=Centre.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="A court-entrusted case's court: one that serves the registering centre.",
    )
    court_case_number = serializers.CharField(
        max_length=64, required=False, allow_blank=True, default=""
    )
    entrusted_on = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Not after today in the centre's time zone.",
    )
    parties = PartyInputSerializer(
        many=True, allow_empty=False, help_text="At least one, and at least one applicant."
    )


class CaseUpdateSerializer(serializers.ModelSerializer[Case]):
    """The descriptive fields an edit may change (never the status: that is a transition)."""

    serializer_related_field = IdRelatedField

    class Meta:
        model = Case
        fields = list(EDITABLE_FIELDS)
        extra_kwargs = {
            "amount_in_dispute": {"min_value": 0},
        }


class EventSerializer(serializers.ModelSerializer[Event]):
    # Null for the system's own events (an automatic escalation, the retention run).
    actor: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    kind_label = ChoiceLabel("kind")

    class Meta:
        model = Event
        fields = [
            "id",
            "case",
            "at",
            "actor",
            "kind",
            "kind_label",
            "name",
            "before",
            "after",
            "centre",
            "case_version",
        ]
        read_only_fields = fields
