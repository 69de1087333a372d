"""Tell the operator whether the calendar of working days is complete for the deadlines ahead.

Deadlines in working days (docs/deadlines.md) count the State Council's arrangement of public
holidays and adjusted working days from the ``chinesecalendar`` package, corrected by the admin's
working day overrides. For a year the package does not know and the admin has no day of, only
weekends are days off. Run daily (cron or a monitoring probe): from December on it also checks next
year, and it exits with status 1 while a year is missing.
"""

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from cases import working_days


class Command(BaseCommand):
    help = (
        "Check that the official calendar of working days covers this year (and next year from "
        "December on); exit 1 if a year is missing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--today", type=date.fromisoformat, help="Check as on this day, YYYY-MM-DD (tests)."
        )

    def handle(self, *args: Any, today: date | None, **options: Any) -> None:
        today = today or timezone.localdate()
        missing = working_days.years_missing(today)
        if missing:
            raise CommandError(
                "The official calendar of working days is missing for "
                + ", ".join(map(str, missing))
                + ": deadlines in "
                "working days count only weekends as days off there. Upgrade the chinesecalendar "
                "package (the State Council publishes the next year's arrangement, usually in "
                "November), or enter the year's public holidays and adjusted working days in the "
                "admin (Working day overrides)."
            )
        years = [today.year, today.year + 1] if today.month == 12 else [today.year]
        self.stdout.write(
            "The calendar of working days is complete for " + ", ".join(map(str, years)) + "."
        )
