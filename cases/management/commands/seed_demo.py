"""Build the Wuhan-shaped demo city: 3,503 centres, their people, and cases of the last 24 months.

The cases of the last ``--services-days`` days (45) are made through the real services (intake,
workflow transitions, sessions, fulfilment, follow-ups), so their numbers, deadlines, timeline and
notifications are what real use would produce. The older ones, the history, are the same plans
performed in memory by the bulk loader (``cases.demo.bulk``: the rows the services would write,
notifications aside; ``tests/demo/test_bulk_equals_services.py`` holds the two equal), which is
what brings the first ``make run`` under two minutes. Running it again adds nothing. Every demo
login's password is ``DEMO_PASSWORD`` (``demo12345``).
"""

import gc
import os
import random
import sys
import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from faker import Faker
from tqdm import tqdm

from cases.bulkload import analyze
from cases.demo import bulk, city
from cases.demo.cases import SPAN_DAYS, CaseGenerator
from cases.demo.network import DEMO_LOGINS, DEMO_PASSWORD, NetworkBuilder, retire_old_demo_staff
from cases.models import Case, CaseSearch, Category, Centre, Mediator, Outcome, Status
from cases.reports.rollups.roll import roll_stocks

# Cases registered in the last SERVICES_DAYS days go through the services (their timeline,
# notifications and the demo logins' open cases as real use makes them); older ones, mostly
# closed, are written by the bulk loader.
SERVICES_DAYS = 45
CHUNK = 5_000  # history cases performed in memory between two writes


