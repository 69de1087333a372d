"""The snapshot archive (issue 24): the monthly reports kept by the month-end runs, listed
(``GET /reports/snapshots/``) and downloadable as the files they make (JSON as stored, CSV, XLSX,
PDF), each download a ``report_download`` audit record.

A snapshot is listed and downloadable for whoever reads that centre's reports
(``access.report_centres``); any other is 404, as a missing one is.
"""

import copy
from typing import Any

from django.contrib.auth.models import User
from django.core.validators import RegexValidator
from django.db.models import QuerySet
from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from ...documents import snapshot as snapshot_document
from ...documents.pdf import PdfUnavailable
from ...errors import error_body
from ...models import ReportSnapshot
from ...queries.filters import IdFilter
from ...queries.snapshots import snapshots_for
from ...reports.periods import parse_month
from ...services import audit
from ..base import ScopedViewSet, signed_in_user
from ..docs import NOT_FOUND, error
from .reports import PDF_FILE_UNAVAILABLE, REPORT_SCHEMA

LABELLED_KEYS = {"figure_labels", "definitions", "breakdown_labels", "level_labels",
                 "level_resolution_definition", "scope_label"}  # fmt: skip

FILE_KINDS = snapshot_document.FILE_KINDS
CONTENT_TYPES = snapshot_document.CONTENT_TYPES


class SnapshotFilter(filters.FilterSet):
    centre = IdFilter(field_name="centre", help_text="A centre's id: its snapshots only.")
    month = filters.CharFilter(
        method="filter_month",
        validators=[RegexValidator(r"^\d{4}-\d{2}$", _("Give a month as YYYY-MM."))],
        help_text="`YYYY-MM`: the snapshots of that month only.",
    )

    class Meta:
        model = ReportSnapshot
        fields: list[str] = []

    def filter_month(
        self, queryset: QuerySet[ReportSnapshot], name: str, value: str
    ) -> QuerySet[ReportSnapshot]:
        try:
            month = parse_month(value)
        except ValueError:
            return queryset.none()  # 2026-13: a month that has no snapshots
        return queryset.filter(month=month)


class SnapshotCentreSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    code = serializers.CharField()
    name_zh = serializers.CharField()
    name_en = serializers.CharField()


class SnapshotSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    centre = SnapshotCentreSerializer(help_text="The centre the report is of (its subtree).")
    month = serializers.SerializerMethodField(help_text="The report's month, `YYYY-MM`.")
    run = serializers.IntegerField(source="run_id", help_text="The run (one generation).")
    scope = serializers.SerializerMethodField(help_text="Always `subtree`: the run's scope.")
    files = serializers.SerializerMethodField(
        help_text="The snapshot's files: `json` (as stored), `csv`, `xlsx`, `pdf` (names in "
        "your language), each a download address."
    )

    class Meta:
        model = ReportSnapshot
        fields = ["id", "centre", "month", "version", "run", "scope", "generated_at",
                  "emailed_at", "files"]  # fmt: skip
        extra_kwargs = {
            "version": {"help_text": "1: the schedule's run; each regeneration the next."},
            "generated_at": {"help_text": "When the report was generated (its `as_of`)."},
            "emailed_at": {"help_text": "When its directors were e-mailed; null: not (yet)."},
        }

    @extend_schema_field({"type": "string", "pattern": r"^\d{4}-\d{2}$"})
    def get_month(self, obj: ReportSnapshot) -> str:
        return f"{obj.month:%Y-%m}"

    def get_scope(self, obj: ReportSnapshot) -> str:
        return str(obj.data.get("scope", "subtree"))

    @extend_schema_field(
        {
            "type": "object",
            "properties": {kind: {"type": "string", "format": "uri"} for kind in FILE_KINDS},
        }
    )
    def get_files(self, obj: ReportSnapshot) -> dict[str, str]:
        request = self.context.get("request")
        out = {}
        for kind in FILE_KINDS:
            path = reverse(f"api:report-snapshot-{kind}", kwargs={"pk": obj.pk})
            out[kind] = request.build_absolute_uri(path) if request is not None else path
        return out


SNAPSHOT_EXAMPLE = OpenApiExample(
    "Jiang'an's October report, the schedule's run",
    response_only=True,
    value={
        "id": 5120, "centre": {"id": 2, "code": "JA", "name_zh": "江岸区矛盾纠纷调处化解中心",
                               "name_en": "Jiang'an District Mediation Centre"},
        "month": "2026-10", "version": 1, "run": 31, "scope": "subtree",
        "generated_at": "2026-11-01T02:00:05+08:00", "emailed_at": "2026-11-01T02:04:40+08:00",
        "files": {kind: f"https://mediation.example/api/v1/reports/snapshots/5120/{kind}/"
                  for kind in FILE_KINDS},
    },
)  # fmt: skip

