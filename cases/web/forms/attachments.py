"""The case page's file form and the withdraw form. They only parse what was sent; the rules (type
by content, size, a session of this case) are ``cases.services.attachments``'s, whose errors come
back onto the form under the same field names."""

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ...models import AttachmentKind, Session
from ...services.attachments import ACCEPT_ATTRIBUTE, DESCRIPTION_MAX, REASON_MAX


class SessionChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{timezone.localtime(obj.starts_at):%Y-%m-%d %H:%M}"


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        allow_empty_file=True,
        # On a phone, "capture" opens the camera straight away; the type is checked by content.
        widget=forms.ClearableFileInput(
            attrs={"accept": ACCEPT_ATTRIBUTE, "capture": "environment"}
        ),
        help_text=_("A photo, a PDF scan, a Word or Excel document."),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=AttachmentKind.choices)
    description = forms.CharField(
        label=_("Description"), max_length=DESCRIPTION_MAX, required=False
    )
    session = SessionChoiceField(
        label=_("Session"),
        queryset=Session.objects.none(),
        required=False,
        empty_label=_("— (the case as a whole)"),
    )
    for_agreement = forms.BooleanField(label=_("A document of the agreement"), required=False)

    def __init__(self, *args: Any, sessions: Any, has_agreement: bool, **kwargs: Any) -> None:
        """``sessions``: the case's sessions as the user reads them."""
        super().__init__(*args, **kwargs)
        session: Any = self.fields["session"]
        session.queryset = sessions
        if not has_agreement:
            del self.fields["for_agreement"]


class WithdrawAttachmentForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=REASON_MAX,
        help_text=_("The file stays in the record, marked withdrawn."),
    )
