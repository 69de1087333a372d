"""Exports of the case list: the audit record of each, and the background ones' life (queued,
running with its progress, done and announced, purged when expired)."""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from .. import personal_data
from ..models import AuditAction, AuditRecord, Export, ExportStatus, NotificationKind
from . import audit
from .notifications import notify


def masked_filter(params: dict[str, list[str]], text: str) -> dict[str, Any]:
    """A list's filter as the audit trail keeps it: phone and ID numbers in the search masked."""
    kept: dict[str, Any] = {name: values for name, values in sorted(params.items()) if values}
    if text:
        kept["q"] = personal_data.mask_numbers(text)
    return kept


def record_export(
    *,
    user: User,
    params: dict[str, list[str]],
    text: str,
    format: str,
    rows: int | None,
    export: Export | None = None,
    list_name: str = "case_list",
) -> AuditRecord:
    """The audit record of one export of the case list (``rows``: ``None`` while a background
    export has yet to count them; its ``export`` id then tells where they are)."""
    details: dict[str, Any] = {
        "list": list_name,
        "filter": masked_filter(params, text),
        "format": format,
        "rows": rows,
    }
    if export is not None:
        details["export"] = export.pk
    return audit.record(actor=user, action=AuditAction.CASE_LIST_EXPORT, details=details)


def start_export(
    *,
    user: User,
    format: str,
    params: dict[str, list[str]],
    text: str,
    language: str,
    time_zone: str,
) -> Export:
    """Queue an export of the case list (its search text kept encrypted), audited, its task sent
    once the transaction commits."""
    now = timezone.now()
    export = Export.objects.create(
        user=user,
        format=format,
        params=params,
        query_encrypted=personal_data.encrypt(text) if text else "",
        language=language,
        time_zone=time_zone,
        created_at=now,
        expires_at=now + timedelta(days=settings.EXPORT_KEEP_DAYS),
    )
    record_export(user=user, params=params, text=text, format=format, rows=None, export=export)
    transaction.on_commit(lambda: _queue(export.pk))
    return export


def _queue(export_id: int) -> None:
    from ..tasks import export_cases

    export_cases.delay(export_id)


def search_text(export: Export) -> str:
    return personal_data.decrypt(export.query_encrypted) if export.query_encrypted else ""


def started(export: Export, *, total: int) -> None:
    export.status, export.rows_total, export.rows_done = ExportStatus.RUNNING, total, 0
    export.save(update_fields=["status", "rows_total", "rows_done"])


def progressed(export: Export, done: int) -> None:
    Export.objects.filter(pk=export.pk).update(rows_done=done)


def failed(export: Export) -> None:
    export.status, export.finished_at = ExportStatus.FAILED, timezone.now()
    export.save(update_fields=["status", "finished_at"])


def finished(export: Export, content: File, *, rows: int) -> None:
    """Store the file, mark the export done and tell its owner (with a link to the download)."""
    export.file.save(content.name or export.filename, content, save=False)
    with transaction.atomic():
        export.status, export.finished_at = ExportStatus.DONE, timezone.now()
        export.rows_done = rows
        export.rows_total = rows
        export.save(update_fields=["file", "status", "finished_at", "rows_done", "rows_total"])
        notify(
            users=[export.user],
            case=None,
            kind=NotificationKind.EXPORT_READY,
            key=f"export_ready:{export.pk}",
        )


def purge_expired_exports() -> int:
    """Delete the exports past their expiry, their files with them; return how many went."""
    gone = 0
    for export in Export.objects.filter(expires_at__lte=timezone.now()):
        if export.file:
            export.file.delete(save=False)
        export.delete()
        gone += 1
    return gone