WHO_READS = (
    "Snapshots of centres whose reports you read (directors and observers: their subtrees; "
    "administrators: all); any other is 404, as one that does not exist."
)


# The stored JSON: the monthly report's JSON without the names (``labelled`` adds those).
def _stored_report_schema() -> dict[str, Any]:
    schema = copy.deepcopy(REPORT_SCHEMA)
    schema["required"] = [key for key in schema["required"] if key not in LABELLED_KEYS]
    for key in LABELLED_KEYS:
        schema["properties"].pop(key, None)
    for entries in schema["properties"]["breakdowns"]["properties"].values():
        entries["items"]["required"] = ["key", "figures"]
        entries["items"]["properties"].pop("label", None)
    schema["properties"]["centre"]["properties"].pop("label", None)
    return schema


STORED_REPORT_SCHEMA = _stored_report_schema()


def _file_schema(kind: str, what: str) -> Any:
    media_type = CONTENT_TYPES[kind].split(";")[0]
    responses: dict[Any, Any] = {
        (200, media_type): OpenApiResponse(
            STORED_REPORT_SCHEMA if kind == "json" else OpenApiTypes.BINARY, description=what
        ),
        404: NOT_FOUND,
    }
    if kind == "pdf":
        responses[503] = error(
            "The PDF renderer is not installed on this server",
            "pdf_unavailable",
            str(PDF_FILE_UNAVAILABLE),
        )
    return extend_schema(
        summary=f"A report snapshot as a {kind.upper()} file",
        description=(
            f"The snapshot's report as it was generated: {what}. Sent as `Content-Disposition: "
            f"attachment`, named `report-<centre code>-<YYYY-MM>-subtree-v<version>.{kind}`. "
            f"Each download is an audit record (`report_download`). {WHO_READS} "
            "See docs/api.md, “Report snapshots”."
        ),
        parameters=[
            OpenApiParameter(
                "Content-Disposition",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                response=[200],
                description=f'`attachment; filename="report-JA-2026-10-subtree-v1.{kind}"`',
            ),
        ],
        responses=responses,
    )


@extend_schema_view(
    list=extend_schema(
        summary="The report snapshots you may read, newest first",
        description=(
            "Every centre's monthly report as each month-end run (and each regeneration: the "
            "next `version`) kept it, with its files. Filters: `centre` (that centre's "
            f"snapshots), `month` (`YYYY-MM`). {WHO_READS} See docs/api.md, “Report snapshots”."
        ),
        responses={
            200: SnapshotSerializer(many=True),
            400: error(
                "A filter is not valid; it is named",
                "invalid",
                "Some fields are not valid.",
                month=["Give a month as YYYY-MM."],
            ),
        },
        examples=[SNAPSHOT_EXAMPLE],
    ),
)
class ReportSnapshotViewSet(mixins.ListModelMixin, ScopedViewSet):
    scope = staticmethod(snapshots_for)
    serializer_class = SnapshotSerializer
    filterset_class = SnapshotFilter
    ordering_fields = ["id"]
    ordering = ["-id"]

    @_file_schema("json", "the report's JSON exactly as stored (ids and codes, no names)")
    def file_json(self, request: Request, pk: int) -> Response | HttpResponse:
        return self._download(request, "json")

    @_file_schema("csv", "UTF-8 with a byte order mark, for spreadsheets")
    def file_csv(self, request: Request, pk: int) -> Response | HttpResponse:
        return self._download(request, "csv")

    @_file_schema("xlsx", "a workbook: the figures, a sheet per breakdown, the definitions")
    def file_xlsx(self, request: Request, pk: int) -> Response | HttpResponse:
        return self._download(request, "xlsx")

    @_file_schema("pdf", "A4, for printing")
    def file_pdf(self, request: Request, pk: int) -> Response | HttpResponse:
        return self._download(request, "pdf")

    def _download(self, request: Request, kind: str) -> Response | HttpResponse:
        snapshot = self.get_object()
        try:
            name, content = snapshot_document.snapshot_file(snapshot, kind)
        except PdfUnavailable:
            return Response(
                error_body("pdf_unavailable", PDF_FILE_UNAVAILABLE),
                status=status.HTTP_503_SERVICE_UNAVAILABLE,
            )
        audit_snapshot_download(signed_in_user(request), snapshot, kind)
        response = HttpResponse(content, content_type=CONTENT_TYPES[kind])
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


def audit_snapshot_download(user: User, snapshot: ReportSnapshot, kind: str) -> None:
    audit.downloaded(
        actor=user,
        document="report_snapshot",
        file_format=kind,
        centre=snapshot.centre,
        target=snapshot,
        report=True,
        month=f"{snapshot.month:%Y-%m}",
        version=snapshot.version,
    )
