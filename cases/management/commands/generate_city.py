"""Build a city-scale database: the 3,503-centre network and N cases over the last years.

The cases are the demo's (``cases.demo``): the same plans, steps and schedules, with the rows the
services would write, sent to the tables by COPY (``cases.demo.bulk``), then the report counters
rolled forward. For benchmarks and load tests; see docs/benchmarks.md.
"""

import random
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.utils import timezone
from faker import Faker
from tqdm import tqdm

from cases.bulkload import indexes_deferred
from cases.demo import bulk
from cases.demo.network import DEMO_PASSWORD, NetworkBuilder
from cases.models import CaseSearch, Category, Centre, DurationBucket, Rollup
from cases.reports.rollups.roll import roll_stocks

CHUNK = 20_000  # cases performed in memory between two writes


class Command(BaseCommand):
    help = (
        "Build a city-scale database: the 3,503-centre network, its demo users (password "
        f"{DEMO_PASSWORD}) and N cases with their parties, events, sessions, agreements, "
        "follow-ups and report counters, written by COPY. Needs PostgreSQL and an empty database."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cases", type=int, required=True, help="How many cases to make.")
        parser.add_argument(
            "--years", type=float, default=10, help="Spread them over this many years (default 10)."
        )
        parser.add_argument(
            "--seed", type=int, default=2026, help="Random seed: a seed always gives the same city."
        )
        parser.add_argument(
            "--force", action="store_true", help="Run even with DEBUG off (never on production)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        cases, years = options["cases"], options["years"]
        if cases < 0:
            raise CommandError("--cases must be 0 or more.")
        if not 0 < years <= 50:
            raise CommandError("--years must be more than 0 and at most 50.")
        if connection.vendor != "postgresql":
            raise CommandError("generate_city writes with PostgreSQL's COPY: set DATABASE_URL.")
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "generate_city makes demo users with a published password; it refuses to run with "
                "DEBUG off. Use --force if this really is a benchmark database."
            )
        if Centre.objects.exists():
            raise CommandError(
                "This database has centres already: generate_city needs an empty one."
            )
        if not Category.objects.filter(parent__isnull=False).exists():
            raise CommandError("No dispute categories: run `python manage.py migrate` first.")
        # One transaction: an interrupted run leaves nothing behind.
        with transaction.atomic():
            self._generate(cases=cases, years=years, seed=options["seed"])

    def _generate(self, *, cases: int, years: float, seed: int) -> None:
        started = time.monotonic()
        rng = random.Random(seed)
        fake = Faker("zh_CN")
        fake.seed_instance(seed)
        now = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
        self.stdout.write("Building the centre network, users and mediators...")
        net = NetworkBuilder(rng, fake).build()
        built = time.monotonic()

        generator = bulk.BulkGenerator(net, rng, fake, now, years=years)
        # Indexes and constraints are built once, after the load (this database was empty).
        with indexes_deferred([*bulk.MODELS, CaseSearch, Rollup, DurationBucket]):
            bar = tqdm(total=cases, unit="case", desc="Cases", file=sys.stderr, disable=None)
            with bar:
                for plans in generator.plan_chunks(cases, CHUNK):
                    for plan in plans:
                        generator.perform(plan)
                    bulk.write(generator)
                    bar.update(len(plans))
            self.stdout.write("Report counters, indexes and constraints...")
            bulk.finish(generator, fresh=True)
        roll_stocks()
        with connection.cursor() as cursor:
            # Fresh statistics for the planner: the tables went from empty to millions of rows.
            cursor.execute("ANALYZE")
        finished = time.monotonic()
        rate = cases / (finished - built) if finished > built else 0.0
        stats = generator.stats
        self.stdout.write(
            f"Network built in {built - started:.1f} s; {cases} cases in {finished - built:.1f} s "
            f"({rate:,.0f} cases/s): sessions {stats['sessions']}, transfers "
            f"{stats['transfers']}, follow-ups {stats['follow-ups']}."
        )
