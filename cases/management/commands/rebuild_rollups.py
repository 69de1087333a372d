"""Recompute every report counter from the cases and their events."""

import sys
import time
from typing import Any

from django.core.management.base import BaseCommand
from tqdm import tqdm

from cases.models import Case, Rollup
from cases.reports.rollups.rebuild import rebuild


class Command(BaseCommand):
    help = (
        "Rebuild the monthly-report counters from the raw case and event rows (after a restore, "
        "a centre moved in the tree, or a category re-parented). Changes made meanwhile wait "
        "for it; reports read the old counters until it commits."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        with tqdm(
            total=Case.objects.count(), unit="case", desc="Cases", file=sys.stderr, disable=None
        ) as bar:
            count = rebuild(progress=bar)
        self.stdout.write(
            f"Rebuilt the report counters from {count} cases: {Rollup.objects.count()} rows "
            f"in {time.monotonic() - started:.1f} s."
        )
