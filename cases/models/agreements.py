"""Mediation agreements (调解协议) and what happens to them afterwards."""

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AgreementForm(models.TextChoices):
    WRITTEN = "written", _("Written")
    ORAL = "oral", _("Oral")


class Fulfilment(models.TextChoices):
    PENDING = "pending", pgettext_lazy("fulfilment", "Pending")
    FULFILLED = "fulfilled", _("Fulfilled")
    PARTLY = "partly", _("Partly fulfilled")
    NOT_FULFILLED = "not_fulfilled", _("Not fulfilled")


class JudicialConfirmation(models.TextChoices):
    NOT_APPLIED = "not_applied", _("Not applied")
    APPLIED = "applied", _("Applied")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Rejected")


class Agreement(models.Model):
    case = models.OneToOneField(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="agreement"
    )
    terms = models.TextField(_("terms"))
    amount_agreed = models.DecimalField(
        _("amount agreed (yuan)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    form = models.CharField(
        _("form"), max_length=10, choices=AgreementForm.choices, default=AgreementForm.WRITTEN
    )
    signed_on = models.DateField(_("signed on"))
    effective_on = models.DateField(_("takes effect on"))
    performance_deadline = models.DateField(_("performance deadline"), null=True, blank=True)
    fulfilment = models.CharField(
        _("fulfilment"), max_length=16, choices=Fulfilment.choices, default=Fulfilment.PENDING
    )
    fulfilment_recorded_at = models.DateTimeField(
        _("fulfilment recorded at"), null=True, blank=True
    )
    judicial_confirmation = models.CharField(
        _("judicial confirmation"),
        max_length=16,
        choices=JudicialConfirmation.choices,
        default=JudicialConfirmation.NOT_APPLIED,
    )
    confirmation_applied_on = models.DateField(_("confirmation applied on"), null=True, blank=True)
    ruling_number = models.CharField(_("ruling number"), max_length=64, blank=True)
    ruling_on = models.DateField(_("ruling date"), null=True, blank=True)
    created_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_agreed__isnull=True) | models.Q(amount_agreed__gte=0),
                name="agreement_amount_not_negative",
                violation_error_message=_("The amount agreed cannot be negative."),
            ),
            models.CheckConstraint(
                condition=models.Q(effective_on__gte=models.F("signed_on")),
                name="agreement_effective_after_signing",
                violation_error_message=_("An agreement cannot take effect before it is signed."),
            ),
            models.CheckConstraint(
                condition=models.Q(judicial_confirmation="not_applied")
                | models.Q(confirmation_applied_on__isnull=False),
                name="agreement_confirmation_has_application_date",
                violation_error_message=_(
                    "A judicial confirmation needs the date it was applied for."
                ),
            ),
        ]
        indexes = [
            models.Index(
                fields=["performance_deadline", "fulfilment"], name="agreement_due_fulfilment"
            ),
        ]

    def __str__(self) -> str:
        return str(self.case_id)
