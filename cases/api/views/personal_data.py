"""Requests from the people concerned (``/api/v1/personal-data/``; docs/personal-data.md and
docs/api.md): the requests (list, read, create, decide), the search and the export as JSON.

Directors and administrators search; directors, intake officers and administrators ask for an
erasure; anyone else: 403. A request the caller may not read is a 404, like a missing one.
"""

from typing import Any

from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from ...access import (
    can_search_subjects,
    can_use_subject_requests,
    visible_cases,
)
from ...models import SubjectRequest, SubjectRequestKind
from ...queries.subject_requests import export_content, subject_requests_for
from ...services import subject_requests
from ..base import ScopedViewSet, signed_in_user
from ..docs import NOT_FOUND, error
from ..serializers.subject_requests import (
    DecisionSerializer,
    SearchResultSerializer,
    SearchSerializer,
    SubjectRequestCreateSerializer,
    SubjectRequestSerializer,
)

NOT_YOURS = _("Only directors, intake officers and administrators handle personal data requests.")
NOT_A_SEARCHER = _("Only directors and administrators look up a person's data.")
FORBIDDEN = error("Not a role that handles these requests", "permission_denied", str(NOT_YOURS))
INVALID = error(
    "Bad input, named by field", "invalid", "Some fields are not valid.",
    id_number=["Give the person's ID number or phone."],
)  # fmt: skip

EXPORT_EXAMPLE = OpenApiExample(
    "One case",
    response_only=True,
    value={
        "parties": [{"case_number": "JA01-2026-00042", "role": "applicant",
                     "role_label": "Applicant", "kind": "person", "name": "张三",
                     "id_number": "420106198001011237", "phone": "13812345678",
                     "address": "江岸区解放大道1号", "birth_date": "1980-01-01"}],
        "cases": [{"number": "JA01-2026-00042", "centre": "江岸区调解中心", "category": "噪音",
                   "summary": "楼上噪音扰民", "status": "closed", "status_label": "Closed",
                   "outcome": "resolved", "outcome_label": "Resolved",
                   "registered_at": "2026-03-02T09:00:00+08:00",
                   "concluded_at": "2026-03-10T16:00:00+08:00",
                   "closed_at": "2026-03-11T10:00:00+08:00", "sessions": [], "agreement": None}],
    },
)  # fmt: skip


def _visible_numbers(user: User, requests: list[SubjectRequest]) -> set[str]:
    numbers = {
        n for r in requests for key in ("anonymised", "held") for n in (r.result or {}).get(key, [])
    }
    if not numbers:
        return set()
    return set(visible_cases(user).filter(number__in=numbers).values_list("number", flat=True))


