"""Your notifications (the web UI's bell): what the hourly sweep, a high-risk case, an escalation,
a case returned to its court, an assignment, a transfer, a session, a note's mention … told you.
Only ever your own."""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from ...queries.notifications import notifications_for, prefetch_digests, unread_count
from ...services.notifications import mark_read
from ..base import ScopedViewSet, signed_in_user
from ..docs import error
from ..filters import NotificationFilter
from ..serializers.notifications import (
    NotificationReadResultSerializer,
    NotificationReadSerializer,
    NotificationSerializer,
)

NOTIFICATION_EXAMPLE = OpenApiExample(
    "A deadline passed",
    response_only=True,
    value={
        "id": 41, "kind": "overdue", "kind_label": "Deadline passed", "case": 12,
        "case_number": "JA01-2026-00042", "case_visible": True,
        "case_summary": "Water leaking from the flat above", "case_centre_name": "Jiang'an "
        "District Centre", "text": "Deadline passed: Case JA01-2026-00042 “Water leaking from "
        "the flat above” at Jiang'an District Centre",
        "created_at": "2026-03-11T09:05:00+08:00", "read": False, "read_at": None,
    },
)  # fmt: skip


@extend_schema_view(
    list=extend_schema(
        summary="Your notifications, newest first",
        description="`unread=true`: only those not read yet; `kind`: one or more kinds.",
        examples=[NOTIFICATION_EXAMPLE],
    ),
)
class NotificationViewSet(mixins.ListModelMixin, ScopedViewSet):
    scope = staticmethod(notifications_for)
    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter
    ordering_fields = ["id"]
    ordering = ["-id"]

    def paginate_queryset(self, queryset: QuerySet[Any]) -> list[Any] | None:
        page = super().paginate_queryset(queryset)
        if page is not None:
            # A digest's entries: one query, none without a digest.
            prefetch_digests(page, signed_in_user(self.request))
        return page

    @extend_schema(
        summary="Mark notifications read",
        description='`{"ids": [41, 42]}` or `{"all": true}`. Ids of other people\'s '
        "notifications are ignored. Answers how many were marked and how many are left unread.",
        request=NotificationReadSerializer,
        responses={
            200: NotificationReadResultSerializer,
            400: error(
                "Neither ids nor all",
                "invalid",
                "Some fields are not valid.",
                ids=["Give the ids of the notifications to mark, or all: true."],
            ),
        },
        examples=[
            OpenApiExample("Two of them", request_only=True, value={"ids": [41, 42]}),
            OpenApiExample("The answer", response_only=True, value={"marked": 2, "unread": 3}),
        ],
    )
    @action(detail=False, methods=["post"], url_path="read")
    def read(self, request: Request) -> Response:
        incoming = NotificationReadSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        marked = mark_read(user=signed_in_user(request), ids=None if data["all"] else data["ids"])
        return Response({"marked": marked, "unread": unread_count(signed_in_user(request))})
