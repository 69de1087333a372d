"""The monthly report page: a centre's figures for a month, with charts, breakdowns and drill-down.

The figures come from ``cases.reports.monthly`` (counters, never the cases: the page costs the same
for ten cases or ten million) and are shown here, not computed. Who may read which centre's report
is ``cases.access.report_centres``; a centre outside it is a 404, as if it did not exist.

Drill-down goes two ways: a child centre's row opens the same report for that centre, and a count
opens the case list behind it, where that list can show exactly those cases:

- received: registered in the month by the centre (or its subtree), by registration date and
  registering centre; per channel too, but not per category or risk level (a report keeps the
  category and risk a case was registered with; the list filters by what they are now);
- resolved, failed, withdrawn: concluded in the month with that outcome at the centre (a concluded
  case is never edited or moved again, so also per category, channel and risk level);
- open, overdue, high-risk open: for the current month only (the list shows now; a past month's
  end position is not something it can show);
- nothing per mediator (the list's mediator filter takes co-mediators too).

The list opened from a count totals the count (a director sees a case registered in the subtree
and transferred out since, read-only) and links back to the report (``from=report`` with the
report's centre, month and scope; ``cases.web.views.case_list.report_origin``).
"""

from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET
from django_htmx.http import reswap, retarget

from ...access import can_read_reports, report_centres, scope_of
from ...documents import report as report_document
from ...models import OPEN_STATUSES, Centre, ReportScope, Role, Status
from ...replica import replica_view
from ...reports import figures, monthly, periods, trend
from ...reports.figures import Kind, shown
from ..base import AuthenticatedHttpRequest
from ..forms.reports import ReportForm

# The headline figures, as cards above the table.
CARD_KEYS = (
    "received",
    "resolved",
    "success_rate",
    "open_at_month_end",
    "overdue_at_month_end",
    "high_risk_open",
    "days_to_conclusion_median",
    "fulfilment_rate",
)
# The columns of the breakdown tables (the exports carry every figure of every breakdown).
BREAKDOWN_COLUMNS = (
    "received",
    "resolved",
    "failed",
    "withdrawn",
    "success_rate",
    "open_at_month_end",
    "overdue_at_month_end",
    "high_risk_open",
    "amount_in_dispute",
    "amount_agreed",
)
OUTCOMES = ("resolved", "failed", "withdrawn")
STOCKS = ("open_at_month_end", "overdue_at_month_end", "high_risk_open")
# Breakdowns whose rows narrow the case list by a parameter of the same name (the others cannot).
LIST_PARAMETERS = {"category": "category", "channel": "channel", "risk_level": "risk_level"}
# Received counts keep the category and risk a case had at registration; only the channel never
# changes after it.
RECEIVED_BY = {"channel"}
OPEN_IN_ORDER = [status for status in Status.values if status in OPEN_STATUSES]

NO_REPORTS = gettext_lazy(
    "Monthly reports are read by centre directors, observers and administrators; your role does "
    "not include them. The workbench shows the work in hand of your centre."
)


# --- Links to the case list -----------------------------------------------------------------------


