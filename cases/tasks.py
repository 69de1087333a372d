"""Celery tasks: thin wrappers that call services. Each is idempotent, and declares its queue
(``cases.queues``). A task whose object was deleted meanwhile logs it and returns: waiting and
retrying would not bring it back.
"""

import logging
from collections.abc import Sequence
from typing import Any

from celery import shared_task
from django.db.models import Model

from .documents.case_export import run_export
from .documents.pdf import PdfUnavailable
from .documents.report import pdf_attachment
from .models import Notification, ReportRun, ReportSnapshot
from .queues import QUEUES
from .reports.periods import parse_month
from .reports.rollups.roll import roll_stocks
from .services import snapshots
from .services.exports import purge_expired_exports
from .services.idempotency import purge_expired_keys
from .services.notifications import send_due_emails, send_emails
from .services.preferences import send_digests
from .services.retention import anonymise_expired
from .services.searches import purge_expired_searches
from .services.sweep import remind_sessions, sweep
from .services.warnings import raise_warnings

logger = logging.getLogger(__name__)


def _gone(model: type[Model], pk: int) -> None:
    logger.warning("%s %s no longer exists: nothing to do", model.__name__, pk)


def _present(model: type[Model], ids: Sequence[int]) -> list[int]:
    """The ``ids`` of ``model`` rows that still exist; each one gone is logged."""
    found = set(model._default_manager.filter(pk__in=ids).values_list("pk", flat=True))
    for pk in ids:
        if pk not in found:
            _gone(model, pk)
    return [pk for pk in ids if pk in found]


@shared_task(name="cases.tasks.purge_idempotency_keys", queue=QUEUES.default)
def purge_idempotency_keys() -> int:
    return purge_expired_keys()


@shared_task(name="cases.tasks.purge_saved_searches", queue=QUEUES.default)
def purge_saved_searches() -> int:
    """Forget the searches kept server-side once they expire (``SAVED_SEARCH_TTL_HOURS``)."""
    return purge_expired_searches()


@shared_task(name="cases.tasks.purge_exports", queue=QUEUES.default)
def purge_exports() -> int:
    return purge_expired_exports()


# A case list export of more than EXPORT_BACKGROUND_ROWS rows (documents.case_export): minutes of
# work at city scale, on the "reports" queue with the other long runs, never ahead of the
# interactive notifications.
@shared_task(name="cases.tasks.export_cases", queue=QUEUES.reports)
def export_cases(export_id: int) -> int:
    return run_export(export_id)


@shared_task(name="cases.tasks.notify_by_email", queue=QUEUES.notifications)
def send_notification_emails(ids: list[int]) -> int:
    """E-mail the notifications ``ids`` not yet e-mailed; return how many were sent."""
    return send_emails(_present(Notification, ids))


# Every minute (beat): the outbox's e-mails that were never queued (broker down) or whose send
# failed and is due again. Runs beside the above and beside itself without sending twice.
@shared_task(name="cases.tasks.notify_due_emails", queue=QUEUES.notifications)
def send_due_notification_emails() -> int:
    """E-mail the notifications whose e-mail is due; return how many were sent."""
    return send_due_emails()


# The reports' tasks are on queues of their own: a month-end run of every centre never delays the
# interactive notifications. Each retries with a growing delay.
_REPORT_RETRIES: dict[str, Any] = {
    "autoretry_for": (Exception,),
    "dont_autoretry_for": (PdfUnavailable,),  # a missing library does not come back by waiting
    "retry_backoff": 10,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 6,
}


@shared_task(
    name="cases.tasks.report_monthly_run",
    queue=QUEUES.reports,
    **{**_REPORT_RETRIES, "dont_autoretry_for": (ValueError,)},  # a month not over stays so
)
def report_monthly_run(month: str | None = None) -> int:
    """The schedule's run of ``month`` (``YYYY-MM``; the previous month by default): started if
    the month has none, its missing centres dispatched in chunks. Returns the run's id.

    Sent again for a month that has a run, it finishes that run (``snapshots.complete``).
    """
    run = snapshots.scheduled_run(parse_month(month) if month else snapshots.previous_month())
    snapshots.complete(run)
    return run.pk


@shared_task(name="cases.tasks.report_generate", queue=QUEUES.reports, **_REPORT_RETRIES)
def report_generate(run_id: int, centre_ids: list[int]) -> int:
    """Write the run's missing snapshots of ``centre_ids`` (one chunk); finish the run if this
    was the last. Returns how many snapshots were written."""
    run = ReportRun.objects.filter(pk=run_id).first()
    if run is None:
        _gone(ReportRun, run_id)
        return 0
    written = snapshots.generate(run, centre_ids)
    snapshots.finish_if_complete(run)
    return written


# On a queue of its own: a month's thousands of PDF e-mails never hold up the generation chunks
# queued behind them.
@shared_task(name="cases.tasks.report_email", queue=QUEUES.report_emails, **_REPORT_RETRIES)
def report_email(snapshot_ids: list[int]) -> int:
    """E-mail the snapshots ``snapshot_ids`` not yet e-mailed to their directors, the report
    attached as a PDF."""
    return snapshots.send_emails(_present(ReportSnapshot, snapshot_ids), pdf_attachment)


@shared_task(name="cases.tasks.report_requeue_emails", queue=QUEUES.reports)
def report_requeue_emails() -> int:
    """Queue the recent runs' report e-mails still owed and not queued, or queued so long ago
    that their message is taken for lost (hourly). Returns how many were queued."""
    return snapshots.requeue_owed_emails()


@shared_task(name="cases.tasks.sweep_deadlines", queue=QUEUES.default)
def sweep_deadlines() -> dict[str, int]:
    """The hourly deadline sweep (services.sweep): warnings once each, overdue high-risk cases
    raised to the centre above. Returns what this run did."""
    result = sweep()
    return {
        "due_soon": result.due_soon,
        "overdue": result.overdue,
        "escalated": len(result.escalated),
        "follow_ups": result.follow_ups,
        "performance": result.performance,
        "confirmation": result.confirmation,
    }


@shared_task(name="cases.tasks.anonymise_expired", queue=QUEUES.default)
def anonymise_expired_cases() -> int:
    """The daily retention run (services.retention.anonymise_expired): every closed case past its
    retention period, not on hold, anonymised with one audit record each. Returns how many."""
    return len(anonymise_expired())


@shared_task(name="cases.tasks.remind_sessions", queue=QUEUES.default)
def remind_tomorrows_sessions() -> int:
    """The evening reminder (services.sweep.remind_sessions): each mediator of a session
    tomorrow is told, once. Returns how many sessions were reminded of."""
    return remind_sessions()


@shared_task(name="cases.tasks.send_digests", queue=QUEUES.notifications)
def send_daily_digests() -> int:
    """The directors' daily digests (services.preferences.send_digests): one a day each, for
    those with entries collected. Returns how many were made."""
    return send_digests()


# On the "reports" queue with the month-end run.
@shared_task(name="cases.tasks.report_roll_stocks", queue=QUEUES.reports)
def report_roll_stocks() -> str | None:
    """Carry the report counters' month-end positions into the new month (docs/reports.md)."""
    rolled = roll_stocks()
    return rolled.isoformat() if rolled else None


@shared_task(name="cases.tasks.raise_warnings", queue=QUEUES.default)
def raise_early_warnings() -> dict[str, int]:
    """The daily early-warning run (services.warnings.raise_warnings): a warning per occasion,
    its directors told; a second run raises nothing new. Returns what this run did."""
    result = raise_warnings()
    return {"raised": len(result.raised), "joined": result.joined}
