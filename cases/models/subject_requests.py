"""Requests from the people concerned (issue 22, docs/personal-data.md "Requests from the people
concerned"): a city-wide search for what is held about a person, and the erasure of a person's
data, each asked for by one user and approved or refused, with a reason, by another.

The person is named by the keyed hashes of their ID number and phone (``personal_data.digest``)
and by their masked forms: the typed numbers are never stored.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SubjectRequestKind(models.TextChoices):
    SEARCH = "search", _("City-wide search")
    ERASURE = "erasure", _("Erasure")


class SubjectRequestStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a decision")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")
    # A city-wide search is run once: after that, its results may still be exported.
    USED = "used", _("Search run")


class SubjectRequest(models.Model):
    """One request about one person's data. Written by ``cases.services.subject_requests``."""

    kind = models.CharField(_("kind"), max_length=10, choices=SubjectRequestKind.choices)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=SubjectRequestStatus.choices,
        default=SubjectRequestStatus.PENDING,
    )
    id_number_hash = models.CharField(max_length=64, editable=False, blank=True)
    id_number_masked = models.CharField(_("ID number"), max_length=40, editable=False, blank=True)
    phone_hash = models.CharField(max_length=64, editable=False, blank=True)
    phone_masked = models.CharField(_("phone"), max_length=24, editable=False, blank=True)
    reason = models.TextField(_("reason"))
    # The centre the request is filed under: the requester's (directors over it read it).
    centre = models.ForeignKey(
        "cases.Centre",
        verbose_name=_("centre"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    used_at = models.DateTimeField(_("search run at"), null=True, blank=True)
    # An approved erasure: the numbers of the cases anonymised and of those on legal hold.
    result = models.JSONField(_("result"), default=dict, blank=True)

    class Meta:
        verbose_name = _("personal data request")
        verbose_name_plural = _("personal data requests")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(id_number_hash="", phone_hash=""),
                name="subject_request_names_a_person",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} · {self.get_status_display()}"

    @property
    def person(self) -> str:
        """The person as the request names them, masked: ``420***********1234 / 138****5678``."""
        return " / ".join(v for v in (self.id_number_masked, self.phone_masked) if v)
