"""Sessions: as read, to book, and what happened at one."""

from typing import Any

from django.contrib.auth.models import User
from rest_framework import serializers

from ...models import Mediator, Room, Session, SessionMode
from ...services.sessions import MOVE_REASON_MAX, RECORD_TEXT_MAX, RESULT_MAX
from ..fields import IdField, IdRelatedField
from .base import ChoiceLabel


class SessionSerializer(serializers.ModelSerializer[Session]):
    mode_label = ChoiceLabel("mode")
    status_label = ChoiceLabel("status")
    recorded_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username",
        read_only=True,
        allow_null=True,
        help_text="Who wrote the session record last (null until it is recorded).",
    )

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
            "others_present",
            "applicant_statement",
            "respondent_statement",
            "agreed",
            "next_step",
            "recorded_by",
            "recorded_at",
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


class SessionMoveSerializer(serializers.Serializer[Any]):
    """Where a scheduled session moves to: the new start and end, the room (left out: it keeps
    its room; null: no room) and the reason (kept in the case's timeline)."""

    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField(help_text="After starts_at.")
    room = IdRelatedField(
        queryset=Room.objects.filter(active=True),
        required=False,
        allow_null=True,
        help_text="A room of the case's centre; left out: the session keeps its room.",
    )
    reason = serializers.CharField(
        max_length=MOVE_REASON_MAX, help_text="Why the session moves. Required."
    )


class SessionRecordSerializer(serializers.Serializer[Any]):
    """The session record; the session becomes `held`. Omitted fields keep their value.
    A later PATCH corrects the record: one `correct_session_record` event with the changed fields
    before and after."""

    minutes = serializers.CharField(max_length=RECORD_TEXT_MAX, required=False, allow_blank=True)
    result = serializers.CharField(max_length=RESULT_MAX, required=False, allow_blank=True)
    parties_present = serializers.ListField(
        child=IdField(),
        required=False,
        help_text="Ids of the case's parties who attended; replaces the list.",
    )
    others_present = serializers.CharField(
        max_length=RECORD_TEXT_MAX,
        required=False,
        allow_blank=True,
        help_text="Agents, relatives, witnesses, interpreters: who else attended.",
    )
    applicant_statement = serializers.CharField(
        max_length=RECORD_TEXT_MAX,
        required=False,
        allow_blank=True,
        help_text="What the applicant side said.",
    )
    respondent_statement = serializers.CharField(
        max_length=RECORD_TEXT_MAX,
        required=False,
        allow_blank=True,
        help_text="What the respondent side said.",
    )
    agreed = serializers.CharField(
        max_length=RECORD_TEXT_MAX,
        required=False,
        allow_blank=True,
        help_text="What was agreed, or where the sides still differ.",
    )
    next_step = serializers.CharField(max_length=RECORD_TEXT_MAX, required=False, allow_blank=True)
