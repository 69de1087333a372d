"""Early warnings (issue 24, "Warning before a dispute grows"; docs/reports.md, "Early warnings").

The daily run (``cases.services.warnings.raise_warnings``) looks at recent cases for the patterns
that come before a dispute grows and raises one ``EarlyWarning`` per occasion; directors over its
centre acknowledge it, assign it to someone of the subtree, or dismiss it with a reason. The
thresholds are ``WarningThreshold`` rows, inherited down the tree like the deadline policies.
"""

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language, gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _


class WarningRule(models.TextChoices):
    PLACE_CLUSTER = "place_cluster", _("Cases of one category at one place")
    RESPONDENT_CLUSTER = "respondent_cluster", _("Cases of one category against one respondent")
    GROUP_DISPUTE = "group_dispute", _("Group dispute")
    REPEAT_PERSON = "repeat_person", _("The same person in several open cases")
    INTAKE_SURGE = "intake_surge", _("Intake far above its usual level")


class WarningStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("warning status", "Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    ASSIGNED = "assigned", _("Assigned")
    DISMISSED = "dismissed", _("Dismissed")


def named(data: dict[str, Any], key: str) -> str:
    """A name stored in both languages in a warning's data (``{"zh": …, "en": …}``), in the
    active language."""
    names = data.get(key) or {}
    if (get_language() or "").startswith("en") and names.get("en"):
        return str(names["en"])
    return str(names.get("zh", ""))


class EarlyWarning(models.Model):
    """One occasion on which a rule fired: its reason in data (``data``: counts, the place, the
    respondent or person, the category, the threshold), the cases it links, and what directors did
    with it. ``key`` names the occasion, so a re-run raises nothing twice; ``subject`` is the key
    without the occasion (``place_cluster:<place>:<category>``), by which the run finds the
    warning a new case joins. Written only by ``cases.services.warnings``."""

    centre = models.ForeignKey(
        "cases.Centre",
        verbose_name=_("centre"),
        on_delete=models.PROTECT,
        related_name="warnings",
        help_text=_("The lowest centre whose subtree holds the cases; its directors are told."),
    )
    rule = models.CharField(_("rule"), max_length=24, choices=WarningRule.choices)
    key = models.CharField(_("key"), max_length=200, unique=True, editable=False)
    subject = models.CharField(_("subject"), max_length=200, db_index=True, editable=False)
    data = models.JSONField(_("data"), default=dict)
    cases = models.ManyToManyField(
        "cases.Case", verbose_name=_("cases"), related_name="warnings", blank=True
    )
    status = models.CharField(
        _("status"), max_length=16, choices=WarningStatus.choices, default=WarningStatus.OPEN
    )
    raised_at = models.DateTimeField(_("raised at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    acted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("last acted on by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    acted_at = models.DateTimeField(_("last acted on at"), null=True, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_warnings",
    )
    dismissal_reason = models.TextField(_("reason for dismissing"), blank=True)

    class Meta:
        verbose_name = _("early warning")
        verbose_name_plural = _("early warnings")
        ordering = ["-raised_at", "-pk"]
        indexes = [
            models.Index(fields=["centre", "-raised_at"], name="warning_centre_raised"),
            models.Index(fields=["subject", "-raised_at"], name="warning_subject_raised"),
        ]

    def __str__(self) -> str:
        return f"{self.get_rule_display()} · {self.raised_at:%Y-%m-%d}"

    def reason(self) -> str:
        """Why it was raised, in the active language, from its data."""
        d = self.data
        count = int(d.get("count", 0))
        if self.rule == WarningRule.PLACE_CLUSTER:
            return ngettext(
                "%(count)d case of %(category)s registered at %(place)s in %(days)d days "
                "(threshold %(threshold)d).",
                "%(count)d cases of %(category)s registered at %(place)s in %(days)d days "
                "(threshold %(threshold)d).",
                count,
            ) % {
                "count": count,
                "category": named(d, "category"),
                "place": named(d, "place"),
                "days": d.get("days", 0),
                "threshold": d.get("threshold", 0),
            }
        if self.rule == WarningRule.RESPONDENT_CLUSTER:
            return ngettext(
                "%(count)d case of %(category)s against %(respondent)s in %(days)d days "
                "(threshold %(threshold)d).",
                "%(count)d cases of %(category)s against %(respondent)s in %(days)d days "
                "(threshold %(threshold)d).",
                count,
            ) % {
                "count": count,
                "category": named(d, "category"),
                "respondent": d.get("respondent", ""),
                "days": d.get("days", 0),
                "threshold": d.get("threshold", 0),
            }
        if self.rule == WarningRule.GROUP_DISPUTE:
            return gettext(
                "Case %(number)s has %(count)d applicants (threshold %(threshold)d)."
            ) % {"number": d.get("number", ""), "count": count, "threshold": d.get("threshold", 0)}
        if self.rule == WarningRule.REPEAT_PERSON:
            return gettext(
                "The same person (%(person)s) is a party to %(count)d open cases "
                "(threshold %(threshold)d)."
            ) % {"person": d.get("person", ""), "count": count, "threshold": d.get("threshold", 0)}
        return gettext(
            "%(place)s registered %(count)d cases in %(month)s, %(ratio)s times its mean of "
            "%(mean)s over the previous %(months)d months (threshold: %(factor)s times and at "
            "least %(minimum)d cases)."
        ) % {
            "place": named(d, "place"),
            "count": count,
            "month": d.get("month", ""),
            "ratio": d.get("ratio", ""),
            "mean": d.get("mean", ""),
            "months": d.get("months", 0),
            "factor": d.get("factor", ""),
            "minimum": d.get("minimum", 0),
        }


def _setting(
    verbose_name: Any, help_text: Any, *, low: int = 1, high: int = 1000
) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        verbose_name,
        null=True,
        blank=True,
        validators=[MinValueValidator(low), MaxValueValidator(high)],
        help_text=help_text,
    )


class WarningThreshold(models.Model):
    """The early-warning thresholds at a centre and every centre below it.

    A blank value is inherited: each threshold is the first value found walking up from the
    centre the rule looks at (the place, the cases' lowest common centre), the setting
    ``WARNING_*`` when none is set (docs/reports.md, "Early warnings"). Edited by administrators
    in the admin; each change is an audit record.
    """

    centre = models.OneToOneField(
        "cases.Centre",
        verbose_name=_("centre"),
        on_delete=models.CASCADE,
        related_name="warning_threshold",
        help_text=_("Applies to this centre and every centre below it that sets nothing itself."),
    )
    cluster_cases = _setting(
        _("cluster: cases"),
        _("Cases of one category at one place or against one respondent that raise a warning."),
        low=2,
    )
    cluster_days = _setting(
        _("cluster: window (days)"),
        _("The days within which those cases were registered."),
        high=90,
    )
    group_applicants = _setting(
        _("group dispute: applicants"),
        _("Applicants in one case that make it a group dispute."),
        low=2,
    )
    person_open_cases = _setting(
        _("same person: open cases"),
        _("Open cases one person (same ID number or phone) is a party to that raise a warning."),
        low=2,
    )
    surge_factor_percent = _setting(
        _("intake surge: percent of the usual level"),
        _("This month's intake at a place, as a percentage of its mean over the previous months "
          "(200: twice the usual level)."),
        low=101, high=10000,
    )  # fmt: skip
    surge_minimum = _setting(
        _("intake surge: minimum cases"),
        _("A month's intake below this never counts as a surge."),
    )

    class Meta:
        verbose_name = _("early-warning thresholds")
        verbose_name_plural = _("early-warning thresholds")
        ordering = ["centre__path"]

    def __str__(self) -> str:
        return str(self.centre)
