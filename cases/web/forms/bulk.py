"""The form of the case list's bulk actions (issue 20): which actions, and the data a bulk
transition needs, with pickers fit for many cases at once."""

from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _

from ... import workflow
from ...models import Case, Centre
from ...queries.mediators import mediators_for
from ...queries.transfers import transfer_targets
from .case import mediator_label, transfer_choices
from .categories import BLANK

BULK_LIMIT = 200

# The transitions offered in bulk: assign a lead mediator, transfer, record the failure of a case
# that cannot be resolved (the workflow's ending for it: "fail"), close a concluded case.
BULK_TRANSITIONS = ("assign", "transfer", "fail", "close")
EXPORT = "export"


def bulk_action_choices() -> list[tuple[str, Any]]:
    """The bulk form's actions: the transitions' own labels, then the export."""
    return [(name, workflow.TRANSITIONS[name].label) for name in BULK_TRANSITIONS] + [
        (EXPORT, _("Download CSV"))
    ]


class BulkForm(forms.Form):
    """The data a bulk transition needs: its own form's fields, with pickers fit for many cases."""

    def __init__(
        self,
        spec: workflow.Transition,
        user: User,
        cases: list[Case],
        data: Any = None,
    ) -> None:
        super().__init__(data)
        base = spec.form()
        for name, field in base.fields.items():
            self.fields[name] = field
        self.spec = spec
        if spec.name == "assign":
            # Each case keeps its own co-mediators: only the lead is picked for all.
            self.fields.pop("co_mediators", None)
            mediators = list(mediators_for(user).filter(active=True).order_by("name", "id"))
            for mediator in mediators:
                mediator.load = mediator.open_load  # type: ignore[attr-defined]
            choices = [(m.pk, mediator_label(m)) for m in mediators]
            self.fields["lead_mediator"].choices = [BLANK, *choices]  # type: ignore[attr-defined]
        elif spec.name == "transfer":
            merged: dict[str, list[Centre]] = {"up": [], "down": [], "across": []}
            seen: set[int] = set()
            for case in {c.centre_id: c for c in cases}.values():
                for direction, centres in transfer_targets(case).items():
                    for centre in centres:
                        if centre.pk not in seen:
                            seen.add(centre.pk)
                            merged[direction].append(centre)
            self.fields["target_centre"].choices = transfer_choices(merged)  # type: ignore[attr-defined]

    def workflow_data(self, case: Case) -> dict[str, Any]:
        """The posted values as the workflow takes them for ``case`` (assign: its co-mediators
        kept, less the new lead)."""
        data: dict[str, Any] = {
            name: field.widget.value_from_datadict(self.data, self.files, self.add_prefix(name))
            for name, field in self.fields.items()
        }
        if self.spec.name == "assign":
            lead = str(data.get("lead_mediator") or "")
            data["co_mediators"] = [str(m.pk) for m in case.co_mediators.all() if str(m.pk) != lead]
        return data
