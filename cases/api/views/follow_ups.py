"""Follow-up visits (回访): scheduled when a resolved case closes, completed by recording the visit."""

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.request import Request
from rest_framework.response import Response

from ...queries.cases import follow_ups_for
from ...services.follow_ups import record_follow_up
from .. import permissions
from ..base import ScopedViewSet, signed_in_user
from ..docs import FORBIDDEN, NOT_FOUND, NOT_NOW, error
from ..filters import FollowUpFilter
from ..serializers.follow_ups import FollowUpRecordSerializer, FollowUpSerializer

FOLLOW_UP_EXAMPLE = OpenApiExample(
    "A follow-up done by phone",
    response_only=True,
    value={
        "id": 3, "case": 12, "case_number": "JA-2026-00123", "due_on": "2026-04-10", "done": True,
        "done_at": "2026-04-08T10:00:00+08:00", "contact_method": "phone",
        "contact_method_label": "Phone", "fulfilment": "fulfilled", "fulfilment_label": "Fulfilled",
        "satisfaction": 5, "note": "双方均表示满意。", "recorded_by": "mediator_ja01",
    },
)  # fmt: skip

RECORD_EXAMPLE = OpenApiExample(
    "The visit",
    request_only=True,
    value={
        "contact_method": "phone", "fulfilment": "fulfilled", "satisfaction": 5,
        "note": "双方均表示满意。",
    },
)  # fmt: skip


@extend_schema_view(
    list=extend_schema(
        summary="List follow-ups of the cases in your scope", examples=[FOLLOW_UP_EXAMPLE]
    ),
    retrieve=extend_schema(summary="One follow-up", examples=[FOLLOW_UP_EXAMPLE]),
    partial_update=extend_schema(
        summary="Record the follow-up visit (completes the scheduled follow-up)",
        request=FollowUpRecordSerializer,
        responses={
            200: FollowUpSerializer,
            400: error(
                "Bad input; the fields at fault are named",
                "invalid",
                "Some fields are not valid.",
                satisfaction=["Ensure this value is less than or equal to 5."],
            ),
            403: FORBIDDEN,
            404: NOT_FOUND,
            409: NOT_NOW,
        },
        examples=[RECORD_EXAMPLE, FOLLOW_UP_EXAMPLE],
    ),
)  # fmt: skip
class FollowUpViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    scope = staticmethod(follow_ups_for)
    serializer_class = FollowUpSerializer
    filterset_class = FollowUpFilter
    ordering_fields = ["id", "due_on"]
    ordering = ["-id"]

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        follow_up = self.get_object()
        permissions.require(
            signed_in_user(request),
            "record_follow_up",
            follow_up.case,
            _("You may not record follow-ups for this case."),
        )
        incoming = FollowUpRecordSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        record_follow_up(
            follow_up=follow_up, actor=signed_in_user(request), **incoming.validated_data
        )
        follow_up = self.get_queryset().get(pk=follow_up.pk)
        return Response(FollowUpSerializer(follow_up).data)
