"""The wall screen (``/wall/``, 指挥中心大屏; issue 24, docs/web.md "The wall screen"): a full-screen
page for a command centre's display, readable from across a room, that brings itself up to date
every ``WALL_REFRESH_SECONDS`` (HTMX fetches the board again; the page is never reloaded).

Who may read which centre is the report page's rule (``cases.access.report_centres``): directors,
observers and administrators, a centre outside their subtrees a 404. The warnings are shown to
those who handle them (directors and administrators). The figures are ``cases.queries.wall``'s.
"""

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from ...access import can_read_reports, report_centres
from ...documents.charts import Chart, Series, share_bar
from ...models import Centre, ReportScope
from ...queries.wall import Board, board
from ...replica import replica_view
from ...reports import figures, periods
from ...reports.figures import Kind, shown
from ..base import AuthenticatedHttpRequest
from ..wall_map import band, band_of, district_map, legend
from .reports import NO_REPORTS, _chosen_centre, default_centre, report_url, wall_url

# Rows of the district table; the rest are summed up in one line.
TABLE_ROWS = 12
BAR_WIDTH = 100  # the drawing units of a table or channel bar


def _bar(value: int, largest: int) -> float:
    return round(BAR_WIDTH * value / largest, 1) if largest else 0


def _rows(b: Board) -> tuple[list[dict[str, Any]], dict[str, int] | None]:
    """The table of child centres in tree order (the first ``TABLE_ROWS``, the centre's own cases
    first when it has any open) and the sum of the rest."""
    largest = max([a.open for a in b.areas] + [b.own[0]], default=0)
    rows: list[dict[str, Any]] = []
    if b.own[0]:
        rows.append(
            {
                "name": _("%(centre)s, its own cases") % {"centre": b.centre.name},
                "open": b.own[0],
                "overdue": b.own[1],
                "url": "",
                "band": band_of(b.own[0], b.own[1]),
                "open_bar": _bar(b.own[0], largest),
                "overdue_bar": _bar(b.own[1], largest),
                "centre": b.centre.pk,
            }
        )
    for area in b.areas:
        if not area.place and not area.open:
            continue  # a court or a department with nothing open here
        rows.append(
            {
                "name": area.centre.name,
                "open": area.open,
                "overdue": area.overdue,
                "url": wall_url(area.centre.pk),
                "band": band(area),
                "open_bar": _bar(area.open, largest),
                "overdue_bar": _bar(area.overdue, largest),
                "centre": area.centre.pk,
            }
        )
    if len(rows) <= TABLE_ROWS:
        return rows, None
    rest = rows[TABLE_ROWS - 1 :]
    return rows[: TABLE_ROWS - 1], {
        "centres": len(rest),
        "open": sum(r["open"] for r in rest),
        "overdue": sum(r["overdue"] for r in rest),
    }


def _headline(b: Board) -> list[dict[str, Any]]:
    f = b.headline
    tiles = [
        ("today", _("Received today"), shown(b.today_total, Kind.COUNT)),
        ("received", _("Received this month"), shown(f["received"], Kind.COUNT)),
        ("resolved", _("Resolved this month"), shown(f["resolved"], Kind.COUNT)),
        ("success_rate", _("Success rate"), shown(f["success_rate"], Kind.RATE)),
        ("open", _("Open now"), shown(f["open_at_month_end"], Kind.COUNT)),
        ("overdue", _("Overdue now"), shown(f["overdue_at_month_end"], Kind.COUNT)),
    ]
    if b.warnings is not None:
        tiles.append(("warnings", _("Warnings in hand"), shown(b.warnings_total, Kind.COUNT)))
    return [{"key": key, "label": label, "value": value} for key, label, value in tiles]


def _levels(b: Board) -> Any:
    series = tuple(Series(f"level-{key}", label) for key, label, _share in b.levels)
    return share_bar(
        Chart(
            "wall-levels",
            _("Where this month's resolved cases were resolved"),
            series,
            empty=_("No case resolved yet this month."),
        ),
        [share for _key, _label, share in b.levels],
    )


def _context(request: AuthenticatedHttpRequest, centre: Centre) -> dict[str, Any]:
    b = board(request.user, centre)
    rows, rest = _rows(b)
    largest_channel = max((count for _k, _l, count in b.today), default=0)
    readable_parent = (
        centre.parent_id is not None
        and report_centres(request.user).filter(pk=centre.parent_id).exists()
    )
    month = periods.current_month(b.as_of)
    return {
        "board": b,
        "centre": centre,
        "parent_url": wall_url(centre.parent_id) if readable_parent else "",
        "report_url": report_url(centre.pk, month, ReportScope.SUBTREE),
        "refresh_url": wall_url(centre.pk),
        "refresh_seconds": settings.WALL_REFRESH_SECONDS,
        "headline": _headline(b),
        "channels": [
            {"key": key, "label": label, "count": count, "bar": _bar(count, largest_channel)}
            for key, label, count in b.today
        ],
        "rows": rows,
        "rest": rest,
        "map": district_map(
            b.areas, lambda area: wall_url(area.centre.pk), _("Map of the centres below")
        ),
        "legend": legend(),
        "levels": _levels(b),
        "level_definition": figures.LEVEL_RESOLUTION_DEFINITION,
        "bar_width": BAR_WIDTH,
    }


@login_required
@require_GET
@replica_view
def wall(request: AuthenticatedHttpRequest) -> HttpResponse:
    """GET ``?centre=<id>`` (optional: the user's highest centre). With HTMX (the minute's
    refresh) only the board, which replaces the one on the screen."""
    user = request.user
    raw = request.GET.get("centre", "").strip()
    chosen = _chosen_centre(user, raw) if raw else None  # first: 404 for any centre not theirs
    if not can_read_reports(user):
        raise PermissionDenied(NO_REPORTS)
    if raw and chosen is None:
        context = {"error": _("centre: choose a centre by its number (for example ?centre=12).")}
        return render(request, "web/wall.html", context, status=400)
    centre = chosen or default_centre(user)
    if centre is None:
        raise PermissionDenied(NO_REPORTS)
    context = _context(request, centre)
    template = (
        "web/partials/wall_board.html" if getattr(request, "htmx", False) else "web/wall.html"
    )
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response
