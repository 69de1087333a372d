"""The legal hold's form (docs/personal-data.md, "Retention and anonymisation")."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ...services.retention import REASON_MAX


class LegalHoldForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept on the case's timeline."),
    )
