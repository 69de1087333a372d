"""API representations. Serializers parse and present; they never write: views call the services."""

from typing import Any

from django.contrib.auth import get_user_model
from rest_framework import serializers

from ..models import (
    Case,
    Category,
    Centre,
    Channel,
    Event,
    Membership,
    Party,
    PartyKind,
    PartyRole,
    RiskLevel,
)
from ..services.cases import EDITABLE_FIELDS


def label_of(instance: Any, field: str) -> str:
    return str(getattr(instance, f"get_{field}_display")())


class PartySerializer(serializers.ModelSerializer[Party]):
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


class CaseSerializer(serializers.ModelSerializer[Case]):
    status_label = serializers.SerializerMethodField()
    channel_label = serializers.SerializerMethodField()
    risk_level_label = serializers.SerializerMethodField()
    number_zh = serializers.CharField(read_only=True)
    parties = PartySerializer(many=True, read_only=True)

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
            "lead_mediator",
            "co_mediators",
            "outcome",
            "fail_guidance",
            "entrusting_court",
            "court_case_number",
            "entrusted_on",
            "parties",
            "version",
        ]
        read_only_fields = fields

    def get_status_label(self, case: Case) -> str:
        return label_of(case, "status")

    def get_channel_label(self, case: Case) -> str:
        return label_of(case, "channel")

    def get_risk_level_label(self, case: Case) -> str:
        return label_of(case, "risk_level")


class CaseCreateSerializer(serializers.Serializer[Any]):
    """A new case with all its parties, in one request."""

    centre = serializers.PrimaryKeyRelatedField(queryset=Centre.objects.all())
    channel = serializers.ChoiceField(choices=Channel.choices)
    category = serializers.PrimaryKeyRelatedField(queryset=Category.objects.filter(active=True))
    summary = serializers.CharField(max_length=200)
    facts = serializers.CharField(required=False, allow_blank=True, default="")
    amount_in_dispute = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, required=False, allow_null=True, default=None
    )
    location = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    risk_level = serializers.ChoiceField(choices=RiskLevel.choices, default=RiskLevel.NORMAL)
    entrusting_court = serializers.PrimaryKeyRelatedField(
        queryset=Centre.objects.all(), required=False, allow_null=True, default=None
    )
    court_case_number = serializers.CharField(
        max_length=64, required=False, allow_blank=True, default=""
    )
    entrusted_on = serializers.DateField(required=False, allow_null=True, default=None)
    parties = PartyInputSerializer(many=True, allow_empty=False)


class CaseUpdateSerializer(serializers.ModelSerializer[Case]):
    """The descriptive fields an edit may change (never the status: that is a transition)."""

    class Meta:
        model = Case
        fields = list(EDITABLE_FIELDS)
        extra_kwargs = {
            "amount_in_dispute": {"min_value": 0},
        }


class EventSerializer(serializers.ModelSerializer[Event]):
    actor: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    kind_label = serializers.SerializerMethodField()

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

    def get_kind_label(self, event: Event) -> str:
        return label_of(event, "kind")


class MembershipSerializer(serializers.ModelSerializer[Membership]):
    centre_code = serializers.CharField(source="centre.code", read_only=True)
    centre_name = serializers.CharField(source="centre.name", read_only=True)

    class Meta:
        model = Membership
        fields = ["centre", "centre_code", "centre_name", "role"]


class MeSerializer(serializers.ModelSerializer[Any]):
    memberships = MembershipSerializer(many=True, read_only=True)
    language = serializers.SerializerMethodField()
    is_administrator = serializers.SerializerMethodField()

    class Meta:
        model = get_user_model()
        fields = [
            "id",
            "username",
            "first_name",
            "last_name",
            "email",
            "language",
            "is_administrator",
            "memberships",
        ]
        read_only_fields = fields

    def get_language(self, user: Any) -> str:
        request = self.context.get("request")
        return getattr(request, "LANGUAGE_CODE", "zh-hans")

    def get_is_administrator(self, user: Any) -> bool:
        from ..access import scope_of

        return scope_of(user).is_admin


class TokenRequestSerializer(serializers.Serializer[Any]):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)


class TokenSerializer(serializers.Serializer[Any]):
    token = serializers.CharField()
