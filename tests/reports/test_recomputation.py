"""Every figure of every monthly report equals a plain computation over the raw rows (issue 6).

Hypothesis performs random case histories through the services (intake, every transition,
edits, fulfilment, follow-ups, judicial confirmation) with time passing by hours, days or to
exactly the first instant of a month, then reads the report of every centre, both scopes, for every
month the history touched and the current one, and compares it with ``plain.report`` (which replays
the events; it never reads the counters). Hand-written scenarios pin down the edges.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings

from cases import workflow
from cases.models import (
    Agreement,
    Case,
    Centre,
    Channel,
    FollowUp,
    Fulfilment,
    JudicialConfirmation,
)
from cases.reports import monthly
from cases.reports.rollups.rebuild import rebuild
from cases.reports.rollups.roll import roll_stocks
from cases.services import agreements, cases, follow_ups
from tests.factories import agreement_data, category, register

from . import plain
from .histories import ReportTree, Step, final_gaps, histories, perform, travel
from .plain import ZONE, month_of, months_between, shift
from .test_rollups import counters

SCOPES = ("centre", "subtree")


def check_every_report(tree: ReportTree, now: datetime, log: list[str]) -> int:
    """Compare every centre's reports (both scopes) for every month from the month before the
    first case to now's with the plain computation; return how many were compared."""
    world = plain.World.load()
    first = min((h.case.registered_at for h in world.histories), default=now)
    months = months_between(shift(month_of(first), -1), month_of(now))
    problems: list[str] = []
    compared = 0
    for centre in tree.centres:
        for scope in SCOPES:
            for month in months:
                expected = plain.report(world, centre, month, scope, now)
                got = monthly.report(centre, month, scope, now=now)
                compared += 1
                for problem in plain.differences(expected, got):
                    problems.append(f"{centre.code} {month:%Y-%m} {scope}: {problem}")
    assert not problems, "\n".join(
        [
            f"{len(problems)} differences, now {now.astimezone(ZONE)}:",
            *problems[:40],
            "history:",
            *log,
        ]
    )
    return compared


@pytest.mark.django_db
@settings(
    max_examples=12,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(history=histories, final_gap=final_gaps)
def test_every_figure_of_every_report_equals_the_plain_computation(
    report_tree: ReportTree, history: list[Step], final_gap: timedelta
) -> None:
    # Each example rolls back what it did, counters included; the tree stays.
    with transaction.atomic(), travel() as traveller:
        driver = perform(report_tree, history, traveller)
        now = driver.at + final_gap
        traveller.move_to(now)
        compared = check_every_report(report_tree, now, driver.log)
        # And the counters kept change by change are exactly what a rebuild computes.
        roll_stocks()
        kept = counters()
        rebuild()
        assert counters() == kept, "\n".join(driver.log)
        transaction.set_rollback(True)
    # What the histories reached (shown by ``pytest --hypothesis-show-statistics``).
    for action in sorted({line.split()[2] for line in driver.log}):
        event(f"performed {action}")
    event(f"reports compared: {compared // 100 * 100}+")


# --- Scenarios with hand-written expectations ----------------------------------------------------

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=ZONE)


def at(month: int, day: int, hour: int = 10, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, second, tzinfo=ZONE)


@pytest.fixture
def clock() -> Any:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def figures(centre: Centre, month: int, scope: str = "subtree") -> dict[str, Any]:
    """The report's figures, after checking the whole report against the plain computation."""
    got = monthly.report(centre, date(2026, month, 1), scope, now=NOW)
    expected = plain.report(plain.World.load(), centre, date(2026, month, 1), scope, NOW)
    assert plain.differences(expected, got) == []
    return got["figures"]


def breakdown(centre: Centre, month: int, dimension: str) -> dict[str, dict[str, Any]]:
    got = monthly.report(centre, date(2026, month, 1), "subtree", now=NOW)
    return {entry["key"]: entry["figures"] for entry in got["breakdowns"][dimension]}


def move(case: Case, name: str, when: datetime, actor: Any, **data: Any) -> Case:
    return workflow.transition(case=case, name=name, actor=actor, data=data, at=when)


def in_mediation(tree: ReportTree, centre: Centre, registered: datetime, **extra: Any) -> Case:
    director = tree.director
    case = register(actor=director, centre=centre, at=registered, **extra)
    move(case, "accept", registered + timedelta(hours=1), director)
    mediator = tree.base.med_c.pk
    return move(case, "assign", registered + timedelta(hours=2), director, lead_mediator=mediator)


