"""Cases: list, intake, detail, edit, transitions and the timeline."""

from typing import Any

from django.db import transaction
from django.http import HttpResponse
from django.utils.cache import add_never_cache_headers
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
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from ... import workflow
from ...documents import case_file, registration
from ...documents.closing_summary import closing_summary_context
from ...documents.pdf import PdfUnavailable, render_pdf
from ...errors import error_body
from ...queries.cases import (
    api_cases_for,
    case_file_cases_for,
    events_for,
    returned_to_court_cases_for,
)
from ...queries.notes import case_notes
from ...queries.similar import similar_cases
from ...replica import reading_from_replica
from ...services import audit, intake
from ...services.cases import edit_case
from ...services.notes import write_note
from ...services.retention import set_legal_hold
from .. import permissions
from ..base import ScopedViewSet, signed_in_user
from ..docs import FORBIDDEN, NOT_FOUND, error
from ..filters import CHANGE_FEED_PARAMETER, CaseApiFilter
from ..negotiation import IgnoreFormatParameter
from ..pagination import ChangeFeedPagination, IdCursorPagination
from ..search import ORDERING_FIELDS, CaseSearchSerializer, links_base, search_query
from ..serializers.cases import (
    CaseCreateSerializer,
    CaseSerializer,
    CaseUpdateSerializer,
    EventSerializer,
    LegalHoldSerializer,
)
from ..serializers.notes import NoteCreateSerializer, NoteSerializer
from ..serializers.similar import SimilarCaseSerializer
from ..serializers.transitions import TransitionSerializer, describe_transition
from ..transition_operations import TransitionSchema
from .attachments import CaseAttachmentsMixin

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
             "id_number": "420102199001011236"},
            {"role": "respondent", "kind": "person", "name": "李四", "phone": "13900139000"},
        ],
    },
)  # fmt: skip

NOTE_EXAMPLE = OpenApiExample(
    "A call, and a correction of it",
    response_only=True,
    value={
        "id": 41, "case": 12, "kind": "call", "kind_label": "Call", "happened_on": "2026-03-09",
        "text": "电话联系被申请人，同意周二到中心调解。已告知 @director_street。",
        "author": "mediator", "written_at": "2026-03-09T16:20:00+08:00", "corrects": 40,
        "corrected_by": None, "mentions": ["director_street"],
    },
)  # fmt: skip
NOTE_REQUEST = OpenApiExample(
    "A correction of note 40",
    request_only=True,
    value={
        "kind": "call", "happened_on": "2026-03-09", "corrects": 40,
        "text": "电话联系被申请人，同意周二到中心调解。已告知 @director_street。",
    },
)  # fmt: skip
NOTE_INVALID = error(
    "Bad input; the fields at fault are named",
    "invalid",
    "Some fields are not valid.",
    text=["@nobody: no one of that name may see this case."],
)

LEGAL_HOLD_INVALID = error(
    "Bad input, or the hold is already as asked; the fields at fault are named",
    "invalid",
    "Some fields are not valid.",
    hold=["The case is already on legal hold."],
)

CHANGE_FEED_ORDER = _(
    "The change feed (updated_after) has its own order, by the time of each case's last change: "
    "leave ordering out."
)

CLOSING_SUMMARY_UNAVAILABLE = _(
    "PDF documents cannot be produced on this server: the PDF renderer (WeasyPrint and its "
    "system libraries) is not installed. The case page's printable closing summary has the same."
)

SIMILAR_NOT_YOURS = _(
    "Similar cases are for the case's mediators and the directors and observers over it."
)

SIMILAR_EXAMPLE = OpenApiExample(
    "A neighbour dispute resolved in 12 days",
    response_only=True,
    value=[{
        "id": 873, "number": "JA01-2025-00412", "summary": "楼上噪音扰民，张某与邻居协商未果",
        "category": 7, "category_label": "邻里纠纷 / 噪音", "match": "same_category",
        "outcome": "resolved", "outcome_label": "调解成功",
        "registered_at": "2025-10-02T09:30:00+08:00", "concluded_at": "2025-10-14T16:00:00+08:00",
        "days_to_conclusion": 12,
        "terms": "一、被申请人李某于10月20日前在卧室加装隔音垫，晚十点后不再使用音响；二、申请人张某…",
    }],
)  # fmt: skip

