"""Searches kept server-side, so a phone or ID number typed into a search never travels in a URL."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SavedSearch(models.Model):
    """A search's text behind an opaque key (``?search=<key>`` in the list's links).

    The text is stored encrypted like the parties' numbers (``cases.personal_data``), belongs to the
    user who searched (anyone else's key is "not found") and is forgotten after
    ``SAVED_SEARCH_TTL_HOURS``.
    """

    key = models.CharField(_("key"), max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    query_encrypted = models.TextField(_("search text (encrypted)"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"), db_index=True)

    class Meta:
        verbose_name = _("saved search")
        verbose_name_plural = _("saved searches")

    def __str__(self) -> str:
        return self.key
