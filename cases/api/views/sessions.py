"""Mediation sessions: booking (never double-booked), recording what happened, cancelling.

Adding or recording a session needs no If-Match (DESIGN §9): it does not edit the case itself.
"""

from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from ... import access
from ...documents import session_record
from ...errors import InvalidInput
from ...models import Party, SessionStatus
from ...queries.sessions import sessions_for
from ...services.sessions import (
    KEEP_ROOM,
    book_session,
    cancel_session,
    move_session,
    record_session,
)
from .. import permissions
from ..base import ScopedViewSet, signed_in_user
from ..docs import FORBIDDEN, NOT_FOUND, NOT_NOW, error
from ..filters import SessionFilter
from ..negotiation import IgnoreFormatParameter
from ..serializers.sessions import (
    SessionCreateSerializer,
    SessionMoveSerializer,
    SessionRecordSerializer,
    SessionSerializer,
)
from .cases import DOCUMENT_UNAVAILABLE, IDEMPOTENCY_KEY, pdf_download, pdf_schema

SESSION_EXAMPLE = OpenApiExample(
    "A session booked in a room",
    response_only=True,
    value={
        "id": 8, "case": 12, "starts_at": "2026-03-10T09:30:00+08:00",
        "ends_at": "2026-03-10T11:00:00+08:00", "room": 3, "place": "", "mode": "in_person",
        "mode_label": "In person", "status": "scheduled", "status_label": "Scheduled",
        "mediators": [5, 9], "parties_present": [31, 32], "minutes": "", "result": "",
        "others_present": "", "applicant_statement": "", "respondent_statement": "",
        "agreed": "", "next_step": "", "recorded_by": None, "recorded_at": None,
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
    "The session record",
    request_only=True,
    value={
        "result": "达成初步共识，约定下次签署协议", "minutes": "双方就赔偿金额达成初步共识。",
        "parties_present": [31, 32], "others_present": "申请人之子张小明（陪同）",
        "applicant_statement": "要求赔偿维修费用3000元。",
        "respondent_statement": "同意赔偿，但认为金额过高，愿意承担2000元。",
        "agreed": "双方同意以2500元了结，分两期支付。", "next_step": "下周二签署调解协议书。",
    },
)  # fmt: skip
MOVE_EXAMPLE = OpenApiExample(
    "Move a session to the afternoon, same room",
    request_only=True,
    value={
        "starts_at": "2026-03-10T14:30:00+08:00", "ends_at": "2026-03-10T16:00:00+08:00",
        "reason": "申请人上午需出庭",
    },
)  # fmt: skip
CORRECT_EXAMPLE = OpenApiExample(
    "A correction (only the changed field)",
    request_only=True,
    value={"next_step": "下周三签署调解协议书。"},
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
        summary="Write or correct a session's record (the session becomes held)",
        request=SessionRecordSerializer,
        responses={
            200: SessionSerializer,
            400: INVALID,
            403: FORBIDDEN,
            404: NOT_FOUND,
            409: NOT_NOW,
        },
        examples=[RECORD_EXAMPLE, CORRECT_EXAMPLE, SESSION_EXAMPLE],
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
        data = dict(incoming.validated_data)
        present = None
        if "parties_present" in data:
            wanted = set(data.pop("parties_present"))
            present = list(Party.objects.filter(case=session.case_id, pk__in=wanted))
            if len(present) != len(wanted):
                raise InvalidInput(
                    fields={"parties_present": [_("Only parties to this case can be present.")]}
                )
        record_session(
            session=session, actor=signed_in_user(request), parties_present=present, **data
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

    @extend_schema(
        summary="Move (reschedule) a scheduled session (a mediator or room is never double-booked)",
        description=(
            "The same checks as booking: its mediators and the room must be free at the new "
            "time (its own old time does not count), the room must be the case's centre's. One "
            "`move_session` event on the case's timeline (time and room before and after, the "
            "reason); the session's mediators are notified (`session_moved`), the mover is not. "
            "The evening-before reminders (mediators, and parties by SMS) are sent again for "
            "the new time. No If-Match: a session is not the case itself."
        ),
        request=SessionMoveSerializer,
        responses={
            200: SessionSerializer,
            400: INVALID,
            403: FORBIDDEN,
            404: NOT_FOUND,
            409: DOUBLE_BOOKED,
        },
        parameters=[IDEMPOTENCY_KEY],
        examples=[MOVE_EXAMPLE, SESSION_EXAMPLE],
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def move(self, request: Request, pk: str | None = None) -> Response:
        session = self.get_object()
        permissions.require(
            signed_in_user(request),
            "book_session",
            session.case,
            _("You may not move sessions for this case."),
        )
        incoming = SessionMoveSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        move_session(
            session=session,
            actor=signed_in_user(request),
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            reason=data["reason"],
            room=data.get("room", KEEP_ROOM),
        )
        session = self.get_queryset().get(pk=session.pk)
        return Response(SessionSerializer(session).data)

    @pdf_schema(
        "The session record (PDF)",
        "Time, place and mode, mediators, the parties present (ID numbers masked) and who else "
        "attended, what each side said, what was agreed or where they differ, the next step, who "
        "recorded it and when, signature lines for the parties, the mediators and the recorder; "
        "a session not yet recorded gives a blank record to fill in by hand. In your language, "
        "sent as `Content-Disposition: attachment` named `<case number>-session-<id>.pdf`. A "
        "cancelled session has no record: 404. Errors are JSON.",
        "JA01-2026-00012-session-8.pdf",
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="record",
        filter_backends=[],
        content_negotiation_class=IgnoreFormatParameter,
    )
    def record(self, request: Request, pk: str | None = None) -> Response | HttpResponse:
        session = self.get_object()
        permissions.require_files(signed_in_user(request), session.case)
        if session.status == SessionStatus.CANCELLED:
            raise NotFound(_("A cancelled session has no record."))
        return pdf_download(
            session_record.PAGE_TEMPLATE,
            session_record.context(session, for_pdf=True),
            filename=session_record.filename(session),
            unavailable=DOCUMENT_UNAVAILABLE,
        )
