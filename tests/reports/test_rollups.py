"""The report counters move with every change, exactly as a rebuild from the raw rows says.

The counters are what every report reads (docs/reports.md), so these tests hold them to the one
standard that matters: whatever order changes arrive in, whenever the monthly roll runs, the
counters equal what ``rebuild`` computes from the cases and their events.
"""

import io
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.management import call_command

from cases import workflow
from cases.models import Category, DurationBucket, ReportScope, RiskLevel, Rollup, RollupState
from cases.models.reports import MEASURES
from cases.reports import monthly
from cases.reports.rollups.facts import tenths_of_a_day
from cases.reports.rollups.rebuild import rebuild
from cases.reports.rollups.roll import roll_stocks
from cases.services.agreements import record_fulfilment
from cases.services.cases import edit_case
from cases.services.follow_ups import record_follow_up
from tests.factories import Tree, agreement_data, aware, build_tree, register

pytestmark = pytest.mark.django_db


def counters() -> tuple[dict[Any, tuple[Any, ...]], dict[Any, int]]:
    rows = {
        (r["centre_id"], r["subtree"], r["month"], r["dimension"], r["value"]): tuple(
            r[m] for m in MEASURES
        )
        for r in map(dict, Rollup.objects.values())
    }
    kept = {key: values for key, values in rows.items() if any(values)}
    buckets = {
        (b.centre_id, b.subtree, b.month, b.tenths): b.count
        for b in DurationBucket.objects.all()
        if b.count
    }
    return kept, buckets


def move(case: Any, name: str, actor: Any, at: Any, **data: Any) -> Any:
    return workflow.transition(case=case, name=name, actor=actor, data=data, at=at)


def history(tree: Tree) -> dict[str, Any]:
    """Three cases whose lives cross month and year ends: suspended over New Year, transferred up,
    resolved, closed, fulfilled and visited; one registered a minute before a month ends and
    edited later; one of high risk left waiting for a decision."""
    admin = tree.admin
    moved = register(
        actor=admin, centre=tree.s1, at=aware(2025, 12, 20), amount_in_dispute=Decimal("1000")
    )
    moved = move(moved, "accept", admin, aware(2025, 12, 21))
    moved = move(moved, "assign", admin, aware(2025, 12, 22), lead_mediator=tree.med_s1.pk)
    moved = move(moved, "suspend", admin, aware(2025, 12, 30), reason="住院")
    moved = move(moved, "resume", admin, aware(2026, 1, 5))
    moved = move(
        moved, "transfer", admin, aware(2026, 1, 10), target_centre=tree.d1.pk, reason="上交"
    )
    moved = move(moved, "accept_transfer", admin, aware(2026, 1, 11))
    moved = move(moved, "assign", admin, aware(2026, 1, 12), lead_mediator=tree.med_c.pk)
    moved = workflow.transition(
        case=moved,
        name="resolve",
        actor=admin,
        data=agreement_data(performance_deadline="2026-02-20", signed_on="2026-02-03"),
        at=aware(2026, 2, 3),
    )
    moved = move(moved, "close", admin, aware(2026, 2, 5))
    record_fulfilment(
        agreement=moved.agreement, actor=admin, fulfilment="fulfilled", at=aware(2026, 2, 15)
    )
    record_follow_up(
        follow_up=moved.follow_ups.get(),
        actor=admin,
        contact_method="phone",
        fulfilment="fulfilled",
        satisfaction=4,
        at=aware(2026, 3, 10),
    )

    late = register(
        actor=admin, centre=tree.k1, at=aware(2026, 1, 31, 23, 59), amount_in_dispute=Decimal(200)
    )
    with time_machine.travel(aware(2026, 2, 2), tick=False):
        late = edit_case(
            case=late,
            actor=admin,
            changes={
                "amount_in_dispute": Decimal("250.50"),
                "category": Category.objects.get(code="loan"),
            },
        )

    waiting = register(
        actor=admin, centre=tree.s2, at=aware(2026, 1, 15), risk_level=RiskLevel.HIGH
    )
    return {"moved": moved, "late": late, "waiting": waiting}


