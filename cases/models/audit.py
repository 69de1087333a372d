"""The audit trail: one row per act worth answering for later (who did what, when, to what) that
is not a case event (DESIGN §3, "Audit record"): sign-ins, API tokens, changes to users,
memberships, centres, categories and settings, exports and downloads, reveals of personal data,
report downloads, anonymisation and the requests people make about their personal data.

Rows are only ever added (``cases.services.audit.record``) with personal data masked in
``details``; the admin shows them read-only and the database refuses to update or delete one
(``append_only``). ``centre`` is the centre the act concerns (a
director sees the records of their subtree), ``case`` the case where there is one, ``target``
what was acted on (``"auth.user:12"``).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .append_only import append_only


class AuditAction(models.TextChoices):
    CASE_LIST_EXPORT = "case_list_export", _("Case list exported")
    # Signing in and API tokens
    LOGIN_SUCCEEDED = "login_succeeded", _("Signed in")
    LOGIN_FAILED = "login_failed", _("Sign-in failed")
    LOGIN_LOCKED_OUT = "login_locked_out", _("Sign-in locked out")
    LOGOUT = "logout", _("Signed out")
    TOKEN_ISSUED = "token_issued", _("API token issued")
    TOKEN_REVOKED = "token_revoked", _("API token revoked")
    # Changes to the set-up, in the admin or through the API (details: before and after)
    USER_CHANGED = "user_changed", _("User changed")
    MEMBERSHIP_CHANGED = "membership_changed", _("Membership changed")
    CENTRE_CHANGED = "centre_changed", _("Centre changed")
    CATEGORY_CHANGED = "category_changed", _("Category changed")
    DEADLINE_SETTING_CHANGED = "deadline_setting_changed", _("Deadline setting changed")
    RETENTION_SETTING_CHANGED = "retention_setting_changed", _("Retention setting changed")
    # Reading personal data and files
    DOWNLOAD = "download", _("File downloaded")
    REPORT_DOWNLOAD = "report_download", _("Report downloaded")
    REVEAL = "reveal", _("Personal data revealed")
    AUDIT_EXPORT = "audit_export", _("Audit trail exported")
    # Retention
    CASE_ANONYMISED = "case_anonymised", _("Case anonymised after retention")
    # Requests from the people concerned
    SUBJECT_SEARCH_REQUESTED = (
        "subject_search_requested",
        _("City-wide personal data search requested"),
    )
    SUBJECT_SEARCH_DECIDED = "subject_search_decided", _("City-wide personal data search decided")
    SUBJECT_SEARCH = "subject_search", _("Personal data searched")
    SUBJECT_EXPORT = "subject_export", _("Personal data exported for the person")
    ERASURE_REQUESTED = "erasure_requested", _("Erasure requested")
    ERASURE_APPROVED = "erasure_approved", _("Erasure approved")
    ERASURE_REFUSED = "erasure_refused", _("Erasure refused")
    AUDIT_EXTRACT = "audit_extract", _("Audit extract made")
    # Early warnings (issue 24): what directors did with one, and changes to the thresholds.
    WARNING_ACKNOWLEDGED = "warning_acknowledged", _("Early warning acknowledged")
    WARNING_ASSIGNED = "warning_assigned", _("Early warning assigned")
    WARNING_DISMISSED = "warning_dismissed", _("Early warning dismissed")
    WARNING_SETTING_CHANGED = "warning_setting_changed", _("Early-warning thresholds changed")


class AuditRecord(models.Model):
    """Who (``actor``, kept as a name too) did what (``action``) when,
    with what it concerned in ``details`` (JSON, personal data masked before it is stored)."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        # Not SET_NULL: that would update the record. Someone who acted is deactivated instead.
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    actor_name = models.CharField(_("actor's user name"), max_length=150)
    action = models.CharField(_("action"), max_length=40, choices=AuditAction.choices)
    details = models.JSONField(_("details"), default=dict)
    centre = models.ForeignKey(
        "cases.Centre",
        verbose_name=_("centre"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_records",
    )
    target = models.CharField(_("target"), max_length=80, blank=True, db_index=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    # Writing one is bookkeeping, not a change the user will look for: it does not send the user's
    # next reads to the primary (cases.replica.ReplicaRouter), so an export still reads, and the
    # pages after it still read, from the replica.
    replica_neutral = True

    class Meta:
        verbose_name = _("audit record")
        verbose_name_plural = _("audit records")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["actor", "-created_at"], name="audit_actor_created"),
            models.Index(fields=["centre", "-created_at"], name="audit_centre_created"),
            models.Index(fields=["action", "-created_at"], name="audit_action_created"),
        ]
        triggers = [append_only()]

    def __str__(self) -> str:
        return f"{self.actor_name} · {self.get_action_display()} · {self.created_at:%Y-%m-%d %H:%M}"
