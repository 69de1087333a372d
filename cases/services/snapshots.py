"""Month-end snapshots: every centre's report for a past month, kept as it was generated, and
e-mailed to the centre's directors (DESIGN §5).

A ``ReportRun`` is one generation of a month; its snapshots are written centre by centre, each in
its own transaction, and (run, centre) is unique, so a chunk that is retried, delivered twice, or
taken over after its worker died writes no snapshot twice. ``complete`` is the way back from any
interruption: it dispatches whatever centres are still missing and finishes the run when none is.
E-mails are queued (on their own queue) after the snapshot's commit, each marked queued
(``email_queued_at``) so that ``complete`` queues only what is neither sent nor queued; a queued
e-mail whose message was lost is queued again once its lease is over (``requeue_owed_emails``,
hourly). Each is claimed by stamping ``emailed_at`` as it is sent, so a retried or duplicated task
sends nothing twice. docs/reports.md ("Snapshots on schedule") tells the whole story.
"""

import logging
from collections.abc import Callable, Iterator, Sequence
from datetime import date, timedelta
from itertools import groupby
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext

from ..models import Centre, ReportRun, ReportScope, ReportSnapshot
from ..queries import snapshots as snapshot_queries
from ..queries.preferences import reading_languages
from ..reports.figures import BY_KEY
from ..reports.monthly import labelled, report
from ..reports.periods import add_months, current_month, format_month, zone

logger = logging.getLogger(__name__)

# Centres per generation task: a chunk is a few seconds of work (a report is a few dozen
# milliseconds), and a 3,500-centre city is 18 chunks that several workers can share.
CHUNK_SIZE = 200

# A queued e-mail not sent after this long is taken for lost (its message gone with a broker that
# lost its data, or its task out of retries) and may be queued again. Longer than a month-end
# queue of every centre's e-mail takes, and than Redis's visibility timeout (one hour), after which
# a message held by a dead worker is delivered again anyway.
EMAIL_QUEUE_LEASE = timedelta(hours=3)
# The hourly re-queue looks at the runs started this recently; older ones are left to
# ``build_reports --resume``.
EMAIL_REQUEUE_WINDOW = timedelta(days=7)

# The figures quoted in the e-mail's text; the attached PDF has them all.
EMAIL_FIGURES = ("received", "resolved", "failed", "open_at_month_end", "overdue_at_month_end")

# The file an e-mail attaches, made from a report's labelled data in the active language: its name
# and content. Documents sit above this floor, so the caller hands the maker in
# (``cases.tasks.report_email`` gives ``cases.documents.report.pdf_attachment``).
Attachment = Callable[[dict[str, Any]], tuple[str, bytes]]


def previous_month() -> date:
    """The month the schedule reports on: the one before the current month (Asia/Shanghai)."""
    return add_months(current_month(), -1)


def _check_month(month: date) -> None:
    if month >= current_month():
        raise ValueError(
            f"{format_month(month)} is not over yet: snapshots are kept for past months only."
        )


def start_run(month: date, requested_by: User | None = None) -> ReportRun:
    """Start the next version of ``month``'s run (1 for the first). Writes no snapshot: the
    caller generates them (``generate``) or has them dispatched (``complete``).

    Raises ``ValueError`` for the current month or a later one.
    """
    _check_month(month)
    while True:
        version = (ReportRun.objects.filter(month=month).aggregate(v=Max("version"))["v"] or 0) + 1
        try:
            with transaction.atomic():
                return _create_run(month, version, requested_by)
        except IntegrityError:
            if not ReportRun.objects.filter(month=month, version=version).exists():
                raise
            # Another run of the month took that version a moment ago: take the next.


def scheduled_run(month: date) -> ReportRun:
    """The schedule's run of ``month``: its latest run if it has one, else version 1, started now.

    A beat tick delivered twice, or a worker that dies after starting the run and has the task
    redelivered, therefore finds the run already there instead of starting a second one.
    """
    _check_month(month)
    existing = ReportRun.objects.filter(month=month).order_by("-version").first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return _create_run(month, 1, None)
    except IntegrityError:
        return ReportRun.objects.filter(month=month).order_by("-version")[0]


