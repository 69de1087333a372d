"""Cases: list, intake, detail, edit, transitions and the timeline."""

from typing import Any

from django import forms
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from ... import deadlines, workflow
from ...documents.closing_summary import closing_summary_context
from ...documents.pdf import PdfUnavailable, render_pdf
from ...errors import error_body
from ...queries.cases import api_cases_for, events_for, returned_to_court_cases_for
from ...replica import reading_from_replica
from ...services import intake
from ...services.cases import edit_case
from .. import permissions
from ..base import ScopedViewSet, signed_in_user
from ..docs import NOT_FOUND, error
from ..filters import CaseApiFilter
from ..negotiation import IgnoreFormatParameter
from ..pagination import IdCursorPagination
from ..search import ORDERING_FIELDS, CaseSearchSerializer, links_base, search_query
from ..serializers.cases import (
    CaseCreateSerializer,
    CaseSerializer,
    CaseUpdateSerializer,
    EventSerializer,
)

IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description=(
        'The case\'s ETag from its last read, e.g. "3" (or "*": any version). Missing: 428; '
        "not the current version: 412 with current_version."
    ),
)
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="Repeat a POST safely: the same key and body replay the first answer.",
)

INTAKE_EXAMPLE = OpenApiExample(
    "A neighbour dispute with two parties",
    request_only=True,
    value={
        "centre": 12,
        "channel": "walk_in",
        "category": 7,
        "summary": "楼上漏水致楼下天花板受损",
        "facts": "申请人称楼上住户卫生间漏水三个月，多次协商未果。",
        "amount_in_dispute": "3000.00",
        "location": "江岸区大智街道某小区5栋",
        "risk_level": "normal",
        "parties": [
            {"role": "applicant", "kind": "person", "name": "张三", "phone": "13800138000",
             "id_number": "420102199001011234"},
            {"role": "respondent", "kind": "person", "name": "李四", "phone": "13900139000"},
        ],
    },
)  # fmt: skip

CLOSING_SUMMARY_UNAVAILABLE = _(
    "PDF documents cannot be produced on this server: the PDF renderer (WeasyPrint and its "
    "system libraries) is not installed. The case page's printable closing summary has the same."
)


TRANSITIONS_EXAMPLE = OpenApiExample(
    "A registered case, seen by its director",
    response_only=True,
    value=[
        {"name": "accept", "label": "Accept", "fields": []},
        {"name": "decline", "label": "Decline",
         "fields": [{"name": "reason", "type": "string", "required": True, "choices": None}]},
        {"name": "transfer", "label": "Transfer", "fields": [
            {"name": "target_centre", "type": "integer", "required": True, "choices": None},
            {"name": "reason", "type": "string", "required": True, "choices": None}]},
    ],
)  # fmt: skip


def _field_type(field: forms.Field) -> str:
    if isinstance(field, forms.ModelMultipleChoiceField):
        return "array[integer]"
    if isinstance(field, forms.ModelChoiceField):
        return "integer"
    if isinstance(field, forms.DecimalField):
        return "decimal"
    if isinstance(field, forms.IntegerField):  # after DecimalField, which is one
        return "integer"
    if isinstance(field, forms.DateField):
        return "date"
    if isinstance(field, forms.ChoiceField):
        return "choice"
    return "string"


def describe(form_class: type[forms.Form]) -> list[dict[str, Any]]:
    """The fields a transition needs, from the form that validates them."""
    described = []
    for name, field in form_class.base_fields.items():
        choices = None
        if isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
            choices = [
                {"value": v, "label": str(label)}
                for v, label in list(field.choices)  # type: ignore[arg-type]
                if v != ""
            ]
        described.append(
            {
                "name": name,
                "type": _field_type(field),
                "required": field.required,
                "choices": choices,
            }
        )
    return described


def describe_transition(spec: workflow.Transition) -> dict[str, Any]:
    fields = describe(spec.form)
    if spec.nested:
        fields = [
            {
                "name": spec.nested,
                "type": "object",
                "required": True,
                "choices": None,
                "fields": fields,
            }
        ]
    return {"name": spec.name, "label": str(spec.label), "fields": fields}