DOCUMENT_UNAVAILABLE = _(
    "PDF documents cannot be produced on this server: the PDF renderer (WeasyPrint and its "
    "system libraries) is not installed. The case page has the same document to print."
)


def pdf_download(
    template_name: str, context: dict[str, Any], *, filename: str, unavailable: Any
) -> Response | HttpResponse:
    """A printed document as a PDF attachment, or the 503 ``pdf_unavailable`` error."""
    try:
        content = render_pdf(template_name, context)
    except PdfUnavailable:
        return Response(
            error_body("pdf_unavailable", unavailable),
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
        )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def pdf_schema(summary: str, description: str, example_filename: str) -> Any:
    """The schema of an operation answering ``pdf_download``."""
    return extend_schema(
        summary=summary,
        description=description,
        parameters=[
            OpenApiParameter(
                "Content-Disposition",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                response=[200],
                description=f'`attachment; filename="{example_filename}"`',
            )
        ],
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="A4"),
            404: NOT_FOUND,
            503: error(
                "The PDF renderer is not installed on this server",
                "pdf_unavailable",
                DOCUMENT_UNAVAILABLE,
            ),
        },
    )


# Entries of the transitions listing (each example is one entry of the list).
TRANSITION_EXAMPLES = [
    OpenApiExample("accept: nothing to fill in", response_only=True,
                   value={"name": "accept", "label": "Accept", "fields": []}),
    OpenApiExample("transfer", response_only=True, value={
        "name": "transfer", "label": "Transfer", "fields": [
            {"name": "target_centre", "type": "integer", "required": True, "choices": None},
            {"name": "reason", "type": "string", "required": True, "choices": None}]}),
    OpenApiExample("fail: a choice field", response_only=True, value={
        "name": "fail", "label": "Record failure", "fields": [
            {"name": "guidance", "type": "choice", "required": True, "choices": [
                {"value": "litigation", "label": "Litigation"},
                {"value": "arbitration", "label": "Arbitration"},
                {"value": "administrative", "label": "Administrative channel"},
                {"value": "other", "label": "Other"}]},
            {"name": "note", "type": "string", "required": False, "choices": None}]}),
    OpenApiExample("resolve: the agreement's fields nested", response_only=True, value={
        "name": "resolve", "label": "Resolve with an agreement", "fields": [
            {"name": "agreement", "type": "object", "required": True, "choices": None, "fields": [
                {"name": "terms", "type": "string", "required": True, "choices": None},
                {"name": "amount_agreed", "type": "decimal", "required": False, "choices": None},
                {"name": "form", "type": "choice", "required": False, "choices": [
                    {"value": "written", "label": "Written"},
                    {"value": "oral", "label": "Oral"}]},
                {"name": "signed_on", "type": "date", "required": False, "choices": None},
                {"name": "effective_on", "type": "date", "required": False, "choices": None},
                {"name": "performance_deadline", "type": "date", "required": False,
                 "choices": None}]}]}),
]  # fmt: skip