@dataclass(frozen=True)
class CaseLinks:
    """The case-list address behind a count of one report, or "" where the list cannot show
    exactly the cases counted (see the module's docstring)."""

    centre_id: int
    subtree: bool
    month: date
    live: bool
    # The report itself (the list links back to it): its centre and scope.
    report_centre_id: int = 0
    report_scope: str = ""

    def url(self, key: str, value: Any, dimension: str = "", dimension_key: str = "") -> str:
        if not value or (dimension and dimension not in LIST_PARAMETERS):
            return ""
        params: list[tuple[str, str]] = []
        first, last = self.month, periods.add_months(self.month, 1)
        last_day = date.fromordinal(last.toordinal() - 1)
        if key == "received":
            if dimension and dimension not in RECEIVED_BY:
                return ""
            params = [
                ("registering_centre", str(self.centre_id)),
                ("registered_from", first.isoformat()),
                ("registered_to", last_day.isoformat()),
            ]
        elif key in OUTCOMES:
            params = [
                ("centre", str(self.centre_id)),
                ("outcome", key),
                ("concluded_from", first.isoformat()),
                ("concluded_to", last_day.isoformat()),
            ]
        elif key in STOCKS and self.live:
            params = [("centre", str(self.centre_id))]
            params += [("status", status) for status in OPEN_IN_ORDER]
            if key == "overdue_at_month_end":
                params.append(("overdue", "true"))
            elif key == "high_risk_open":
                if dimension == "risk_level" and dimension_key != "high":
                    return ""
                params.append(("risk_level", "high"))
        else:
            return ""
        if self.subtree:
            params.insert(1, ("subtree", "true"))
        if dimension and not (key == "high_risk_open" and dimension == "risk_level"):
            params.append((LIST_PARAMETERS[dimension], dimension_key))
        if self.report_centre_id:
            params += [
                ("from", "report"),
                ("report_centre", str(self.report_centre_id)),
                ("report_month", periods.format_month(self.month)),
                ("report_scope", self.report_scope),
            ]
        return f"{reverse('web:case_list')}?{urlencode(params)}"


def report_url(centre_id: Any, month: date, scope: str) -> str:
    query = urlencode({"centre": centre_id, "month": periods.format_month(month), "scope": scope})
    return f"{reverse('web:reports')}?{query}"


def wall_url(centre_id: Any) -> str:
    """The wall screen of a centre (``views/wall.py``)."""
    return f"{reverse('web:wall')}?{urlencode({'centre': centre_id})}"


def export_urls(centre_id: int, month: date, scope: str) -> list[tuple[str, str]]:
    """The report as files, from the API (the same figures; the files in the user's language)."""
    try:
        base = reverse("api:report-monthly")
    except NoReverseMatch:
        base = "/api/v1/reports/monthly/"
    query = {"centre": centre_id, "month": periods.format_month(month), "scope": scope}
    return [
        (label, f"{base}?{urlencode({**query, 'format': kind})}")
        for kind, label in (("csv", "CSV"), ("xlsx", "Excel (XLSX)"), ("pdf", "PDF"))
    ]


# --- Numbers as shown -------------------------------------------------------------------------------


def change(value: Any, base: Any, kind: Kind) -> str:
    """How ``value`` differs from ``base``: counts and amounts by how much and by what share, rates
    in percentage points, days and means by how much; "" when either side is empty."""
    if value is None or base is None:
        return ""
    if kind == Kind.RATE:
        points = round((value - base) * 100, 1)
        return _("%(points)s pts") % {"points": f"{points:+.1f}"} if points else "±0"
    difference = Decimal(str(value)) - Decimal(str(base))
    if not difference:
        return "±0"
    formats = {Kind.COUNT: "+,", Kind.AMOUNT: "+,.2f", Kind.DAYS: "+.1f", Kind.MEAN: "+.2f"}
    text = format(difference, formats[kind])
    if kind in (Kind.COUNT, Kind.AMOUNT) and Decimal(str(base)):
        text += f" ({difference / Decimal(str(base)):+.1%})"
    return text


# --- The page's parts -----------------------------------------------------------------------------


def _cards(data: dict[str, Any], links: CaseLinks) -> list[dict[str, Any]]:
    this, previous = data["figures"], data["previous_month"]
    return [
        {
            "key": key,
            "label": data["figure_labels"][key],
            "definition": data["definitions"][key],
            "value": shown(this[key], figures.BY_KEY[key].kind),
            "previous": shown(previous[key], figures.BY_KEY[key].kind),
            "change": change(this[key], previous[key], figures.BY_KEY[key].kind),
            "url": links.url(key, this[key]),
        }
        for key in CARD_KEYS
    ]


