"""A report's cost follows the centres and categories, never the number of cases (issue 6, §7)."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases import workflow
from cases.models import Case, Channel, FailGuidance, RiskLevel
from cases.reports import monthly
from tests.factories import agreement_data, register

from .histories import ReportTree, serving
from .plain import ZONE

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=ZONE)
FIRST = datetime(2026, 1, 3, 9, 0, tzinfo=ZONE)
# The fate of the i-th case, in turn: the transitions it goes through after registration.
FATES = (
    (),
    ("accept",),
    ("accept", "assign"),
    ("accept", "assign", "resolve"),
    ("accept", "assign", "fail"),
    ("accept", "withdraw"),
    ("accept", "assign", "transfer", "accept_transfer"),
    ("decline",),
)


def populate(tree: ReportTree, start: int, stop: int) -> None:
    """Cases ``start`` to ``stop`` of a fixed series, spread over the centres, categories,
    channels, risks, mediators, fates and the months from January to May 2026."""
    centres = [c for c in tree.centres if c != tree.court]
    director = tree.director
    for i in range(start, stop):
        centre = centres[i % len(centres)]
        at = FIRST + timedelta(days=(i * 37) % 140, hours=i % 9)
        case = register(
            actor=director,
            centre=centre,
            category=tree.categories[i % len(tree.categories)],
            channel=[Channel.WALK_IN, Channel.HOTLINE, Channel.GRID, Channel.ONLINE][i % 4],
            risk_level=RiskLevel.values[i % 3],
            amount_in_dispute=Decimal(100 + i),
            at=at,
        )
        for step, name in enumerate(FATES[i % len(FATES)], start=1):
            data: dict[str, Any] = {}
            if name == "assign":
                mediators = serving(tree, case.centre)
                data = {"lead_mediator": mediators[i % len(mediators)].pk}
            elif name == "resolve":
                deadline = (at + timedelta(days=20)).date().isoformat()
                data = agreement_data(performance_deadline=deadline)
            elif name == "fail":
                data = {"guidance": FailGuidance.LITIGATION}
            elif name in {"withdraw", "decline", "transfer"}:
                data = {"reason": "测试"}
                if name == "transfer":
                    data["target_centre"] = centres[(i + 3) % len(centres)].pk
            case = workflow.transition(
                case=case, name=name, actor=director, data=data, at=at + timedelta(days=step)
            )


def queries(tree: ReportTree) -> dict[str, int]:
    """The queries of the city's report, per scope, for a past month and the live one."""
    counts = {}
    for scope in ("subtree", "centre"):
        for month in (date(2026, 3, 1), date(2026, 6, 1)):
            with CaptureQueriesContext(connection) as captured:
                monthly.report(tree.base.c, month, scope, now=NOW)
            counts[f"{scope} {month:%Y-%m}"] = len(captured.captured_queries)
    return counts


@pytest.mark.django_db
def test_a_report_takes_as_many_queries_for_60_cases_as_for_3(report_tree: ReportTree) -> None:
    # At the time of writing: 5 queries for a past month, 6 for the live one (its overdue cases
    # are counted now), in either scope.
    city, march = report_tree.base.c, date(2026, 3, 1)
    with time_machine.travel(NOW, tick=False):
        populate(report_tree, 0, 3)
        few = queries(report_tree)
        received_few = monthly.report(city, march, now=NOW)["figures"]["received"]
        populate(report_tree, 3, 60)
        many = queries(report_tree)
        received_many = monthly.report(city, march, now=NOW)["figures"]["received"]
    assert Case.objects.count() == 60
    assert received_many > received_few
    assert many == few
