"""The forms of an early warning's page: assign it to someone, dismiss it with a reason."""

from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _

from ...models import EarlyWarning
from ...models.people import user_display_name
from ...queries.warnings import assignable_users
from ...services.warnings import REASON_MAX


class AssigneeField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(user_display_name(obj))


class AssignForm(forms.Form):
    user = AssigneeField(queryset=User.objects.none(), label=_("Assign to"))

    def __init__(self, *args: Any, warning: EarlyWarning, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = assignable_users(warning)  # type: ignore[attr-defined]


class DismissForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for dismissing"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
