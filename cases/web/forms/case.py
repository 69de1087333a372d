"""Forms of the case page: the small form of each workflow transition, and editing a case.

A transition's form is the workflow's own form class (``Transition.form``), so its fields and their
validation are exactly the workflow's; here it only gets a hidden ``version`` (the case version the
user saw) and choices narrowed for a human: the mediators who may take the case with their load,
the sensible transfer targets grouped by direction, date pickers.
"""

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from ...models import Case, Category, Centre, Fulfilment, Mediator, Status, TransferDirection
from ...services.cases import EDITABLE_FIELDS
from ...workflow import Transition
from .categories import BLANK, category_choices


class VersionField(forms.IntegerField):
    """The case version the form was rendered from; the write refuses it once it is stale."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        super().__init__(**kwargs)


def _use_widget(field: forms.Field, widget: forms.Widget) -> None:
    """Swap a field's widget after the form is built, keeping what ``Field.__init__`` set on it."""
    widget.is_required = field.required
    widget.attrs.update(field.widget_attrs(widget))
    field.widget = widget


def _date_pickers(form: forms.Form) -> None:
    for field in form.fields.values():
        if isinstance(field, forms.DateField):
            _use_widget(field, forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
        elif isinstance(field.widget, forms.Textarea):
            field.widget.attrs["rows"] = 3


def mediator_label(mediator: Mediator) -> str:
    """``王调解 · 大智街调解中心 · leads 2 of 10``: who, from where, and how busy."""
    return str(
        _("%(name)s · %(centre)s · leads %(load)d of %(capacity)d")
        % {
            "name": mediator.name,
            "centre": mediator.home_centre.name,
            "load": getattr(mediator, "load", 0),
            "capacity": mediator.capacity,
        }
    )


def transfer_choices(targets: Mapping[str, Sequence[Centre]]) -> list[Any]:
    """``<optgroup>``s by direction (up, down, across), empty groups left out."""
    groups: list[Any] = [BLANK]
    for direction in TransferDirection:
        centres = targets.get(direction.value) or []
        if centres:
            groups.append((direction.label, [(c.pk, c.name) for c in centres]))
    return groups


def transition_form(
    spec: Transition,
    case: Case,
    data: Any = None,
    *,
    candidates: Sequence[Mediator] = (),
    targets: Mapping[str, Sequence[Centre]] | None = None,
) -> forms.Form:
    """The form of transition ``spec`` on ``case`` (bound to ``data`` when posted).

    ``candidates`` (for assign) and ``targets`` (for transfer) narrow what is offered; what is
    accepted stays the workflow's rule, which also gives the clearer message ("does not serve at
    this centre", "already at this centre") for anything else posted.
    """
    initial: dict[str, Any] = {}
    if spec.name == "assign":
        initial = {
            "lead_mediator": case.lead_mediator_id,
            "co_mediators": [m.pk for m in case.co_mediators.all()],
        }
    form = spec.form(data=data, initial=initial)
    form.fields["version"] = VersionField(initial=case.version)
    _date_pickers(form)
    if spec.name == "assign":
        choices = [(m.pk, mediator_label(m)) for m in candidates]
        form.fields["lead_mediator"].choices = [BLANK, *choices]  # type: ignore[attr-defined]
        co = form.fields["co_mediators"]
        _use_widget(co, forms.CheckboxSelectMultiple())
        co.choices = choices  # type: ignore[attr-defined]
    elif spec.name == "transfer":
        form.fields["target_centre"].choices = transfer_choices(targets or {})  # type: ignore[attr-defined]
    elif spec.name == "resolve":
        # The workflow's defaults, said where the user decides.
        form.fields["signed_on"].help_text = _("Empty: today.")
        form.fields["effective_on"].help_text = _("Empty: the day it is signed.")
    elif spec.name == "close":
        if case.status == Status.RESOLVED:
            fulfilment = form.fields["fulfilment"]
            fulfilment.choices = [("", _("Not known yet")), *Fulfilment.choices]  # type: ignore[attr-defined]
            fulfilment.help_text = _(
                "Closing schedules the follow-up visit, which can record fulfilment later."
            )
        else:
            # Only a resolved case has an agreement to fulfil: the workflow refuses it otherwise.
            del form.fields["fulfilment"]
    return form


def transition_data(spec: Transition, form: forms.Form) -> dict[str, Any]:
    """The posted values of the transition's fields, shaped as the workflow takes them
    (``resolve`` nests its agreement under ``agreement``)."""
    raw = {
        name: field.widget.value_from_datadict(form.data, form.files, form.add_prefix(name))
        for name, field in form.fields.items()
        if name != "version"
    }
    return {spec.nested: raw} if spec.nested else raw


def _case_field(name: str, **kwargs: Any) -> Any:
    """The form field of a ``Case`` field: its label, length and choices from the model."""
    field = Case._meta.get_field(name)
    assert isinstance(field, models.Field)
    return field.formfield(**kwargs)


def _edit_category_choices(categories: Iterable[Category], current: Category) -> list[Any]:
    """Active categories, and the case's own even if it has been retired since."""
    return category_choices([c for c in categories if c.active or c == current])


class CaseEditForm(forms.Form):
    """The descriptive fields ``cases.services.cases.edit_case`` may change, and the version."""

    summary = _case_field("summary")
    facts = _case_field("facts", widget=forms.Textarea(attrs={"rows": 5}))
    category = _case_field("category")
    amount_in_dispute = _case_field("amount_in_dispute", min_value=0)
    location = _case_field("location")
    risk_level = _case_field("risk_level")
    version = VersionField()

    def __init__(
        self,
        data: Any = None,
        *,
        case: Case,
        categories: Any,
        **kwargs: Any,
    ) -> None:
        initial = {name: getattr(case, name) for name in EDITABLE_FIELDS}
        initial.update(category=case.category_id, version=case.version)
        super().__init__(data, initial=initial, **kwargs)
        field = self.fields["category"]
        field.queryset = categories  # type: ignore[attr-defined]
        field.choices = _edit_category_choices(categories, case.category)  # type: ignore[attr-defined]

    def changes(self) -> dict[str, Any]:
        """The edited values, for ``edit_case`` (it records only those that differ)."""
        return {name: self.cleaned_data[name] for name in EDITABLE_FIELDS}
