"""The account's own forms beside Django's login and password forms: log out everywhere."""

from django import forms
from django.utils.translation import gettext_lazy as _


class LogoutEverywhereForm(forms.Form):
    """The account's password, to confirm that its owner asks (``log_out_everywhere`` checks it)."""

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
