"""The trend page (12 or 24 months of a centre's headline figures, as charts, a table and files)
and the rankings of a centre's child centres shown on the report page (issue 24).

The figures come from ``cases.reports.trend`` (the report counters, never the cases). Who may
read which centre is ``cases.access.report_centres``; a centre outside it is a 404.
"""

from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from ...access import can_read_reports
from ...documents.charts import Bar, Chart, Series, bar_chart
from ...models import Centre
from ...replica import replica_view
from ...reports import figures, periods, trend
from ...reports.figures import Kind, shown
from ..base import AuthenticatedHttpRequest
from ..forms.reports import TrendForm
from .reports import (
    NO_REPORTS,
    _chosen_centre,
    default_centre,
    picker_centres,
    report_query,
    report_url,
)

OUTCOMES = ("resolved", "failed", "withdrawn")


def trend_url(centre_id: Any, months: int, scope: str, month: date | None = None) -> str:
    query: dict[str, Any] = {"centre": centre_id, "months": months, "scope": scope}
    if month is not None:
        query["month"] = periods.format_month(month)
    return f"{reverse('web:report_trend')}?{urlencode(query)}"


def trend_files(centre_id: int, months: int, scope: str, month: date) -> list[tuple[str, str]]:
    """The trend as files, from the API (the same figures, names in the user's language)."""
    query = urlencode(
        {"centre": centre_id, "months": months, "scope": scope,
         "month": periods.format_month(month)}
    )  # fmt: skip
    out = []
    for kind, label in (("csv", "CSV"), ("xlsx", "Excel (XLSX)")):
        try:
            base = reverse(f"api:report-trend-{kind}")
        except NoReverseMatch:
            base = f"/api/v1/reports/trend/{kind}/"
        out.append((label, f"{base}?{query}"))
    return out


def _charts(data: dict[str, Any], centre_id: int, scope: str) -> list[SafeString]:
    labels = data["figure_labels"]
    series = data["series"]

    def bars(keys: tuple[str, ...]) -> list[Bar]:
        return [
            Bar(
                entry["month"],
                tuple(entry["figures"][key] for key in keys),
                report_url(centre_id, periods.parse_month(entry["month"]), scope),
            )
            for entry in series
        ]

    charts = [
        Chart(
            "chart-trend-received",
            _("Received, month by month"),
            (Series("received", labels["received"]),),
            bars(("received",)),
            _("No case was received in these months."),
        ),
        Chart(
            "chart-trend-concluded",
            _("Concluded by outcome, month by month"),
            tuple(Series(key, labels[key]) for key in OUTCOMES),
            bars(OUTCOMES),
            _("No case was concluded in these months."),
        ),
        Chart(
            "chart-trend-open",
            _("Open at month end"),
            (Series("open_at_month_end", labels["open_at_month_end"]),),
            bars(("open_at_month_end",)),
            _("No case was open at the end of these months."),
        ),
        Chart(
            "chart-trend-overdue",
            _("Overdue at month end"),
            (Series("overdue_at_month_end", labels["overdue_at_month_end"]),),
            bars(("overdue_at_month_end",)),
            _("No case was overdue at the end of these months."),
        ),
    ]
    return [bar_chart(chart) for chart in charts]


def _rows(data: dict[str, Any], centre_id: int, scope: str) -> list[dict[str, Any]]:
    return [
        {
            "month": entry["month"],
            "live": entry["live"],
            "url": report_url(centre_id, periods.parse_month(entry["month"]), scope),
            "cells": [
                shown(entry["figures"][key], figures.BY_KEY[key].kind) for key in trend.TREND_KEYS
            ],
            "levels": [
                shown(entry["level_resolution"][key], Kind.RATE) for key, _l in figures.LEVELS
            ],
        }
        for entry in reversed(data["series"])
    ]


def _query(request: AuthenticatedHttpRequest, centre: Centre | None, now: datetime) -> QueryDict:
    """The report page's choice with its defaults, and a window of 12 months."""
    data = report_query(request, centre, now)
    if not data.get("months"):
        data["months"] = "12"
    return data


@login_required
@require_GET
@replica_view
def report_trend(request: AuthenticatedHttpRequest) -> HttpResponse:
    """GET ``?centre=<id>&months=12|24&scope=subtree|centre&month=YYYY-MM`` (the last month),
    each optional. A bad choice answers 400 with the message at the field."""
    user = request.user
    raw = request.GET.get("centre", "").strip()
    chosen = _chosen_centre(user, raw) if raw else None
    if not can_read_reports(user):
        raise PermissionDenied(NO_REPORTS)
    now = timezone.now()
    centre = chosen or default_centre(user)
    form = TrendForm(_query(request, centre, now), now=now)
    centres = picker_centres(user, centre) if centre is not None else []
    form.set_centres(centres)
    context: dict[str, Any] = {"form": form, "centre": centre, "trend": None}
    if centre is None:
        return render(request, "web/report_trend.html", context)
    if not form.is_valid():
        return render(request, "web/report_trend.html", context, status=400)
    month, scope = form.cleaned_data["month"], form.cleaned_data["scope"]
    months = form.cleaned_data["months"]
    data = trend.labelled_trend(trend.trend(centre, months, scope, last=month, now=now))
    context.update(
        {
            "trend": data,
            "months": months,
            "scope": scope,
            "charts": _charts(data, centre.pk, scope),
            "columns": [data["figure_labels"][key] for key in trend.TREND_KEYS],
            "level_columns": [data["level_labels"][key] for key, _l in figures.LEVELS],
            "rows": _rows(data, centre.pk, scope),
            "files": trend_files(centre.pk, months, scope, month),
            "report_url": report_url(centre.pk, month, scope),
            "other_months_url": trend_url(centre.pk, 36 - months, scope, month),
            "other_months": 36 - months,
            "as_of": datetime.fromisoformat(data["as_of"]),
        }
    )
    return render(request, "web/report_trend.html", context)
