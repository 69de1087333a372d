"""Forms for what happens after an agreement: its fulfilment, the follow-up visit (回访), and its
judicial confirmation (司法确认).

They check what a person can get wrong on a form (a date in the future, a score out of range);
the services check the rest and their errors are put back on the same fields.
"""

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.db import models
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from ...deadlines import confirmation_deadline
from ...models import Agreement, ContactMethod, Fulfilment, JudicialConfirmation
from ...services.agreements import RULING_NUMBER_LENGTH, RULINGS

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


# What can be recorded: the application, then the court's ruling ("not applied" is the start).
CONFIRMATION_CHOICES = [
    (c.value, c.label) for c in JudicialConfirmation if c != JudicialConfirmation.NOT_APPLIED
]


def _verbose(name: str) -> Any:
    """The agreement field's name (lazily translated), as the case page shows it."""
    field = Agreement._meta.get_field(name)
    assert isinstance(field, models.Field)
    return capfirst(field.verbose_name)


class JudicialConfirmationForm(forms.Form):
    """The parties' application to the court for judicial confirmation, or the court's ruling.

    Once the application is recorded its date is shown, not asked again, and only a ruling can
    follow. The service checks the order of the steps and the dates against each other.
    """

    # The current state is shown above the form under the agreement field's own name.
    status = forms.ChoiceField(
        label=_("What to record"), choices=CONFIRMATION_CHOICES, widget=forms.RadioSelect
    )
    applied_on = forms.DateField(label=_verbose("confirmation_applied_on"), widget=DATE_INPUT)
    ruling_number = forms.CharField(
        label=_verbose("ruling_number"),
        max_length=RULING_NUMBER_LENGTH,
        required=False,
        help_text=_("As written on the court's ruling."),
    )
    ruling_on = forms.DateField(label=_verbose("ruling_on"), widget=DATE_INPUT, required=False)

    def __init__(self, *args: Any, agreement: Agreement, tz: ZoneInfo, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tz = tz
        today = timezone.localdate(timezone=tz).isoformat()
        applied, ruling_on = self.fields["applied_on"], self.fields["ruling_on"]
        applied.widget.attrs.update(min=agreement.effective_on.isoformat(), max=today)
        ruling_on.widget.attrs.update(min=agreement.effective_on.isoformat(), max=today)
        applied.help_text = _(
            "Within 30 days of the agreement taking effect: by %(date)s. A later application "
            "is recorded too, marked as late."
        ) % {"date": confirmation_deadline(agreement).isoformat()}
        if agreement.confirmation_applied_on is not None:
            # Recorded already: the date stays as it is and only the ruling can follow.
            applied.disabled, applied.required = True, False
            applied.initial = agreement.confirmation_applied_on
            status = self.fields["status"]
            assert isinstance(status, forms.ChoiceField)
            status.choices = [c for c in CONFIRMATION_CHOICES if c[0] in RULINGS]
            ruling_on.widget.attrs["min"] = agreement.confirmation_applied_on.isoformat()

    def _not_future(self, name: str) -> date | None:
        day: date | None = self.cleaned_data.get(name)
        if day is not None and day > timezone.localdate(timezone=self.tz):
            raise forms.ValidationError(_("This date is in the future."), code="future")
        return day

    def clean_applied_on(self) -> date | None:
        return self._not_future("applied_on")

    def clean_ruling_on(self) -> date | None:
        return self._not_future("ruling_on")
