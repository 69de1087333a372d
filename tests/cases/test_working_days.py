"""The acceptance decision counted in working days (docs/deadlines.md, "Working days"): the official
calendar of public holidays and adjusted working days (调休), the admin's overrides before it, and
weekends alone for a year the calendar package has no data for."""

import re
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from cases import deadlines, working_days
from cases.models import WorkingDayOverride
from cases.services.sweep import sweep
from tests.factories import Tree, aware, end_of, register

pytestmark = pytest.mark.django_db

# Far beyond any year the chinesecalendar package will know for a long time (it has 2004-2026).
UNCOVERED_YEAR = 2040


@pytest.fixture
def client_admin(tree: Tree) -> Client:
    client = Client()
    client.force_login(tree.admin)
    return client


def registered_on(tree: Tree, at: datetime, *, risk_level: str = "normal") -> datetime | None:
    case = register(actor=tree.intake_s1, centre=tree.s1, at=at, risk_level=risk_level)
    return case.acceptance_due_at


# --- The official calendar ----------------------------------------------------------------------


def test_a_case_registered_before_national_day_is_due_after_the_holiday(tree: Tree) -> None:
    """Registered on Wednesday 30 September 2026: 1-7 October are the holiday, so the three
    working days are 8, 9 and Saturday 10 October (a working day in lieu), not 3 October."""
    assert registered_on(tree, aware(2026, 9, 30, 10)) == end_of(2026, 10, 10)


def test_a_weekend_day_made_a_working_day_counts(tree: Tree) -> None:
    """Registered on Friday 9 October 2026: Saturday 10 October is worked (调休), so it is the
    first of the three working days (10, 12, 13), where the plain weekend would give the 14th."""
    assert registered_on(tree, aware(2026, 10, 9, 15)) == end_of(2026, 10, 13)


def test_the_spring_festival_is_skipped(tree: Tree) -> None:
    """Friday 13 February 2026: Saturday the 14th is worked, 15-23 February are the holiday."""
    assert registered_on(tree, aware(2026, 2, 13, 11)) == end_of(2026, 2, 25)


def test_a_high_risk_case_still_counts_24_hours_through_the_weekend(tree: Tree) -> None:
    at = aware(2026, 10, 9, 15)  # a Friday before a holiday-free weekend
    assert registered_on(tree, at, risk_level="high") == aware(2026, 10, 10, 15)


def test_the_days_are_counted_at_the_centre_in_shanghai(tree: Tree) -> None:
    """23:30 on Sunday 1 March in Shanghai (15:30 UTC) counts from the Sunday: due Wednesday;
    00:30 on Monday 2 March (16:30 UTC on the Sunday) counts from the Monday: due Thursday."""
    sunday_night = registered_on(tree, datetime(2026, 3, 1, 15, 30, tzinfo=UTC))
    monday_morning = registered_on(tree, datetime(2026, 3, 1, 16, 30, tzinfo=UTC))

    assert (sunday_night, monday_morning) == (end_of(2026, 3, 4), end_of(2026, 3, 5))


def test_the_case_is_overdue_from_midnight_after_the_last_working_day(tree: Tree) -> None:
    register(actor=tree.intake_s1, centre=tree.s1, at=aware(2026, 9, 30, 10))

    assert sweep(aware(2026, 10, 10, 23, 59)).overdue == 0
    assert sweep(aware(2026, 10, 11, 0, 0)).overdue == 1


# --- The admin's overrides ----------------------------------------------------------------------


def test_an_override_makes_a_day_off_and_a_working_day(tree: Tree) -> None:
    # Wednesday 4 March off (a local event), Saturday 7 March worked.
    WorkingDayOverride.objects.create(date=date(2026, 3, 4), is_working_day=False, note="停电")
    WorkingDayOverride.objects.create(date=date(2026, 3, 7), is_working_day=True, note="补班")

    # From Monday 2 March: 3, 5, 6 (the 4th is off).
    assert registered_on(tree, aware(2026, 3, 2, 9)) == end_of(2026, 3, 6)
    # From Thursday 5 March: 6, Saturday 7, 9.
    assert registered_on(tree, aware(2026, 3, 5, 9)) == end_of(2026, 3, 9)


