"""A centre's monthly report (DESIGN §5), read from the counters: never from the cases themselves,
except the live month's overdue cases, whose deadlines pass without any event.

``report`` gives language-neutral data (ids and codes, the JSON a snapshot keeps); ``labelled``
adds the names in the active language for whoever shows it.
"""

import copy
from collections import Counter, defaultdict
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .. import deadlines
from ..models import (
    OPEN_STATUSES,
    Case,
    Category,
    Centre,
    Channel,
    Dimension,
    DurationBucket,
    Mediator,
    ReportScope,
    RiskLevel,
    Rollup,
    RollupState,
)
from ..models.reports import MEASURES, STOCK_MEASURES
from . import figures
from .periods import add_months, current_month, format_month
from .rollups.rows import level_key

Measures = dict[str, Any]
_BREAKDOWN_DIMENSIONS = (
    Dimension.CATEGORY,
    Dimension.CHANNEL,
    Dimension.RISK_LEVEL,
    Dimension.MEDIATOR,
)


_COLUMNS = ("month", "centre_id", "subtree", "dimension", "value", *MEASURES)
_FLOWS = [(5 + i, m) for i, m in enumerate(MEASURES) if m not in STOCK_MEASURES]
_STOCKS = [(5 + i, m) for i, m in enumerate(MEASURES) if m in STOCK_MEASURES]


def _empty() -> Measures:
    return dict.fromkeys(MEASURES, 0)


