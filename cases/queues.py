"""The Celery queues, named once.

Each task in ``cases.tasks`` declares its queue (``@shared_task(queue=QUEUES.reports)``); the app
(``mediation/celery.py``) declares every queue and routes each task, sent by name or not, to the
queue it declares. A worker consumes them all: ``celery -A mediation worker -Q
default,notifications,reports,report_emails`` (every queue needs a worker).
"""

from typing import NamedTuple


class Queues(NamedTuple):
    # Housekeeping and the deadline sweep.
    default: str = "default"
    # Interactive side effects (notification e-mails): never behind a month-end report run.
    notifications: str = "notifications"
    # The monthly reports: the run, its generation chunks, the counters' month-end roll.
    reports: str = "reports"
    # The monthly reports' e-mails (a PDF each, seconds apiece): a queue of their own, so that after
    # a worker's death the generation chunks of a resumed run do not wait behind thousands of them.
    report_emails: str = "report_emails"


QUEUES = Queues()
