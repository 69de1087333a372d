"""Generate every centre's monthly report as a snapshot run, in the foreground.

What the schedule does on the 1st (``cases.tasks.report_monthly_run``), for any past month: a new
version each time (the first, or a regeneration), or with ``--resume`` the month's latest run
finished where it stopped.
"""

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from cases.models import ReportRun
from cases.queries import snapshots as snapshot_queries
from cases.reports.periods import format_month, parse_month
from cases.services import snapshots


class Command(BaseCommand):
    help = (
        "Generate every centre's report for a month as a new snapshot run (the next version) and "
        "e-mail each centre's directors, in the foreground with a progress bar."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--month",
            help="The month, YYYY-MM (default: the previous month). It must be over.",
        )
        parser.add_argument(
            "--resume",
            action="store_true",
            help="Finish the month's latest run (centres without a snapshot, e-mails not sent) "
            "instead of starting a new version.",
        )

    def handle(self, *args: Any, month: str | None, resume: bool, **options: Any) -> None:
        chosen = self._month(month)
        run = self._resumed(chosen) if resume else self._started(chosen)
        centres = list(snapshot_queries.missing_centres(run).values_list("pk", flat=True))
        written = 0
        with tqdm(total=len(centres), unit="centre", disable=None) as bar:
            for start in range(0, len(centres), snapshots.CHUNK_SIZE):
                chunk = centres[start : start + snapshots.CHUNK_SIZE]
                written += snapshots.generate(run, chunk)
                bar.update(len(chunk))
        # Finishes the run, and queues the e-mails a dead worker may have left unsent (centres
        # added while this ran would be left to the workers).
        snapshots.complete(run)
        run.refresh_from_db()
        state = "finished" if run.finished_at else "not finished, centres left to the workers"
        self.stdout.write(
            f"Report run {format_month(run.month)} version {run.version}: "
            f"{written} snapshots written for {len(centres)} centres; {state}."
        )
        emailed = run.snapshots.filter(emailed_at__isnull=False).count()
        owed = snapshot_queries.owed_emails(run).count()
        self.stdout.write(
            f"Directors e-mailed for {emailed} centres; {owed} still to e-mail (queued)."
        )

    def _month(self, text: str | None) -> date:
        if text is None:
            return snapshots.previous_month()
        try:
            return parse_month(text)
        except ValueError as error:
            raise CommandError(f"--month must be a month as YYYY-MM, not {text!r}.") from error

    def _started(self, month: date) -> ReportRun:
        try:
            return snapshots.start_run(month)
        except ValueError as error:
            raise CommandError(f"--month {format_month(month)}: {error}") from error

    def _resumed(self, month: date) -> ReportRun:
        run = ReportRun.objects.filter(month=month).order_by("-version").first()
        if run is None:
            raise CommandError(f"--resume: {format_month(month)} has no run to finish.")
        return run
