"""The roster's filters: centre, kind, specialty, active, a name search (all optional)."""

from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from ...models import Category, Centre, MediatorKind
from ...queries.categories import categories_for
from ...queries.centres import centres_near
from ...queries.mediators import roster_centres

ACTIVE_CHOICES = [("", _("Any")), ("yes", _("Active")), ("no", _("Inactive"))]


class CentreField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return obj.name  # type: ignore[no-any-return]


class RosterFilterForm(forms.Form):
    q = forms.CharField(label=_("Name"), max_length=80, required=False)
    centre = CentreField(
        label=_("Centre"),
        queryset=Centre.objects.none(),
        required=False,
        empty_label=_("Any"),
        help_text=_("Based or holding a seat there."),
    )
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("Any")), *MediatorKind.choices], required=False
    )
    specialty = forms.ModelChoiceField(
        label=_("Specialty"), queryset=Category.objects.none(), required=False, empty_label=_("Any")
    )
    active = forms.ChoiceField(label=_("Active or not"), choices=ACTIVE_CHOICES, required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        centre_field: Any = self.fields["centre"]
        specialty_field: Any = self.fields["specialty"]
        centre_field.queryset = roster_centres(user)
        self.user = user
        # Each top category followed by its sub-categories, in their configured order.
        specialty_field.queryset = (
            categories_for(user)
            .filter(active=True)
            .order_by(
                Coalesce("parent__position", "position"),
                Coalesce("parent_id", "id"),
                F("parent_id").asc(nulls_first=True),
                "position",
                "code",
            )
        )

    def offer_near(self) -> None:
        """Offer a short list of centres: near the user's own and the chosen one. A city has
        thousands; any centre with mediators in scope is still accepted (e.g. from a link)."""
        around = self.cleaned_data.get("centre") if self.is_valid() else None
        field: Any = self.fields["centre"]
        centres = list(centres_near(self.user, roster_centres(self.user), around))
        top = min((c.depth for c in centres), default=1)
        field.widget.choices = [
            ("", field.empty_label),
            *[(c.pk, "\u3000" * (c.depth - top) + c.name) for c in centres],
        ]

    def filters(self) -> dict[str, Any]:
        """The cleaned values as keyword arguments of ``cases.queries.roster``."""
        data = self.cleaned_data
        active = {"yes": True, "no": False}.get(data.get("active") or "")
        return {
            "centre": data.get("centre"),
            "kind": data.get("kind") or "",
            "specialty": data.get("specialty"),
            "active": active,
            "search": data.get("q") or "",
        }
