"""The wall screen's figures (指挥中心大屏, issue 24; docs/web.md, "The wall screen").

One centre's subtree, now: today's intake by channel, the open and overdue cases of each child
centre (the districts of a city), the month's headline figures and where its resolved cases were
resolved, the warnings still in hand, and the shape of the centre tree below it (for the map).

Everything but today's intake comes from the live month's report (``reports.monthly.report``: the
counters, plus the cases overdue now), so the screen and the report page never disagree; today's
intake is one ``GROUP BY`` over the cases registered since midnight (the ``registered_at`` index).
The number of queries does not depend on the number of cases or of centres.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Count
from django.utils import timezone

from ..models import Case, Centre, CentreKind, Channel, EarlyWarning, ReportScope, WarningStatus
from ..reports import figures, monthly, periods
from .warnings import can_handle_warnings, warnings_for

# Children that are places (drawn on the map); courts and departments are bodies, not areas.
NOT_AREAS = (CentreKind.COURT, CentreKind.DEPARTMENT)
# The warnings shown (the screen says how many more there are).
WARNINGS_SHOWN = 4


@dataclass(frozen=True)
class Area:
    """A child centre: its open and overdue cases now, and how many centres lie below it."""

    centre: Centre
    open: int
    overdue: int
    below: dict[str, int]  # each child's path → the number of centres in its subtree
    place: bool  # a place on the map (not a court or a department)


@dataclass(frozen=True)
class Board:
    centre: Centre
    as_of: datetime
    today: list[tuple[str, Any, int]]  # (channel, label, cases registered today)
    headline: dict[str, Any]  # the live month's figures (received, resolved, success rate, ...)
    own: tuple[int, int]  # the centre's own open and overdue cases
    areas: list[Area]
    levels: list[tuple[str, Any, float | None]]  # (level, label, share of the month's resolved)
    warnings: list[EarlyWarning] | None  # None: the reader handles no warnings
    warnings_total: int

    @property
    def today_total(self) -> int:
        return sum(count for _key, _label, count in self.today)


def today_intake(centre: Centre, now: datetime) -> list[tuple[str, Any, int]]:
    """Cases registered today (the reporting time zone) by a centre of ``centre``'s subtree, per
    channel, every channel listed (0 where none)."""
    local = timezone.localtime(now, periods.zone())
    midnight = datetime.combine(local.date(), time.min, tzinfo=periods.zone())
    counts = dict(
        Case.objects.filter(
            registering_centre__path__startswith=centre.path,
            registered_at__gte=midnight,
            registered_at__lt=midnight + timedelta(days=1),
        )
        .order_by()
        .values_list("channel")
        .annotate(n=Count("pk"))
        .values_list("channel", "n")
    )
    return [(key, label, counts.get(key, 0)) for key, label in Channel.choices]


def _tree_below(centre: Centre) -> tuple[list[Centre], dict[int, dict[str, int]]]:
    """``centre``'s children, and for each the number of places (centres other than courts and
    departments) in each of its children's subtrees: one query over the subtree's paths (a
    city's few thousand short rows)."""
    children = list(Centre.objects.filter(parent=centre).order_by("path"))
    by_path = {child.path: child.pk for child in children}
    below: dict[int, Counter[str]] = {child.pk: Counter() for child in children}
    depth = centre.depth
    paths = (
        Centre.objects.filter(path__startswith=centre.path, depth__gt=depth + 1)
        .exclude(kind__in=NOT_AREAS)
        .values_list("path", flat=True)
    )
    for path in paths:
        codes = path.split("/")
        child = "/".join(codes[: depth + 1]) + "/"
        grandchild = "/".join(codes[: depth + 2]) + "/"
        if child in by_path:
            below[by_path[child]][grandchild] += 1
    return children, {pk: dict(counts) for pk, counts in below.items()}


def board(user: User, centre: Centre, now: datetime | None = None) -> Board:
    """What the wall screen shows for ``centre``'s subtree, as ``user`` may read it."""
    now = now or timezone.now()
    data = monthly.report(centre, periods.current_month(now), ReportScope.SUBTREE, now=now)
    entries = {
        (entry["key"], bool(entry.get("own"))): entry["figures"]
        for entry in data["breakdowns"]["child_centre"]
    }
    children, below = _tree_below(centre)
    areas = []
    for child in children:
        found = entries.get((str(child.pk), False), {})
        areas.append(
            Area(
                centre=child,
                open=found.get("open_at_month_end", 0),
                overdue=found.get("overdue_at_month_end", 0),
                below=below[child.pk],
                place=child.kind not in NOT_AREAS,
            )
        )
    own = entries.get((str(centre.pk), True), {})
    shown: list[EarlyWarning] | None = None
    total = 0
    if can_handle_warnings(user):
        in_hand = (
            warnings_for(user)
            .prefetch_related(None)
            .filter(centre__path__startswith=centre.path)
            .exclude(status=WarningStatus.DISMISSED)
        )
        total = in_hand.count()
        shown = list(in_hand[:WARNINGS_SHOWN])
    return Board(
        centre=centre,
        as_of=now,
        today=today_intake(centre, now),
        headline=data["figures"],
        own=(own.get("open_at_month_end", 0), own.get("overdue_at_month_end", 0)),
        areas=areas,
        levels=[(key, label, data["level_resolution"][key]) for key, label in figures.LEVELS],
        warnings=shown,
        warnings_total=total,
    )
