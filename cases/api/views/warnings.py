"""Early warnings (``/api/v1/warnings/``; docs/api.md, "Early warnings"): the list and one warning
for directors (their subtrees') and administrators (every one), and what a director over the
warning's centre does with it: acknowledge, assign, dismiss with a reason. Anyone else's list
is empty; a warning outside the caller's scope is a 404, like a missing one."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from ...models import EarlyWarning
from ...queries.warnings import WarningFilter, warnings_for
from ...services import warnings
from ..base import ScopedViewSet, signed_in_user
from ..docs import FORBIDDEN, NOT_FOUND, error
from ..serializers.warnings import (
    WarningAssignSerializer,
    WarningDismissSerializer,
    WarningSerializer,
)

INVALID_REASON = error(
    "Bad input, named by field", "invalid", "Some fields are not valid.",
    reason=["Say why the warning is dismissed."],
)  # fmt: skip
INVALID_USER = error(
    "Bad input, named by field", "invalid", "Some fields are not valid.",
    user=["Choose an active user who works at the warning's centre, below it or above it."],
)  # fmt: skip


@extend_schema_view(
    list=extend_schema(
        summary="Early warnings, newest first (directors: their subtrees; administrators)",
        description="Raised by the daily run (docs/reports.md, “Early warnings”). Filters: "
        "`status`, `rule` (one or more each), `centre` (that centre and below). Anyone who "
        "is neither a director nor an administrator gets an empty list.",
    ),
    retrieve=extend_schema(summary="One early warning", responses={200: WarningSerializer,
                                                                    404: NOT_FOUND}),
)  # fmt: skip
class WarningViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    scope = staticmethod(warnings_for)
    serializer_class = WarningSerializer
    filterset_class = WarningFilter
    ordering_fields = ["id", "raised_at"]
    ordering = ["-raised_at", "-id"]

    def _answer(self, warning: EarlyWarning) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=warning.pk)).data)

    @extend_schema(
        summary="Acknowledge a warning",
        description="A director over the warning's centre or an administrator (403). An "
        "assigned warning stays assigned. A dismissed one: 400 naming `status`. One audit "
        "record (`warning_acknowledged`).",
        request=None,
        responses={200: WarningSerializer, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def acknowledge(self, request: Request, pk: str | None = None) -> Response:
        found = self.get_object()
        return self._answer(warnings.acknowledge(actor=signed_in_user(request), warning=found))

    @extend_schema(
        summary="Assign a warning to someone to look into",
        description="A director over the warning's centre or an administrator (403). The user "
        "works at the warning's centre, below it or above it (else 400 naming `user`) and is "
        "notified (`warning`). One audit record (`warning_assigned`).",
        request=WarningAssignSerializer,
        responses={200: WarningSerializer, 400: INVALID_USER, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def assign(self, request: Request, pk: str | None = None) -> Response:
        found = self.get_object()
        incoming = WarningAssignSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        done = warnings.assign(
            actor=signed_in_user(request), warning=found, user=incoming.validated_data["user"]
        )
        return self._answer(done)

    @extend_schema(
        summary="Dismiss a warning, with the reason",
        description="A director over the warning's centre or an administrator (403). `reason` "
        "is required (400 naming `reason`). One audit record (`warning_dismissed`).",
        request=WarningDismissSerializer,
        responses={200: WarningSerializer, 400: INVALID_REASON, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def dismiss(self, request: Request, pk: str | None = None) -> Response:
        found = self.get_object()
        incoming = WarningDismissSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        done = warnings.dismiss(
            actor=signed_in_user(request), warning=found, reason=incoming.validated_data["reason"]
        )
        return self._answer(done)