def ratio(part: int | Decimal, whole: int, places: int) -> float | None:
    """``part / whole`` to ``places`` decimals, rounded half up like every figure of a report
    (1/32 is 0.0313, not the 0.0312 of Python's ``round``); None when ``whole`` is 0."""
    if not whole:
        return None
    if isinstance(part, int) and part >= 0 < whole:
        # The same rounding in integers: a city report has thousands of rates (issue #8).
        scale = 10**places
        return (2 * part * scale + whole) // (2 * whole) / scale
    exact = Decimal(part) / Decimal(whole)
    return float(exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def _rate(part: int, whole: int) -> float | None:
    return ratio(part, whole, 4)


def _amount(value: Any) -> str:
    return f"{Decimal(value or 0):.2f}"


def _nearest_rank(histogram: Counter[int], numerator: int, denominator: int) -> float | None:
    """The nearest-rank percentile numerator/denominator of the durations (in tenths of a day)."""
    total = sum(histogram.values())
    if not total:
        return None
    rank = -(-total * numerator // denominator)  # ceil
    seen = 0
    for tenths in sorted(histogram):
        seen += histogram[tenths]
        if seen >= rank:
            return tenths / 10
    raise AssertionError("unreachable: the ranks add up to the total")


def _figures(m: Measures, histogram: Counter[int] | None = None) -> dict[str, Any]:
    """The figures of ``m``: a breakdown entry's (``figures.BREAKDOWN_KEYS``), or with the
    ``histogram`` of durations every figure (``figures.KEYS``)."""
    resolved, failed, due = m["resolved"], m["failed"], m["agreements_due"]
    out: dict[str, Any] = {
        "received": m["received"],
        "accepted": m["accepted"],
        "declined": m["declined"],
        "transferred_in": m["transferred_in"],
        "transferred_out": m["transferred_out"],
        "resolved": resolved,
        "failed": failed,
        "withdrawn": m["withdrawn"],
        "success_rate": _rate(resolved, resolved + failed) if resolved + failed else None,
        "open_at_month_end": m["open"],
        "overdue_at_month_end": m["overdue"],
        "high_risk_open": m["high_risk_open"],
    }
    if histogram is not None:
        out["days_to_conclusion_median"] = _nearest_rank(histogram, 1, 2)
        out["days_to_conclusion_p90"] = _nearest_rank(histogram, 9, 10)
    out["amount_in_dispute"] = _amount(m["amount_in_dispute"])
    out["amount_agreed"] = _amount(m["amount_agreed"])
    out["agreements_due"] = due
    out["agreements_fulfilled"] = m["agreements_fulfilled"]
    out["fulfilment_rate"] = _rate(m["agreements_fulfilled"], due) if due else None
    out["judicial_confirmations_applied"] = m["judicial_confirmations_applied"]
    out["judicial_confirmations_confirmed"] = m["judicial_confirmations_confirmed"]
    out["follow_ups_done"] = m["follow_ups_done"]
    out["mean_satisfaction"] = ratio(m["satisfaction_sum"], m["satisfaction_count"], 2)
    return out


def _anything(m: Measures) -> bool:
    return any(m[k] for k in MEASURES)


class _Reader:
    """The counter rows one report needs, read in a fixed number of queries."""

    def __init__(self, centre: Centre, month: date, subtree: bool, now: datetime) -> None:
        self.centre, self.month, self.subtree, self.now = centre, month, subtree, now
        self.live = month == current_month(now)
        self.months = [month, add_months(month, -1), add_months(month, -12)]
        state = RollupState.objects.order_by("pk").first()
        self.rolled = state.stocks_through if state else None
        self.children = list(Centre.objects.filter(parent=centre).values_list("pk", "path"))
        self.top_category = dict(
            (pk, parent or pk) for pk, parent in Category.objects.values_list("pk", "parent_id")
        )
        self._read = {month: self._months_of(month) for month in self.months}

    @staticmethod
    def _between(first: date, last: date) -> list[date]:
        months = [first]
        while months[-1] < last:
            months.append(add_months(months[-1], 1))
        return months

    def _months_of(self, month: date) -> set[date] | None:
        """The row months a report month reads (its flows' month and its stocks' months), or
        None for "every month up to it" (no stock rolled yet)."""
        if self.rolled is None:
            return None
        if month <= self.rolled:
            return {month}
        return set(self._between(self.rolled, month))

    def _reads(self, month: date, row_month: date) -> bool:
        months = self._read[month]
        return row_month <= month if months is None else row_month in months

    def rows(self) -> list[tuple[Any, ...]]:
        """The counter rows, as tuples of ``_COLUMNS``, from disjoint branches put together by
        UNION ALL: each branch is one range of the key index (centre, subtree, month, …).

        Only the report month is read by every dimension; the two comparison months need only
        the totals (a comparison has no breakdowns), which keeps the rows of a city's month at
        its own breakdowns (issue #8: a city's mediators are thousands). One OR of the branches
        would not do: PostgreSQL factors the months out of it and scans the whole month.
        """
        months = self._read[self.month]
        if months is None:  # nothing rolled: every month up to the report month, all dimensions
            report, comparisons = Q(month__lte=self.month), None
        else:
            report = Q(month__in=months)
            others = (self._read[self.months[1]] or set()) | (self._read[self.months[2]] or set())
            comparisons = Q(month__in=others - months) if others - months else None
        total = Dimension.TOTAL
        own = Rollup.objects.filter(centre=self.centre, subtree=self.subtree)
        branches = [own.filter(report)]
        if comparisons is not None:
            branches.append(own.filter(comparisons, dimension=total))
        if self.subtree:
            branches.append(
                Rollup.objects.filter(report, centre=self.centre, subtree=False, dimension=total)
            )
            if self.children:
                branches.append(
                    Rollup.objects.filter(
                        report,
                        centre__in=[pk for pk, _ in self.children],
                        subtree=True,
                        dimension=total,
                    )
                )
        querysets = [branch.order_by().values_list(*_COLUMNS) for branch in branches]
        return list(querysets[0].union(*querysets[1:], all=True))

    def measures(
        self, rows: list[tuple[Any, ...]]
    ) -> dict[tuple[date, int, bool, str, str], Measures]:
        """Per (report month, centre, subtree, dimension, value): flows of the month, stocks at
        its end."""
        out: dict[tuple[date, int, bool, str, str], Measures] = {}
        for row in rows:
            row_month, centre_id, subtree, dimension, value = row[:5]
            if dimension == Dimension.CATEGORY:
                value = str(self.top_category.get(int(value), value))
            for month in self.months:
                if not self._reads(month, row_month):
                    continue
                key = (month, centre_id, subtree, dimension, value)
                target = out.get(key)
                if row_month == month:
                    if target is None:  # the usual case: one row is the whole entry
                        out[key] = dict(zip(MEASURES, row[5:], strict=True))
                        continue
                    for index, measure in _FLOWS:
                        target[measure] += row[index]
                elif target is None:
                    target = out[key] = _empty()
                for index, measure in _STOCKS:
                    target[measure] += row[index]
        return out

    def durations(self) -> dict[date, Counter[int]]:
        out: dict[date, Counter[int]] = defaultdict(Counter)
        buckets = DurationBucket.objects.filter(
            centre=self.centre, subtree=self.subtree, month__in=self.months
        ).values_list("month", "tenths", "count")
        for month, tenths, count in buckets:
            out[month][tenths] += count
        return out

    def live_overdue(self) -> list[tuple[int, str, int, str, str, int | None]]:
        """Open cases past their running deadline now (the live month's overdue figure)."""
        scope = (
            Q(centre__path__startswith=self.centre.path) if self.subtree else Q(centre=self.centre)
        )
        return list(
            Case.objects.filter(scope, deadlines.overdue_q(self.now), status__in=OPEN_STATUSES)
            .order_by()
            .values_list(
                "centre_id",
                "centre__path",
                "category_id",
                "channel",
                "risk_level",
                "lead_mediator_id",
            )
        )


def report(
    centre: Centre, month: date, scope: str = ReportScope.SUBTREE, *, now: datetime | None = None
) -> dict[str, Any]:
    """``centre``'s report for ``month`` (its first day), for the centre alone or its subtree.

    Reads counters only (plus, for the current month, the cases overdue now), in a number of
    queries that does not depend on how many cases there are.
    """
    now = now or timezone.now()
    if scope not in ReportScope.values:
        raise ValueError(f"unknown scope {scope!r}")
    if month > current_month(now):
        raise ValueError("the month has not begun")
    subtree = scope == ReportScope.SUBTREE
    reader = _Reader(centre, month, subtree, now)
    measures = reader.measures(reader.rows())
    if reader.live:
        _replace_overdue(measures, reader)
    durations = reader.durations()
    previous, last_year = reader.months[1], reader.months[2]

    def total(m: date) -> Measures:
        return measures.get((m, centre.pk, subtree, Dimension.TOTAL, ""), _empty())

    breakdowns: dict[str, list[dict[str, Any]]] = {}
    for dimension in _BREAKDOWN_DIMENSIONS:
        entries = [
            (value, m)
            for (mo, c, s, d, value), m in measures.items()
            if mo == month and c == centre.pk and s == subtree and d == dimension and _anything(m)
        ]
        breakdowns[dimension] = [
            {"key": value, "figures": _figures(m)} for value, m in sorted(entries, key=_order)
        ]
    breakdowns["child_centre"] = _children(measures, reader) if subtree else []
    breakdowns = {key: breakdowns[key] for key, _title in figures.BREAKDOWNS}

    return {
        "centre": {
            "id": centre.pk,
            "code": centre.code,
            "name_zh": centre.name_zh,
            "name_en": centre.name_en,
            "level": centre.level,
            "kind": centre.kind,
        },
        "month": format_month(month),
        "scope": scope,
        "live": reader.live,
        "as_of": timezone.localtime(now).isoformat(timespec="seconds"),
        "figures": _figures(total(month), durations.get(month, Counter())),
        "previous_month": _figures(total(previous), durations.get(previous, Counter())),
        "same_month_last_year": _figures(total(last_year), durations.get(last_year, Counter())),
        "comparison_months": {
            "previous_month": format_month(previous),
            "same_month_last_year": format_month(last_year),
        },
        "breakdowns": breakdowns,
        "level_resolution": _level_resolution(measures, reader),
    }


def _order(item: tuple[str, Measures]) -> tuple[Any, ...]:
    value, m = item
    return (-(m["received"] + m["resolved"] + m["failed"] + m["withdrawn"] + m["open"]), value)


def _children(measures: dict[Any, Measures], reader: _Reader) -> list[dict[str, Any]]:
    month, centre = reader.month, reader.centre
    out = []
    own = measures.get((month, centre.pk, False, Dimension.TOTAL, ""))
    if own is not None and _anything(own):
        out.append({"key": str(centre.pk), "own": True, "figures": _figures(own)})
    for pk, _path in reader.children:
        child = measures.get((month, pk, True, Dimension.TOTAL, ""))
        if child is not None and _anything(child):
            out.append({"key": str(pk), "own": False, "figures": _figures(child)})
    return out


def _level_resolution(measures: dict[Any, Measures], reader: _Reader) -> dict[str, float | None]:
    month, centre = reader.month, reader.centre
    if reader.subtree:
        by_level = {
            value: m["resolved"]
            for (mo, c, s, d, value), m in measures.items()
            if mo == month and c == centre.pk and s and d == Dimension.LEVEL
        }
    else:
        own = measures.get((month, centre.pk, False, Dimension.TOTAL, ""), _empty())
        by_level = {level_key(centre): own["resolved"]}
    resolved = sum(by_level.values())
    return {key: _rate(by_level.get(key, 0), resolved) for key, _label in figures.LEVELS}


def _replace_overdue(measures: dict[Any, Measures], reader: _Reader) -> None:
    """The live month's overdue figures are the cases overdue now, not at the month's end."""
    month, centre, subtree = reader.month, reader.centre, reader.subtree
    for key, m in measures.items():
        if key[0] == month:
            m["overdue"] = 0
    children = [(pk, path) for pk, path in reader.children]
    for centre_id, path, category, channel, risk, mediator in reader.live_overdue():
        values = {
            Dimension.TOTAL: "",
            Dimension.CATEGORY: str(reader.top_category.get(category, category)),
            Dimension.CHANNEL: channel,
            Dimension.RISK_LEVEL: risk,
            Dimension.MEDIATOR: "" if mediator is None else str(mediator),
        }
        for dimension, value in values.items():
            measures[(month, centre.pk, subtree, dimension, value)]["overdue"] += 1
        if subtree:
            if centre_id == centre.pk:
                measures[(month, centre.pk, False, Dimension.TOTAL, "")]["overdue"] += 1
            for pk, child_path in children:
                if path.startswith(child_path):
                    measures[(month, pk, True, Dimension.TOTAL, "")]["overdue"] += 1


# --- Names, for whoever shows a report ------------------------------------------------------------


def labelled(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with names in the active language: the centre's, every breakdown entry's, the
    figures' and their definitions."""
    out = copy.deepcopy(data)
    english = (get_language() or "").startswith("en")
    centre = out["centre"]
    centre["label"] = (centre["name_en"] or centre["name_zh"]) if english else centre["name_zh"]
    names = _names(out["breakdowns"])
    for dimension, entries in out["breakdowns"].items():
        for entry in entries:
            entry["label"] = names[dimension].get(entry["key"], entry["key"])
    out["figure_labels"] = {f.key: str(f.label) for f in figures.FIGURES}
    out["definitions"] = {f.key: str(f.definition) for f in figures.FIGURES}
    out["breakdown_labels"] = {key: str(title) for key, title in figures.BREAKDOWNS}
    out["level_labels"] = {key: str(label) for key, label in figures.LEVELS}
    out["level_resolution_definition"] = str(figures.LEVEL_RESOLUTION_DEFINITION)
    out["scope_label"] = str(ReportScope(out["scope"]).label)
    return out


def _names(breakdowns: dict[str, list[dict[str, Any]]]) -> dict[str, dict[str, str]]:
    def keys(dimension: str) -> list[int]:
        return [int(e["key"]) for e in breakdowns.get(dimension, []) if e["key"]]

    names: dict[str, dict[str, str]] = {
        "category": {str(c.pk): c.name for c in Category.objects.filter(pk__in=keys("category"))},
        "channel": {value: str(label) for value, label in Channel.choices},
        "risk_level": {value: str(label) for value, label in RiskLevel.choices},
        "child_centre": {
            str(c.pk): c.name for c in Centre.objects.filter(pk__in=keys("child_centre"))
        },
        "mediator": {
            str(pk): name
            for pk, name in Mediator.objects.filter(pk__in=keys("mediator")).values_list(
                "pk", "name"
            )
        },
    }
    names["mediator"][""] = _("Unassigned")
    return names
