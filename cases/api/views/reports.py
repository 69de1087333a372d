"""Monthly reports (DESIGN §5): a centre's figures for a month as JSON, or as a CSV, XLSX or PDF file.

The centre must be one whose reports the caller reads (``access.report_centres``: directors and
observers their subtrees, administrators all); any other answers 404, as a missing one does.

Each file has an operation of its own (``/reports/monthly/csv/``, ``/xlsx/``, ``/pdf/``) answering
one media type, so that generated clients can save it (issue 17). ``?format=`` on the JSON
operation still names a file (deprecated): it is a query parameter of that operation, not DRF's
renderer switch of the same name. Every operation renders with JSON (errors included) and sends
files as they are, so a bad ``format`` is a 400 naming it like any other field.
"""

from typing import Any

from django.contrib.auth.models import User
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from ... import access
from ...documents import report
from ...documents import trend as trend_document
from ...documents.pdf import PdfUnavailable
from ...errors import error_body
from ...models import Centre, ReportScope
from ...replica import reading_from_replica
from ...reports import monthly, trend
from ...reports.figures import BY_KEY, FIGURES, LEVELS, Kind
from ...reports.periods import current_month, parse_month
from ...services import audit
from ..base import ScopedViewSet, signed_in_user
from ..docs import NOT_FOUND, error
from ..fields import IdField
from ..negotiation import IgnoreFormatParameter

FORMATS = ("json", "csv", "xlsx", "pdf")


class MonthlyReportQuery(serializers.Serializer):  # type: ignore[type-arg]
    """The query parameters of the report and its files, checked the way request bodies are (400
    naming the field)."""

    centre = IdField(help_text="The centre's id.")
    month = serializers.RegexField(
        r"^\d{4}-\d{2}$",
        required=False,
        help_text="`YYYY-MM`, not after the current month (Asia/Shanghai). Default: this month.",
    )
    scope = serializers.ChoiceField(
        choices=ReportScope.choices,
        default=ReportScope.SUBTREE,
        help_text="`subtree`: the centre and every centre below it; `centre`: the centre alone.",
    )

    def validate_month(self, value: str) -> str:
        try:
            month = parse_month(value)
        except ValueError:
            raise serializers.ValidationError(_("Give a month as YYYY-MM.")) from None
        if month > current_month(self.context["now"]):
            raise serializers.ValidationError(_("This month has not begun yet."))
        return value


class MonthlyReportJsonQuery(MonthlyReportQuery):
    """The JSON operation's parameters: those of the files, and ``format``, deprecated."""

    format = serializers.ChoiceField(choices=[(f, f) for f in FORMATS], default="json")


FORMAT_PARAMETER = OpenApiParameter(
    "format",
    OpenApiTypes.STR,
    OpenApiParameter.QUERY,
    enum=list(FORMATS),
    default="json",
    deprecated=True,
    description=(
        "Deprecated: `json` (the default), or a file: `csv`, `xlsx` or `pdf`. Download a file "
        "from its own operation instead: `GET /reports/monthly/csv/`, `/xlsx/` or `/pdf/`."
    ),
)


# --- The schema of the JSON answer (cases.reports.monthly.report + labelled) ------------------------

_VALUE_SCHEMAS: dict[Kind, dict[str, Any]] = {
    Kind.COUNT: {"type": "integer", "minimum": 0},
    Kind.RATE: {"type": "number", "minimum": 0, "maximum": 1, "nullable": True},
    Kind.DAYS: {"type": "number", "nullable": True},
    Kind.AMOUNT: {"type": "string", "pattern": r"^\d+\.\d{2}$"},
    Kind.MEAN: {"type": "number", "nullable": True},
}


def _figures_schema(*, breakdown: bool) -> dict[str, Any]:
    chosen = [f for f in FIGURES if f.in_breakdowns or not breakdown]
    return {
        "type": "object",
        "required": [f.key for f in chosen],
        "properties": {
            f.key: {**_VALUE_SCHEMAS[f.kind], "description": f.definition} for f in chosen
        },
    }


def _names_schema() -> dict[str, Any]:
    return {"type": "object", "additionalProperties": {"type": "string"}}


_ENTRY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["key", "label", "figures"],
    "properties": {
        "key": {"type": "string", "description": 'An id or a choice; mediator "": unassigned.'},
        "label": {"type": "string"},
        "own": {"type": "boolean", "description": "By centre: the centre's own cases."},
        "figures": _figures_schema(breakdown=True),
    },
}

