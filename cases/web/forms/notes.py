"""The case page's note form. It only parses what the user typed; the rules (not in the future,
mentions of users who may see the case, a note corrected once) are ``cases.services.notes``'s,
whose errors come back onto the form under the same field names."""

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ...models import Note, NoteKind
from ...services.notes import TEXT_MAX


class NoteChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        text = obj.text if len(obj.text) <= 30 else f"{obj.text[:30]}…"
        return f"{obj.happened_on:%Y-%m-%d} · {obj.get_kind_display()} · {text}"


class NoteForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=NoteKind.choices, initial=NoteKind.CALL)
    happened_on = forms.DateField(
        label=_("Date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("The day it happened."),
    )
    text = forms.CharField(
        label=_("What happened"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Write @username to mention someone who works on this case."),
    )
    corrects = NoteChoiceField(
        label=_("Corrects"),
        queryset=Note.objects.none(),
        required=False,
        empty_label=_("— (a new note)"),
        help_text=_(
            "To correct an earlier note, choose it: it stays as written, marked corrected."
        ),
    )

    def __init__(self, *args: Any, notes: Any, **kwargs: Any) -> None:
        """``notes``: the case's notes as the user reads them (``cases.queries.notes``)."""
        kwargs.setdefault("initial", {}).setdefault("happened_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        corrects: Any = self.fields["corrects"]
        corrects.queryset = notes.filter(corrected_by__isnull=True)
