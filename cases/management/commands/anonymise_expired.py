"""Anonymise the cases past their retention period now (docs/personal-data.md, "Retention and
anonymisation"); beat does it daily."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from cases.services.retention import ExpiredCase, anonymise_expired


class Command(BaseCommand):
    help = (
        "Anonymise the parties, notes and files of every closed case past its retention period "
        "(RETENTION_YEARS, or the retention periods set in the admin) that is not on legal hold, "
        "with one audit record per case. --dry-run lists them and writes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="List the cases; change nothing."
        )

    def handle(self, *args: Any, dry_run: bool = False, **options: Any) -> None:
        def show(case: ExpiredCase, anonymised: bool) -> None:
            if dry_run or anonymised:
                self.stdout.write(
                    f"{case.number}\tclosed {case.closed_at:%Y-%m-%d}\t{case.years} years"
                    f"\tretention ended {case.ended_on:%Y-%m-%d}"
                )

        done = anonymise_expired(dry_run=dry_run, progress=show)
        verb = "would be anonymised (dry run)" if dry_run else "anonymised"
        self.stdout.write(self.style.SUCCESS(f"{len(done)} case(s) {verb}."))
