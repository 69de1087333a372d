"""Case notes: a dated record of a call, a visit or a consultation, written by the case's people.

Notes are only ever added (by ``cases.services.notes.write_note``): a mistake is put right by a new
note that ``corrects`` the old one, which then shows it was corrected. Nothing is rewritten.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class NoteKind(models.TextChoices):
    CALL = "call", _("Call")
    VISIT = "visit", _("Visit")
    CONSULTATION = "consultation", _("Consultation")
    OTHER = "other", _("Other")


class Note(models.Model):
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="notes"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=NoteKind.choices)
    happened_on = models.DateField(_("date"), help_text=_("When it happened; not in the future."))
    text = models.TextField(_("text"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    written_at = models.DateTimeField(_("written at"), db_index=True)
    corrects = models.OneToOneField(
        "self",
        verbose_name=_("corrects"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrected_by",
        help_text=_("The earlier note this one corrects; a note is corrected at most once."),
    )
    mentions = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("mentions"),
        blank=True,
        related_name="note_mentions",
    )

    class Meta:
        verbose_name = _("case note")
        verbose_name_plural = _("case notes")
        ordering = ["-written_at", "-id"]
        indexes = [models.Index(fields=["case", "-id"], name="note_case_newest")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.happened_on}"
