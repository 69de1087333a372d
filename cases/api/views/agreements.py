"""Mediation agreements (调解协议): read them, record whether they were fulfilled, and record their
judicial confirmation (司法确认).

An agreement is made by the case's ``resolve`` transition; recording fulfilment or judicial
confirmation needs no If-Match (DESIGN §9).
"""

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
from rest_framework.request import Request
from rest_framework.response import Response

from ...documents.agreement import agreement_document
from ...documents.pdf import PdfUnavailable, pdf_file, render_pdf
from ...errors import error_body
from ...queries.cases import agreement_cases_for, agreements_for
from ...services import audit
from ...services.agreements import record_fulfilment, record_judicial_confirmation
from .. import permissions
from ..base import ScopedViewSet, signed_in_user
from ..docs import FORBIDDEN, NOT_FOUND, error
from ..filters import AgreementFilter
from ..negotiation import IgnoreFormatParameter
from ..serializers.agreements import (
    AgreementSerializer,
    FulfilmentSerializer,
    JudicialConfirmationSerializer,
)
from .cases import IDEMPOTENCY_KEY

AGREEMENT_EXAMPLE = OpenApiExample(
    "A written agreement awaiting performance",
    response_only=True,
    value={
        "id": 4, "case": 12, "case_number": "JA-2026-00123", "terms": "被申请人于3月31日前赔偿申请人3000元。",
        "amount_agreed": "3000.00", "form": "written", "form_label": "Written",
        "signed_on": "2026-03-10", "effective_on": "2026-03-10", "performance_deadline": "2026-03-31",
        "fulfilment": "pending", "fulfilment_label": "Pending", "fulfilment_recorded_at": None,
        "judicial_confirmation": "not_applied", "judicial_confirmation_label": "Not applied",
        "confirmation_window_closes_on": "2026-04-09", "confirmation_applied_on": None,
        "ruling_number": "", "ruling_on": None,
        "created_at": "2026-03-10T11:05:00+08:00",
    },
)  # fmt: skip

AGREEMENT_PDF_UNAVAILABLE = _(
    "PDF documents cannot be produced on this server: the PDF renderer (WeasyPrint and its "
    "system libraries) is not installed. The case page's printable agreement has the same."
)


