"""Remembered API requests, so that a retried POST with the same Idempotency-Key creates nothing twice."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class IdempotencyKey(models.Model):
    """One (user, key): the request's fingerprint and, once answered, the response to replay.

    The row is inserted at the start of the request's transaction and answered at its end, so it
    commits with the request's work or not at all; a concurrent duplicate's insert waits on the
    unique constraint for the first transaction to end (``cases.services.idempotency``).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(_("key"), max_length=255)
    fingerprint = models.CharField(_("request fingerprint"), max_length=64)
    status_code = models.PositiveSmallIntegerField(_("response status"), null=True, blank=True)
    response = models.JSONField(_("response body"), null=True, blank=True)
    #: The answer's headers that a replay repeats (``ETag``, ``Location``).
    headers = models.JSONField(_("response headers"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_per_user")
        ]

    def __str__(self) -> str:
        return self.key

    @property
    def answered(self) -> bool:
        return self.status_code is not None
