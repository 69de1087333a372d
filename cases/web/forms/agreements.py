"""Forms for what happens after an agreement: its fulfilment, and the follow-up visit (回访).

They check what a person can get wrong on a form (a date in the future, a score out of range);
the services check the rest and their errors are put back on the same fields.
"""

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ...models import ContactMethod, Fulfilment

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

# What a visit or a check can find: "pending" is the state before anyone has looked.
OUTCOME_CHOICES = [(c.value, c.label) for c in Fulfilment if c != Fulfilment.PENDING]

SATISFACTION_CHOICES = [
    ("", _("Not given")),
    (5, _("5 – very satisfied")),
    (4, _("4 – satisfied")),
    (3, _("3 – neutral")),
    (2, _("2 – dissatisfied")),
    (1, _("1 – very dissatisfied")),
]


def moment_of(day: date, *, tz: ZoneInfo, not_before: datetime | None = None) -> datetime:
    """The time to record for something that happened on ``day`` in the centre's time zone.

    Today means now; an earlier day means noon of that day (the hour is not asked for), moved
    later to ``not_before`` when that falls on the same day, so the day's timeline keeps its order.
    """
    now = timezone.now()
    if day >= timezone.localdate(now, timezone=tz):
        return now
    moment = datetime.combine(day, time(12), tzinfo=tz)
    if (
        not_before is not None
        and timezone.localdate(not_before, timezone=tz) == day
        and moment < not_before
    ):
        moment = not_before
    return moment


class _DatedForm(forms.Form):
    """A form with one date that lies between ``earliest`` and today (in ``tz``)."""

    date_field = ""
    too_early: Any = ""

    def __init__(self, *args: Any, tz: ZoneInfo, earliest: date | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tz, self.earliest = tz, earliest
        today = timezone.localdate(timezone=tz)
        field = self.fields[self.date_field]
        field.initial = today
        field.widget.attrs["max"] = today.isoformat()
        if earliest is not None:
            field.widget.attrs["min"] = earliest.isoformat()

    def _clean_day(self) -> date:
        day: date = self.cleaned_data[self.date_field]
        if day > timezone.localdate(timezone=self.tz):
            raise forms.ValidationError(_("This date is in the future."), code="future")
        if self.earliest is not None and day < self.earliest:
            raise forms.ValidationError(self.too_early, code="too_early")
        return day

    def moment(self, *, not_before: datetime | None = None) -> datetime:
        """The time to record for the valid form's date (see ``moment_of``)."""
        return moment_of(self.cleaned_data[self.date_field], tz=self.tz, not_before=not_before)


class FulfilmentForm(_DatedForm):
    """Whether the parties did what they agreed, as found on a given day."""

    date_field = "checked_on"
    too_early = _("This date is before the agreement was signed.")

    fulfilment = forms.ChoiceField(
        label=_("Fulfilment"), choices=OUTCOME_CHOICES, widget=forms.RadioSelect
    )
    checked_on = forms.DateField(
        label=_("Checked on"),
        widget=DATE_INPUT,
        help_text=_("The day the fulfilment was confirmed with the parties."),
    )

    def clean_checked_on(self) -> date:
        return self._clean_day()


class FollowUpForm(_DatedForm):
    """The follow-up visit: when and how the parties were reached, what they said."""

    date_field = "done_on"
    too_early = _("A follow-up comes after the case was closed.")

    done_on = forms.DateField(label=_("Date of the follow-up"), widget=DATE_INPUT)
    contact_method = forms.ChoiceField(
        label=_("How the parties were reached"),
        choices=[("", "---------"), *ContactMethod.choices],
    )
    fulfilment = forms.ChoiceField(
        label=_("Fulfilment of the agreement"),
        choices=[("", "---------"), *Fulfilment.choices],
    )
    satisfaction = forms.TypedChoiceField(
        label=_("Satisfaction"),
        choices=SATISFACTION_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        error_messages={"invalid_choice": _("Satisfaction is a score from 1 to 5.")},
    )
    note = forms.CharField(
        label=_("Notes"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def clean_done_on(self) -> date:
        return self._clean_day()