REPORT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": [
        "centre", "month", "scope", "live", "as_of", "figures", "previous_month",
        "same_month_last_year", "comparison_months", "breakdowns", "level_resolution",
        "figure_labels", "definitions",
    ],
    "properties": {
        "centre": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"}, "code": {"type": "string"},
                "name_zh": {"type": "string"}, "name_en": {"type": "string"},
                "level": {"type": "integer"}, "kind": {"type": "string"},
                "label": {"type": "string"},
            },
        },
        "month": {"type": "string", "pattern": r"^\d{4}-\d{2}$"},
        "scope": {"type": "string", "enum": list(ReportScope.values)},
        "scope_label": {"type": "string"},
        "live": {"type": "boolean", "description": "The current month: figures as of now."},
        "as_of": {"type": "string", "format": "date-time"},
        "figures": _figures_schema(breakdown=False),
        "previous_month": _figures_schema(breakdown=False),
        "same_month_last_year": _figures_schema(breakdown=False),
        "comparison_months": {
            "type": "object",
            "properties": {
                "previous_month": {"type": "string"},
                "same_month_last_year": {"type": "string"},
            },
        },
        "breakdowns": {
            "type": "object",
            "properties": {
                key: {"type": "array", "items": _ENTRY_SCHEMA}
                for key in ("category", "channel", "risk_level", "child_centre", "mediator")
            },
        },
        "level_resolution": {
            "type": "object",
            "properties": {
                key: {"type": "number", "minimum": 0, "maximum": 1, "nullable": True}
                for key, _label in LEVELS
            },
        },
        "figure_labels": _names_schema(),
        "definitions": _names_schema(),
        "breakdown_labels": _names_schema(),
        "level_labels": _names_schema(),
        "level_resolution_definition": {"type": "string"},
    },
}  # fmt: skip

_EXAMPLE_FIGURES = {
    "received": 412, "accepted": 398, "declined": 9, "transferred_in": 3, "transferred_out": 5,
    "resolved": 371, "failed": 6, "withdrawn": 11, "success_rate": 0.9841,
    "open_at_month_end": 58, "overdue_at_month_end": 2, "high_risk_open": 4,
    "days_to_conclusion_median": 6.5, "days_to_conclusion_p90": 21.0,
    "amount_in_dispute": "1860500.00", "amount_agreed": "1422300.00", "agreements_due": 40,
    "agreements_fulfilled": 37, "fulfilment_rate": 0.925, "judicial_confirmations_applied": 12,
    "judicial_confirmations_confirmed": 10, "follow_ups_done": 96, "mean_satisfaction": 4.71,
}  # fmt: skip
_EXAMPLE_ENTRY = {
    key: value
    for key, value in _EXAMPLE_FIGURES.items()
    if not key.startswith("days_to_conclusion")
}

REPORT_EXAMPLE = OpenApiExample(
    "A district's subtree in October",
    response_only=True,
    media_type="application/json",
    value={
        "centre": {
            "id": 2, "code": "JA", "name_zh": "江岸区矛盾纠纷调处化解中心",
            "name_en": "Jiang'an District Mediation Centre", "level": 2,
            "kind": "comprehensive", "label": "Jiang'an District Mediation Centre",
        },
        "month": "2026-10", "scope": "subtree", "scope_label": "The centre and every centre below it",
        "live": False, "as_of": "2026-11-01T02:00:05+08:00",
        "figures": _EXAMPLE_FIGURES,
        "previous_month": {**_EXAMPLE_FIGURES, "received": 388},
        "same_month_last_year": {**_EXAMPLE_FIGURES, "received": 655},
        "comparison_months": {"previous_month": "2026-09", "same_month_last_year": "2025-10"},
        "breakdowns": {
            "category": [{"key": "1", "label": "Neighbours", "figures": _EXAMPLE_ENTRY}],
            "channel": [{"key": "walk_in", "label": "Walk-in", "figures": _EXAMPLE_ENTRY}],
            "risk_level": [{"key": "normal", "label": "Normal", "figures": _EXAMPLE_ENTRY}],
            "child_centre": [
                {"key": "2", "own": True, "label": "Jiang'an District Mediation Centre",
                 "figures": _EXAMPLE_ENTRY},
                {"key": "21", "own": False, "label": "Dazhi Street Mediation Centre",
                 "figures": _EXAMPLE_ENTRY},
            ],
            "mediator": [{"key": "", "label": "Unassigned", "figures": _EXAMPLE_ENTRY}],
        },
        "level_resolution": {
            "community": 0.62, "street": 0.3, "district": 0.08, "city": 0.0,
            "professional": 0.0, "grid": 0.0,
        },
        "figure_labels": {"received": "Received", "success_rate": "Success rate"},
        "definitions": {"received": "Cases registered in the month by a centre in scope."},
        "breakdown_labels": {"category": "By category"},
        "level_labels": {"community": "Community / village"},
        "level_resolution_definition": "Of the cases resolved in the subtree in the month, …",
    },
)  # fmt: skip

