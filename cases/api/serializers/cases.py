"""API representations. Serializers parse and present; they never write: views call the services."""

import copy
from typing import Any, ClassVar, TypeVar

from django.contrib.auth import get_user_model
from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..models import (
    Agreement,
    Case,
    Category,
    Centre,
    Channel,
    ContactMethod,
    Event,
    FailGuidance,
    FollowUp,
    Fulfilment,
    JudicialConfirmation,
    Mediator,
    Membership,
    Notification,
    Outcome,
    Party,
    PartyKind,
    PartyRole,
    RiskLevel,
    Role,
    Room,
    Session,
    SessionMode,
    Transfer,
)
from ..services.agreements import RULING_NUMBER_LENGTH
from ..services.cases import EDITABLE_FIELDS
from .fields import IdField, IdRelatedField, WholeNumberField

M = TypeVar("M", bound=models.Model)


def label_of(instance: Any, field: str) -> str:
    return str(getattr(instance, f"get_{field}_display")())


class ChoiceLabel(serializers.CharField):
    """The translated label of a choice field, read-only, beside its code: ``status_label``."""

    def __init__(self, field: str, **kwargs: Any) -> None:
        self.choice_field = field
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, value: Any) -> str:
        return label_of(value, self.choice_field)


class FieldsBuiltOnce(serializers.ModelSerializer[M]):
    """A ModelSerializer that builds its fields from the model once per class, then copies them.

    DRF builds every field of a ModelSerializer again for each instance (inspecting the model's
    fields, validators and choices): for a case with its parties that was about a fifth of a case
    read (issue #8). Only for serializers whose fields depend on nothing but their Meta.
    """

    _built: ClassVar[dict[type, dict[str, serializers.Field[Any, Any, Any, Any]]]] = {}

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        cls = type(self)
        if cls not in FieldsBuiltOnce._built:
            FieldsBuiltOnce._built[cls] = super().get_fields()
        return copy.deepcopy(FieldsBuiltOnce._built[cls])


class PartySerializer(FieldsBuiltOnce[Party]):
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


class CaseSerializer(FieldsBuiltOnce[Case]):
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
            "version",
        ]
        read_only_fields = fields


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
        queryset=Centre.objects.all(), required=False, allow_null=True, default=None
    )
    court_case_number = serializers.CharField(
        max_length=64, required=False, allow_blank=True, default=""
    )
    entrusted_on = serializers.DateField(required=False, allow_null=True, default=None)
    parties = PartyInputSerializer(many=True, allow_empty=False)


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
    actor: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
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
    mediator = serializers.SerializerMethodField(
        help_text="Your mediator profile's id, if you have one."
    )

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
            "mediator",
            "memberships",
        ]
        read_only_fields = fields

    def get_language(self, user: Any) -> str:
        request = self.context.get("request")
        return getattr(request, "LANGUAGE_CODE", "zh-hans")

    def get_mediator(self, user: Any) -> int | None:
        from ..access import scope_of

        mediator = scope_of(user).mediator
        return mediator.pk if mediator else None

    def get_is_administrator(self, user: Any) -> bool:
        from ..access import scope_of

        return scope_of(user).is_admin


class TokenRequestSerializer(serializers.Serializer[Any]):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)


class TokenSerializer(serializers.Serializer[Any]):
    token = serializers.CharField()


# --- Parties ------------------------------------------------------------------------------------


class RevealedSerializer(serializers.Serializer[Any]):
    """A party's personal data in clear: answered once, never stored, never cached."""

    id_number = serializers.CharField(read_only=True)
    phone = serializers.CharField(read_only=True)


# --- Sessions -----------------------------------------------------------------------------------


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
    """A session to book. ``case`` must be in your scope; ``parties_present`` are its parties."""

    case = IdField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
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
    """What happened at a session; the session becomes ``held``. Omitted fields keep their value."""

    minutes = serializers.CharField(required=False, allow_blank=True)
    result = serializers.CharField(max_length=255, required=False, allow_blank=True)


# --- Agreements ---------------------------------------------------------------------------------


class AgreementSerializer(serializers.ModelSerializer[Agreement]):
    case_number = serializers.CharField(source="case.number", read_only=True)
    form_label = ChoiceLabel("form")
    fulfilment_label = ChoiceLabel("fulfilment")
    judicial_confirmation_label = ChoiceLabel("judicial_confirmation")

    class Meta:
        model = Agreement
        fields = [
            "id",
            "case",
            "case_number",
            "terms",
            "amount_agreed",
            "form",
            "form_label",
            "signed_on",
            "effective_on",
            "performance_deadline",
            "fulfilment",
            "fulfilment_label",
            "fulfilment_recorded_at",
            "judicial_confirmation",
            "judicial_confirmation_label",
            "confirmation_applied_on",
            "ruling_number",
            "ruling_on",
            "created_at",
        ]
        read_only_fields = fields


class FulfilmentSerializer(serializers.Serializer[Any]):
    fulfilment = serializers.ChoiceField(choices=Fulfilment.choices)


