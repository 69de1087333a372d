"""Reads of users' own settings: their language, how they hear of each kind of notification, and
who may take a daily digest."""

from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import User

from ..models import (
    DEFAULT_DELIVERY,
    Delivery,
    DigestItem,
    Membership,
    NotificationKind,
    Role,
    UserSettings,
)

# The kinds a user chooses how to hear of: all but the digest itself (always in the app and by
# e-mail: who took a digest asked for it).
CHOOSABLE_KINDS = [kind for kind in NotificationKind if kind != NotificationKind.DIGEST]


def settings_of(user: User) -> UserSettings:
    """``user``'s settings; the defaults (not saved) if they never changed any."""
    found = UserSettings.objects.filter(user=user).first()
    return found if found is not None else UserSettings(user=user)


def chosen_language(user: User) -> str:
    """The language ``user`` chose on their profile, or ``""`` if they never chose one."""
    found = UserSettings.objects.filter(user=user).values_list("language", flat=True).first()
    return found or ""


def reading_languages(users: Iterable[User]) -> dict[int, str]:
    """The language each of ``users`` reads their e-mail in: the one they chose, else the site's
    (``LANGUAGE_CODE``). One query."""
    ids = [user.pk for user in users]
    chosen = dict(
        UserSettings.objects.filter(user_id__in=ids)
        .exclude(language="")
        .values_list("user_id", "language")
    )
    return {pk: chosen.get(pk, str(settings.LANGUAGE_CODE)) for pk in ids}


def may_digest(user: User) -> bool:
    """Whether ``user`` may take a daily digest: they direct a centre (a director membership)."""
    return Membership.objects.filter(user=user, role=Role.DIRECTOR).exists()


def deliveries(user_ids: Iterable[int], kind: str) -> dict[int, str]:
    """How each user of ``user_ids`` hears of ``kind`` (a ``Delivery`` value). A digest chosen
    by a user who no longer directs any centre counts as the default. Two queries at most."""
    ids = list(user_ids)
    chosen = {
        pk: str(prefs.get(kind, DEFAULT_DELIVERY))
        for pk, prefs in UserSettings.objects.filter(user_id__in=ids).values_list(
            "user_id", "notifications"
        )
    }
    out = {pk: chosen.get(pk, str(DEFAULT_DELIVERY)) for pk in ids}
    digesters = [pk for pk, delivery in out.items() if delivery == Delivery.DIGEST]
    if digesters:
        directors = set(
            Membership.objects.filter(user_id__in=digesters, role=Role.DIRECTOR).values_list(
                "user_id", flat=True
            )
        )
        for pk in digesters:
            if pk not in directors:
                out[pk] = str(DEFAULT_DELIVERY)
    return out


def pending_digest_users() -> list[int]:
    """The users who have entries waiting for their next digest."""
    return sorted(
        set(DigestItem.objects.filter(digest__isnull=True).values_list("user_id", flat=True))
    )
