"""make run's stand-in for Celery beat: the periodic tasks, each run in this process on time."""

import time
from typing import Any

from django.core.management.base import BaseCommand

from mediation.celery import app
from mediation.local_beat import LocalBeat


class Command(BaseCommand):
    help = (
        "Run the periodic tasks of the beat schedule (deadline sweep, session reminders, digests, "
        "monthly reports…) in this process when they are due, for a laptop without a broker "
        "(make run). A server runs celery beat and workers instead."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--interval", type=float, default=20.0, help="seconds between looks at the schedule"
        )

    def handle(self, *args: Any, interval: float, **options: Any) -> None:
        beat = LocalBeat(app, app.now())
        self.stdout.write(
            f"Periodic tasks: {', '.join(entry.name for entry in beat.entries)} "
            f"(times in {app.conf.timezone})."
        )
        while True:
            for name in beat.tick():
                self.stdout.write(f"{app.now():%Y-%m-%d %H:%M} ran {name}")
            time.sleep(interval)