PDF_UNAVAILABLE = _(
    "PDF documents cannot be produced on this server: the PDF renderer (WeasyPrint and its "
    "system libraries) is not installed. Ask for format=xlsx or format=csv instead."
)
# The same, for the PDF's own operation: the other files are operations of their own too.
PDF_FILE_UNAVAILABLE = _(
    "PDF documents cannot be produced on this server: the PDF renderer (WeasyPrint and its "
    "system libraries) is not installed. Download the report as XLSX or CSV instead."
)

BAD_PARAMETER = error(
    "A parameter is missing or not valid; it is named",
    "invalid",
    "Some fields are not valid.",
    month=["This month has not begun yet."],
)

WHO_READS = (
    "Only centres whose reports you read (directors and observers: their subtrees; "
    "administrators: all) are found; any other is 404, as a centre that does not exist."
)


def _file_schema(kind: str, what: str) -> Any:
    """The schema of a file's operation: the report's parameters, one binary media type."""
    media_type = report.CONTENT_TYPES[kind].split(";")[0]
    responses: dict[Any, Any] = {
        (200, media_type): OpenApiResponse(OpenApiTypes.BINARY, description=what),
        400: BAD_PARAMETER,
        404: NOT_FOUND,
    }
    if kind == "pdf":
        responses[503] = error(
            "The PDF renderer is not installed on this server",
            "pdf_unavailable",
            str(PDF_FILE_UNAVAILABLE),
        )
    return extend_schema(
        summary=f"A centre's monthly report as a {kind.upper()} file",
        description=(
            f"The report of `GET /reports/monthly/` as a file to save: {what}. Sent as "
            "`Content-Disposition: attachment`, named "
            f"`report-<centre code>-<YYYY-MM>-<scope>.{kind}`, names and definitions in your "
            f"language (`Accept-Language`). {WHO_READS} Errors are JSON. "
            "See docs/api.md, “Monthly reports”."
        ),
        parameters=[
            MonthlyReportQuery,
            OpenApiParameter(
                "Content-Disposition",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                response=[200],
                description=f'`attachment; filename="report-JA-2026-10-subtree.{kind}"`',
            ),
        ],
        responses=responses,
    )


