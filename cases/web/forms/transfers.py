"""The transfers inbox's one form: accept or return one pending transfer, at the version seen."""

from django import forms
from django.utils.translation import gettext_lazy as _

ACCEPT, RETURN = "accept", "return"


class TransferDecisionForm(forms.Form):
    """Which transfer, what to do with it, the case version the page showed, and (to return it)
    the reason. The reason's requirement is the workflow's (``return_transfer`` needs one)."""

    transfer = forms.IntegerField(widget=forms.HiddenInput)
    action = forms.ChoiceField(
        choices=[(ACCEPT, _("Accept")), (RETURN, _("Return"))], widget=forms.HiddenInput
    )
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reason for returning"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