@extend_schema_view(
    list=extend_schema(
        summary="List cases in your scope",
        description=(
            "A `q` holding a phone or ID number is answered, but the `next`/`previous` links "
            "carry `search=<key>` (the search kept server-side for its caller) instead: prefer "
            "`POST /cases/search/`, which keeps the number out of the URL from the start.\n\n"
            "**The change feed**: with `updated_after`, the cases changed after that instant "
            "(`updated_at`, the time of the change that made a case's current `version`), in the "
            "order of their last change (`updated_at`, then `id`); `next` continues exactly "
            "after the page's last case, however many share an instant, and is null on the last "
            "page (`previous` is always null). A case that changes while you page comes again "
            "later with its new version. `ordering` cannot be combined with it (400). To keep "
            "up, ask again with `updated_after` set a few minutes before the `updated_at` of the "
            "last case you processed and skip the (`id`, `version`) pairs you already have: a "
            "change is visible once it commits, which can be after a later change is. See "
            "docs/api.md, \"Syncing\"."
        ),
        parameters=[
            OpenApiParameter(
                CHANGE_FEED_PARAMETER,
                OpenApiTypes.DATETIME,
                OpenApiParameter.QUERY,
                required=False,
                description=(
                    "The change feed: the cases whose `updated_at` is after this instant (ISO "
                    "8601; without an offset, local time), ordered by `updated_at` then `id`. "
                    "Not an instant: 400 naming `updated_after`."
                ),
            )
        ],
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
    CaseAttachmentsMixin,
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
        if request.query_params.get(CHANGE_FEED_PARAMETER):
            # The change feed: its own order, and cursors that continue it exactly.
            if request.query_params.get("ordering"):
                raise ValidationError({"ordering": [CHANGE_FEED_ORDER]})
            self._paginator = ChangeFeedPagination()
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
        operation_id="cases_transitions_list",
        summary="Transitions you may perform on this case now",
        description=(
            "Each with the fields of its body (`POST` it to `transitions/{name}/`, whose "
            "operation has the typed body). Empty when you may do nothing to the case now."
        ),
        responses={
            200: OpenApiResponse(
                TransitionSerializer(many=True),
                description="With the case's ETag",
                examples=TRANSITION_EXAMPLES,
            ),
            404: NOT_FOUND,
        },
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

    # One operation per transition in the schema, each with its typed body and answers
    # (cases.api.transition_operations): the path's name is the transition.
    @extend_schema(parameters=[IF_MATCH, IDEMPOTENCY_KEY])
    @action(
        detail=True,
        methods=["post"],
        url_path=r"transitions/(?P<name>[a-z_]+)",
        filter_backends=[],
        schema=TransitionSchema,
    )
    def perform_transition(
        self, request: Request, pk: str | None = None, name: str = ""
    ) -> Response:
        if name not in workflow.TRANSITIONS:
            raise NotFound(_("There is no action called “%(name)s”.") % {"name": name})
        case = self.get_object()
        version = self.require_version(case.version)
        # The schema says an object: a list or a string is refused, not read as "no fields".
        if not isinstance(request.data, dict):
            raise ValidationError(_("Send the body as a JSON object."))
        workflow.transition(
            case=case,
            name=name,
            actor=signed_in_user(request),
            data=request.data,
            expected_version=version,
        )
        case = self.get_queryset().get(pk=case.pk)
        return self.with_etag(Response(CaseSerializer(case).data), case.version)

    @extend_schema(
        summary="The closing summary for the court (PDF)",
        description=(
            "For a court-entrusted case that ended without agreement (failed or withdrawn): the "
            "summary it goes back to the court with (parties masked, the sessions held, the "
            "outcome and the guidance given), in your language, sent as "
            "`Content-Disposition: attachment` named `<case number>-closing-summary.pdf`. Any "
            "other case: 404. Errors are JSON."
        ),
        parameters=[
            OpenApiParameter(
                "Content-Disposition",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                response=[200],
                description='`attachment; filename="JA01-2026-00012-closing-summary.pdf"`',
            )
        ],
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
        permissions.require_files(signed_in_user(request), case)
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
        audit.downloaded(
            actor=signed_in_user(request),
            document="closing_summary",
            file_format="pdf",
            case=returned,
        )
        response = HttpResponse(content, content_type="application/pdf")
        response["Content-Disposition"] = (
            f'attachment; filename="{returned.number}-closing-summary.pdf"'
        )
        return response

    @pdf_schema(
        "The registration form (PDF)",
        "The case as it was registered: centre, number, when received and how, category, summary, "
        "facts, parties (kind, name, gender, ethnicity, date of birth, document type; ID number "
        "and phone masked; address; an organisation's legal representative), risk level, who "
        "registered and who accepted it and when, signature lines; in your language, sent as "
        "`Content-Disposition: attachment` named `<case number>-registration.pdf`. Errors are "
        "JSON.",
        "JA01-2026-00012-registration.pdf",
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="registration-form",
        filter_backends=[],
        content_negotiation_class=IgnoreFormatParameter,
    )
    def registration_form(self, request: Request, pk: str | None = None) -> Response | HttpResponse:
        case = self.get_object()
        permissions.require_files(signed_in_user(request), case)
        return pdf_download(
            registration.PAGE_TEMPLATE,
            registration.context(case, for_pdf=True),
            filename=registration.filename(case),
            unavailable=DOCUMENT_UNAVAILABLE,
        )

    @pdf_schema(
        "The whole case file (PDF) for the archive",
        "The case file as one PDF, in your language, in this order: a cover (centre, the case "
        "number in both forms, parties, category, received and concluded dates, outcome, how many "
        "documents, who printed it and when, the volume), an index with each section's page, the "
        "registration form, the record of each session held in time order, the case notes, the "
        "mediation agreement (if any), the follow-up (fulfilment, judicial confirmation, "
        "follow-up visits), the attachments listed (name, kind, type, size, the start of the "
        "SHA-256, who uploaded it when, its session or the agreement; withdrawn ones marked with "
        "their reason) and a closing note with the number of events on the case's timeline. "
        "Each section starts a page; pages are numbered in the footer. Whoever sees the case may "
        "download it. For a user who may reveal the case's personal data the agreement states "
        "the parties' identities in full, and the download writes ONE `reveal` event (document "
        "`case_file`) on the case's timeline; anyone else gets the agreement's masked copy, "
        "marked not for signature, and no event. Sent as `Content-Disposition: attachment` "
        "named `<case number>-case-file.pdf`, with `Cache-Control: no-store, private`. Errors "
        "are JSON (503 `pdf_unavailable` reveals nothing).",
        "JA01-2026-00012-case-file.pdf",
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="case-file",
        filter_backends=[],
        content_negotiation_class=IgnoreFormatParameter,
    )
    def case_file(self, request: Request, pk: str | None = None) -> Response | HttpResponse:
        user = signed_in_user(request)
        case = case_file_cases_for(user).get(pk=self.get_object().pk)
        permissions.require_files(user, case)
        try:
            # A PDF that cannot be made reveals nothing: its reveal event is rolled back.
            with transaction.atomic():
                content = render_pdf(
                    case_file.PAGE_TEMPLATE, case_file.context(case, user, for_pdf=True)
                )
        except PdfUnavailable:
            return Response(
                error_body("pdf_unavailable", DOCUMENT_UNAVAILABLE),
                status=status.HTTP_503_SERVICE_UNAVAILABLE,
            )
        response = HttpResponse(content, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{case_file.filename(case)}"'
        add_never_cache_headers(response)  # the parties' personal data, in clear for some
        return response

    @extend_schema(
        summary="Similar resolved cases",
        description=(
            "Up to five resolved cases (outcome `resolved`, with an agreement) in your scope most "
            "like this one, never itself: the same category first, then the category's parent "
            "and its other sub-categories, then by the words of this case's summary and facts "
            "(the longest twelve, any of them: ranked by the full-text index), then the most "
            "recently concluded. A case sharing neither category nor word is not listed. No "
            "party is given: people's names in the summary and terms are masked (the surname "
            "kept, as in published judgments) and long numbers starred. For the case's "
            "mediators and the directors and observers over its centre (and administrators); "
            "others who see the case: 403."
        ),
        responses={
            200: OpenApiResponse(
                SimilarCaseSerializer(many=True),
                description="Most similar first; an empty list when none.",
                examples=[SIMILAR_EXAMPLE],
            ),
            403: error(
                "You see the case but the panel is not for you", "permission_denied",
                SIMILAR_NOT_YOURS,
            ),
            404: NOT_FOUND,
        },
    )  # fmt: skip
    @action(
        detail=True,
        methods=["get"],
        url_path="similar",
        pagination_class=None,
        filter_backends=[],
    )
    def similar(self, request: Request, pk: str | None = None) -> Response:
        user = signed_in_user(request)
        case = self.get_object()
        permissions.require(user, "similar_cases", case, SIMILAR_NOT_YOURS)
        return Response(SimilarCaseSerializer(similar_cases(case, user), many=True).data)

    @extend_schema(
        summary="Set or release the case's legal hold",
        description=(
            "A case on legal hold keeps its parties, notes and files past its retention period "
            "(the daily anonymisation passes it by). For the directors over the case's handling "
            "centre and administrators (others who see the case: 403). Needs a `reason`; setting "
            "a hold already set, releasing none, or holding an anonymised case: 400 naming "
            "`hold`. Writes one event (`kind` `edit`, `name` `set_legal_hold` or "
            "`release_legal_hold`) and gives the case a new version; no If-Match needed. "
            "Answers the case with its new ETag."
        ),
        request=LegalHoldSerializer,
        responses={200: CaseSerializer, 400: LEGAL_HOLD_INVALID, 403: FORBIDDEN, 404: NOT_FOUND},
        parameters=[IDEMPOTENCY_KEY],
    )
    @action(detail=True, methods=["post"], url_path="legal-hold", filter_backends=[])
    def legal_hold(self, request: Request, pk: str | None = None) -> Response:
        user = signed_in_user(request)
        case = self.get_object()
        permissions.require(
            user,
            "legal_hold",
            case,
            _("Only a director over this case's centre may set or release a hold."),
        )
        incoming = LegalHoldSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        set_legal_hold(case=case, actor=user, **incoming.validated_data)
        case = self.get_queryset().get(pk=case.pk)
        return self.with_etag(Response(CaseSerializer(case).data), case.version)

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

    @extend_schema(
        methods=["GET"],
        summary="The case's notes, newest first",
        description=(
            "Dated records of calls, visits and consultations, newest written first. Whoever "
            "sees the case reads them. A note is never changed: a correction is a later note "
            "whose `corrects` names it, and the corrected note's `corrected_by` names the "
            "correction."
        ),
        responses={200: NoteSerializer(many=True), 404: NOT_FOUND},
        examples=[NOTE_EXAMPLE],
    )
    @extend_schema(
        methods=["POST"],
        summary="Write a note on the case (or correct an earlier one)",
        description=(
            "For the case's mediators, the directors over its handling centre and its intake "
            "officers (others who see the case: 403). Needs no If-Match and leaves the case's "
            "version as it is; writes one event (`kind` `note`, `name` `write_note`). "
            "`@username` mentions are stored; the notification itself comes later."
        ),
        request=NoteCreateSerializer,
        responses={201: NoteSerializer, 400: NOTE_INVALID, 403: FORBIDDEN, 404: NOT_FOUND},
        parameters=[IDEMPOTENCY_KEY],
        examples=[NOTE_REQUEST, NOTE_EXAMPLE],
    )
    @action(
        detail=True,
        methods=["get", "post"],
        url_path="notes",
        pagination_class=IdCursorPagination,
        filter_backends=[],
    )
    def notes(self, request: Request, pk: str | None = None) -> Response:
        case = self.get_object()
        user = signed_in_user(request)
        if request.method == "POST":
            permissions.require(
                user, "write_note", case, _("You may not write notes on this case.")
            )
            incoming = NoteCreateSerializer(data=request.data)
            incoming.is_valid(raise_exception=True)
            data = dict(incoming.validated_data)
            corrects_id = data.pop("corrects")
            corrects = None
            if corrects_id is not None:
                corrects = case_notes(user, case).filter(pk=corrects_id).first()
                if corrects is None:
                    raise ValidationError({"corrects": [_("This case has no note with this id.")]})
            note = write_note(case=case, actor=user, corrects=corrects, **data)
            note = case_notes(user, case).get(pk=note.pk)
            return Response(NoteSerializer(note).data, status=status.HTTP_201_CREATED)
        paginator = IdCursorPagination()
        paginator.ordering = "-id"
        page = paginator.paginate_queryset(case_notes(user, case), request, view=self)
        return paginator.get_paginated_response(NoteSerializer(page, many=True).data)
