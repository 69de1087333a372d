"""The monthly report page's choice: which centre, which month, the centre alone or its subtree.

A GET form, so every report has an address that can be bookmarked or sent on
(``/reports/?centre=3&month=2026-10&scope=subtree``). Every field may be left out: the month is
then the current one, the scope the subtree, the centre the user's highest (chosen by the view).
The centre is a plain id here: whether the user may read its report is the view's question, and
the answer for a centre outside their scope is a 404, as for one that does not exist.
"""

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ...models import ReportScope
from ...reports import periods

INDENT = "\u00a0\u00a0\u00a0"  # no-break spaces: a <select> would collapse ordinary ones


class MonthField(forms.Field):
    """A calendar month typed as ``YYYY-MM`` (what ``<input type="month">`` sends)."""

    widget = forms.DateInput(attrs={"type": "month", "placeholder": "YYYY-MM"}, format="%Y-%m")
    default_error_messages = {
        "invalid": _("Enter a month as year and month, e.g. 2026-03 (2000 or later)."),
    }

    def to_python(self, value: Any) -> date | None:
        if value in self.empty_values:
            return None
        if isinstance(value, date):
            return value.replace(day=1)
        try:
            return periods.parse_month(str(value))
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class ReportForm(forms.Form):
    centre = forms.IntegerField(
        label=_("Centre"), required=False, min_value=1, widget=forms.Select()
    )
    month = MonthField(label=_("Month"), required=False)
    scope = forms.ChoiceField(
        label=_("Counted"),
        choices=ReportScope.choices,
        required=False,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, now: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.current_month = periods.current_month(now or timezone.now())

    def set_centres(self, centres: list[Any]) -> None:
        """Offer ``centres`` (in tree order) in the picker, indented by their depth below the
        highest of them."""
        top = min((c.depth for c in centres), default=1)
        choices = [(c.pk, f"{INDENT * (c.depth - top)}{c.name}") for c in centres]
        self.fields["centre"].widget.choices = choices  # type: ignore[attr-defined]

    def clean_month(self) -> date:
        month = self.cleaned_data.get("month") or self.current_month
        if month > self.current_month:
            raise forms.ValidationError(
                _("A report can be made for this month or an earlier one, not for %(month)s."),
                code="future",
                params={"month": periods.format_month(month)},
            )
        return month

    def clean_scope(self) -> str:
        return self.cleaned_data.get("scope") or ReportScope.SUBTREE


class TrendForm(ReportForm):
    """The trend page's choice: a centre, the last month, the scope, and 12 or 24 months."""

    months = forms.ChoiceField(
        label=_("Months"),
        choices=[("12", _("12 months")), ("24", _("24 months"))],
        required=False,
    )

    def clean_months(self) -> int:
        return int(self.cleaned_data.get("months") or 12)