@extend_schema_view(
    list=extend_schema(
        summary="Personal data requests you read (city-wide searches and erasures)",
        description="An administrator reads every request; a director those filed under a centre "
        "of their subtrees (the city centre's director: every city-wide search too); anyone "
        "their own. Newest first. Directors, intake officers and administrators only (403).",
        responses={200: SubjectRequestSerializer(many=True), 403: FORBIDDEN},
    ),
    retrieve=extend_schema(
        summary="One personal data request",
        responses={200: SubjectRequestSerializer, 403: FORBIDDEN, 404: NOT_FOUND},
    ),
    create=extend_schema(
        summary="Ask for a city-wide search or an erasure",
        description="`search` (directors, administrators): a director of the city centre or an "
        "administrator approves; then the requester runs it once (`POST /personal-data/search/` "
        "with `request`). `erasure` (directors, intake officers, administrators; the person "
        "must be a party of a case you see): a director over every centre whose cases hold the "
        "person, or an administrator, decides. The numbers are hashed, only masked forms kept. "
        "One audit record (`subject_search_requested`, `erasure_requested`).",
        request=SubjectRequestCreateSerializer,
        responses={201: SubjectRequestSerializer, 400: INVALID, 403: FORBIDDEN},
    ),
)
class SubjectRequestViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedViewSet
):
    scope = staticmethod(subject_requests_for)
    serializer_class = SubjectRequestSerializer
    ordering_fields = ["id"]
    ordering = ["-id"]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        # The list and a new request: 403 for the roles that make none. One request (read,
        # decided) is looked up in the caller's scope: 404 outside it, whoever asks.
        if self.action in {"list", "create"} and not can_use_subject_requests(
            signed_in_user(request)
        ):
            raise PermissionDenied(NOT_YOURS)

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        context["visible_numbers"] = getattr(self, "_visible", set())
        return context

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        rows = list(page if page is not None else self.get_queryset())
        self._visible = _visible_numbers(signed_in_user(request), rows)
        data = self.get_serializer(rows, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        found = self.get_object()
        self._visible = _visible_numbers(signed_in_user(request), [found])
        return Response(self.get_serializer(found).data)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = signed_in_user(request)
        incoming = SubjectRequestCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        kind = data.pop("kind")
        if kind == SubjectRequestKind.SEARCH:
            made = subject_requests.request_city_search(actor=user, **data)
        else:
            made = subject_requests.request_erasure(actor=user, **data)
        made = self.get_queryset().get(pk=made.pk)
        return Response(self.get_serializer(made).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Approve or refuse a pending request, with a reason",
        description="A city-wide search: a director of the city centre or an administrator. An "
        "erasure: a director over every centre whose cases hold the person, or an "
        "administrator; approving anonymises the person's parties in every case at once "
        "(cases on legal hold are left alone and listed in `result.held`). Not your own "
        "request (403). Already decided: 400 naming `approve`. The requester is notified "
        "(`request_decided`). One audit record (`subject_search_decided`, `erasure_approved`, "
        "`erasure_refused`).",
        request=DecisionSerializer,
        responses={200: SubjectRequestSerializer, 400: INVALID, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def decide(self, request: Request, pk: str | None = None) -> Response:
        user = signed_in_user(request)
        found = self.get_object()
        incoming = DecisionSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        subject_requests.decide(actor=user, request=found, **incoming.validated_data)
        found = self.get_queryset().get(pk=found.pk)
        self._visible = _visible_numbers(user, [found])
        return Response(self.get_serializer(found).data)


class PersonalDataViewSet(ScopedViewSet):
    """The search and the export: POST, so the numbers stay out of URLs and logs."""

    scope = staticmethod(subject_requests_for)
    # What both actions read (an OPTIONS request describes it).
    serializer_class = SearchSerializer
    pagination_class = None
    filter_backends: list[Any] = []

    def _parties(self, request: Request, *, export: bool) -> Any:
        user = signed_in_user(request)
        if not can_search_subjects(user):
            raise PermissionDenied(NOT_A_SEARCHER)
        incoming = SearchSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        found = None
        if data.pop("request") is not None:
            found = self.get_queryset().filter(pk=incoming.validated_data["request"]).first()
            if found is None:
                raise NotFound()
        if export:
            return subject_requests.export(
                actor=user, file_format="json", request=found,
                **({} if found is not None else data),
            )  # fmt: skip
        return subject_requests.search(
            actor=user, request=found, **({} if found is not None else data)
        )

    @extend_schema(
        summary="Find what is held about a person",
        description="The parties who are the person (by `id_number` or `phone`) and their cases, "
        "in the cases you see; with `request` (your approved city-wide search) in every case, "
        "once. Nothing outside the scope is named or counted. Directors and administrators "
        "(403). One audit record (`subject_search`), the numbers masked. Not paginated: a "
        "person is in few cases.",
        request=SearchSerializer,
        responses={200: SearchResultSerializer(many=True), 400: INVALID, 403: FORBIDDEN,
                   404: NOT_FOUND},
    )  # fmt: skip
    def search(self, request: Request) -> Response:
        parties = self._parties(request, export=False)
        return Response(SearchResultSerializer(parties, many=True).data)

    @extend_schema(
        summary="Export what is held about a person, for them (JSON)",
        description="Their party records (the ID number and phone decrypted for this export), "
        "the cases they are in (number, centre, category, summary, status, outcome, dates) "
        "with those cases' sessions and agreements; the scope as for the search (with "
        "`request`: after the city-wide search was run). Labels in the caller's language. "
        "One audit record (`subject_export`). The web page also offers it as a PDF.",
        request=SearchSerializer,
        responses={200: OpenApiTypes.OBJECT, 400: INVALID, 403: FORBIDDEN, 404: NOT_FOUND},
        examples=[EXPORT_EXAMPLE],
    )
    def export(self, request: Request) -> Response:
        return Response(export_content(self._parties(request, export=True)))