def test_an_override_wins_over_the_official_calendar(tree: Tree) -> None:
    """Saturday 10 October 2026 is officially worked; the city gives it off."""
    WorkingDayOverride.objects.create(date=date(2026, 10, 10), is_working_day=False)

    assert registered_on(tree, aware(2026, 9, 30, 10)) == end_of(2026, 10, 12)


def test_an_override_entered_later_leaves_running_deadlines_alone(tree: Tree) -> None:
    case = register(actor=tree.intake_s1, centre=tree.s1, at=aware(2026, 3, 2, 9))
    WorkingDayOverride.objects.create(date=date(2026, 3, 4), is_working_day=False)

    case.refresh_from_db()
    assert case.acceptance_due_at == end_of(2026, 3, 5)


def test_overrides_are_edited_in_the_admin(client_admin: Client, tree: Tree) -> None:
    response = client_admin.post(
        reverse("admin:cases_workingdayoverride_add"),
        {"date": "2026-03-04", "is_working_day": "", "note": "全市停电"},
    )
    assert response.status_code == 302, response.content[:500]

    assert WorkingDayOverride.objects.get().note == "全市停电"
    assert registered_on(tree, aware(2026, 3, 2, 9)) == end_of(2026, 3, 6)


# --- A year the package does not cover ----------------------------------------------------------


def test_a_year_beyond_the_package_counts_weekends_and_overrides(tree: Tree) -> None:
    assert not working_days.official_calendar_covers(UNCOVERED_YEAR)
    # Thursday 1 March 2040: Friday 2, Monday 5, Tuesday 6.
    assert registered_on(tree, aware(UNCOVERED_YEAR, 3, 1, 9)) == end_of(UNCOVERED_YEAR, 3, 6)

    WorkingDayOverride.objects.create(date=date(UNCOVERED_YEAR, 3, 5), is_working_day=False)
    assert registered_on(tree, aware(UNCOVERED_YEAR, 3, 1, 9)) == end_of(UNCOVERED_YEAR, 3, 7)


def test_the_check_names_next_year_from_december_when_it_is_missing(tree: Tree) -> None:
    # November: only this year matters, and the package covers 2026.
    call_command("check_working_calendar", today=date(2026, 11, 30))
    assert working_days.years_missing(date(2026, 11, 30)) == []

    december = date(UNCOVERED_YEAR - 1, 12, 1)
    assert working_days.years_missing(december) == [UNCOVERED_YEAR - 1, UNCOVERED_YEAR]
    with pytest.raises(CommandError, match=str(UNCOVERED_YEAR)):
        call_command("check_working_calendar", today=december)

    # Entering the year's days in the admin fills the gap as well as an upgraded package.
    WorkingDayOverride.objects.create(date=date(UNCOVERED_YEAR, 1, 1), is_working_day=False)
    assert working_days.years_missing(december) == [UNCOVERED_YEAR - 1]


def test_the_admin_warns_when_next_years_calendar_is_missing(tree: Tree) -> None:
    url = reverse("admin:cases_workingdayoverride_changelist")
    client = Client()
    with time_machine.travel(aware(UNCOVERED_YEAR - 1, 12, 3, 10), tick=False):
        client.force_login(tree.admin)  # a session of that day
        page = client.get(url).content.decode()
    warnings = re.findall(r'<li class="warning">(.*?)</li>', page, re.S)
    assert len(warnings) == 2  # this year's and next year's
    assert str(UNCOVERED_YEAR) in warnings[1]

    with time_machine.travel(aware(2026, 6, 1, 10), tick=False):
        client.force_login(tree.admin)
        page = client.get(url).content.decode()
    assert '<li class="warning">' not in page


# --- Queries ------------------------------------------------------------------------------------


def test_the_deadline_costs_one_query_across_a_holiday(django_assert_num_queries: object) -> None:
    at = aware(2026, 9, 30, 10)
    with django_assert_num_queries(1):  # type: ignore[operator]
        assert deadlines.acceptance_due(at, high_risk=False) == end_of(2026, 10, 10)

    calendar = working_days.load(date(2026, 9, 1), date(2026, 12, 31))
    with django_assert_num_queries(0):  # type: ignore[operator]
        assert deadlines.acceptance_due(at, high_risk=False, calendar=calendar) == end_of(
            2026, 10, 10
        )
