"""The trend (12 or 24 months of a centre's headline figures) and the rankings of its child centres
(issue 24), read from the same counters as the monthly report (``cases.reports.monthly``).

One pass over the counters for the whole window: the centre's total and level rows of every month
it needs (one query), the duration histograms (one query), the roll state (one query), and for a
window ending in the current month the cases overdue now (one query, bounded by today's workload).
The number of queries depends neither on the number of cases nor on the number of months, and each
month's figures are exactly those of ``monthly.report`` for that month (a test checks it).
"""

from collections import Counter, defaultdict
from datetime import date, datetime
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .. import deadlines
from ..models import (
    OPEN_STATUSES,
    Case,
    Centre,
    Dimension,
    DurationBucket,
    ReportScope,
    Rollup,
    RollupState,
)
from ..models.reports import MEASURES, STOCK_MEASURES
from . import figures
from .monthly import Measures, _empty, _figures, _rate, ratio
from .periods import add_months, current_month, format_month
from .rollups.rows import level_key

# The lengths of a trend a caller may ask for.
WINDOWS = (12, 24)
# The figures of a trend, per month (DESIGN §5 definitions; level resolution beside them).
TREND_KEYS = (
    "received",
    "resolved",
    "failed",
    "withdrawn",
    "success_rate",
    "open_at_month_end",
    "overdue_at_month_end",
    "days_to_conclusion_median",
    "days_to_conclusion_p90",
)
# A child centre with fewer concluded cases (resolved + failed, or any conclusion for the days)
# in the month is listed but not ranked on that measure: a rate of 1 / 1 says little.
MIN_TO_RANK = 5
RANKING_MEASURES = ("success_rate", "overdue_share", "days_to_conclusion_median")


def window(last: date, months: int) -> list[date]:
    """The ``months`` months ending with ``last``, oldest first."""
    return [add_months(last, n) for n in range(1 - months, 1)]


class _Counters:
    """The total (and, for subtree rows, level) counters of some centres over some months, with the
    stocks at each month's end: the same reading as ``monthly._Reader``, for many months at once."""

    def __init__(
        self, centre_ids: list[int], subtree: bool, months: list[date], levels: bool = False
    ) -> None:
        self.centre_ids, self.subtree, self.months = centre_ids, subtree, months
        state = RollupState.objects.order_by("pk").first()
        rolled = state.stocks_through if state else None
        first, last = months[0], months[-1]
        # Stocks of a month after the last roll are the rolled month's position plus the changes
        # since; with nothing rolled, the sum of every month's changes up to it.
        dimensions = [Dimension.TOTAL, Dimension.LEVEL] if levels else [Dimension.TOTAL]
        rows = Rollup.objects.filter(
            centre__in=centre_ids, subtree=subtree, dimension__in=dimensions, month__lte=last
        )
        if rolled is not None:
            rows = rows.filter(month__gte=min(first, rolled))
        self.flows: dict[tuple[int, date], Measures] = {}
        self.level_resolved: dict[tuple[int, date], dict[str, int]] = defaultdict(dict)
        changes: dict[int, list[tuple[date, tuple[int, ...]]]] = defaultdict(list)
        columns = ("centre_id", "month", "dimension", "value", *MEASURES)
        stock_at = [4 + MEASURES.index(m) for m in STOCK_MEASURES]
        resolved_at = 4 + MEASURES.index("resolved")
        for row in rows.order_by().values_list(*columns):
            centre_id, month, dimension, value = row[:4]
            if dimension == Dimension.LEVEL:
                if month in months:
                    self.level_resolved[(centre_id, month)][value] = row[resolved_at]
                continue
            if month >= first:
                self.flows[(centre_id, month)] = dict(zip(MEASURES, row[4:], strict=True))
            changes[centre_id].append((month, tuple(row[i] for i in stock_at)))
        self.stocks: dict[tuple[int, date], tuple[int, ...]] = {}
        for centre_id in centre_ids:
            by_month = sorted(changes.get(centre_id, []))
            for month in months:
                if rolled is not None and month <= rolled:
                    at = [s for m, s in by_month if m == month]
                else:
                    since = rolled if rolled is not None else date.min
                    at = [s for m, s in by_month if since <= m <= month]
                self.stocks[(centre_id, month)] = tuple(
                    sum(s[i] for s in at) for i in range(len(STOCK_MEASURES))
                )

    def measures(self, centre_id: int, month: date) -> Measures:
        out = dict(self.flows.get((centre_id, month)) or _empty())
        for measure, value in zip(STOCK_MEASURES, self.stocks[(centre_id, month)], strict=True):
            out[measure] = value
        return out


