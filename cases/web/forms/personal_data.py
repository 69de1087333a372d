"""The forms of the personal data requests (docs/personal-data.md, "Requests from the people
concerned"). The numbers typed here are hashed by the services and never stored in clear."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ...services.subject_requests import REASON_MAX


class PersonForm(forms.Form):
    id_number = forms.CharField(label=_("ID number"), max_length=40, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=24, required=False)


class SearchForm(PersonForm):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=REASON_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed only to ask for a city-wide search."),
    )


class ErasureForm(PersonForm):
    reason = forms.CharField(
        label=_("The person's reason"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("approve", _("Approve")), ("refuse", _("Refuse"))]
    )
    reason = forms.CharField(
        label=_("Reason for the decision"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ExportForm(PersonForm):
    format = forms.ChoiceField(choices=[("pdf", "PDF"), ("json", "JSON")])
    request = forms.IntegerField(required=False, min_value=1)


class ExtractForm(PersonForm):
    case_number = forms.CharField(label=_("Case number"), max_length=40, required=False)
    format = forms.ChoiceField(label=_("Format"), choices=[("csv", "CSV"), ("pdf", "PDF")])
