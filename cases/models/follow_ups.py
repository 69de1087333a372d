"""Follow-up visits (回访) after a case is closed."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .agreements import Fulfilment


class ContactMethod(models.TextChoices):
    PHONE = "phone", _("Phone")
    VISIT = "visit", _("Home visit")
    AT_CENTRE = "at_centre", _("At the centre")
    ONLINE = "online", _("Online")


class FollowUp(models.Model):
    """Scheduled when a resolved case closes; completed when the visit is recorded."""

    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="follow_ups"
    )
    due_on = models.DateField(_("due on"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    contact_method = models.CharField(
        _("contact"), max_length=12, choices=ContactMethod.choices, blank=True
    )
    fulfilment = models.CharField(
        _("fulfilment"), max_length=16, choices=Fulfilment.choices, blank=True
    )
    satisfaction = models.PositiveSmallIntegerField(_("satisfaction (1–5)"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["due_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(satisfaction__isnull=True)
                | models.Q(satisfaction__gte=1, satisfaction__lte=5),
                name="followup_satisfaction_1_to_5",
                violation_error_message=_("Satisfaction is a score from 1 to 5."),
            ),
            models.CheckConstraint(
                condition=models.Q(done_at__isnull=True)
                | (~models.Q(contact_method="") & ~models.Q(fulfilment="")),
                name="followup_done_has_contact_and_fulfilment",
                violation_error_message=_(
                    "A recorded follow-up needs the contact and the fulfilment."
                ),
            ),
        ]
        indexes = [models.Index(fields=["done_at", "due_on"], name="followup_done_due")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.due_on}"