@pytest.mark.usefixtures("clock")
def test_a_transfer_inside_the_subtree_cancels_for_the_parent_but_shows_for_the_children(
    report_tree: ReportTree,
) -> None:
    t, director = report_tree.base, report_tree.director
    case = register(actor=director, centre=t.s1, at=at(3, 2))
    move(case, "transfer", at(3, 30), director, target_centre=t.s2.pk, reason="跨区")
    move(case, "accept_transfer", at(4, 2), director)

    # Requested in March, accepted in April: a transfer counts when it is accepted.
    assert figures(t.d1, 3)["transferred_out"] == 0
    assert figures(t.c, 4)["transferred_in"] == figures(t.c, 4)["transferred_out"] == 0
    assert figures(t.d1, 4)["transferred_out"] == 1
    assert figures(t.d2, 4)["transferred_in"] == 1
    assert figures(t.s1, 4, "centre")["transferred_out"] == 1
    assert figures(t.s2, 4, "centre")["transferred_in"] == 1
    children = breakdown(t.c, 4, "child_centre")
    assert children[str(t.d1.pk)]["transferred_out"] == 1
    assert children[str(t.d1.pk)]["transferred_in"] == 0
    assert children[str(t.d2.pk)]["transferred_in"] == 1
    # Open at the end of April at S2 (now accepted there), no longer at S1.
    assert figures(t.d2, 4)["open_at_month_end"] == 1
    assert figures(t.d1, 4)["open_at_month_end"] == 0
    assert figures(t.d1, 3)["open_at_month_end"] == 1  # pending transfer at the end of March


@pytest.mark.usefixtures("clock")
def test_a_case_open_across_two_month_ends_counts_at_both(report_tree: ReportTree) -> None:
    t = report_tree.base
    case = in_mediation(report_tree, t.k1, at(1, 20))  # accepted 20 January: due 19 February
    move(case, "resolve", at(3, 5), report_tree.director, **agreement_data())

    january, february, march = figures(t.s1, 1), figures(t.s1, 2), figures(t.s1, 3)
    assert (january["open_at_month_end"], january["overdue_at_month_end"]) == (1, 0)
    assert (february["open_at_month_end"], february["overdue_at_month_end"]) == (1, 1)
    assert (march["open_at_month_end"], march["resolved"]) == (0, 1)
    # The same case in the previous month's column of the February report.
    report = monthly.report(t.s1, date(2026, 2, 1), now=NOW)
    assert report["previous_month"]["open_at_month_end"] == 1
    assert report["comparison_months"] == {
        "previous_month": "2026-01",
        "same_month_last_year": "2025-02",
    }
    # Resolved at K1, a community: small matters stay in the village.
    assert monthly.report(t.c, date(2026, 3, 1), now=NOW)["level_resolution"]["community"] == 1.0


@pytest.mark.usefixtures("clock")
def test_an_event_at_midnight_on_the_first_belongs_to_the_new_month(
    report_tree: ReportTree,
) -> None:
    t, director = report_tree.base, report_tree.director
    register(actor=director, centre=t.s2, at=at(1, 31, 23, 59, 59))  # January, the last second
    case = in_mediation(report_tree, t.s2, at(2, 1, 0, 0))  # 00:00 on 1 February, Shanghai
    move(case, "resolve", at(3, 1, 0, 0), director, **agreement_data())

    assert figures(t.s2, 1)["received"] == 1
    february = figures(t.s2, 2)
    assert (february["received"], february["resolved"]) == (1, 0)
    assert february["open_at_month_end"] == 2  # resolved at 00:00 on 1 March: open until then
    march = figures(t.s2, 3)
    assert (march["resolved"], march["open_at_month_end"]) == (1, 1)
    assert march["days_to_conclusion_median"] == 28.0  # 1 February to 1 March


@pytest.mark.usefixtures("clock")
def test_a_suspended_case_is_not_overdue(report_tree: ReportTree) -> None:
    t, director = report_tree.base, report_tree.director
    suspended = in_mediation(report_tree, t.d2, at(1, 5))  # due 4 February
    move(suspended, "suspend", at(1, 20), director, reason="当事人住院")
    in_mediation(report_tree, t.d2, at(1, 5))  # due 4 February as well, never suspended

    february = figures(t.d2, 2)
    assert (february["open_at_month_end"], february["overdue_at_month_end"]) == (2, 1)
    # Resumed after 49 days paused: due 25 March, so overdue again at the end of March.
    move(suspended, "resume", at(3, 10), director)
    assert Case.objects.get(pk=suspended.pk).due_at == at(3, 25, 11)
    assert figures(t.d2, 3)["overdue_at_month_end"] == 2


@pytest.mark.usefixtures("clock")
def test_an_agreement_fulfilled_after_its_month_is_not_fulfilled_in_it(
    report_tree: ReportTree,
) -> None:
    t, director = report_tree.base, report_tree.director
    late = in_mediation(report_tree, t.s1, at(1, 5))
    move(late, "resolve", at(1, 10), director, **agreement_data(performance_deadline="2026-02-15"))
    on_time = in_mediation(report_tree, t.s1, at(1, 6))
    move(
        on_time, "resolve", at(1, 11), director, **agreement_data(performance_deadline="2026-02-28")
    )
    move(on_time, "close", at(2, 20), director, fulfilment=Fulfilment.FULFILLED)
    agreements.record_fulfilment(
        agreement=Agreement.objects.get(case=late),
        actor=director,
        fulfilment=Fulfilment.FULFILLED,
        at=at(3, 2),
    )

    february = figures(t.s1, 2)
    assert (february["agreements_due"], february["agreements_fulfilled"]) == (2, 1)
    assert february["fulfilment_rate"] == 0.5
    assert figures(t.s1, 3)["agreements_due"] == 0
    assert figures(t.s1, 1)["amount_agreed"] == "1000.00"


