"""The append-only timeline and audit trail of every case."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .append_only import append_only, values_only


class EventKind(models.TextChoices):
    INTAKE = "intake", _("Registration")
    TRANSITION = "transition", _("Status change")
    EDIT = "edit", _("Edited")
    REVEAL = "reveal", _("Personal data revealed")
    SESSION = "session", _("Session")
    AGREEMENT = "agreement", _("Agreement")
    FOLLOW_UP = "follow_up", _("Follow-up")
    NOTE = "note", _("Case note")
    PARTIES = "parties", _("Parties changed")
    ATTACHMENT = "attachment", _("Attachment")
    SMS = "sms", _("Text message")


class PrintedDocument(models.TextChoices):
    """A document printed with the parties' personal data in clear: a ``reveal`` event names it."""

    AGREEMENT = "agreement", _("People's Mediation Agreement")
    CASE_FILE = "case_file", _("Case file")


class Event(models.Model):
    """Who did what to which case, when, with the values before and after.

    Rows are only ever inserted (by ``cases.services.events.record``); the database refuses to
    update or delete one (``append_only``; anonymisation alone may mask ``before`` and ``after``,
    ``values_only``), and a case or a user with events cannot be deleted.
    ID numbers and phones appear here only masked; names and addresses until the case or the
    person is anonymised (``cases.services.anonymisation``).
    """

    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="events"
    )
    at = models.DateTimeField(_("at"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        # Not SET_NULL: that would update the event. Someone who acted is deactivated instead.
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty for the system (e.g. an automatic escalation)."),
    )
    kind = models.CharField(_("kind"), max_length=12, choices=EventKind.choices)
    name = models.CharField(_("action"), max_length=40)
    before = models.JSONField(_("before"), default=dict, blank=True)
    after = models.JSONField(_("after"), default=dict, blank=True)
    centre = models.ForeignKey(
        "cases.Centre",
        verbose_name=_("handling centre"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The case's handling centre after the event."),
    )
    case_version = models.PositiveIntegerField(_("case version after"))

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"], name="event_case_at")]
        triggers = [append_only(), values_only()]

    def __str__(self) -> str:
        return f"{self.case_id} {self.name} @ {self.at:%Y-%m-%d %H:%M}"
