"""The city's monthly reports as JSON, to compare a restored database with the one backed up."""

import json
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from cases.models import Centre
from cases.reports.monthly import report
from cases.reports.periods import current_month, format_month, parse_month


def _months_back(month: date, count: int) -> list[date]:
    months = []
    for _ in range(count):
        months.append(month)
        month = (month.replace(day=1) - timedelta(days=1)).replace(day=1)
    return months


def figures(as_of: datetime, months: list[date], snapshot: str | None = None) -> dict[str, Any]:
    """Every root centre's report (its whole subtree) for each month, as seen at ``as_of``.

    ``as_of`` is kept in the result so that the same reports can be read again later: the
    current month's overdue count depends on the moment it is read."""
    with transaction.atomic():
        if snapshot:
            # The very snapshot another session exported (deploy/backup.sh: the one pg_dump reads).
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                cursor.execute("SET TRANSACTION SNAPSHOT %s", [snapshot])
        reports = _reports(as_of, months)
    # One JSON round trip: what is compared later is what a file holds (Decimals as strings).
    data = {"as_of": as_of.isoformat(), "reports": reports}
    result: dict[str, Any] = json.loads(json.dumps(data, cls=DjangoJSONEncoder))
    return result


def _reports(as_of: datetime, months: list[date]) -> dict[str, Any]:
    return {
        centre.code: {
            format_month(month): {
                key: value
                for key, value in report(centre, month, now=as_of).items()
                if key != "as_of"
            }
            for month in months
        }
        for centre in Centre.objects.filter(parent=None).order_by("code")
    }


class Command(BaseCommand):
    help = (
        "Print the monthly reports of every top-level centre (its whole subtree) for this month "
        "and the previous ones as JSON; with --compare FILE, read them again as of that file's "
        "moment and fail, naming the first differences, unless they are equal. deploy/backup.sh "
        "saves the JSON beside each dump and deploy/restore.sh compares after rebuild_rollups."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--months", type=int, default=13, help="how many months back from the current one"
        )
        parser.add_argument(
            "--compare", metavar="FILE", help="JSON written earlier by this command"
        )
        parser.add_argument(
            "--snapshot",
            help="read in this exported snapshot (pg_export_snapshot()) of another session",
        )

    def handle(
        self, *args: Any, months: int, compare: str | None, snapshot: str | None, **options: Any
    ) -> None:
        if months < 1:
            raise CommandError("--months must be at least 1.")
        if compare is None:
            now = timezone.now()
            data = figures(now, _months_back(current_month(now), months), snapshot)
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True))
            return
        try:
            before = json.loads(Path(compare).read_text(encoding="utf-8"))
            as_of = datetime.fromisoformat(before["as_of"])
            wanted = [parse_month(month) for month in next(iter(before["reports"].values()), {})]
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
            raise CommandError(
                f"--compare: {compare} is not a report_figures file ({error})."
            ) from error
        after = figures(as_of, sorted(wanted, reverse=True))
        differences = list(_differences(before["reports"], after["reports"]))
        if differences:
            for line in differences[:20]:
                sys.stderr.write(line + "\n")
            raise CommandError(
                f"The reports differ from {compare} in {len(differences)} places (first above)."
            )
        count = sum(len(by_month) for by_month in after["reports"].values())
        self.stdout.write(f"The {count} reports equal those of {compare} (as of {as_of}).")


def _differences(before: Any, after: Any, path: str = "") -> Any:
    if isinstance(before, dict) and isinstance(after, dict):
        for key in sorted(set(before) | set(after)):
            yield from _differences(before.get(key), after.get(key), f"{path}/{key}")
    elif isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        for index, (b, a) in enumerate(zip(before, after, strict=True)):
            yield from _differences(b, a, f"{path}[{index}]")
    elif before != after:
        yield f"{path}: {before!r} before, {after!r} after"