def _create_run(month: date, version: int, requested_by: User | None) -> ReportRun:
    return ReportRun.objects.create(
        month=month,
        version=version,
        started_at=timezone.now(),
        centres=Centre.objects.count(),
        requested_by=requested_by,
    )


def generate(run: ReportRun, centre_ids: Sequence[int]) -> int:
    """Write ``run``'s missing snapshots for ``centre_ids``; return how many were written now.

    Each snapshot is computed and inserted in its own transaction; one that exists already (an
    earlier attempt of this chunk, or a duplicate delivered to another worker at the same time) is
    skipped, or its insert loses on the unique (run, centre) and is dropped. Each written snapshot
    has its directors' e-mail queued once its transaction commits.
    """
    done = set(
        ReportSnapshot.objects.filter(run=run, centre_id__in=centre_ids).values_list(
            "centre_id", flat=True
        )
    )
    written = 0
    for centre in Centre.objects.filter(pk__in=set(centre_ids) - done).order_by("path"):
        if _write_snapshot(run, centre):
            written += 1
    return written


def _write_snapshot(run: ReportRun, centre: Centre) -> bool:
    try:
        with transaction.atomic():
            # To the second, as the report's ``as_of`` says it: the two are the same moment.
            now = timezone.now().replace(microsecond=0)
            snapshot = ReportSnapshot.objects.create(
                run=run,
                centre=centre,
                month=run.month,
                version=run.version,
                generated_at=now,
                data=report(centre, run.month, ReportScope.SUBTREE, now=now),
            )
            pk = snapshot.pk
            # After the commit, best effort: a broker that cannot be reached does not undo the
            # snapshot, and its e-mail is queued again later (``complete``, the hourly re-queue).
            transaction.on_commit(lambda: queue_emails(ReportSnapshot.objects.filter(pk=pk)))
    except IntegrityError:
        if ReportSnapshot.objects.filter(run=run, centre=centre).exists():
            return False  # written by a duplicate of this chunk in the meantime
        raise
    return True


def finish_if_complete(run: ReportRun) -> bool:
    """Set ``run``'s ``finished_at`` (and its centre count) once every centre has its snapshot;
    return whether it is finished. Concurrent callers set it once."""
    if snapshot_queries.missing_centres(run).exists():
        return False
    ReportRun.objects.filter(pk=run.pk, finished_at__isnull=True).update(
        finished_at=timezone.now(), centres=ReportSnapshot.objects.filter(run=run).count()
    )
    run.refresh_from_db(fields=["finished_at", "centres"])
    return True


def complete(run: ReportRun, *, chunk_size: int = CHUNK_SIZE) -> int:
    """Finish ``run``, or dispatch its missing centres in chunks; return how many were dispatched.

    Starts a fresh run's work, and finishes one interrupted by a dead worker when called again:
    only centres without a snapshot are dispatched. E-mails still owed for the snapshots already
    written are queued, unless they are queued already (within ``EMAIL_QUEUE_LEASE``); none is
    sent twice.
    """
    missing = list(snapshot_queries.missing_centres(run).values_list("pk", flat=True))
    queue_emails(snapshot_queries.owed_emails(run))
    if not missing:
        finish_if_complete(run)
        return 0
    from ..tasks import report_generate  # the tasks module imports this one

    for chunk in _chunks(missing, chunk_size):
        report_generate.delay(run.pk, chunk)
    return len(missing)