@pytest.mark.usefixtures("clock")
def test_judicial_confirmation_counts_in_the_month_of_its_dates(report_tree: ReportTree) -> None:
    t, director = report_tree.base, report_tree.director
    case = in_mediation(
        report_tree,
        t.d1,
        at(1, 5),
        channel=Channel.COURT_ENTRUSTED,
        entrusting_court=t.court,
        court_case_number="(2026)鄂0102民诉前调7号",
        entrusted_on=date(2026, 1, 4),
    )
    move(case, "resolve", at(1, 10), director, **agreement_data())
    move(case, "close", at(1, 12), director)
    liaison, agreement = t.court_liaison, Agreement.objects.get(case=case)
    # Applied for on 25 January, recorded on 3 February; confirmed on 10 February.
    agreements.record_judicial_confirmation(
        agreement=agreement,
        actor=liaison,
        status=JudicialConfirmation.APPLIED,
        applied_on=date(2026, 1, 25),
        at=at(2, 3),
    )
    agreements.record_judicial_confirmation(
        agreement=agreement,
        actor=liaison,
        status=JudicialConfirmation.CONFIRMED,
        ruling_number="(2026)鄂0102民特3号",
        ruling_on=date(2026, 2, 10),
        at=at(2, 12),
    )
    follow_ups.record_follow_up(
        follow_up=FollowUp.objects.get(case=case),
        actor=director,
        contact_method="phone",
        fulfilment=Fulfilment.FULFILLED,
        satisfaction=4,
        at=at(2, 14),
    )

    january, february = figures(t.d1, 1), figures(t.d1, 2)
    assert january["judicial_confirmations_applied"] == 1
    assert january["judicial_confirmations_confirmed"] == 0
    assert february["judicial_confirmations_applied"] == 0
    assert february["judicial_confirmations_confirmed"] == 1
    assert (february["follow_ups_done"], february["mean_satisfaction"]) == (1, 4.0)
    assert breakdown(t.d1, 1, "channel")[Channel.COURT_ENTRUSTED]["resolved"] == 1


@pytest.mark.usefixtures("clock")
def test_the_live_month_counts_what_is_overdue_now(report_tree: ReportTree) -> None:
    t, director = report_tree.base, report_tree.director
    register(actor=director, centre=t.k1, at=at(6, 1), amount_in_dispute=Decimal("120.50"))
    register(actor=director, centre=t.k1, at=at(6, 15, 9), risk_level="high")  # due tomorrow

    june = monthly.report(t.k1, date(2026, 6, 1), now=NOW)
    assert june["live"] is True
    assert june["figures"]["open_at_month_end"] == 2
    assert june["figures"]["overdue_at_month_end"] == 1  # the acceptance was due on 4 June
    assert june["figures"]["high_risk_open"] == 1
    assert june["figures"]["amount_in_dispute"] == "120.50"
    assert figures(t.k1, 6)["received"] == 2


def test_an_edited_amount_counts_where_and_as_the_case_was_received(
    report_tree: ReportTree, clock: Any
) -> None:
    """The amount in dispute is the case's amount now, counted with the received case: at the
    registering centre, under the category, channel, risk and (no) mediator it was received with,
    whatever the case became before or after the amount was edited."""
    t, director = report_tree.base, report_tree.director
    case = register(
        actor=director,
        centre=t.s1,
        category=category("noise"),
        amount_in_dispute=Decimal("100.00"),
        at=at(1, 5),
    )
    move(case, "accept", at(1, 6), director)
    move(case, "assign", at(1, 7), director, lead_mediator=t.med_c.pk)
    clock.move_to(at(2, 10))  # an edit takes its time from the clock
    changes = {"amount_in_dispute": Decimal("300.00"), "category": category("loan")}
    cases.edit_case(case=case, actor=director, changes=changes)
    move(case, "transfer", at(2, 20), director, target_centre=t.s2.pk, reason="跨区")
    move(case, "accept_transfer", at(2, 21), director)
    clock.move_to(at(3, 3))
    cases.edit_case(case=case, actor=director, changes={"amount_in_dispute": Decimal("450.00")})
    clock.move_to(NOW)

    assert figures(t.s1, 1, "centre")["amount_in_dispute"] == "450.00"
    assert figures(t.s2, 1, "centre")["amount_in_dispute"] == "0.00"
    assert figures(t.c, 2)["amount_in_dispute"] == figures(t.c, 3)["amount_in_dispute"] == "0.00"
    by_category = breakdown(t.c, 1, "category")
    assert by_category[str(category("noise").parent_id)]["amount_in_dispute"] == "450.00"
    assert str(category("loan").parent_id) not in by_category
    by_mediator = breakdown(t.c, 1, "mediator")
    assert by_mediator[""]["amount_in_dispute"] == "450.00"
    # The mediator led the case at the end of January (open), but it was received unassigned.
    assert by_mediator[str(t.med_c.pk)]["open_at_month_end"] == 1
    assert by_mediator[str(t.med_c.pk)]["amount_in_dispute"] == "0.00"
