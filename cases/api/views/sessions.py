"""Mediation sessions: booking (never double-booked), recording what happened, cancelling.

Adding or recording a session needs no If-Match (DESIGN §9): it does not edit the case itself.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from ... import access
from ...errors import InvalidInput
from ...models import Party
from ...queries.sessions import sessions_for
from ...services.sessions import book_session, cancel_session, record_session
from .. import permissions
from ..base import ScopedViewSet, signed_in_user
from ..docs import FORBIDDEN, NOT_FOUND, NOT_NOW, error
from ..filters import SessionFilter
from ..serializers.sessions import (
    SessionCreateSerializer,
    SessionRecordSerializer,
    SessionSerializer,
)
from .cases import IDEMPOTENCY_KEY

SESSION_EXAMPLE = OpenApiExample(
    "A session booked in a room",
    response_only=True,
    value={
        "id": 8, "case": 12, "starts_at": "2026-03-10T09:30:00+08:00",
        "ends_at": "2026-03-10T11:00:00+08:00", "room": 3, "place": "", "mode": "in_person",
        "mode_label": "In person", "status": "scheduled", "status_label": "Scheduled",
        "mediators": [5, 9], "parties_present": [31, 32], "minutes": "", "result": "",
    },
)  # fmt: skip

BOOK_EXAMPLE = OpenApiExample(
    "Book a session in a room",
    request_only=True,
    value={
        "case": 12, "starts_at": "2026-03-10T09:30:00+08:00",
        "ends_at": "2026-03-10T11:00:00+08:00", "mediators": [5, 9], "room": 3,
        "mode": "in_person", "parties_present": [31, 32],
    },
)  # fmt: skip

DOUBLE_BOOKED = error(
    "A mediator or the room is already booked then, or the case is not being mediated",
    "double_booked",
    "A mediator or room is already booked at that time.",
    mediators=["王调解 is already booked from 2026-03-10 09:00 to 10:00."],
)
INVALID = error(
    "Bad input; the fields at fault are named",
    "invalid",
    "Some fields are not valid.",
    ends_at=["A session must end after it starts."],
)

RECORD_EXAMPLE = OpenApiExample(
    "Minutes and result",
    request_only=True,
    value={"minutes": "双方就赔偿金额达成初步共识。", "result": "达成初步共识，约定下次签署协议"},
)


@extend_schema_view(
    list=extend_schema(
        summary="List sessions of the cases in your scope", examples=[SESSION_EXAMPLE]
    ),
    retrieve=extend_schema(summary="One session", examples=[SESSION_EXAMPLE]),
    create=extend_schema(
        summary="Book a session (a mediator or room is never double-booked)",
        request=SessionCreateSerializer,
        responses={
            201: SessionSerializer,
            400: INVALID,
            403: FORBIDDEN,
            404: NOT_FOUND,
            409: DOUBLE_BOOKED,
        },
        parameters=[IDEMPOTENCY_KEY],
        examples=[BOOK_EXAMPLE, SESSION_EXAMPLE],
    ),
    partial_update=extend_schema(
        summary="Record what happened at a session (it becomes held)",
        request=SessionRecordSerializer,
        responses={
            200: SessionSerializer,
            400: INVALID,
            403: FORBIDDEN,
            404: NOT_FOUND,
            409: NOT_NOW,
        },
        examples=[RECORD_EXAMPLE, SESSION_EXAMPLE],
    ),
)  # fmt: skip
class SessionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    ScopedViewSet,
):
    scope = staticmethod(sessions_for)
    serializer_class = SessionSerializer
    filterset_class = SessionFilter
    ordering_fields = ["id", "starts_at"]
    ordering = ["-id"]

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        permissions.require_somewhere(
            signed_in_user(request),
            access.ACTIONS["book_session"],
            _("You may not book sessions for this case."),
        )
        incoming = SessionCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        case = access.get_case_for(signed_in_user(request), data.pop("case"))
        wanted = set(data.pop("parties_present"))
        present = list(Party.objects.filter(case=case, pk__in=wanted))
        if len(present) != len(wanted):
            raise InvalidInput(
                fields={"parties_present": [_("Only parties to this case can be present.")]}
            )
        session = book_session(
            case=case, actor=signed_in_user(request), parties_present=present, **data
        )
        session = self.get_queryset().get(pk=session.pk)
        return Response(SessionSerializer(session).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        session = self.get_object()
        permissions.require(
            signed_in_user(request),
            "book_session",
            session.case,
            _("You may not record sessions for this case."),
        )
        incoming = SessionRecordSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        record_session(
            session=session,
            actor=signed_in_user(request),
            minutes=incoming.validated_data.get("minutes", session.minutes),
            result=incoming.validated_data.get("result", session.result),
        )
        session = self.get_queryset().get(pk=session.pk)
        return Response(SessionSerializer(session).data)

    @extend_schema(
        summary="Cancel a scheduled session (frees its room and mediators)",
        request=None,
        responses={200: SessionSerializer, 403: FORBIDDEN, 404: NOT_FOUND, 409: NOT_NOW},
        parameters=[IDEMPOTENCY_KEY],
        examples=[SESSION_EXAMPLE],
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        session = self.get_object()
        cancel_session(session=session, actor=signed_in_user(request))
        session = self.get_queryset().get(pk=session.pk)
        return Response(SessionSerializer(session).data)