class ReportViewSet(ScopedViewSet):
    scope = staticmethod(access.report_centres)
    content_negotiation_class = IgnoreFormatParameter

    @extend_schema(
        summary="A centre's monthly report",
        description=(
            "Every figure of DESIGN §5 for the month, with the previous month and the same month "
            "last year, the breakdowns and the level-resolution shares; names and definitions "
            "in your language (`Accept-Language`). The current month is live (`live`: figures "
            f"as of now). {WHO_READS} The files have operations of their own: "
            "`GET /reports/monthly/csv/`, `/xlsx/` and `/pdf/`; `format=csv|xlsx|pdf` here "
            "still sends them, but is deprecated. See docs/api.md, “Monthly reports”."
        ),
        parameters=[MonthlyReportQuery, FORMAT_PARAMETER],
        responses={
            (200, "application/json"): OpenApiResponse(
                REPORT_SCHEMA, description="The report", examples=[REPORT_EXAMPLE]
            ),
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.BINARY,
                description="format=csv (deprecated: GET /reports/monthly/csv/)",
            ),
            (200, report.CONTENT_TYPES["xlsx"]): OpenApiResponse(
                OpenApiTypes.BINARY,
                description="format=xlsx (deprecated: GET /reports/monthly/xlsx/)",
            ),
            (200, report.CONTENT_TYPES["pdf"]): OpenApiResponse(
                OpenApiTypes.BINARY,
                description="format=pdf (deprecated: GET /reports/monthly/pdf/)",
            ),
            400: BAD_PARAMETER,
            404: NOT_FOUND,
            503: error(
                "format=pdf where the PDF renderer is not installed",
                "pdf_unavailable",
                PDF_UNAVAILABLE,
            ),
        },
    )
    def monthly(self, request: Request) -> Response | HttpResponse:
        with reading_from_replica(request.user):
            params, data = self._report(request, MonthlyReportJsonQuery)
        if params["format"] == "json":
            return Response(data)
        return _file(request, params, data, params["format"], PDF_UNAVAILABLE)

    @_file_schema("csv", "UTF-8 with a byte order mark, for spreadsheets")
    def monthly_csv(self, request: Request) -> Response | HttpResponse:
        return self._download(request, "csv")

    @_file_schema("xlsx", "a workbook: the figures, a sheet per breakdown, the definitions")
    def monthly_xlsx(self, request: Request) -> Response | HttpResponse:
        return self._download(request, "xlsx")

    @_file_schema("pdf", "A4, for printing")
    def monthly_pdf(self, request: Request) -> Response | HttpResponse:
        return self._download(request, "pdf")

    def _download(self, request: Request, kind: str) -> Response | HttpResponse:
        with reading_from_replica(request.user):
            params, data = self._report(request, MonthlyReportQuery)
        return _file(request, params, data, kind, PDF_FILE_UNAVAILABLE)

    def _report(
        self, request: Request, query_class: type[MonthlyReportQuery]
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """The checked parameters and the labelled report they ask for (400 for a bad
        parameter, before the centre is looked up; 404 for a centre not found)."""
        now = timezone.now()
        query = query_class(data=request.query_params, context={"now": now})
        query.is_valid(raise_exception=True)
        params = dict(query.validated_data)
        centre = self.get_queryset().filter(pk=params["centre"]).first()
        if centre is None:
            raise NotFound()
        month = parse_month(params["month"]) if "month" in params else current_month(now)
        return params, monthly.labelled(monthly.report(centre, month, params["scope"], now=now))


def _file(
    request: Request, params: dict[str, Any], data: dict[str, Any], kind: str, unavailable: Any
) -> Response | HttpResponse:
    """The report as a file, and its ``report_download`` audit record (filed under the centre)."""
    makers = {"csv": report.to_csv, "xlsx": report.to_xlsx, "pdf": report.to_pdf}
    try:
        content = makers[kind](data)
    except PdfUnavailable:
        return Response(
            error_body("pdf_unavailable", unavailable),
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
        )
    audit.downloaded(
        actor=signed_in_user(request),
        document="monthly_report",
        file_format=kind,
        centre=Centre.objects.get(pk=params["centre"]),
        report=True,
        month=str(params.get("month") or data.get("month") or ""),
        scope=str(params.get("scope") or ""),
    )
    response = HttpResponse(content, content_type=report.CONTENT_TYPES[kind])
    response["Content-Disposition"] = f'attachment; filename="{report.filename(data, kind)}"'
    return response


# --- The trend and the rankings (issue 24) ----------------------------------------------------------


class TrendQuery(serializers.Serializer):  # type: ignore[type-arg]
    """The trend's parameters, checked the way request bodies are (400 naming the field)."""

    centre = IdField(help_text="The centre's id.")
    months = serializers.ChoiceField(
        choices=[(n, str(n)) for n in trend.WINDOWS],
        default=12,
        help_text="How many months: `12` or `24`.",
    )
    scope = serializers.ChoiceField(
        choices=ReportScope.choices,
        default=ReportScope.SUBTREE,
        help_text="`subtree`: the centre and every centre below it; `centre`: the centre alone.",
    )
    month = serializers.RegexField(
        r"^\d{4}-\d{2}$",
        required=False,
        help_text="The last month of the window, `YYYY-MM`, not after the current month "
        "(Asia/Shanghai). Default: this month (live).",
    )

    def validate_months(self, value: Any) -> int:
        return int(value)

    def validate_month(self, value: str) -> str:
        return MonthlyReportQuery.validate_month(self, value)  # type: ignore[arg-type]


class RankingsQuery(serializers.Serializer):  # type: ignore[type-arg]
    centre = IdField(help_text="The centre whose child centres are ranked.")
    month = serializers.RegexField(
        r"^\d{4}-\d{2}$",
        required=False,
        help_text="`YYYY-MM`, not after the current month (Asia/Shanghai). Default: this month.",
    )

    def validate_month(self, value: str) -> str:
        return MonthlyReportQuery.validate_month(self, value)  # type: ignore[arg-type]


def _trend_figure_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "required": list(trend.TREND_KEYS),
        "properties": {
            key: {**_VALUE_SCHEMAS[BY_KEY[key].kind], "description": BY_KEY[key].definition}
            for key in trend.TREND_KEYS
        },
    }


