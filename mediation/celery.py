"""The Celery app. Configured from Django settings (``CELERY_*``); the queues are named in
``cases.queues`` and each task declares its own."""

import os
from datetime import timedelta
from typing import Any

from celery import Celery
from celery.schedules import crontab
from celery.signals import worker_process_init
from kombu import Queue

from cases.queues import QUEUES
from mediation import heartbeat, requestlog  # noqa: F401 (requestlog: its signal handlers)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mediation.settings")

app = Celery("mediation")
app.config_from_object("django.conf:settings", namespace="CELERY")


def declared_queue(
    name: str, args: Any, kwargs: Any, options: Any, task: Any = None, **extra: Any
) -> dict[str, str] | None:
    """Route a task to the queue it declares (``@shared_task(queue=...)``), also when it is sent
    by name (beat, ``send_task``)."""
    queue = getattr(task or app.tasks.get(name), "queue", None)
    return {"queue": queue} if queue else None


# Named queues: interactive side effects must not wait behind a month-end report run.
app.conf.task_default_queue = QUEUES.default
app.conf.task_queues = tuple(Queue(name) for name in QUEUES)
app.conf.task_routes = (declared_queue,)


@worker_process_init.connect
def warm_up_pdf(**kwargs: Any) -> None:
    """Each worker process loads the PDF renderer and its font once, at start (issue 24)."""
    from cases.documents.pdf import warm_up

    warm_up()


app.conf.beat_schedule = {
    # The notification e-mails' outbox: whatever the queue did not send (services.notifications).
    "send-notification-emails": {
        "task": "cases.tasks.notify_due_emails",
        "schedule": timedelta(minutes=1),
    },
    "purge-idempotency-keys": {
        "task": "cases.tasks.purge_idempotency_keys",
        "schedule": crontab(minute=17, hour="*/6"),
    },
    # Searches holding a phone or ID number are kept a day at most (cases.models.SavedSearch).
    "purge-saved-searches": {
        "task": "cases.tasks.purge_saved_searches",
        "schedule": crontab(minute=37),
    },
    # Background exports of the case list are kept EXPORT_KEEP_DAYS, then go with their files.
    "purge-exports": {
        "task": "cases.tasks.purge_exports",
        "schedule": crontab(minute=47),
    },
    # Every centre's report for the month just ended, at 02:00 on the 1st in the reporting time
    # zone (CELERY_TIMEZONE is TIME_ZONE, Asia/Shanghai), while the centres are closed.
    "monthly-reports": {
        "task": "cases.tasks.report_monthly_run",
        "schedule": crontab(minute=0, hour=2, day_of_month=1),
    },
    # Deadlines due soon and passed, and overdue high-risk cases raised (services.sweep).
    "sweep-deadlines": {
        "task": "cases.tasks.sweep_deadlines",
        "schedule": crontab(minute=5),
    },
    # The parties, notes and files of cases past their retention period anonymised, at 03:20
    # (CELERY_TIMEZONE, Asia/Shanghai); a second run finds nothing left (services.retention).
    "anonymise-expired": {
        "task": "cases.tasks.anonymise_expired",
        "schedule": crontab(minute=20, hour=3),
    },
    # The evening before: the mediators of tomorrow's sessions reminded, at 18:00 (CELERY_TIMEZONE,
    # Asia/Shanghai); a second run reminds nobody twice (services.sweep.remind_sessions).
    "remind-sessions": {
        "task": "cases.tasks.remind_sessions",
        "schedule": crontab(minute=0, hour=18),
    },
    # The directors' daily digests, at 07:30 (CELERY_TIMEZONE, Asia/Shanghai); a second run the
    # same day makes none (services.preferences.send_digests).
    "send-digests": {
        "task": "cases.tasks.send_digests",
        "schedule": crontab(minute=30, hour=7),
    },
    # The early warnings (services.warnings), at 06:15 (CELERY_TIMEZONE, Asia/Shanghai): before
    # the directors' day and their 07:30 digests; a second run raises nothing twice.
    "raise-warnings": {
        "task": "cases.tasks.raise_warnings",
        "schedule": crontab(minute=15, hour=6),
    },
    # Report e-mails still owed and not queued, or whose queued message was lost (snapshots).
    "requeue-report-emails": {
        "task": "cases.tasks.report_requeue_emails",
        "schedule": crontab(minute=40),
    },
    # The report counters' month-end positions carried into the new month; daily, so a missed
    # run is made up the next day (reports are right either way: docs/reports.md).
    "roll-report-counters": {
        "task": "cases.tasks.report_roll_stocks",
        "schedule": crontab(minute=10, hour=0),
    },
    # One heartbeat a minute (HEARTBEAT_INTERVAL_SECONDS: see below) to each queue, read by
    # /readyz (mediation.heartbeat): publishing it stamps the beat's tick, running it the queue's
    # worker. Dropped if no worker takes it in time.
    **{
        f"heartbeat-{queue}": {
            "task": heartbeat.TASK,
            "schedule": timedelta(minutes=1),
            "args": (queue,),
            "options": {"queue": queue, "expires": 50},
        }
        for queue in QUEUES
    },
}


@app.on_after_configure.connect
def _heartbeat_interval(sender: Celery, source: Any, **kwargs: Any) -> None:
    """The heartbeats' interval from the settings (read once the app is configured from them)."""
    from django.conf import settings

    every = timedelta(seconds=settings.HEARTBEAT_INTERVAL_SECONDS)
    for queue in QUEUES:
        source["beat_schedule"][f"heartbeat-{queue}"]["schedule"] = every


app.autodiscover_tasks()
