"""Centres, the tree they form, and who works where (memberships)."""

from collections.abc import Iterable

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Concat
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

CENTRE_CODE_PATTERN = r"^[A-Z0-9]{2,12}$"


class CentreLevel(models.IntegerChoices):
    CITY = 1, _("City")
    DISTRICT = 2, _("District")
    STREET = 3, _("Street / town")
    COMMUNITY = 4, _("Community / village")
    GRID = 5, _("Grid")


class CentreKind(models.TextChoices):
    COMPREHENSIVE = "comprehensive", _("Comprehensive mediation centre")
    COMMITTEE = "committee", _("People's mediation committee")
    PROFESSIONAL = "professional", _("Professional mediation committee")
    COURT_ROOM = "court_room", _("Court-attached mediation room")
    DEPARTMENT = "department", _("Functional department")
    COURT = "court", _("People's court")


class CentreQuerySet(models.QuerySet["Centre"]):
    def subtree_of(self, centre: "Centre") -> "CentreQuerySet":
        """The centre and every centre below it: one indexed prefix scan on ``path``."""
        return self.filter(path__startswith=centre.path)

    def active(self) -> "CentreQuerySet":
        return self.filter(active=True)

    def courts_serving(self, centre: "Centre") -> "CentreQuerySet":
        """Active courts that may entrust cases to ``centre`` (and receive its transfers).

        A court serves the areas an administrator set (``served_areas``: each area with its
        subtree) or, with none set, the subtree of its parent centre (the district's people's
        court serves the district). ``centre`` lies in an area's subtree when the area's path is
        one of ``centre``'s ancestor paths, which are read from its own path without a query: one
        indexed query in all (``exists()`` on this answers "may court X be named at centre Y").
        """
        return self.filter(
            _served_q(centre.ancestor_paths()), kind=CentreKind.COURT, active=True
        ).order_by("path")

    def courts_serving_any(
        self, *, centres: "Iterable[Centre]" = (), subtrees: "Iterable[Centre]" = ()
    ) -> "CentreQuerySet":
        """Active courts that serve at least one of ``centres`` or one centre of the ``subtrees``:
        the courts a user registering at those centres may be offered. One query."""
        above = {p for c in (*centres, *subtrees) for p in c.ancestor_paths()}
        below = [c.path for c in subtrees]
        return self.filter(_served_q(above, below), kind=CentreKind.COURT, active=True).order_by(
            "path"
        )


def _served_q(above: "Iterable[str]", below: "Iterable[str]" = ()) -> models.Q:
    """Courts serving a centre whose ancestor paths (itself included) are ``above``, or any centre
    in a subtree of ``below``: an area set on the court, or its parent when none is set."""

    def area(prefix: str) -> models.Q:
        q = models.Q(**{f"{prefix}path__in": list(above)})
        for path in below:
            q |= models.Q(**{f"{prefix}path__startswith": path})
        return q

    areas = Centre.served_areas.through.objects.filter(from_centre=models.OuterRef("pk"))
    return models.Exists(areas.filter(area("to_centre__"))) | (
        ~models.Exists(areas) & area("parent__")
    )


class Centre(models.Model):
    """A mediation centre or another body that cases move between (a court, a department).

    The tree is a materialised path of centre codes, root first, each followed by "/"
    (``WH/JA/JA01/``), so a subtree is ``path LIKE 'WH/JA/%'``, answered from the
    ``varchar_pattern_ops`` index on PostgreSQL. Written only by ``cases.services.centres``.
    """

    code = models.CharField(
        _("code"),
        max_length=12,
        unique=True,
        validators=[RegexValidator(CENTRE_CODE_PATTERN, _("2–12 capital letters and digits."))],
    )
    name_zh = models.CharField(_("name (Chinese)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    abbreviation_zh = models.CharField(
        _("short Chinese name"),
        max_length=20,
        blank=True,
        help_text=_("Used in the Chinese case number, e.g. 江岸 in （2026）江岸调字第123号."),
    )
    level = models.PositiveSmallIntegerField(_("level"), choices=CentreLevel.choices)
    kind = models.CharField(_("kind"), max_length=20, choices=CentreKind.choices)
    field = models.ForeignKey(
        "cases.Category",
        verbose_name=_("professional field"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("For a professional committee: the kind of dispute it handles."),
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent centre"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    served_areas = models.ManyToManyField(
        "self",
        verbose_name=_("areas served"),
        symmetrical=False,
        blank=True,
        related_name="served_by_courts",
        help_text=_(
            "For a court: the centres (each with everything below it) whose cases it may entrust "
            "and receive. Empty: the subtree of its parent centre."
        ),
    )
    path = models.CharField(_("tree path"), max_length=255, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(_("depth"), editable=False)
    address = models.CharField(_("address"), max_length=255, blank=True)
    timezone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    active = models.BooleanField(_("active"), default=True)

    objects = CentreQuerySet.as_manager()

    class Meta:
        verbose_name = _("centre")
        verbose_name_plural = _("centres")
        ordering = ["path"]
        indexes = [
            models.Index(fields=["parent", "kind"], name="centre_parent_kind"),
            # Prefix scans (``path LIKE 'x%'``) under any collation on PostgreSQL.
            models.Index(
                fields=["path"], name="centre_path_prefix", opclasses=["varchar_pattern_ops"]
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__regex=CENTRE_CODE_PATTERN),
                name="centre_code_format",
                violation_error_message=_("A centre code is 2–12 capital letters and digits."),
            ),
            models.CheckConstraint(
                condition=models.Q(path__endswith=Concat(models.F("code"), models.Value("/"))),
                name="centre_path_ends_with_code",
                violation_error_message=_("A centre's tree path must end with its own code."),
            ),
            models.CheckConstraint(
                condition=models.Q(parent__isnull=True, depth=1)
                | models.Q(parent__isnull=False, depth__gt=1),
                name="centre_root_has_no_parent",
                violation_error_message=_("Only a root centre has no parent."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def name(self) -> str:
        if (get_language() or "").startswith("en") and self.name_en:
            return self.name_en
        return self.name_zh

    def path_below(self, parent: "Centre | None") -> str:
        return f"{parent.path if parent else ''}{self.code}/"

    def is_within(self, other: "Centre") -> bool:
        """True if this centre is ``other`` or lies below it."""
        return self.path.startswith(other.path)

    def ancestor_codes(self) -> list[str]:
        """Codes from the root down to this centre, read from the path without a query."""
        return [step for step in self.path.split("/") if step]

    def ancestor_paths(self) -> list[str]:
        """Paths from the root down to this centre (``WH/``, ``WH/JA/``, ...), without a query."""
        codes = self.ancestor_codes()
        return ["".join(f"{code}/" for code in codes[: i + 1]) for i in range(len(codes))]


class Role(models.TextChoices):
    INTAKE = "intake", _("Intake officer")
    MEDIATOR = "mediator", _("Mediator")
    DIRECTOR = "director", _("Centre director")
    OBSERVER = "observer", _("Observer")
    COURT_LIAISON = "court_liaison", _("Court liaison")
    ADMIN = "admin", _("Administrator")


class Membership(models.Model):
    """A user's role at a centre. A user may hold several."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    centre = models.ForeignKey(
        Centre, verbose_name=_("centre"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "centre", "role"], name="membership_unique"),
        ]
        indexes = [models.Index(fields=["centre", "role"], name="membership_centre_role")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.centre.code}"
