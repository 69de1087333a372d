"""Mediators: the people who mediate, with or without a login; and how a person's name is shown."""

from django.conf import settings
from django.contrib.auth.models import User
from django.db import models
from django.utils.translation import gettext_lazy as _

# Scripts whose names are written family name first with no space: CJK ideographs (with the
# extensions and compatibility ideographs), kana and Hangul.
_FAMILY_FIRST_RANGES = (
    (0x2E80, 0x2FDF),  # CJK radicals, Kangxi radicals
    (0x3040, 0x30FF),  # hiragana, katakana
    (0x3100, 0x312F),  # bopomofo
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xAC00, 0xD7AF),  # Hangul syllables
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0x20000, 0x3134F),  # CJK extensions B to G, compatibility supplement
)


def _family_first(text: str) -> bool:
    return any(low <= ord(char) <= high for char in text for low, high in _FAMILY_FIRST_RANGES)


def display_name(given: str, family: str, username: str = "") -> str:
    """A person's name in its own order: 刘小红 (family name first, no space) when either part is
    written in Chinese (or Japanese or Korean) characters, "Anna Smith" (as written) otherwise.

    ``given`` and ``family`` are a user's ``first_name`` and ``last_name``. A missing part leaves
    the other alone; with neither, the ``username``. Django's ``get_full_name()`` always gives
    "given family" with a space ("小红 刘"), so nothing shown to a person uses it.
    """
    given, family = (given or "").strip(), (family or "").strip()
    if not given or not family:
        return given or family or username
    if _family_first(given) or _family_first(family):
        return f"{family}{given}"
    return f"{given} {family}"


def user_display_name(user: User | None) -> str:
    """``display_name`` of a user's names, falling back to the username; "" for no user."""
    if user is None:
        return ""
    return display_name(user.first_name, user.last_name, user.get_username())


class MediatorKind(models.TextChoices):
    FULL_TIME = "full_time", _("Full-time people's mediator")
    PART_TIME = "part_time", _("Part-time mediator")
    RETIRED_JUDGE = "retired_judge", _("Retired judge")
    LAWYER = "lawyer", _("Lawyer")
    LOCAL_NOTABLE = "local_notable", _("Respected local person")
    POLICE = "police", _("Police officer")
    PROFESSIONAL = "professional", _("Professional committee member")
    PETITION_OFFICER = "petition_officer", _("Petition officer")
    GRID_WORKER = "grid_worker", _("Grid worker")


class Mediator(models.Model):
    """A mediator profile. ``user`` is empty for someone who mediates but never logs in."""

    name = models.CharField(_("name"), max_length=80)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="mediator",
    )
    home_centre = models.ForeignKey(
        "cases.Centre",
        verbose_name=_("home centre"),
        on_delete=models.PROTECT,
        related_name="home_mediators",
    )
    seats = models.ManyToManyField(
        "cases.Centre",
        verbose_name=_("seats at other centres"),
        blank=True,
        related_name="seated_mediators",
        help_text=_("Centres where this mediator also sits, e.g. a judge on Tuesdays."),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=MediatorKind.choices)
    specialties = models.ManyToManyField(
        "cases.Category", verbose_name=_("specialties"), blank=True, related_name="specialists"
    )
    languages = models.CharField(
        _("languages and dialects"),
        max_length=200,
        blank=True,
        help_text=_("Comma-separated, e.g. 普通话, 武汉话, English."),
    )
    capacity = models.PositiveSmallIntegerField(
        _("capacity"),
        default=10,
        help_text=_("How many open cases this mediator can carry at once."),
    )
    conflicts = models.TextField(
        _("declared conflicts of interest"),
        blank=True,
        help_text=_("People, organisations or places this mediator must not mediate for."),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("mediator")
        verbose_name_plural = _("mediators")
        ordering = ["name"]
        indexes = [models.Index(fields=["home_centre", "active"], name="mediator_home_active")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(capacity__gt=0),
                name="mediator_capacity_positive",
                violation_error_message=_("Capacity must be at least 1."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def language_list(self) -> list[str]:
        return [
            part.strip() for part in self.languages.replace("，", ",").split(",") if part.strip()
        ]