class Command(BaseCommand):
    help = (
        "Build the demo city (a Wuhan-shaped network of 3,503 mediation centres, demo users and "
        f"cases). Adds nothing if the city centre {city.CITY_CODE} exists. Password of every "
        f"demo login: {DEMO_PASSWORD}."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--cases", type=int, default=5000, help="How many cases to make (default 5000)."
        )
        parser.add_argument(
            "--seed", type=int, default=2026, help="Random seed: a seed always gives the same city."
        )
        parser.add_argument(
            "--services-days",
            type=int,
            default=SERVICES_DAYS,
            help=f"Cases registered in the last N days (default {SERVICES_DAYS}) are performed "
            "through the services, with their notifications; older ones are written by the bulk "
            f"loader, a hundred times faster. {SPAN_DAYS} or more: every case through the "
            "services (slow).",
        )
        parser.add_argument(
            "--force", action="store_true", help="Run even with DEBUG off (never on production)."
        )
        parser.add_argument(
            "--print-logins", action="store_true", help="Only print the demo logins and exit."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["print_logins"]:
            self._print_logins()
            return
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "seed_demo makes demo users with a published password and thousands of fake cases; "
                "it refuses to run with DEBUG off. Use --force if this really is a demo database."
            )
        if options["cases"] < 0:
            raise CommandError("--cases must be 0 or more.")
        if options["services_days"] < 0:
            raise CommandError("--services-days must be 0 or more.")
        if Centre.objects.filter(code=city.CITY_CODE).exists():
            self.stdout.write("Demo city already present; nothing added.")
            retired = retire_old_demo_staff()
            if retired:
                self.stdout.write(
                    f"{retired} demo logins were staff (an earlier seed made them so): no longer; "
                    "only administrators use the admin."
                )
            self._print_logins()
            return
        self._check_empty()
        # One transaction: an interrupted run leaves nothing behind, so the next run starts afresh.
        with transaction.atomic():
            self._seed(
                cases=options["cases"], seed=options["seed"], services_days=options["services_days"]
            )
        self._print_logins()

    def _check_empty(self) -> None:
        codes = [c.code for c in Centre.objects.all()[:5]]
        if codes:
            raise CommandError(
                f"This database has centres ({', '.join(codes)}, ...) but no demo city; "
                "seed_demo only builds its city in a database without centres."
            )
        if not Category.objects.filter(parent__isnull=False).exists():
            raise CommandError("No dispute categories: run `python manage.py migrate` first.")

    def _seed(self, *, cases: int, seed: int, services_days: int) -> None:
        started = time.monotonic()
        rng = random.Random(seed)
        fake = Faker("zh_CN")
        fake.seed_instance(seed)
        # The demo's history ends at the last midnight (local time), so a seed gives the same city
        # all day long; later steps (the next session of an open case) may lie in the future.
        now = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)

        self.stdout.write("Building the centre network, users and mediators...")
        with self._bar("Network", NetworkBuilder.BUILD_STEPS, "step") as bar:
            net = NetworkBuilder(rng, fake).build(progress=bar)
        built = time.monotonic()

        # One planner for every case; the history is performed in memory by the bulk loader
        # (``cases.demo.bulk``, held equal to the services by tests/demo), the recent cases
        # through the services, which also leave their notifications.
        history = bulk.BulkGenerator(net, rng, fake, now, years=1, pooled=False)
        history.span_days = SPAN_DAYS
        plans = history.plan(cases)
        cut_off = now - timedelta(days=services_days)
        old = [plan for plan in plans if plan.at < cut_off]
        recent = plans[len(old) :]
        # The network's objects live until the end: keep the garbage collector off them.
        gc.collect()
        gc.freeze()
        with self._bar("History (bulk)", len(old), "case") as bar:
            for start in range(0, len(old), CHUNK):
                for plan in old[start : start + CHUNK]:
                    history.perform(plan)
                    bar.update()
                bulk.write(history)
        written = time.monotonic()
        with self._bar("Report counters", 1, "step") as bar:
            # The history's counters, numbering counters and id sequences, before the services
            # add the recent cases to them.
            bulk.finish(history, fresh=True)
            analyze([*bulk.MODELS, CaseSearch])
            bar.update()
        counted = time.monotonic()
        services = CaseGenerator(net, rng, fake, now)
        services.people, services.court_numbers = history.people, history.court_numbers
        services.stats = history.stats
        with self._bar("Recent cases", len(recent), "case") as bar:
            for plan in recent:
                services.run(plan)
                bar.update()
        finished = time.monotonic()
        gc.unfreeze()
        # The history was written month after month in the past: carry the report counters'
        # month-end positions forward to today, as the daily roll would have.
        roll_stocks()

        self.stdout.write(
            f"Network {built - started:.1f} s; {len(old)} cases older than {services_days} days "
            f"by the bulk loader {written - built:.1f} s, their report counters "
            f"{counted - written:.1f} s; {len(recent)} recent cases through the services "
            f"{finished - counted:.1f} s."
        )
        self._summary(history.stats, network_s=built - started, cases_s=finished - built)
        for username in sorted(net.reused_usernames & {login.username for login in DEMO_LOGINS}):
            self.stdout.write(
                self.style.WARNING(
                    f"User {username!r} existed already: its password was left unchanged."
                )
            )

    @staticmethod
    def _bar(desc: str, total: int, unit: str) -> Any:
        """A progress bar on stderr (shown on a terminal only)."""
        return tqdm(total=total, unit=unit, desc=desc, file=sys.stderr, disable=None)

    def _summary(self, stats: Any, *, network_s: float, cases_s: float) -> None:
        by_status = dict(
            Case.objects.values_list("status").annotate(n=Count("id")).order_by("status")
        )
        resolved = Case.objects.filter(outcome=Outcome.RESOLVED).count()
        failed = Case.objects.filter(outcome=Outcome.FAILED).count()
        rate = f"{resolved / (resolved + failed):.1%}" if resolved + failed else "n/a"
        self.stdout.write(
            f"Centres: {Centre.objects.count()}, mediators: {Mediator.objects.count()}, "
            f"users: {get_user_model().objects.count()} (built in {network_s:.1f} s)."
        )
        self.stdout.write(
            "Cases by status: "
            + ", ".join(f"{s.value} {by_status.get(s.value, 0)}" for s in Status)
        )
        refused = {k: v for k, v in stats.items() if k.startswith("refused: ")}
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {stats['cases']} cases in {cases_s:.1f} s: success rate "
                f"(resolved / (resolved + failed)) {rate}; sessions {stats['sessions']}, "
                f"transfers {stats['transfers']}, follow-ups {stats['follow-ups']}, "
                f"steps refused {stats['steps refused']}."
            )
        )
        for reason, count in sorted(refused.items()):
            self.stderr.write(f"  {count} × {reason.removeprefix('refused: ')}")

    def _print_logins(self) -> None:
        users = {
            u.username: u
            for u in get_user_model().objects.filter(
                username__in=[login.username for login in DEMO_LOGINS]
            )
        }
        if not users:
            self.stdout.write("No demo logins in this database yet: run `manage.py seed_demo`.")
            return
        centres = {
            c.code: c
            for c in Centre.objects.filter(code__in=[login.centre_code for login in DEMO_LOGINS])
        }
        port = os.environ.get("PORT", "8000")
        self.stdout.write(
            f"Demo logins (http://127.0.0.1:{port}/; the admin, /admin/, is admin's only), "
            f"password {DEMO_PASSWORD}:"
        )
        rows = [("login", "password", "role", "centre")]
        for login in DEMO_LOGINS:
            if login.username not in users:
                continue
            centre = centres.get(login.centre_code)
            where = f"{centre.code} {centre.name_zh}" if centre else "everything"
            rows.append((login.username, DEMO_PASSWORD, login.role, where))
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        for *cells, where in rows:  # the centre last: Chinese names do not line up in columns
            padded = [cell.ljust(width) for cell, width in zip(cells, widths, strict=True)]
            self.stdout.write("  " + "  ".join([*padded, where]))
