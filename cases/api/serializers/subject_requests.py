"""Requests from the people concerned (``/api/v1/personal-data/``): the requests, the decision,
the search and its results. The numbers sent are hashed at once and never stored or echoed."""

from typing import Any

from rest_framework import serializers

from ...models import Party, SubjectRequest, SubjectRequestKind
from ...services.subject_requests import REASON_MAX
from .base import ChoiceLabel

ID_NUMBER_HELP = "The person's ID number (hashed at once; never stored in clear)."
PHONE_HELP = "The person's phone (hashed at once; never stored in clear)."


class SubjectRequestSerializer(serializers.ModelSerializer[SubjectRequest]):
    kind_label = ChoiceLabel("kind")
    status_label = ChoiceLabel("status")
    requested_by = serializers.CharField(source="requested_by.username", read_only=True)
    decided_by = serializers.CharField(
        source="decided_by.username", read_only=True, allow_null=True
    )
    centre_code = serializers.CharField(source="centre.code", read_only=True, allow_null=True)
    result = serializers.SerializerMethodField(
        help_text="An approved erasure: `anonymised` and `held` (on legal hold, left alone), the "
        "numbers of the cases the caller sees; empty otherwise."
    )

    class Meta:
        model = SubjectRequest
        fields = [
            "id", "kind", "kind_label", "status", "status_label", "id_number_masked",
            "phone_masked", "reason", "centre", "centre_code", "requested_by", "requested_at",
            "decided_by", "decided_at", "decision_reason", "used_at", "result",
        ]  # fmt: skip
        read_only_fields = fields

    def get_result(self, request: SubjectRequest) -> dict[str, list[str]]:
        visible: set[str] = self.context.get("visible_numbers", set())
        result = request.result or {}
        return {
            key: [n for n in result.get(key, []) if n in visible]
            for key in ("anonymised", "held")
            if key in result
        }


class PersonSerializer(serializers.Serializer[Any]):
    id_number = serializers.CharField(
        max_length=40, required=False, allow_blank=True, default="", help_text=ID_NUMBER_HELP
    )
    phone = serializers.CharField(
        max_length=24, required=False, allow_blank=True, default="", help_text=PHONE_HELP
    )


class SubjectRequestCreateSerializer(PersonSerializer):
    kind = serializers.ChoiceField(
        choices=SubjectRequestKind.choices,
        help_text="`search`: a city-wide search (a director of the city centre or an "
        "administrator approves); `erasure`: erase the person's data in every case.",
    )
    reason = serializers.CharField(
        max_length=REASON_MAX, help_text="Why (for an erasure: the person's reason)."
    )


class DecisionSerializer(serializers.Serializer[Any]):
    approve = serializers.BooleanField(help_text="true: approve; false: refuse.")
    reason = serializers.CharField(max_length=REASON_MAX, help_text="The reason for the decision.")


class SearchSerializer(PersonSerializer):
    request = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text="An approved city-wide search of yours (`kind` `search`): searches every case, "
        "once (export: after it was run). Leave out to search the cases you see, by the numbers.",
    )


class SearchResultSerializer(serializers.ModelSerializer[Party]):
    """One party who is the person, with their case."""

    role_label = ChoiceLabel("role")
    case = serializers.IntegerField(source="case.pk", read_only=True)
    case_number = serializers.CharField(source="case.number", read_only=True)
    centre = serializers.IntegerField(source="case.centre_id", read_only=True)
    centre_name = serializers.CharField(source="case.centre.name", read_only=True)
    status = serializers.CharField(source="case.status", read_only=True)
    registered_at = serializers.DateTimeField(source="case.registered_at", read_only=True)
    closed_at = serializers.DateTimeField(source="case.closed_at", read_only=True, allow_null=True)

    class Meta:
        model = Party
        fields = [
            "id", "name", "role", "role_label", "case", "case_number", "centre", "centre_name",
            "status", "registered_at", "closed_at",
        ]  # fmt: skip
        read_only_fields = fields
