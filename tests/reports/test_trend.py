"""The trend and the rankings (issue 24): the same figures as the monthly reports, month by month,
and as the plain recomputation; their cost does not follow the number of cases."""

from datetime import date, datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.models import Centre
from cases.reports import monthly, trend
from cases.reports.periods import parse_month
from cases.reports.rollups.roll import roll_stocks

from . import plain
from .histories import ReportTree
from .test_report_queries import NOW, populate

JUNE = date(2026, 6, 1)


def _check_against_reports(tree: ReportTree, world: plain.World) -> None:
    for centre in tree.centres:
        for scope in ("subtree", "centre"):
            got = trend.trend(centre, 12, scope, now=NOW)
            assert [m["month"] for m in got["series"]][-1] == "2026-06"
            assert len(got["series"]) == 12
            for entry in got["series"]:
                month = parse_month(entry["month"])
                report = monthly.report(centre, month, scope, now=NOW)
                expected = {key: report["figures"][key] for key in trend.TREND_KEYS}
                assert entry["figures"] == expected, (centre.code, scope, entry["month"])
                assert entry["level_resolution"] == report["level_resolution"]
                if month >= date(2026, 1, 1):
                    computed = plain.report(world, centre, month, scope, NOW)
                    for key in trend.TREND_KEYS:
                        assert entry["figures"][key] == computed["figures"][key], (
                            centre.code,
                            scope,
                            entry["month"],
                            key,
                        )
                    assert entry["level_resolution"] == computed["level_resolution"]


@pytest.mark.django_db
def test_the_series_equal_the_monthly_reports_and_the_plain_recomputation(
    report_tree: ReportTree,
) -> None:
    with time_machine.travel(NOW, tick=False):
        populate(report_tree, 0, 60)
        world = plain.World.load()
        _check_against_reports(report_tree, world)  # stocks not rolled yet
        roll_stocks(through=date(2026, 3, 1))
        _check_against_reports(report_tree, world)  # rolled part of the window
        roll_stocks()
        _check_against_reports(report_tree, world)
        city = report_tree.base.c
        long = trend.trend(city, 24, now=NOW)
    assert [m["month"] for m in long["series"]][:2] == ["2024-07", "2024-08"]
    assert long["series"][-1]["live"] is True
    assert sum(m["figures"]["received"] for m in long["series"]) == 60


def _queries(tree: ReportTree) -> list[int]:
    counts = []
    for months in (12, 24):
        for scope in ("subtree", "centre"):
            with CaptureQueriesContext(connection) as captured:
                trend.trend(tree.base.c, months, scope, now=NOW)
            counts.append(len(captured.captured_queries))
        with CaptureQueriesContext(connection) as captured:
            trend.rankings(tree.base.c, date(2026, 3, 1), now=NOW)
        counts.append(len(captured.captured_queries))
    return counts


@pytest.mark.django_db
def test_a_trend_takes_as_many_queries_for_60_cases_as_for_3_and_for_24_months_as_for_12(
    report_tree: ReportTree,
) -> None:
    with time_machine.travel(NOW, tick=False):
        populate(report_tree, 0, 3)
        few = _queries(report_tree)
        populate(report_tree, 3, 60)
        many = _queries(report_tree)
    assert many == few
    assert few[0:3] == few[3:6]


@pytest.mark.django_db
def test_rankings_give_the_counts_behind_each_rate_and_leave_small_centres_unranked(
    report_tree: ReportTree,
) -> None:
    with time_machine.travel(NOW, tick=False):
        populate(report_tree, 0, 80)
        city = report_tree.base.c
        world = plain.World.load()
        for month in (date(2026, 2, 1), date(2026, 3, 1), JUNE):
            got = trend.rankings(city, month, now=NOW)
            children = list(Centre.objects.filter(parent=city))
            for measure in trend.RANKING_MEASURES:
                entries = got["rankings"][measure]
                assert sorted(e["centre"]["id"] for e in entries) == sorted(c.pk for c in children)
                ranked = [e for e in entries if e["rank"] is not None]
                assert all(e["whole"] >= trend.MIN_TO_RANK for e in ranked)
                assert all(e["rank"] is None for e in entries[len(ranked) :]), (
                    "the unranked come last"
                )
                values = [e["value"] for e in ranked]
                best_first = sorted(values, reverse=measure == "success_rate")
                assert values == best_first
            for entry in got["rankings"]["success_rate"]:
                child = Centre.objects.get(pk=entry["centre"]["id"])
                expected = plain.report(world, child, month, "subtree", NOW)["figures"]
                assert entry["part"] == expected["resolved"]
                assert entry["whole"] == expected["resolved"] + expected["failed"]
                assert entry["value"] == expected["success_rate"]
                assert entry["enough"] == (entry["whole"] >= trend.MIN_TO_RANK)
            for entry in got["rankings"]["overdue_share"]:
                child = Centre.objects.get(pk=entry["centre"]["id"])
                expected = plain.report(world, child, month, "subtree", NOW)["figures"]
                assert entry["part"] == expected["overdue_at_month_end"]
                assert entry["whole"] == expected["open_at_month_end"]
            for entry in got["rankings"]["days_to_conclusion_median"]:
                child = Centre.objects.get(pk=entry["centre"]["id"])
                expected = plain.report(world, child, month, "subtree", NOW)["figures"]
                assert entry["value"] == expected["days_to_conclusion_median"]


def test_ranks_are_shared_by_equal_values_and_the_small_listed_last() -> None:
    def row(code: str, value: float | None, whole: int) -> dict[str, object]:
        return {
            "centre": {"code": code},
            "success_rate": {
                "value": value,
                "part": 0,
                "whole": whole,
                "enough": whole >= trend.MIN_TO_RANK,
            },
        }

    rows = [row("A", 0.5, 10), row("B", 0.9, 10), row("C", 1.0, 1), row("D", 0.9, 20)]
    ranked = trend._ranked(rows, "success_rate", highest_first=True)
    assert [(e["centre"]["code"], e["rank"]) for e in ranked] == [
        ("B", 1),
        ("D", 1),
        ("A", 3),
        ("C", None),
    ]


def test_a_bad_window_is_refused() -> None:
    with pytest.raises(ValueError):
        trend.trend(Centre(pk=1, path="x"), 6, now=datetime(2026, 6, 1, tzinfo=plain.ZONE))
