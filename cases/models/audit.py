"""The audit trail: one row per act worth answering for later (who did what, when, to what).

Append-only by convention: rows are only ever created (``cases.services.audit.record``), never
updated or deleted by the application, and the admin shows them read-only. Issue 21 records each
export of the case list; the personal-data issue (22) adds logins, admin changes and reveals under
actions of their own.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    CASE_LIST_EXPORT = "case_list_export", _("Case list exported")


class AuditRecord(models.Model):
    """Who (``actor``, kept as a name too should the user be deleted) did what (``action``) when,
    with what it concerned in ``details`` (JSON, personal data masked before it is stored)."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    actor_name = models.CharField(_("actor's user name"), max_length=150)
    action = models.CharField(_("action"), max_length=40, choices=AuditAction.choices)
    details = models.JSONField(_("details"), default=dict)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    # Writing one is bookkeeping, not a change the user will look for: it does not send the user's
    # next reads to the primary (cases.replica.ReplicaRouter), so an export still reads, and the
    # pages after it still read, from the replica.
    replica_neutral = True

    class Meta:
        verbose_name = _("audit record")
        verbose_name_plural = _("audit records")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["actor", "-created_at"], name="audit_actor_created")]

    def __str__(self) -> str:
        return f"{self.actor_name} · {self.get_action_display()} · {self.created_at:%Y-%m-%d %H:%M}"