def _chunks(ids: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


# --- E-mail to the directors ----------------------------------------------------------------------


def queue_emails(candidates: QuerySet[ReportSnapshot]) -> int:
    """Queue the e-mails of ``candidates`` that are owed (not sent, someone to send them to) and
    not queued already, or queued longer ago than ``EMAIL_QUEUE_LEASE``; return how many.

    Each is marked queued (``email_queued_at``) before it is queued, under row locks that a
    concurrent caller skips, so two callers never queue the same e-mail. Best effort: if the
    broker does not take them, their marks are cleared for the next ``complete`` or re-queue, and
    nothing is raised (the caller's work has committed).
    """
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            snapshot_queries.owed(candidates)
            .filter(
                Q(email_queued_at__isnull=True) | Q(email_queued_at__lt=now - EMAIL_QUEUE_LEASE)
            )
            .select_for_update(skip_locked=True)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        ReportSnapshot.objects.filter(pk__in=ids).update(email_queued_at=now)
    from ..tasks import report_email  # the tasks module imports this one

    for start in range(0, len(ids), CHUNK_SIZE):
        chunk = ids[start : start + CHUNK_SIZE]
        try:
            report_email.delay(chunk)
        except Exception:
            unqueued = ids[start:]
            ReportSnapshot.objects.filter(pk__in=unqueued, email_queued_at=now).update(
                email_queued_at=None
            )
            logger.warning(
                "Report e-mails of %s snapshots: could not queue them (broker unreachable?); "
                "they are queued again by the next complete() or the hourly re-queue.",
                len(unqueued),
                exc_info=True,
            )
            return start
    return len(ids)


def requeue_owed_emails() -> int:
    """Queue the e-mails still owed by the runs started within ``EMAIL_REQUEUE_WINDOW`` that are
    not queued, or whose queueing is older than its lease (a lost message); return how many."""
    recent = ReportRun.objects.filter(started_at__gte=timezone.now() - EMAIL_REQUEUE_WINDOW)
    return queue_emails(ReportSnapshot.objects.filter(run__in=recent))


def send_emails(snapshot_ids: Sequence[int], attachment: Attachment) -> int:
    """E-mail each snapshot in ``snapshot_ids`` to its centre's directors, once; return how many
    messages were sent.

    Each director gets one message in their language with the report attached as ``attachment``
    makes it (the PDF, made once per language). The snapshot is locked and ``emailed_at`` stamped
    in the transaction that sends it: a second run, or a concurrent worker, finds it stamped and
    sends nothing; a failed send rolls the stamp back so a retry sends it.
    """
    sent = 0
    for pk in snapshot_ids:
        with transaction.atomic():
            snapshot = (
                ReportSnapshot.objects.select_for_update(of=("self",))
                .select_related("centre")
                .filter(pk=pk, emailed_at__isnull=True)
                .first()
            )
            if snapshot is None:
                continue
            recipients = list(snapshot_queries.recipients(snapshot.centre_id))
            if not recipients:
                continue
            messages = list(_messages(snapshot, recipients, attachment))
            get_connection().send_messages(messages)
            snapshot.emailed_at = timezone.now()
            snapshot.save(update_fields=["emailed_at"])
            sent += len(messages)
    return sent


def _messages(
    snapshot: ReportSnapshot, recipients: list[User], attachment: Attachment
) -> Iterator[EmailMessage]:
    # Each in the language its recipient chose on their profile, else the site's.
    languages = reading_languages(recipients)

    def language_of(user: User) -> str:
        return languages[user.pk]

    for language, users in groupby(sorted(recipients, key=language_of), key=language_of):
        with translation.override(language):
            data = labelled(snapshot.data)
            subject, body = _email_text(snapshot, data)
            name, content = attachment(data)
            for user in users:
                message = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
                message.attach(name, content, "application/pdf")
                yield message


def _email_text(snapshot: ReportSnapshot, data: dict[str, Any]) -> tuple[str, str]:
    """The subject and the text of a snapshot's e-mail, in the active language."""
    names = {"centre": data["centre"]["label"], "month": data["month"]}
    subject = gettext("Monthly report of %(centre)s for %(month)s") % names
    generated = timezone.localtime(snapshot.generated_at, zone()).strftime("%Y-%m-%d %H:%M")
    lines = [
        gettext(
            "The monthly report of %(centre)s and every centre below it for %(month)s is "
            "attached (version %(version)s, generated %(generated)s)."
        )
        % {**names, "version": snapshot.version, "generated": generated},
        "",
    ]
    colon = "：" if not (translation.get_language() or "").startswith("en") else ": "
    for key in EMAIL_FIGURES:
        lines.append(f"{BY_KEY[key].label}{colon}{data['figures'][key]}")
    lines += ["", gettext("Each figure's definition is printed in the report.")]
    return subject, "\n".join(lines) + "\n"
