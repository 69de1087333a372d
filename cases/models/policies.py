"""Deadline settings: per centre and channel, inherited down the tree (DESIGN §4), and the
city-wide corrections to the official calendar of working days."""

from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from .cases import Channel


def _days(verbose_name: Any, help_text: Any) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        verbose_name,
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=help_text,
    )


class DeadlinePolicy(models.Model):
    """Days for a case's clocks at a centre and every centre below it, for one channel or all.

    A blank value is inherited: ``cases.deadlines.clocks_for`` takes, for each clock, the first
    value found walking up from the case's centre — at each centre the policy for the case's
    channel before the one for every channel — and the legal or policy default when none is set
    (docs/deadlines.md). Edited by administrators in the admin.
    """

    centre = models.ForeignKey(
        "cases.Centre",
        verbose_name=_("centre"),
        on_delete=models.CASCADE,
        related_name="deadline_policies",
        help_text=_("Applies to this centre and every centre below it that sets nothing itself."),
    )
    channel = models.CharField(
        _("channel"),
        max_length=24,
        choices=Channel.choices,
        blank=True,
        help_text=_("Empty: every channel."),
    )
    acceptance_days = _days(
        _("acceptance decision (working days)"),
        _("Working days from the day of registration to the decision to accept."),
    )
    high_risk_acceptance_days = _days(
        _("acceptance of a high-risk case (days)"),
        _("Days from registration (or from the case becoming high-risk) to acceptance."),
    )
    mediation_days = _days(
        _("mediation (days)"), _("Days from acceptance to the conclusion of mediation.")
    )
    court_entrusted_days = _days(
        _("court-entrusted mediation (days)"),
        _("Days from the court's entrustment to the conclusion of mediation."),
    )
    follow_up_days = _days(
        _("follow-up visit (days)"), _("Days from closing a resolved case to its follow-up visit.")
    )

    class Meta:
        verbose_name = _("deadline policy")
        verbose_name_plural = _("deadline policies")
        ordering = ["centre__path", "channel"]
        constraints = [
            models.UniqueConstraint(
                fields=["centre", "channel"],
                name="deadline_policy_per_centre_channel",
                violation_error_message=_(
                    "This centre already has deadlines for this channel; edit those."
                ),
            ),
        ]

    def __str__(self) -> str:
        channel = self.get_channel_display() if self.channel else _("every channel")
        return f"{self.centre.code} · {channel}"


class WorkingDayOverride(models.Model):
    """One day whose status as a working day differs from the official calendar, for every centre.

    ``cases.working_days`` counts working days by the State Council's calendar of public holidays
    and adjusted working days (the ``chinesecalendar`` package), by weekends alone for a year the
    package does not cover, and by this table before either: a local adjustment, a correction, or
    next year's arrangement entered before the package is upgraded (docs/deadlines.md).
    """

    date = models.DateField(_("date"), unique=True)
    is_working_day = models.BooleanField(
        _("working day"),
        help_text=_(
            "Ticked: a working day (e.g. a weekend day made a working day). Unticked: a day off."
        ),
    )
    note = models.CharField(
        _("note"), max_length=200, blank=True, help_text=_("Why, e.g. the notice that decided it.")
    )

    class Meta:
        verbose_name = _("working day override")
        verbose_name_plural = _("working day overrides")
        ordering = ["-date"]

    def __str__(self) -> str:
        kind = _("working day") if self.is_working_day else _("day off")
        return f"{self.date.isoformat()} · {kind}"