@extend_schema_view(
    list=extend_schema(
        summary="List agreements of the cases in your scope", examples=[AGREEMENT_EXAMPLE]
    ),
    retrieve=extend_schema(summary="One agreement", examples=[AGREEMENT_EXAMPLE]),
)
class AgreementViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    scope = staticmethod(agreements_for)
    serializer_class = AgreementSerializer
    filterset_class = AgreementFilter
    ordering_fields = ["id"]
    ordering = ["-id"]

    @extend_schema(
        summary="Record whether the parties fulfilled the agreement",
        request=FulfilmentSerializer,
        responses={
            200: AgreementSerializer,
            400: error(
                "Bad input; the field is named",
                "invalid",
                "Some fields are not valid.",
                fulfilment=["“done” is not a valid choice."],
            ),
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
        parameters=[IDEMPOTENCY_KEY],
        examples=[
            OpenApiExample("Fulfilled", value={"fulfilment": "fulfilled"}, request_only=True),
            AGREEMENT_EXAMPLE,
        ],
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def fulfilment(self, request: Request, pk: str | None = None) -> Response:
        agreement = self.get_object()
        permissions.require(
            signed_in_user(request),
            "record_fulfilment",
            agreement.case,
            _("You may not record fulfilment for this case."),
        )
        incoming = FulfilmentSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        record_fulfilment(
            agreement=agreement,
            actor=signed_in_user(request),
            fulfilment=incoming.validated_data["fulfilment"],
        )
        agreement = self.get_queryset().get(pk=agreement.pk)
        return Response(AgreementSerializer(agreement).data)

    @extend_schema(
        summary="Record the judicial confirmation of the agreement",
        description=(
            "The entrusting court's liaison (or an administrator) records the parties' application "
            "to the court (`applied`, with `applied_on`), then the court's ruling (`confirmed` or "
            "`rejected`, with `ruling_number` and `ruling_on`); a ruling may be recorded at once "
            "with its `applied_on`. A ruling is final. Dates are the centre's local dates, none in "
            "the future; the application is not before the agreement takes effect, the ruling not "
            "before the application. An application made more than 30 days after the agreement "
            "took effect (People's Mediation Law art. 33) is recorded, and the timeline event "
            "marks it `late`. The case must be resolved or closed. No If-Match is needed."
        ),
        request=JudicialConfirmationSerializer,
        responses={
            200: AgreementSerializer,
            400: error(
                "Bad input; the field is named",
                "invalid",
                "Some fields are not valid.",
                ruling_number=["Give the number of the court's ruling."],
            ),
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
        parameters=[IDEMPOTENCY_KEY],
        examples=[
            OpenApiExample(
                "Applied",
                value={"status": "applied", "applied_on": "2026-03-20"},
                request_only=True,
            ),
            OpenApiExample(
                "Confirmed",
                value={
                    "status": "confirmed",
                    "ruling_number": "（2026）鄂0102民特123号",
                    "ruling_on": "2026-03-27",
                },
                request_only=True,
            ),
            AGREEMENT_EXAMPLE,
        ],
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="judicial-confirmation",
        url_name="judicial-confirmation",
        filter_backends=[],
    )
    def judicial_confirmation(self, request: Request, pk: str | None = None) -> Response:
        agreement = self.get_object()
        permissions.require(
            signed_in_user(request),
            "record_judicial_confirmation",
            agreement.case,
            _("You may not record judicial confirmation for this case."),
        )
        incoming = JudicialConfirmationSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        record_judicial_confirmation(
            agreement=agreement,
            actor=signed_in_user(request),
            status=data["status"],
            applied_on=data["applied_on"],
            ruling_number=data["ruling_number"],
            ruling_on=data["ruling_on"],
        )
        agreement = self.get_queryset().get(pk=agreement.pk)
        return Response(AgreementSerializer(agreement).data)

    @extend_schema(
        summary="The mediation agreement to sign (PDF; reveal permission; logged)",
        description=(
            "The mediation agreement as the parties sign it, in your language: each party's full "
            "identity in clear (a person's name, gender, ethnicity, date of birth, document type "
            "and number, address and phone; an organisation's name, credit code, address and "
            "legal representative; agents), the dispute, the agreed terms, the amount in figures "
            "(and in Chinese capitals), the legal effect and the signature blocks. Sent as "
            "`Content-Disposition: attachment` named `<case number>-agreement.pdf`, with "
            "`Cache-Control: no-store, private`. Only users who may reveal the case's personal "
            "data get it (403 otherwise, e.g. observers); each download writes one `reveal` "
            "event on the case's timeline naming the document and the parties (masked values "
            "only). Errors are JSON."
        ),
        parameters=[
            OpenApiParameter(
                "Content-Disposition",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                response=[200],
                description='`attachment; filename="JA01-2026-00012-agreement.pdf"`',
            )
        ],
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="A4"),
            403: error(
                "In your scope, but you may not reveal personal data",
                "permission_denied",
                "You may not print the agreement: it states the parties' personal data.",
            ),
            404: NOT_FOUND,
            503: error(
                "The PDF renderer is not installed on this server",
                "pdf_unavailable",
                AGREEMENT_PDF_UNAVAILABLE,
            ),
        },
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="pdf",
        filter_backends=[],
        content_negotiation_class=IgnoreFormatParameter,
    )
    def pdf(self, request: Request, pk: str | None = None) -> Response | HttpResponse:
        user = signed_in_user(request)
        agreement = self.get_object()
        case = agreement_cases_for(user).get(pk=agreement.case_id)
        permissions.require(
            user,
            "reveal",
            case,
            _("You may not print the agreement: it states the parties' personal data."),
        )
        try:
            # A PDF that cannot be made reveals nothing: its reveal event is rolled back.
            with transaction.atomic():
                content = render_pdf(
                    "web/agreement.html", agreement_document(user, case, for_pdf=True)
                )
                audit.downloaded(actor=user, document="agreement", file_format="pdf", case=case)
        except PdfUnavailable:
            return Response(
                error_body("pdf_unavailable", AGREEMENT_PDF_UNAVAILABLE),
                status=status.HTTP_503_SERVICE_UNAVAILABLE,
            )
        response = pdf_file(content, f"{case.number}-agreement.pdf", disposition="attachment")
        add_never_cache_headers(response)  # the parties' personal data, in clear
        return response
