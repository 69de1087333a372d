"""Forms that change a case's parties: the intake's ``PartyForm`` with a reason and the case's
version, and the removal's confirmation (a reason)."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ...models import Party
from ...services.parties import PARTY_FIELDS, PERSONAL_FIELDS, REASON_MAX
from .intake import PartyForm

#: The person hint of the intake form asks whether someone typed at the window is known: not here.
HINT_ATTRS = ("hx-post", "hx-trigger", "hx-target", "hx-swap", "hx-vals", "hx-params", "hx-include")


def reason_field() -> forms.CharField:
    return forms.CharField(
        label=_("Reason"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Why the parties change: it is kept in the case's timeline."),
    )


class PartyChangeForm(PartyForm):
    """A party to add, or a party's details to correct (``party``: the one corrected)."""

    reason = reason_field()
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, party: Party | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.party = party
        for name in PERSONAL_FIELDS:
            attrs = self.fields[name].widget.attrs
            for attr in HINT_ATTRS:
                attrs.pop(attr, None)
        if party is not None:
            for name in PERSONAL_FIELDS:
                # The stored value is never sent to the browser: empty keeps it.
                masked = getattr(party, f"{name}_masked")
                self.fields[name].help_text = (
                    _("On file: %(masked)s. Leave empty to keep it.") % {"masked": masked}
                    if masked
                    else _("None on file.")
                )

    def changes(self) -> dict[str, Any]:
        """The party's fields as typed (after ``is_valid``), for ``correct_party``: an ID number
        or phone left empty is not a change."""
        data = self.cleaned_data
        return {
            name: data[name]
            for name in PARTY_FIELDS
            if name in self.fields and not (name in PERSONAL_FIELDS and not data[name])
        }


def initial_for(party: Party, version: int) -> dict[str, Any]:
    """The correction form's first values: the party's fields (not its personal data)."""
    initial: dict[str, Any] = {
        name: getattr(party, name)
        for name in PARTY_FIELDS
        if name not in PERSONAL_FIELDS and hasattr(party, name)
    }
    initial["version"] = version
    return initial


class PartyRemoveForm(forms.Form):
    reason = reason_field()
    version = forms.IntegerField(widget=forms.HiddenInput)
