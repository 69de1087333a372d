"""Transfers: a case moving up, down or across the centre network."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class TransferDirection(models.TextChoices):
    UP = "up", _("Up (escalation)")
    DOWN = "down", _("Down (delegation)")
    ACROSS = "across", _("Across")


class TransferStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("transfer", "Pending")
    ACCEPTED = "accepted", pgettext_lazy("transfer", "Accepted")
    RETURNED = "returned", _("Returned")


class Transfer(models.Model):
    """One hand-over of a case; the case keeps its record and number, this row keeps the history."""

    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="transfers"
    )
    from_centre = models.ForeignKey(
        "cases.Centre",
        verbose_name=_("from"),
        on_delete=models.PROTECT,
        related_name="transfers_out",
    )
    to_centre = models.ForeignKey(
        "cases.Centre", verbose_name=_("to"), on_delete=models.PROTECT, related_name="transfers_in"
    )
    direction = models.CharField(_("direction"), max_length=8, choices=TransferDirection.choices)
    reason = models.TextField(_("reason"))
    automatic = models.BooleanField(_("automatic escalation"), default=False)
    previous_status = models.CharField(_("status before transfer"), max_length=20)
    status = models.CharField(
        _("status"), max_length=10, choices=TransferStatus.choices, default=TransferStatus.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    return_reason = models.TextField(_("reason for returning"), blank=True)

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(status="pending"),
                name="transfer_one_pending_per_case",
            ),
            models.CheckConstraint(
                condition=~models.Q(from_centre=models.F("to_centre")),
                name="transfer_to_another_centre",
                violation_error_message=_("The case is already at this centre."),
            ),
            models.CheckConstraint(
                condition=models.Q(status="pending", decided_at__isnull=True)
                | (~models.Q(status="pending") & models.Q(decided_at__isnull=False)),
                name="transfer_decided_iff_not_pending",
                violation_error_message=_("A decided transfer needs the time of its decision."),
            ),
        ]
        indexes = [
            models.Index(fields=["to_centre", "status"], name="transfer_to_status"),
            models.Index(fields=["decided_at"], name="transfer_decided_at"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.from_centre_id} → {self.to_centre_id}"
