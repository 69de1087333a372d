"""Celery beat's schedule without a broker, for ``make run``: the laptop has no Redis and no
worker, so ``python manage.py run_schedule`` runs each periodic task in its own process when the
schedule says (the deadline sweep every hour, the evening reminders at 18:00, the digests at 07:30,
the monthly reports on the 1st…). A server runs ``celery beat`` and workers instead.

The schedule is ``app.conf.beat_schedule`` itself, so the two cannot drift apart; the heartbeats
are left out (they tell ``/readyz`` that workers are alive, and here there are none).
"""

import importlib
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from celery import Celery
from celery.schedules import maybe_schedule

from mediation import heartbeat

logger = logging.getLogger(__name__)


@dataclass
class _Entry:
    name: str
    task: str
    schedule: Any  # a celery schedule (crontab, or an interval made from a timedelta)
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    last_run_at: datetime


class LocalBeat:
    """The beat schedule of ``app``, counted from ``now``: nothing is due at once, as with a beat
    just started."""

    def __init__(self, app: Celery, now: datetime) -> None:
        self.app = app
        specs = {n: s for n, s in app.conf.beat_schedule.items() if s["task"] != heartbeat.TASK}
        # A task is registered when its module is imported (a worker imports them all on
        # starting); each of ours is named after its module ("cases.tasks.sweep_deadlines").
        for spec in specs.values():
            importlib.import_module(spec["task"].rpartition(".")[0])
        self.entries = [
            _Entry(
                name=name,
                task=spec["task"],
                # beat's reading of it: a ``timedelta`` becomes an interval
                schedule=maybe_schedule(spec["schedule"], app=app),
                args=tuple(spec.get("args", ())),
                kwargs=dict(spec.get("kwargs", {})),
                last_run_at=now,
            )
            for name, spec in specs.items()
        ]

    def tick(self) -> list[str]:
        """Run, here and now, every entry that is due; return their names. A task that fails is
        logged and its entry waits for its next time, as beat's would."""
        ran = []
        for entry in self.entries:
            due, _next = entry.schedule.is_due(entry.last_run_at)
            if not due:
                continue
            entry.last_run_at = self.app.now()
            ran.append(entry.name)
            try:
                self.app.tasks[entry.task].apply(args=entry.args, kwargs=entry.kwargs, throw=True)
            except Exception:
                logger.exception("periodic task %s (%s) failed", entry.name, entry.task)
        return ran
