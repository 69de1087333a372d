"""The profile page's form: the user's language and how they hear of each notification kind."""

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from ...models import Delivery, UserSettings
from ...queries.preferences import CHOOSABLE_KINDS

KIND_PREFIX = "kind_"


class ProfileForm(forms.Form):
    """One radio group for the language, and one per kind (a row of the table). ``digest`` is
    offered only to those who may take it (``may_digest``)."""

    language = forms.ChoiceField(
        label=_("Language"), choices=settings.LANGUAGES, widget=forms.RadioSelect
    )

    def __init__(
        self, *args: Any, row: UserSettings, language: str, may_digest: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["language"].initial = row.language or language
        choices = [(d.value, d.label) for d in Delivery if may_digest or d != Delivery.DIGEST]
        for kind in CHOOSABLE_KINDS:
            self.fields[KIND_PREFIX + kind.value] = forms.ChoiceField(
                label=kind.label,
                choices=choices,
                initial=row.delivery(kind),
                widget=forms.RadioSelect,
            )
        self.deliveries = choices

    def kind_rows(self) -> list[forms.BoundField]:
        """The kinds' radio groups, in the order of ``NotificationKind``."""
        return [self[KIND_PREFIX + kind.value] for kind in CHOOSABLE_KINDS]

    def notifications(self) -> dict[str, str]:
        return {kind.value: self.cleaned_data[KIND_PREFIX + kind.value] for kind in CHOOSABLE_KINDS}
