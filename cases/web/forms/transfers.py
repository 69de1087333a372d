"""The transfers inbox's one form: decide one pending transfer, at the version seen.

The decisions are the workflow's transitions from "pending transfer" (``workflow.TRANSFER_DECISIONS``);
``DECISIONS`` says how the inbox offers each: the form's ``action`` value and the button's words.
"""

from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Decision:
    """How the inbox offers one transition deciding a transfer."""

    action: str  # the form's ``action`` value
    button: Any
    done: Any  # the message once done: %(number)s, and %(centre)s where the case now is
    # A decision that needs a reason (its transition's form asks one) opens under this summary.
    summary: Any = None


DECISIONS: dict[str, Decision] = {
    "accept_transfer": Decision(
        "accept", _("Accept the transfer"), _("Case %(number)s accepted at %(centre)s.")
    ),
    "return_transfer": Decision(
        "return",
        _("Return the case"),
        _("Case %(number)s returned to %(centre)s."),
        summary=_("Return with a reason"),
    ),
}
TRANSITION_OF = {decision.action: name for name, decision in DECISIONS.items()}


class TransferDecisionForm(forms.Form):
    """Which transfer, what to do with it, the case version the page showed, and (to return it)
    the reason. The reason's requirement is the workflow's (``return_transfer`` needs one)."""

    transfer = forms.IntegerField(widget=forms.HiddenInput)
    action = forms.ChoiceField(
        choices=[(decision.action, decision.button) for decision in DECISIONS.values()],
        widget=forms.HiddenInput,
    )
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reason for returning"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
