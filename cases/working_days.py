"""Working days: the official calendar of public holidays and adjusted working days (调休).

A day is a working day, in this order of precedence (docs/deadlines.md, "Working days"):

1. as the admin's ``WorkingDayOverride`` table says, if it has a row for the day (city-wide);
2. else as the State Council's arrangement says, through the ``chinesecalendar`` package
   (public holidays off, weekend days made working days on);
3. else, for a year the package has no data for, Monday to Friday.

Reading the overrides costs one query per computation, for the whole range it may need; nothing is
cached between requests, so an edit in the admin counts at once in every process.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

from .models import WorkingDayOverride

# How far past the start a range of overrides is read for N working days: N working days never span
# more than 2N + 31 calendar days under any official arrangement (the longest run of days off is the
# Spring Festival's 8 or 9). Beyond it another range is read, so nothing is ever missed.
_SLACK_DAYS = 31


def official_working_day(day: date) -> bool | None:
    """Whether the official calendar makes ``day`` a working day; None if the installed package
    has no data for its year (it raises NotImplementedError for those)."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return None


def official_calendar_covers(year: int) -> bool:
    """Whether the installed ``chinesecalendar`` knows the State Council's arrangement for ``year``."""
    return official_working_day(date(year, 1, 1)) is not None


@dataclass(frozen=True)
class WorkingCalendar:
    """The working days from ``first`` to ``last`` (both included), the overrides read once."""

    first: date
    last: date
    overrides: Mapping[date, bool]

    def covers(self, day: date) -> bool:
        return self.first <= day <= self.last

    def is_working_day(self, day: date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        official = official_working_day(day)
        return official if official is not None else day.weekday() < 5


def load(first: date, last: date) -> WorkingCalendar:
    """The calendar from ``first`` to ``last``: one query for the overrides in the range."""
    rows = WorkingDayOverride.objects.filter(date__range=(first, last)).values_list(
        "date", "is_working_day"
    )
    return WorkingCalendar(first=first, last=last, overrides=dict(rows))


def nth_working_day_after(day: date, n: int, *, calendar: WorkingCalendar | None = None) -> date:
    """The ``n``-th working day after ``day``, ``day`` itself not counted (it may be a day off):
    registered on Friday, the 1st working day after is the next Monday (if it is one)."""
    if n < 1:
        raise ValueError("n must be at least 1")
    current, counted = day, 0
    while counted < n:
        current += timedelta(days=1)
        if calendar is None or not calendar.covers(current):
            calendar = load(current, current + timedelta(days=2 * (n - counted) + _SLACK_DAYS))
        if calendar.is_working_day(current):
            counted += 1
    return current


def end_of_day(day: date, zone: ZoneInfo) -> datetime:
    """The last instant of ``day`` in ``zone`` (23:59:59.999999 there): a deadline "by the end of
    that day" is passed at midnight."""
    return datetime.combine(day, time.max, tzinfo=zone)


def working_days_after(
    start: datetime, n: int, zone: ZoneInfo, *, calendar: WorkingCalendar | None = None
) -> datetime:
    """The end of the ``n``-th working day after the day ``start`` falls on in ``zone``."""
    local_day = start.astimezone(zone).date()
    return end_of_day(nth_working_day_after(local_day, n, calendar=calendar), zone)


def years_missing(today: date) -> list[int]:
    """The years whose working days are counted by weekends alone although deadlines soon fall in
    them: this year, and from December on next year, when neither the installed package knows the
    State Council's arrangement for it nor the override table has a single day in it. The
    arrangement for a year is published in the preceding autumn (usually November): upgrade the
    package, or enter the year's holidays and adjusted working days in the admin. One query."""
    years = [today.year, today.year + 1] if today.month == 12 else [today.year]
    uncovered = [year for year in years if not official_calendar_covers(year)]
    if not uncovered:
        return []
    entered = set(
        WorkingDayOverride.objects.filter(date__year__in=uncovered)
        .values_list("date__year", flat=True)
        .distinct()
    )
    return [year for year in uncovered if year not in entered]