@extend_schema_view(
    list=extend_schema(
        summary="List cases in your scope",
        description=(
            "A `q` holding a phone or ID number is answered, but the `next`/`previous` links "
            "carry `search=<key>` (the search kept server-side for its caller) instead: prefer "
            "`POST /cases/search/`, which keeps the number out of the URL from the start."
        ),
        responses={
            200: CaseSerializer(many=True),
            404: error(
                "`search` names no search of yours: unknown, expired or another caller's",
                "not_found",
                "This search is no longer available: search again.",
            ),
        },
    ),
    retrieve=extend_schema(summary="One case (with an ETag header of its version)"),
    create=extend_schema(
        summary="Register a case with all its parties",
        request=CaseCreateSerializer,
        responses={201: CaseSerializer},
        parameters=[IDEMPOTENCY_KEY],
        examples=[INTAKE_EXAMPLE],
    ),
    partial_update=extend_schema(
        summary="Edit a case's descriptive fields",
        request=CaseUpdateSerializer,
        responses={200: CaseSerializer},
        parameters=[IF_MATCH],
    ),
    update=extend_schema(
        summary="Replace a case's descriptive fields",
        request=CaseUpdateSerializer,
        responses={200: CaseSerializer},
        parameters=[IF_MATCH],
    ),
)  # fmt: skip
class CaseViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    ScopedViewSet,
):
    scope = staticmethod(api_cases_for)
    #: Answers with the case's ``ETag`` besides those taking ``If-Match`` (cases.api.schema).
    etag_actions = ("retrieve", "create", "transitions")
    serializer_class = CaseSerializer
    filterset_class = CaseApiFilter
    ordering_fields = ORDERING_FIELDS
    ordering = ["-id"]

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        with reading_from_replica(request.user):
            return self._list(request)

    def _list(self, request: Request) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        # The links: the list's parameters, a phone or ID number in q replaced by a key.
        self.paginator.base_url = links_base(  # type: ignore[union-attr]
            request, keep_any_text=request.method == "POST"
        )
        return self.get_paginated_response(CaseSerializer(page, many=True).data)

    @extend_schema(
        summary="Search cases (the list's filters in a JSON body)",
        description=(
            "The filters of `GET /cases/` (and `ordering`, `page_size`) as a JSON object, so that "
            "a phone or ID number searched for (`q`) never appears in a URL. Answers the list's "
            "first page; its `next` link is a `GET /cases/` carrying `search=<key>` in place of "
            "`q`: the search kept server-side for 24 hours, for its caller only (another's key: "
            "404). A read: safe to repeat, `Idempotency-Key` is ignored."
        ),
        request=CaseSearchSerializer,
        responses={200: CaseSerializer(many=True)},
        # Everything comes in the body: no filter, cursor or page size in the query string.
        filters=False,
        parameters=[
            OpenApiParameter("cursor", exclude=True),
            OpenApiParameter("page_size", exclude=True),
        ],
    )
    @action(detail=False, methods=["post"], url_path="search", replay_responses=False)
    def search(self, request: Request) -> Response:
        # The list reads its filters, order and page size from the query parameters: the body's
        # become those of this request, so the search and the list cannot differ.
        request._request.GET = search_query(request.data)  # type: ignore[assignment]
        return self.list(request)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        case = self.get_object()
        return self.with_etag(Response(CaseSerializer(case).data), case.version)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        permissions.require_somewhere(
            signed_in_user(request),
            permissions.REGISTRARS,
            _("You may not register cases at this centre."),
        )
        incoming = CaseCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        parties = [intake.PartyData(**party) for party in data.pop("parties")]
        case = intake.register_case(actor=signed_in_user(request), parties=parties, **data)
        case = self.get_queryset().get(pk=case.pk)
        return self.with_etag(
            Response(CaseSerializer(case).data, status=status.HTTP_201_CREATED), case.version
        )

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._edit(request, partial=True)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._edit(request, partial=False)

    def _edit(self, request: Request, *, partial: bool) -> Response:
        case = self.get_object()
        # Permission, then If-Match, then the body (RFC 9110 §13.2.2; issue 15).
        permissions.require(signed_in_user(request), "edit", case, _("You may not edit this case."))
        version = self.require_version(case.version)
        incoming = CaseUpdateSerializer(case, data=request.data, partial=partial)
        incoming.is_valid(raise_exception=True)
        edit_case(
            case=case,
            actor=signed_in_user(request),
            changes=dict(incoming.validated_data),
            expected_version=version,
        )
        case = self.get_queryset().get(pk=case.pk)
        return self.with_etag(Response(CaseSerializer(case).data), case.version)

    @extend_schema(
        summary="Transitions you may perform on this case now",
        responses={200: OpenApiResponse(OpenApiTypes.ANY, examples=[TRANSITIONS_EXAMPLE])},
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="transitions",
        pagination_class=None,
        filter_backends=[],
    )
    def transitions(self, request: Request, pk: str | None = None) -> Response:
        case = self.get_object()
        offered = [
            describe_transition(t)
            for t in workflow.available_transitions(signed_in_user(request), case)
        ]
        return self.with_etag(Response(offered), case.version)

    @extend_schema(
        summary="Perform a transition",
        description=(
            "Bodies: decline {reason}; assign {lead_mediator, co_mediators}; suspend {reason}; "
            "resume {}; resolve {agreement: {terms, amount_agreed, form, signed_on, effective_on, "
            "performance_deadline}}; fail {guidance, note}; withdraw {reason}; close {fulfilment?}; "
            "transfer {target_centre, reason}; accept_transfer {}; return_transfer {reason}; "
            f"extend {{days, reason}} (once per case; days 1-{deadlines.MAX_EXTENSION_DAYS}). "
            "An unknown name is 404; a transition the case's status or your role does not allow "
            "now is 409."
        ),
        request=OpenApiTypes.OBJECT,
        responses={200: CaseSerializer},
        parameters=[
            IF_MATCH,
            IDEMPOTENCY_KEY,
            OpenApiParameter(
                "name", OpenApiTypes.STR, OpenApiParameter.PATH, enum=sorted(workflow.TRANSITIONS)
            ),
        ],
        examples=[
            OpenApiExample("decline", value={"reason": "不属于人民调解受理范围"}, request_only=True)
        ],
    )
    @action(
        detail=True, methods=["post"], url_path=r"transitions/(?P<name>[a-z_]+)", filter_backends=[]
    )
    def perform_transition(
        self, request: Request, pk: str | None = None, name: str = ""
    ) -> Response:
        if name not in workflow.TRANSITIONS:
            raise NotFound(_("There is no action called “%(name)s”.") % {"name": name})
        case = self.get_object()
        version = self.require_version(case.version)
        data = request.data if isinstance(request.data, dict) else {}
        workflow.transition(
            case=case, name=name, actor=signed_in_user(request), data=data, expected_version=version
        )
        case = self.get_queryset().get(pk=case.pk)
        return self.with_etag(Response(CaseSerializer(case).data), case.version)

    @extend_schema(
        summary="The closing summary for the court (PDF)",
        description=(
            "For a court-entrusted case that ended without agreement (failed or withdrawn): the "
            "summary it goes back to the court with (parties masked, the sessions held, the "
            "outcome and the guidance given), in your language. Any other case: 404."
        ),
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="A4"),
            404: NOT_FOUND,
            503: error(
                "The PDF renderer is not installed on this server",
                "pdf_unavailable",
                CLOSING_SUMMARY_UNAVAILABLE,
            ),
        },
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="closing-summary",
        filter_backends=[],
        content_negotiation_class=IgnoreFormatParameter,
    )
    def closing_summary(self, request: Request, pk: str | None = None) -> Response | HttpResponse:
        case = self.get_object()
        returned = returned_to_court_cases_for(signed_in_user(request)).filter(pk=case.pk).first()
        if returned is None:
            raise NotFound(_("This case did not go back to a court: it has no closing summary."))
        try:
            content = render_pdf(
                "web/closing_summary.html", closing_summary_context(returned, for_pdf=True)
            )
        except PdfUnavailable:
            return Response(
                error_body("pdf_unavailable", CLOSING_SUMMARY_UNAVAILABLE),
                status=status.HTTP_503_SERVICE_UNAVAILABLE,
            )
        response = HttpResponse(content, content_type="application/pdf")
        response["Content-Disposition"] = (
            f'attachment; filename="{returned.number}-closing-summary.pdf"'
        )
        return response

    @extend_schema(
        summary="The case's timeline (read-only)", responses={200: EventSerializer(many=True)}
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="events",
        pagination_class=IdCursorPagination,
        filter_backends=[],
    )
    def events(self, request: Request, pk: str | None = None) -> Response:
        case = self.get_object()
        events = events_for(signed_in_user(request)).filter(case=case).order_by("id")
        paginator = IdCursorPagination()
        paginator.ordering = "id"
        page = paginator.paginate_queryset(events, request, view=self)
        return paginator.get_paginated_response(EventSerializer(page, many=True).data)
