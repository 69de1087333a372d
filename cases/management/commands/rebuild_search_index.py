"""Write every case's search document afresh (``cases.models.CaseSearch``)."""

import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from tqdm import tqdm

from cases.models import Case
from cases.services import search_index

BATCH = 2_000  # cases per transaction: three reads and one write each


class Command(BaseCommand):
    help = (
        "Write the search document of every case (its summary, facts, notes, party names and "
        "addresses, segmented), batch by batch, each batch in its own transaction. Run it once "
        "after the upgrade that brings full-text search (the migration leaves existing cases "
        "unindexed: they are not found by words until then), or after restoring an old backup. "
        "Searching keeps working meanwhile; changes made meanwhile are indexed by themselves."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--missing",
            action="store_true",
            help="Only the cases that have no search document yet (resume an interrupted run).",
        )
        parser.add_argument("--batch", type=int, default=BATCH, help="Cases per transaction.")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        cases = Case.objects.all()
        if options["missing"]:
            cases = cases.filter(search_index__isnull=True)
        total = cases.count()
        written = 0
        last = 0
        with tqdm(total=total, unit="case", desc="Cases", file=sys.stderr, disable=None) as bar:
            while True:
                ids = list(
                    cases.filter(pk__gt=last)
                    .order_by("pk")
                    .values_list("pk", flat=True)[: options["batch"]]
                )
                if not ids:
                    break
                written += search_index.rewrite(ids)
                last = ids[-1]
                bar.update(len(ids))
        self.stdout.write(
            f"Wrote the search documents of {written} cases in {time.monotonic() - started:.1f} s."
        )