def _durations(
    centre_ids: list[int], subtree: bool, months: list[date]
) -> dict[tuple[int, date], Counter[int]]:
    out: dict[tuple[int, date], Counter[int]] = defaultdict(Counter)
    buckets = DurationBucket.objects.filter(
        centre__in=centre_ids, subtree=subtree, month__in=months
    ).values_list("centre_id", "month", "tenths", "count")
    for centre_id, month, tenths, count in buckets:
        out[(centre_id, month)][tenths] += count
    return out


def _overdue_now(centre: Centre, subtree: bool, now: datetime) -> list[str]:
    """The paths of the centres handling the cases overdue now (the live month's figure)."""
    scope = Q(centre__path__startswith=centre.path) if subtree else Q(centre=centre)
    return list(
        Case.objects.filter(scope, deadlines.overdue_q(now), status__in=OPEN_STATUSES)
        .order_by()
        .values_list("centre__path", flat=True)
    )


def trend(
    centre: Centre,
    months: int = 12,
    scope: str = ReportScope.SUBTREE,
    *,
    last: date | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The headline figures of ``centre`` (alone or with its subtree) for the ``months`` months
    ending with ``last`` (default: the current month, live), oldest first.

    Each month's ``figures`` are the same as ``monthly.report(centre, month, scope)["figures"]``
    for ``TREND_KEYS``, and ``level_resolution`` its level shares.
    """
    now = now or timezone.now()
    if months not in WINDOWS:
        raise ValueError(f"months must be one of {WINDOWS}")
    if scope not in ReportScope.values:
        raise ValueError(f"unknown scope {scope!r}")
    current = current_month(now)
    last = last or current
    if last > current:
        raise ValueError("the month has not begun")
    subtree = scope == ReportScope.SUBTREE
    span = window(last, months)
    counters = _Counters([centre.pk], subtree, span, levels=subtree)
    durations = _durations([centre.pk], subtree, span)
    overdue_now = len(_overdue_now(centre, subtree, now)) if last == current else None
    series = []
    for month in span:
        m = counters.measures(centre.pk, month)
        if month == current and overdue_now is not None:
            m["overdue"] = overdue_now
        full = _figures(m, durations.get((centre.pk, month), Counter()))
        if subtree:
            by_level = counters.level_resolved.get((centre.pk, month), {})
        else:
            by_level = {level_key(centre): m["resolved"]}
        resolved = sum(by_level.values())
        series.append(
            {
                "month": format_month(month),
                "live": month == current,
                "figures": {key: full[key] for key in TREND_KEYS},
                "level_resolution": {
                    key: _rate(by_level.get(key, 0), resolved) for key, _label in figures.LEVELS
                },
            }
        )
    return {
        "centre": _centre(centre),
        "scope": scope,
        "months": months,
        "first_month": format_month(span[0]),
        "last_month": format_month(span[-1]),
        "as_of": timezone.localtime(now).isoformat(timespec="seconds"),
        "series": series,
    }


def _centre(centre: Centre) -> dict[str, Any]:
    return {
        "id": centre.pk,
        "code": centre.code,
        "name_zh": centre.name_zh,
        "name_en": centre.name_en,
        "level": centre.level,
        "kind": centre.kind,
    }


def rankings(centre: Centre, month: date, *, now: datetime | None = None) -> dict[str, Any]:
    """``centre``'s child centres (each with its whole subtree) for ``month``, ranked on the
    success rate (highest first), the overdue share (overdue ÷ open at the month's end, lowest
    first) and the median days to conclusion (lowest first).

    Each entry carries the counts behind its rate; a child with fewer than ``MIN_TO_RANK``
    cases behind a measure (resolved + failed; open; concluded) has ``rank`` null on it and is
    listed after the ranked ones. Equal values share a rank (1, 2, 2, 4).
    """
    now = now or timezone.now()
    current = current_month(now)
    if month > current:
        raise ValueError("the month has not begun")
    children = list(Centre.objects.filter(parent=centre).order_by("path"))
    ids = [c.pk for c in children]
    counters = _Counters(ids, True, [month]) if ids else None
    durations = _durations(ids, True, [month]) if ids else {}
    overdue: Counter[int] = Counter()
    if month == current and ids:
        for path in _overdue_now(centre, True, now):
            for child in children:
                if path.startswith(child.path):
                    overdue[child.pk] += 1
    rows = []
    for child in children:
        assert counters is not None
        m = counters.measures(child.pk, month)
        if month == current:
            m["overdue"] = overdue[child.pk]
        histogram = durations.get((child.pk, month), Counter())
        full = _figures(m, histogram)
        decided = m["resolved"] + m["failed"]
        concluded = sum(histogram.values())
        rows.append(
            {
                "centre": _centre(child),
                "success_rate": {
                    "value": full["success_rate"],
                    "part": m["resolved"],
                    "whole": decided,
                    "enough": decided >= MIN_TO_RANK,
                },
                "overdue_share": {
                    "value": ratio(m["overdue"], m["open"], 4) if m["open"] else None,
                    "part": m["overdue"],
                    "whole": m["open"],
                    "enough": m["open"] >= MIN_TO_RANK,
                },
                "days_to_conclusion_median": {
                    "value": full["days_to_conclusion_median"],
                    "part": None,
                    "whole": concluded,
                    "enough": concluded >= MIN_TO_RANK,
                },
            }
        )
    ranked = {
        "success_rate": _ranked(rows, "success_rate", highest_first=True),
        "overdue_share": _ranked(rows, "overdue_share", highest_first=False),
        "days_to_conclusion_median": _ranked(
            rows, "days_to_conclusion_median", highest_first=False
        ),
    }
    return {
        "centre": _centre(centre),
        "month": format_month(month),
        "live": month == current,
        "min_to_rank": MIN_TO_RANK,
        "as_of": timezone.localtime(now).isoformat(timespec="seconds"),
        "rankings": ranked,
    }


def _ranked(
    rows: list[dict[str, Any]], measure: str, *, highest_first: bool
) -> list[dict[str, Any]]:
    """The children on one measure: the ranked ones best first (competition ranking), then the
    others (too few cases, or nothing to divide by) in the tree's order, ``rank`` null."""
    able = [r for r in rows if r[measure]["enough"] and r[measure]["value"] is not None]
    others = [r for r in rows if r not in able]
    sign = -1 if highest_first else 1
    able.sort(key=lambda r: (sign * r[measure]["value"], r["centre"]["code"]))
    out: list[dict[str, Any]] = []
    for index, row in enumerate(able):
        rank = index + 1
        if index and able[index - 1][measure]["value"] == row[measure]["value"]:
            rank = out[-1]["rank"]
        out.append({"centre": row["centre"], "rank": rank, **row[measure]})
    out += [{"centre": row["centre"], "rank": None, **row[measure]} for row in others]
    return out


# --- Names, for whoever shows them ------------------------------------------------------------------


def labelled_trend(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with the centre's name, the figures' and the levels' in the active language."""
    english = (get_language() or "").startswith("en")
    centre = data["centre"]
    label = (centre["name_en"] or centre["name_zh"]) if english else centre["name_zh"]
    return {
        **data,
        "centre": {**centre, "label": label},
        "figure_labels": {key: str(figures.BY_KEY[key].label) for key in TREND_KEYS},
        "level_labels": {key: str(name) for key, name in figures.LEVELS},
    }


def labelled_rankings(data: dict[str, Any]) -> dict[str, Any]:
    english = (get_language() or "").startswith("en")

    def named(centre: dict[str, Any]) -> dict[str, Any]:
        label = (centre["name_en"] or centre["name_zh"]) if english else centre["name_zh"]
        return {**centre, "label": label}

    return {
        **data,
        "centre": named(data["centre"]),
        "rankings": {
            measure: [{**entry, "centre": named(entry["centre"])} for entry in entries]
            for measure, entries in data["rankings"].items()
        },
        "measure_labels": {key: str(label) for key, label in RANKING_LABELS},
    }


RANKING_LABELS: tuple[tuple[str, Any], ...] = (
    ("success_rate", _("Success rate")),
    ("overdue_share", _("Overdue share of open cases")),
    ("days_to_conclusion_median", _("Days to conclusion, median")),
)
