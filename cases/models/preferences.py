"""A user's own settings: the language they read the product in, and how they hear of each kind
of notification (issue 20, "Notifications"); and the entries collected for a director's daily
digest."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .notifications import NotificationKind, case_text


class Delivery(models.TextChoices):
    """How a user hears of one kind of notification."""

    APP = "app", _("In the app only")
    EMAIL = "email", _("In the app and by e-mail")
    OFF = "off", _("Off")
    # Directors only (``services.preferences.may_digest``): one entry a day listing them all.
    DIGEST = "digest", _("Daily digest")


# What a user who never chose hears of every kind: the behaviour before there were preferences.
DEFAULT_DELIVERY = Delivery.EMAIL


class UserSettings(models.Model):
    """One user's settings, made the first time they are changed; a user without a row has the
    defaults: the site's language (``language`` empty: the browser's in the web UI) and every
    kind in the app and by e-mail.

    ``notifications`` maps a ``NotificationKind`` value to a ``Delivery`` value; a kind missing
    from it is ``DEFAULT_DELIVERY``.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="user_settings",
    )
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, blank=True, default=""
    )
    notifications = models.JSONField(_("notification preferences"), default=dict, blank=True)

    class Meta:
        verbose_name = _("user settings")
        verbose_name_plural = _("user settings")

    def __str__(self) -> str:
        return str(self.user)

    def delivery(self, kind: str) -> str:
        return str(self.notifications.get(kind, DEFAULT_DELIVERY))


class DigestItem(models.Model):
    """One occurrence collected for a user's daily digest instead of its own notification.

    (user, key) is unique, as for ``Notification``: a re-run of the sweep collects nothing twice.
    ``digest`` is the digest notification that listed it, empty until the day's digest is made.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="digest_items",
    )
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=20)
    key = models.CharField(_("key"), max_length=120)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    digest = models.ForeignKey(
        "cases.Notification",
        verbose_name=_("digest"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="digest_items",
    )

    class Meta:
        verbose_name = _("digest entry")
        verbose_name_plural = _("digest entries")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="digest_item_once_per_user")
        ]
        indexes = [
            models.Index(
                fields=["user"],
                name="digest_item_pending",
                condition=models.Q(digest__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.kind}"

    def line(self) -> str:
        """The entry as a digest lists it, in the active language: what happened, and the case
        (needs ``case`` and ``case.centre`` loaded): only the case's number once the reader may
        no longer see it (``case_visible``, annotated by ``queries.notifications.prefetch_digests``)."""
        return gettext("%(kind)s: %(case)s") % {
            "kind": NotificationKind(self.kind).label,
            "case": case_text(self.case, visible=getattr(self, "case_visible", True)),
        }