class JudicialConfirmationSerializer(serializers.Serializer[Any]):
    """The application for judicial confirmation (司法确认), or the court's ruling on it."""

    status = serializers.ChoiceField(
        choices=[
            c for c in JudicialConfirmation.choices if c[0] != JudicialConfirmation.NOT_APPLIED
        ],
        help_text="`applied`, then `confirmed` or `rejected` (final).",
    )
    applied_on = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The day the parties applied to the court; required unless already recorded.",
    )
    ruling_number = serializers.CharField(
        max_length=RULING_NUMBER_LENGTH,
        required=False,
        allow_blank=True,
        default="",
        help_text="The court's ruling number; required with `confirmed` or `rejected`.",
    )
    ruling_on = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The day of the court's ruling; required with `confirmed` or `rejected`.",
    )


# --- Transfers ----------------------------------------------------------------------------------


class TransferSerializer(serializers.ModelSerializer[Transfer]):
    case_number = serializers.CharField(source="case.number", read_only=True)
    direction_label = ChoiceLabel("direction")
    status_label = ChoiceLabel("status")
    requested_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    decided_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
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


# --- Follow-ups ---------------------------------------------------------------------------------


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
    recorded_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
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


# --- The network: centres, categories, mediators, rooms -----------------------------------------


class CentreSerializer(serializers.ModelSerializer[Centre]):
    name = serializers.CharField(read_only=True)
    level_label = ChoiceLabel("level")
    kind_label = ChoiceLabel("kind")

    class Meta:
        model = Centre
        fields = [
            "id",
            "code",
            "name_zh",
            "name_en",
            "name",
            "abbreviation_zh",
            "level",
            "level_label",
            "kind",
            "kind_label",
            "parent",
            "path",
            "depth",
            "active",
            "address",
        ]
        read_only_fields = fields


class CategorySerializer(serializers.ModelSerializer[Category]):
    name = serializers.CharField(read_only=True)

    class Meta:
        model = Category
        fields = ["id", "code", "name_zh", "name_en", "name", "parent", "active"]
        read_only_fields = fields


class MediatorSerializer(serializers.ModelSerializer[Mediator]):
    kind_label = ChoiceLabel("kind")
    languages = serializers.ListField(
        child=serializers.CharField(), source="language_list", read_only=True
    )
    has_account = serializers.SerializerMethodField()
    open_load = serializers.IntegerField(
        read_only=True, help_text="Open cases this mediator leads (held against capacity)."
    )

    class Meta:
        model = Mediator
        fields = [
            "id",
            "name",
            "has_account",
            "home_centre",
            "seats",
            "kind",
            "kind_label",
            "specialties",
            "languages",
            "capacity",
            "open_load",
            "active",
        ]
        read_only_fields = fields

    def get_has_account(self, mediator: Mediator) -> bool:
        return mediator.user_id is not None


class RoomSerializer(serializers.ModelSerializer[Room]):
    class Meta:
        model = Room
        fields = ["id", "centre", "name", "active"]
        read_only_fields = fields


# --- Users --------------------------------------------------------------------------------------


class UserSerializer(serializers.ModelSerializer[Any]):
    """An account as administrators see it. Passwords never leave the server."""

    memberships = MembershipSerializer(many=True, read_only=True)
    has_password = serializers.SerializerMethodField()
    email = serializers.CharField(read_only=True)  # may be empty, so not format "email"

    class Meta:
        model = get_user_model()
        fields = [
            "id",
            "username",
            "first_name",
            "last_name",
            "email",
            "is_active",
            "has_password",
            "last_login",
            "date_joined",
            "memberships",
        ]
        read_only_fields = fields

    def get_has_password(self, user: Any) -> bool:
        return bool(user.has_usable_password())


class MembershipInputSerializer(serializers.Serializer[Any]):
    centre = IdRelatedField(queryset=Centre.objects.all())
    role = serializers.ChoiceField(choices=Role.choices)


class UserCreateSerializer(serializers.Serializer[Any]):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(
        write_only=True,
        required=False,
        allow_null=True,
        default=None,
        trim_whitespace=False,
        style={"input_type": "password"},
        help_text="Checked against the password rules. Omitted: the account has no usable password.",
    )
    first_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    is_active = serializers.BooleanField(required=False, default=True)
    memberships = MembershipInputSerializer(many=True, required=False, default=list)


class UserUpdateSerializer(serializers.Serializer[Any]):
    """Omitted fields keep their value; ``memberships``, when sent, replace all of them."""

    first_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)
    memberships = MembershipInputSerializer(many=True, required=False)


# --- Notifications ------------------------------------------------------------------------------


class NotificationSerializer(serializers.ModelSerializer[Notification]):
    kind_label = ChoiceLabel("kind")
    case_number = serializers.CharField(source="case.number", read_only=True, allow_null=True)
    case_visible = serializers.BooleanField(
        read_only=True, help_text="Whether you may still open the case (it may have moved)."
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
            "created_at",
            "read",
            "read_at",
        ]
        read_only_fields = fields

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