def test_counters_kept_with_each_change_equal_a_rebuild_from_the_raw_rows() -> None:
    tree = build_tree()
    history(tree)
    roll_stocks()  # as the rebuild does: through the current month
    kept = counters()

    assert rebuild() == 3

    assert kept[0], "the changes were counted as they happened"
    assert counters() == kept


def test_a_month_end_position_is_the_same_before_and_after_the_monthly_roll() -> None:
    tree = build_tree()
    cases = history(tree)
    now = aware(2026, 4, 10)
    before = monthly.report(tree.c, date(2026, 3, 1), now=now)["figures"]
    assert RollupState.objects.filter(stocks_through__isnull=False).count() == 0

    roll_stocks(through=date(2026, 4, 1))
    roll_stocks(through=date(2026, 4, 1))  # rolling twice changes nothing

    after = monthly.report(tree.c, date(2026, 3, 1), now=now)["figures"]
    assert after == before
    # At the end of March: "late" (open since January) and "waiting" (high risk, overdue since
    # the day after it came in); "moved" was resolved in February.
    assert (after["open_at_month_end"], after["high_risk_open"]) == (2, 1)
    assert after["overdue_at_month_end"] == 2
    assert cases["moved"].status == "closed"


def test_a_change_dated_in_a_rolled_month_moves_every_later_position() -> None:
    tree = build_tree()
    roll_stocks(through=date(2026, 3, 1))
    register(actor=tree.admin, centre=tree.s1, at=aware(2026, 1, 20))

    positions = [
        monthly.report(tree.s1, month, ReportScope.CENTRE, now=aware(2026, 3, 5))["figures"]
        for month in (date(2025, 12, 1), date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1))
    ]

    assert [p["open_at_month_end"] for p in positions] == [0, 1, 1, 1]
    roll_stocks()
    kept = counters()
    rebuild()
    assert counters() == kept


def test_a_report_reads_the_counters_not_the_cases() -> None:
    """Counters wiped, cases intact: a past month's report shows nothing (it never looked at the
    cases); a rebuild brings every figure back."""
    tree = build_tree()
    history(tree)
    now = aware(2026, 4, 10)
    full = monthly.report(tree.c, date(2026, 1, 1), now=now)
    assert full["figures"]["received"] == 2

    Rollup.objects.all().delete()
    assert monthly.report(tree.c, date(2026, 1, 1), now=now)["figures"]["received"] == 0

    out = io.StringIO()
    call_command("rebuild_rollups", stdout=out, stderr=io.StringIO())
    assert "from 3 cases" in out.getvalue()
    assert monthly.report(tree.c, date(2026, 1, 1), now=now) == full


def test_amounts_follow_the_edit_but_stay_with_the_month_and_centre_of_registration() -> None:
    tree = build_tree()
    history(tree)
    now = aware(2026, 4, 10)
    january = monthly.report(tree.k1, date(2026, 1, 1), ReportScope.CENTRE, now=now)
    february = monthly.report(tree.k1, date(2026, 2, 1), ReportScope.CENTRE, now=now)

    assert january["figures"]["received"] == 1
    assert january["figures"]["amount_in_dispute"] == "250.50"
    assert february["figures"]["amount_in_dispute"] == "0.00"
    # The category it was registered under keeps the count; the edit does not move it.
    [entry] = january["breakdowns"]["category"]
    registered_under = Category.objects.get(code="noise")
    assert entry["key"] == str(registered_under.parent_id or registered_under.pk)


def test_durations_are_tenths_of_a_day_rounded_half_up() -> None:
    start = aware(2026, 1, 1)
    assert tenths_of_a_day(start, start + timedelta(hours=1, minutes=11)) == 0
    assert tenths_of_a_day(start, start + timedelta(hours=1, minutes=12)) == 1
    assert tenths_of_a_day(start, start + timedelta(days=3, hours=14, minutes=24)) == 36


def test_rates_and_means_round_half_up_like_the_days() -> None:
    assert monthly.ratio(1, 32, 4) == 0.0313  # 0.03125
    assert monthly.ratio(25, 8, 2) == 3.13  # a mean satisfaction of 3.125
    assert monthly.ratio(2, 3, 4) == 0.6667
    assert monthly.ratio(0, 0, 4) is None
