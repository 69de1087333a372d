"""In-app notifications (the bell), each also sent by e-mail once."""

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from .cases import Case

# How much of a case's summary an entry (the bell, the e-mail, the API's ``text``) shows.
SUMMARY_CHARS = 40


class NotificationKind(models.TextChoices):
    HIGH_RISK = "high_risk", _("High-risk case registered")
    DUE_SOON = "due_soon", _("Deadline approaching")
    OVERDUE = "overdue", _("Deadline passed")
    ESCALATED = "escalated", _("Overdue case escalated")
    RETURNED_TO_COURT = "returned_to_court", _("Entrusted case returned to the court")
    # Issue 20, "Notifications": the kinds of the day's work (cases.services.notifications).
    ASSIGNED = "assigned", _("Case assigned to you")
    TRANSFER_INCOMING = "transfer_incoming", _("Case transferred to your centre")
    AWAITING_ACCEPTANCE = "awaiting_acceptance", _("Case waiting for acceptance at your centre")
    SESSION_BOOKED = "session_booked", _("Session booked")
    SESSION_MOVED = "session_moved", _("Session moved")
    SESSION_CANCELLED = "session_cancelled", _("Session cancelled")
    SESSION_REMINDER = "session_reminder", _("Session tomorrow")
    FOLLOW_UP_DUE = "follow_up_due", _("Follow-up visit due")
    PERFORMANCE_OVERDUE = "performance_overdue", _("Agreement performance deadline passed")
    CONFIRMATION_CLOSING = "confirmation_closing", _("Judicial confirmation window closing")
    MENTIONED = "mentioned", _("Mentioned in a case note")
    # A director's daily digest (cases.services.preferences): the day's entries of the kinds they
    # take as a digest, in one notification.
    DIGEST = "digest", _("Daily digest")
    # Issue 21: a case list export made in the background is ready (keyed ``export_ready:<id>``).
    EXPORT_READY = "export_ready", _("Your case list export is ready")
    # Issue 22: a personal data request of yours was approved or refused (``request_decided:<id>``).
    REQUEST_DECIDED = "request_decided", _("Your personal data request was decided")
    # Issue 24: an early warning was raised in a subtree the user directs (``warning:<id>``).
    WARNING = "warning", _("Early warning raised")


def case_text(case: "Case | None", *, visible: bool = True) -> str:
    """A case as an entry names it, in the active language: its number, its summary (shortened)
    and its centre; only the number for a case the reader may no longer see (``visible=False``);
    empty for no case. Needs ``case.centre`` loaded."""
    if case is None:
        return ""
    if not visible:
        return gettext("Case %(number)s") % {"number": case.number}
    return gettext("Case %(number)s “%(summary)s” at %(centre)s") % {
        "number": case.number,
        "summary": Truncator(case.summary).chars(SUMMARY_CHARS),
        "centre": case.centre.name,
    }


class Notification(models.Model):
    """One message to one user about (usually) one case. Written by ``services.notifications``.

    ``key`` names the occurrence (``high_risk:<case id>``); (user, key) is unique, so a retried
    intake or an hourly sweep that sees the same thing again notifies nobody twice.

    The rows are also the e-mail outbox: ``email_due_at`` is when the e-mail is next to be tried
    (set when the row is made; cleared once it is sent, given up, or has no address to go to), and
    ``email_attempts`` counts the sends that failed.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=NotificationKind.choices)
    key = models.CharField(_("key"), max_length=120)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)
    email_due_at = models.DateTimeField(_("e-mail due at"), null=True, blank=True)
    email_attempts = models.PositiveSmallIntegerField(_("failed e-mail attempts"), default=0)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="notification_once_per_user")
        ]
        indexes = [
            models.Index(fields=["user", "read_at"], name="notification_user_unread"),
            # The outbox: the few rows still to e-mail, in the order they are due.
            models.Index(
                fields=["email_due_at"],
                name="notification_email_due",
                condition=models.Q(email_due_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_kind_display()}"

    def case_line(self, *, visible: bool = True) -> str:
        """The case the entry is about, in the active language: its number, its summary
        (shortened) and its centre; only the number for a case the reader may no longer see
        (``visible=False``); empty for an entry about no case.

        Needs ``case`` and ``case.centre`` loaded (``notifications_for`` selects them)."""
        return case_text(self.case, visible=visible)

    @property
    def export_id(self) -> int | None:
        """The export an ``export_ready`` entry announces (its key names it)."""
        if self.kind != NotificationKind.EXPORT_READY:
            return None
        return int(self.key.rpartition(":")[2])

    @property
    def subject_request_id(self) -> int | None:
        """The personal data request a ``request_decided`` entry announces (its key names it)."""
        if self.kind != NotificationKind.REQUEST_DECIDED:
            return None
        return int(self.key.rpartition(":")[2])

    @property
    def warning_id(self) -> int | None:
        """The early warning a ``warning`` entry announces (its key names it)."""
        if self.kind != NotificationKind.WARNING:
            return None
        return int(self.key.split(":")[1])  # "warning:<id>" or "warning:<id>:assigned:…"

    def case_summary(self) -> str:
        """The case's summary, shortened to ``SUMMARY_CHARS``."""
        return Truncator(self.case.summary).chars(SUMMARY_CHARS) if self.case else ""

    def digest_lines(self) -> list[str]:
        """The entries a digest lists, each as "what happened: the case", in the active language
        (needs ``digest_items`` with their cases and centres: ``notifications_for`` prefetches
        them); none for any other kind."""
        if self.kind != NotificationKind.DIGEST:
            return []
        return [item.line() for item in self.digest_items.all()]

    def text(self, *, visible: bool = True) -> str:
        """The whole entry in the active language: what happened, and the case it is about (a
        digest: the entries it lists)."""
        if self.kind == NotificationKind.DIGEST:
            return gettext("%(kind)s: %(entries)s") % {
                "kind": self.get_kind_display(),
                "entries": "; ".join(self.digest_lines()),
            }
        line = self.case_line(visible=visible)
        kind = str(self.get_kind_display())
        return gettext("%(kind)s: %(case)s") % {"kind": kind, "case": line} if line else kind
