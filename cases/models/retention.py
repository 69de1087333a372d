"""How long a case's personal data is kept after the case is closed (issue 22, "Retention")."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class RetentionRule(models.Model):
    """Years a closed case's parties, notes and files are kept at a centre and every centre below
    it, for one category (and its subcategories) or every category.

    ``cases.services.retention.retention_years`` takes the first rule found walking up from the
    case's handling centre, at each centre the rule for the case's category before the one for
    its parent category, before the centre's general rule; ``RETENTION_YEARS`` when there is none.
    Edited by administrators in the admin.
    """

    centre = models.ForeignKey(
        "cases.Centre",
        verbose_name=_("centre"),
        on_delete=models.CASCADE,
        related_name="retention_rules",
        help_text=_("Applies to this centre and every centre below it that sets nothing itself."),
    )
    category = models.ForeignKey(
        "cases.Category",
        verbose_name=_("category"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="retention_rules",
        help_text=_("Empty: every category. A main category covers its subcategories."),
    )
    years = models.PositiveSmallIntegerField(
        _("years after closing"),
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("The parties of a case closed this many years ago are anonymised."),
    )

    class Meta:
        verbose_name = _("retention period")
        verbose_name_plural = _("retention periods")
        ordering = ["centre__path", "category__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["centre", "category"],
                name="retention_rule_per_centre_category",
                violation_error_message=_(
                    "This centre already has a retention period for this category; edit that one."
                ),
            ),
            models.UniqueConstraint(
                fields=["centre"],
                condition=models.Q(category__isnull=True),
                name="retention_rule_general_per_centre",
                violation_error_message=_(
                    "This centre already has a retention period for every category; edit that one."
                ),
            ),
        ]

    def __str__(self) -> str:
        category = self.category if self.category_id else _("every category")
        return f"{self.centre} · {category} · {self.years}"