_LEVELS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Of the cases resolved in the month, the share resolved at each level.",
    "properties": {
        key: {"type": "number", "minimum": 0, "maximum": 1, "nullable": True}
        for key, _label in LEVELS
    },
}
_CENTRE_SCHEMA = REPORT_SCHEMA["properties"]["centre"]

TREND_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["centre", "scope", "months", "first_month", "last_month", "as_of", "series"],
    "properties": {
        "centre": _CENTRE_SCHEMA,
        "scope": {"type": "string", "enum": list(ReportScope.values)},
        "months": {"type": "integer", "enum": list(trend.WINDOWS)},
        "first_month": {"type": "string", "pattern": r"^\d{4}-\d{2}$"},
        "last_month": {"type": "string", "pattern": r"^\d{4}-\d{2}$"},
        "as_of": {"type": "string", "format": "date-time"},
        "series": {
            "type": "array",
            "description": "One entry per month, oldest first.",
            "items": {
                "type": "object",
                "required": ["month", "live", "figures", "level_resolution"],
                "properties": {
                    "month": {"type": "string", "pattern": r"^\d{4}-\d{2}$"},
                    "live": {"type": "boolean", "description": "The current month: as of now."},
                    "figures": _trend_figure_schema(),
                    "level_resolution": _LEVELS_SCHEMA,
                },
            },
        },
        "figure_labels": _names_schema(),
        "level_labels": _names_schema(),
    },
}

_RANKED_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["centre", "rank", "value", "part", "whole", "enough"],
    "properties": {
        "centre": _CENTRE_SCHEMA,
        "rank": {
            "type": "integer",
            "nullable": True,
            "description": "1 is best; equal values share a rank. Null: not ranked (fewer than "
            "`min_to_rank` cases behind the value, or no value).",
        },
        "value": {"type": "number", "nullable": True},
        "part": {
            "type": "integer",
            "nullable": True,
            "description": "The count above the line: resolved; overdue (null for days).",
        },
        "whole": {
            "type": "integer",
            "description": "The count below it: resolved + failed; open at month end; "
            "concluded cases (days).",
        },
        "enough": {"type": "boolean", "description": "`whole` ≥ `min_to_rank`."},
    },
}

RANKINGS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["centre", "month", "live", "min_to_rank", "as_of", "rankings"],
    "properties": {
        "centre": _CENTRE_SCHEMA,
        "month": {"type": "string", "pattern": r"^\d{4}-\d{2}$"},
        "live": {"type": "boolean"},
        "min_to_rank": {"type": "integer", "description": "Fewer cases than this: not ranked."},
        "as_of": {"type": "string", "format": "date-time"},
        "rankings": {
            "type": "object",
            "properties": {
                "success_rate": {
                    "type": "array",
                    "items": _RANKED_SCHEMA,
                    "description": "Resolved ÷ (resolved + failed), highest first.",
                },
                "overdue_share": {
                    "type": "array",
                    "items": _RANKED_SCHEMA,
                    "description": "Overdue ÷ open at the month's end, lowest first.",
                },
                "days_to_conclusion_median": {
                    "type": "array",
                    "items": _RANKED_SCHEMA,
                    "description": "Median days from registration to conclusion, lowest first.",
                },
            },
        },
        "measure_labels": _names_schema(),
    },
}

TREND_BAD_PARAMETER = error(
    "A parameter is missing or not valid; it is named",
    "invalid",
    "Some fields are not valid.",
    months=['"6" is not a valid choice.'],
)


def _trend_file_schema(kind: str, what: str) -> Any:
    media_type = trend_document.CONTENT_TYPES[kind].split(";")[0]
    return extend_schema(
        summary=f"A centre's trend as a {kind.upper()} file",
        description=(
            f"The trend of `GET /reports/trend/` as a file to save: {what}. Named "
            f"`trend-<centre code>-<first YYYY-MM>-<last YYYY-MM>-<scope>.{kind}`, names in your "
            f"language. {WHO_READS} See docs/api.md, “Trend and rankings”."
        ),
        parameters=[TrendQuery],
        responses={
            (200, media_type): OpenApiResponse(OpenApiTypes.BINARY, description=what),
            400: TREND_BAD_PARAMETER,
            404: NOT_FOUND,
        },
    )