def _figure_rows(data: dict[str, Any], links: CaseLinks) -> list[dict[str, Any]]:
    rows = []
    for figure in figures.FIGURES:
        key, kind = figure.key, figure.kind
        value = data["figures"][key]
        previous, last_year = data["previous_month"][key], data["same_month_last_year"][key]
        rows.append(
            {
                "key": key,
                "label": data["figure_labels"][key],
                "definition": data["definitions"][key],
                "value": shown(value, kind),
                "url": links.url(key, value),
                "previous": shown(previous, kind),
                "previous_change": change(value, previous, kind),
                "last_year": shown(last_year, kind),
                "last_year_change": change(value, last_year, kind),
            }
        )
    return rows


def _entry_label(dimension: str, entry: dict[str, Any], centre_label: str) -> str:
    if dimension == "child_centre" and entry.get("own"):
        return _("%(centre)s, its own cases") % {"centre": centre_label}
    return str(entry["label"])


def _entry_links(dimension: str, entry: dict[str, Any], links: CaseLinks) -> CaseLinks:
    if dimension != "child_centre":
        return links
    return replace(links, centre_id=int(entry["key"]), subtree=not entry.get("own"))


def _breakdowns(
    data: dict[str, Any], sizes: dict[str, int], links: CaseLinks, month: date, full_list: str
) -> list[dict[str, Any]]:
    """The breakdown tables: per dimension the rows ``figures.shown_entries`` (all ``sizes`` of
    them are in the file at ``full_list``), each count a link where the list can show it."""
    columns = [(key, data["figure_labels"][key]) for key in BREAKDOWN_COLUMNS]
    headings = {
        "category": _("Category"),
        "channel": _("Channel"),
        "risk_level": _("Risk level"),
        "child_centre": _("Centre"),
        "mediator": _("Mediator"),
    }
    tables = []
    for dimension, _title in figures.BREAKDOWNS:
        entries = data["breakdowns"][dimension]
        if dimension == "child_centre" and data["scope"] != ReportScope.SUBTREE:
            continue
        rows = []
        for entry in figures.shown_entries(dimension, entries):
            row_links = _entry_links(dimension, entry, links)
            narrowing = "" if dimension == "child_centre" else dimension
            report = ""
            if dimension == "child_centre":
                scope = ReportScope.CENTRE if entry.get("own") else ReportScope.SUBTREE
                report = report_url(entry["key"], month, scope)
            rows.append(
                {
                    "key": entry["key"],
                    "label": _entry_label(dimension, entry, data["centre"]["label"]),
                    "report_url": report,
                    "cells": [
                        {
                            "key": key,
                            "value": shown(entry["figures"][key], figures.BY_KEY[key].kind),
                            "url": row_links.url(
                                key, entry["figures"][key], narrowing, entry["key"]
                            ),
                        }
                        for key in BREAKDOWN_COLUMNS
                    ],
                }
            )
        tables.append(
            {
                "dimension": dimension,
                "title": data["breakdown_labels"][dimension],
                "heading": headings[dimension],
                "columns": columns,
                "rows": rows,
                "total": sizes[dimension],
                "more": sizes[dimension] - len(rows),
                "full_list": full_list,
            }
        )
    return tables


def _charts(data: dict[str, Any], month: date) -> list[SafeString]:
    """The report's charts (``documents.report.charts``, the same as the PDF's), each child
    centre's bar linking to its own report."""
    centre_label = data["centre"]["label"]

    def url(entry: dict[str, Any]) -> str:
        scope = ReportScope.CENTRE if entry["own"] else ReportScope.SUBTREE
        return report_url(entry["key"], month, scope)

    return report_document.charts(
        data, lambda dimension, entry: _entry_label(dimension, entry, centre_label), url
    )


# --- The rankings on the report page ------------------------------------------------------------


