"""Exports of the case list made in the background (more than ``EXPORT_BACKGROUND_ROWS`` rows).

The filter is kept to run again in the worker: its parameters as the list's address holds them
(``params``), the search text apart and encrypted (``query_encrypted``) like a saved search's, for
it may hold a phone or ID number. The file goes to the attachments' private storage (no public
address); only its owner downloads it, until ``expires_at`` (then the purge deletes row and file).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .attachments import attachment_storage


class ExportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX"


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to start")
    RUNNING = "running", _("Being written")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


def export_path(export: "Export", filename: str) -> str:
    return f"exports/{export.user_id}/{export.pk}/{filename}"


class Export(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    format = models.CharField(_("format"), max_length=8, choices=ExportFormat.choices)
    params = models.JSONField(_("filter"), default=dict)
    query_encrypted = models.TextField(_("search text (encrypted)"), blank=True)
    language = models.CharField(_("language"), max_length=10)
    time_zone = models.CharField(_("time zone"), max_length=64)
    status = models.CharField(
        _("status"), max_length=10, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    rows_done = models.PositiveIntegerField(_("rows written"), default=0)
    rows_total = models.PositiveIntegerField(_("rows in all"), null=True, blank=True)
    file = models.FileField(
        _("file"), storage=attachment_storage, upload_to=export_path, max_length=200, blank=True
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), db_index=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.user} · {self.format} · {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def percent(self) -> int:
        if not self.rows_total:
            return 100 if self.status == ExportStatus.DONE else 0
        return min(100, self.rows_done * 100 // self.rows_total)

    @property
    def filename(self) -> str:
        return f"cases-{timezone.localtime(self.created_at):%Y%m%d-%H%M}.{self.format}"
