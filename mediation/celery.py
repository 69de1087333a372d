"""The Celery app. Configured from Django settings (``CELERY_*``); queues are named here, once."""

import os

from celery import Celery
from celery.schedules import crontab
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mediation.settings")

app = Celery("mediation")
app.config_from_object("django.conf:settings", namespace="CELERY")

# Named queues: interactive side effects must not wait behind a month-end report run.
QUEUE_DEFAULT = "default"
QUEUE_NOTIFICATIONS = "notifications"
QUEUE_REPORTS = "reports"

app.conf.task_default_queue = QUEUE_DEFAULT
app.conf.task_queues = (
    Queue(QUEUE_DEFAULT),
    Queue(QUEUE_NOTIFICATIONS),
    Queue(QUEUE_REPORTS),
)
app.conf.task_routes = {
    "cases.tasks.notify_*": {"queue": QUEUE_NOTIFICATIONS},
    "cases.tasks.report_*": {"queue": QUEUE_REPORTS},
}
app.conf.beat_schedule = {
    "purge-idempotency-keys": {
        "task": "cases.tasks.purge_idempotency_keys",
        "schedule": crontab(minute=17, hour="*/6"),
    },
}
app.autodiscover_tasks()