def ranking_tables(centre: Centre, month: date, now: datetime) -> list[dict[str, Any]]:
    """The report page's rankings section: a table per measure, each row the child centre, its
    rank (or "too few to rank"), its value and the counts behind it."""
    data = trend.labelled_rankings(trend.rankings(centre, month, now=now))
    kinds = {
        "success_rate": Kind.RATE,
        "overdue_share": Kind.RATE,
        "days_to_conclusion_median": Kind.DAYS,
    }
    tables = []
    for measure in trend.RANKING_MEASURES:
        rows = []
        for entry in data["rankings"][measure]:
            if measure == "days_to_conclusion_median":
                counts = _("%(count)s concluded") % {"count": entry["whole"]}
            else:
                counts = f"{entry['part']} / {entry['whole']}"
            rows.append(
                {
                    "rank": entry["rank"],
                    "label": entry["centre"]["label"],
                    "url": report_url(entry["centre"]["id"], month, ReportScope.SUBTREE),
                    "value": shown(entry["value"], kinds[measure]),
                    "counts": counts,
                    "enough": entry["enough"],
                }
            )
        tables.append({"key": measure, "title": data["measure_labels"][measure], "rows": rows})
    return tables


# --- Choosing the centre --------------------------------------------------------------------------


def default_centre(user: User) -> Centre | None:
    """The highest centre whose report the user may read (an administrator: the city)."""
    return report_centres(user).order_by("depth", "path").first()


def picker_centres(user: User, centre: Centre) -> list[Centre]:
    """What the centre picker offers: the user's own top centres, the chosen centre's ancestors
    (within the user's scope) and its children, in tree order: a path down the tree by choosing,
    never the city's thousands of centres at once."""
    scope = scope_of(user)
    if scope.is_admin:
        tops = Q(parent__isnull=True)
    else:
        tops = Q(pk__in=[c.pk for c in scope.centres(Role.DIRECTOR, Role.OBSERVER)])
    near = Q(code__in=centre.ancestor_codes()) | Q(parent=centre)
    return list(report_centres(user).filter(tops | near).order_by("path"))


def ancestors_in(centres: list[Centre], centre: Centre) -> list[Centre]:
    """The centres of ``centres`` above ``centre``, top first (the page's breadcrumbs)."""
    return [c for c in centres if c.pk != centre.pk and centre.is_within(c)]


def report_query(
    request: AuthenticatedHttpRequest, centre: Centre | None, now: datetime
) -> QueryDict:
    """The request's choice with the defaults filled in, so the form shows what is reported."""
    data = request.GET.copy()
    if not data.get("centre") and centre is not None:
        data["centre"] = str(centre.pk)
    if not data.get("month"):
        data["month"] = periods.format_month(periods.current_month(now))
    if not data.get("scope"):
        data["scope"] = ReportScope.SUBTREE
    return data


def _chosen_centre(user: User, raw: str) -> Centre | None:
    """The centre the address names, if the user may read its report; 404 otherwise (the same
    for a centre that does not exist). ``None`` when the id is not a number (a form error)."""
    try:
        pk = int(raw)
    except ValueError:
        return None
    centre = report_centres(user).filter(pk=pk).first()
    if centre is None:
        raise Http404()
    return centre


# --- The view -------------------------------------------------------------------------------------