class TrendViewSet(ScopedViewSet):
    scope = staticmethod(access.report_centres)
    content_negotiation_class = IgnoreFormatParameter

    @extend_schema(
        summary="A centre's trend: 12 or 24 months of its headline figures",
        description=(
            "Received, concluded by outcome, success rate, open and overdue at month end, days to "
            "conclusion (median, 90th percentile) and the level-resolution shares, month by "
            "month, oldest first, for the centre alone or its subtree; each month's figures are "
            "those of `GET /reports/monthly/` for that month. Read from the report counters: "
            f"the cost does not follow the number of cases. {WHO_READS} Files: "
            "`GET /reports/trend/csv/`, `/xlsx/`. See docs/api.md, “Trend and rankings”."
        ),
        parameters=[TrendQuery],
        responses={
            (200, "application/json"): OpenApiResponse(TREND_SCHEMA, description="The trend"),
            400: TREND_BAD_PARAMETER,
            404: NOT_FOUND,
        },
    )
    def trend(self, request: Request) -> Response:
        with reading_from_replica(request.user):
            data = self._trend(request)
        return Response(data)

    @_trend_file_schema("csv", "UTF-8 with a byte order mark, a row per month")
    def trend_csv(self, request: Request) -> HttpResponse:
        return self._trend_file(request, "csv")

    @_trend_file_schema("xlsx", "a workbook: a row per month, and the definitions")
    def trend_xlsx(self, request: Request) -> HttpResponse:
        return self._trend_file(request, "xlsx")

    def _trend_file(self, request: Request, kind: str) -> HttpResponse:
        with reading_from_replica(request.user):
            data = self._trend(request)
        return trend_file_response(signed_in_user(request), data, kind)

    def _trend(self, request: Request) -> dict[str, Any]:
        now = timezone.now()
        query = TrendQuery(data=request.query_params, context={"now": now})
        query.is_valid(raise_exception=True)
        params = dict(query.validated_data)
        centre = self.get_queryset().filter(pk=params["centre"]).first()
        if centre is None:
            raise NotFound()
        last = parse_month(params["month"]) if "month" in params else None
        data = trend.trend(centre, params["months"], params["scope"], last=last, now=now)
        return trend.labelled_trend(data)

    @extend_schema(
        summary="The child centres of a centre, ranked",
        description=(
            "Each child centre (with its subtree) for the month, ranked on the success rate "
            "(highest first), the overdue share (overdue ÷ open at the month's end, lowest "
            "first) and the median days to conclusion (lowest first), each with the counts "
            "behind it (`part` / `whole`). A child with fewer than `min_to_rank` cases behind a "
            "measure is listed last, `rank` null: too few to rank. "
            f"{WHO_READS} See docs/api.md, “Trend and rankings”."
        ),
        parameters=[RankingsQuery],
        responses={
            (200, "application/json"): OpenApiResponse(RANKINGS_SCHEMA, description="The rankings"),
            400: BAD_PARAMETER,
            404: NOT_FOUND,
        },
    )
    def rankings(self, request: Request) -> Response:
        now = timezone.now()
        query = RankingsQuery(data=request.query_params, context={"now": now})
        query.is_valid(raise_exception=True)
        params = dict(query.validated_data)
        with reading_from_replica(request.user):
            centre = self.get_queryset().filter(pk=params["centre"]).first()
            if centre is None:
                raise NotFound()
            month = parse_month(params["month"]) if "month" in params else current_month(now)
            data = trend.rankings(centre, month, now=now)
        return Response(trend.labelled_rankings(data))


def trend_file_response(user: User, data: dict[str, Any], kind: str) -> HttpResponse:
    """The trend as a file, and its ``report_download`` audit record (filed under the centre)."""
    english = (get_language() or "").startswith("en")
    makers = {"csv": trend_document.to_csv, "xlsx": trend_document.to_xlsx}
    content = makers[kind](data, english=english)
    audit.downloaded(
        actor=user,
        document="report_trend",
        file_format=kind,
        centre=Centre.objects.get(pk=data["centre"]["id"]),
        report=True,
        first_month=data["first_month"],
        last_month=data["last_month"],
        scope=data["scope"],
    )
    response = HttpResponse(content, content_type=trend_document.CONTENT_TYPES[kind])
    response["Content-Disposition"] = (
        f'attachment; filename="{trend_document.filename(data, kind)}"'
    )
    return response
