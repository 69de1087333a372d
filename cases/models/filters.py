"""Saved filters of the case list (issue 20): a named filter, the user's own or shared with a centre."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SavedFilter(models.Model):
    """The case list's filters under a name, applied again with one click.

    ``params`` holds the list's query string without its search text, page or search key; the
    search text (a party's name, a phone or an ID number) is kept apart, encrypted like the parties'
    numbers (``cases.personal_data``), never in clear. With a ``centre`` the filter is shared with
    that centre's members; without one it is its owner's alone.
    """

    name = models.CharField(_("name"), max_length=80)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="saved_filters",
    )
    centre = models.ForeignKey(
        "cases.Centre",
        verbose_name=_("shared with centre"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="saved_filters",
    )
    params = models.TextField(_("filters"), blank=True)
    search_encrypted = models.TextField(_("search text (encrypted)"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("saved filter")
        verbose_name_plural = _("saved filters")
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["centre"], name="saved_filter_centre")]

    def __str__(self) -> str:
        return self.name