@login_required
@require_GET
@replica_view
def reports(request: AuthenticatedHttpRequest) -> HttpResponse:
    """GET ``?centre=<id>&month=YYYY-MM&scope=subtree|centre``, each optional (the user's highest
    centre, this month, the subtree). A month not begun yet, or not a month, answers 400 with the
    message at the field and no figures. With HTMX a change of choice replaces the results only
    (and brings the centre picker up to date out of band)."""
    user = request.user
    raw = request.GET.get("centre", "").strip()
    chosen = _chosen_centre(user, raw) if raw else None  # first: 404 for any centre not theirs
    if not can_read_reports(user):
        raise PermissionDenied(NO_REPORTS)
    now = timezone.now()
    centre = chosen or default_centre(user)
    form = ReportForm(report_query(request, centre, now), now=now)
    centres = picker_centres(user, centre) if centre is not None else []
    form.set_centres(centres)
    context: dict[str, Any] = {"form": form, "centre": centre, "report": None}
    if centre is None:  # an administrator before any centre is set up
        return _respond(request, context, status=200)
    if not form.is_valid():
        return _respond(request, context, status=400)
    # The form refused what ``report`` refuses (a month after ``now``, an unknown scope).
    month, scope = form.cleaned_data["month"], form.cleaned_data["scope"]
    report = monthly.report(centre, month, scope, now=now)
    # Names only for the entries shown: a city's mediators are thousands (issue #8).
    sizes = {dimension: len(entries) for dimension, entries in report["breakdowns"].items()}
    shown = {d: figures.shown_entries(d, entries) for d, entries in report["breakdowns"].items()}
    data = monthly.labelled({**report, "breakdowns": shown})
    context.update(_report_context(data, sizes, centre, month, scope, centres, now))
    if scope == ReportScope.SUBTREE:
        context["rankings"] = ranking_tables(centre, month, now)
        context["min_to_rank"] = trend.MIN_TO_RANK
    return _respond(request, context, status=200)


def _report_context(
    data: dict[str, Any],
    sizes: dict[str, int],
    centre: Centre,
    month: date,
    scope: str,
    centres: list[Centre],
    now: datetime,
) -> dict[str, Any]:
    live = bool(data["live"])
    links = CaseLinks(centre.pk, scope == ReportScope.SUBTREE, month, live, centre.pk, scope)
    current = periods.current_month(now)
    previous = periods.add_months(month, -1)
    following = periods.add_months(month, 1)
    exports = export_urls(centre.pk, month, scope)
    return {
        "report": data,
        "month": month,
        "scope": scope,
        "live": live,
        "as_of": datetime.fromisoformat(data["as_of"]),
        "comparison_months": {
            key: periods.parse_month(value) for key, value in data["comparison_months"].items()
        },
        "cards": _cards(data, links),
        "rows": _figure_rows(data, links),
        "breakdowns": _breakdowns(data, sizes, links, month, exports[1][1]),
        "charts": _charts(data, month),
        "ancestors": [
            (c, report_url(c.pk, month, ReportScope.SUBTREE)) for c in ancestors_in(centres, centre)
        ],
        "previous_url": report_url(centre.pk, previous, scope) if previous.year >= 2000 else "",
        "previous_month": previous,
        "next_url": report_url(centre.pk, following, scope) if following <= current else "",
        "next_month": following,
        "other_scope_url": report_url(
            centre.pk,
            month,
            ReportScope.CENTRE if scope == ReportScope.SUBTREE else ReportScope.SUBTREE,
        ),
        "exports": exports,
        "definitions": [
            (figure.key, data["figure_labels"][figure.key], data["definitions"][figure.key])
            for figure in figures.FIGURES
        ],
        "level_definition": data["level_resolution_definition"],
        "trend_url": _trend_url(centre.pk, scope, month),
        "archive_url": f"{reverse('web:report_archive')}?{urlencode({'centre': centre.pk})}",
        "wall_url": wall_url(centre.pk),
    }


def _trend_url(centre_id: int, scope: str, month: date) -> str:
    query = {"centre": centre_id, "months": 12, "scope": scope, "month": f"{month:%Y-%m}"}
    return f"{reverse('web:report_trend')}?{urlencode(query)}"


def _respond(
    request: AuthenticatedHttpRequest, context: dict[str, Any], *, status: int
) -> HttpResponse:
    htmx = getattr(request, "htmx", None)
    if not htmx or htmx.history_restore_request:
        response = render(request, "web/reports.html", context, status=status)
    elif status == 200:
        response = render(request, "web/partials/report_results.html", {**context, "oob": True})
    else:
        response = render(request, "web/partials/report_body.html", context, status=400)
        response = retarget(reswap(response, "outerHTML"), "#report-body")
    # The same address answers a whole page or a fragment: caches must tell them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response
