"""The case list's filters: ``CaseFilter`` (``cases.queries.case_list``, the API's too) as a web form.

The filters and their query parameters are the API's (``status``, ``centre`` or
``registering_centre`` + ``subtree``, ``category``, ``channel``, ``risk_level``, ``mediator``,
``outcome``, ``overdue``, ``q``), so a link such as ``/cases/?centre=3&subtree=true&overdue=true``
means the same on both. The web differs where a person types: the pickers offer only what the user
may see (anything else is an error at the field, not an empty list), the registration and
conclusion dates are local days with the last one included, and the form carries the list's sort
order and page. The monthly report links its counts here (``cases.web.views.reports``).
"""

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.db.models import F, QuerySet
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from ...models import Case, Category, Centre, Mediator
from ...queries import categories as category_queries
from ...queries import centres as centre_queries
from ...queries import mediators as mediator_queries
from ...queries import search
from ...queries.case_list import CaseFilter, order_case_list
from ..base import AuthenticatedHttpRequest

# The sort orders on offer, the default first; the keys are those of ``order_case_list``.
ORDERING_CHOICES = [
    ("-registered_at", _("Newest first")),
    ("registered_at", _("Oldest first")),
    ("deadline", _("Nearest deadline first")),
    ("-deadline", _("Furthest deadline first")),
    ("-risk_level", _("Highest risk first")),
    ("risk_level", _("Lowest risk first")),
    ("status", _("Status, in lifecycle order")),
    ("-status", _("Status, in reverse order")),
    ("number", _("Case number, ascending")),
    ("-number", _("Case number, descending")),
]
DEFAULT_ORDERING = "-registered_at"

# The filters a person narrows the list with (``subtree`` only qualifies ``centre``; ``q`` has a box
# of its own): counted on the "Filters" fold, which opens when any is set.
NARROWING = (
    "status",
    "centre",
    "category",
    "channel",
    "risk_level",
    "mediator",
    "registered_from",
    "registered_to",
    "registering_centre",
    "outcome",
    "concluded_from",
    "concluded_to",
    "overdue",
    "registered_only",
)

# The parameter of a search kept server-side (``cases.models.SavedSearch``): its key stands for ``q``.
SEARCH_KEY = "search"

INDENT = "\u00a0\u00a0\u00a0"  # no-break spaces: a <select> would collapse ordinary ones
MAX_PAGE = 100_000  # 5 million rows at 50 a page: past the archive, well inside a bigint offset


class CaseListForm(forms.Form):
    """The base of the filter form: its sort order, its page and the checks across fields.

    The filters' own fields are added by ``CaseListFilter`` (django-filter builds the form class).
    """

    ordering = forms.ChoiceField(label=_("Sort by"), choices=ORDERING_CHOICES, required=False)
    page = forms.IntegerField(label=_("Page"), min_value=1, max_value=MAX_PAGE, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = {
            "q": _("Search"),
            "status": _("Status"),
            "centre": _("Handling centre"),
            "category": _("Category"),
            "channel": _("Channel"),
            "risk_level": _("Risk level"),
            "mediator": _("Mediator (lead or co-mediator)"),
            "registered_from": _("Registered from"),
            "registered_to": _("Registered to (inclusive)"),
            "registering_centre": _("Registering centre"),
            "outcome": _("Outcome"),
            "concluded_from": _("Concluded from"),
            "concluded_to": _("Concluded to (inclusive)"),
            "overdue": _("Overdue only"),
            "registered_only": _("Only cases registered here and handled elsewhere"),
            "subtree": _("Include the centres below"),
        }
        for name, label in labels.items():
            self.fields[name].label = label
        for name in ("status", "channel", "risk_level", "outcome"):
            self.fields[name].widget = forms.CheckboxSelectMultiple(
                choices=self.fields[name].choices  # type: ignore[attr-defined]
            )
        for name in ("registered_from", "registered_to", "concluded_from", "concluded_to"):
            self.fields[name].widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        self.fields["q"].widget = forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": _("Words, case number (or part), name, phone or its last 4 digits"),
                "autocomplete": "off",
            }
        )
        centre: Any = self.fields["centre"]
        centre.label_from_instance = _centre_label
        centre.empty_label = _("All centres")
        # A city's centres and mediators are thousands: typed, never a select (issue 21).
        self.chosen = {
            "centre": lookup_field(self, "centre", "web:lookup_centres", _("All centres")),
            "mediator": lookup_field(self, "mediator", "web:lookup_mediators", _("All mediators")),
        }
        registering: Any = self.fields["registering_centre"]
        registering.empty_label = _("Any centre")
        registering.widget.choices = self._registering_choices(registering)
        category: Any = self.fields["category"]
        category.label_from_instance = _category_label
        category.empty_label = _("All categories")
        mediator: Any = self.fields["mediator"]
        mediator.label_from_instance = _mediator_label
        mediator.empty_label = _("All mediators")

    def _registering_choices(self, field: Any) -> list[tuple[Any, str]]:
        """The registering centre is a filter the monthly report's links set, not one to pick
        from thousands of centres: the form offers only the centre asked for, or none."""
        raw = str(self.data.get(self.add_prefix("registering_centre")) or "")
        chosen = field.queryset.filter(pk=int(raw)) if raw.isdigit() else field.queryset.none()
        return [("", field.empty_label), *((c.pk, c.name) for c in chosen)]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for first, last in (
            ("registered_from", "registered_to"),
            ("concluded_from", "concluded_to"),
        ):
            start, end = cleaned.get(first), cleaned.get(last)
            if start and end and end < start:
                self.add_error(last, _("The last day cannot be before the first day."))
        return cleaned


def lookup_field(form: forms.Form, name: str, url_name: str, placeholder: Any) -> str:
    """Make the choice field ``name`` a text field that ``static/web/lookup.js`` turns into a
    combobox reading ``url_name`` (``cases.web.views.lookups``); without JavaScript it takes an id
    (or a centre's code, see ``resolve_typed``). Returns the chosen object's name ("" if none), for
    the page to show beside the field: the field itself holds its id."""
    field: Any = form.fields[name]
    raw = str(form.data.get(form.add_prefix(name)) or "").strip() if form.is_bound else ""
    chosen = field.queryset.filter(pk=int(raw)).first() if raw.isdigit() and len(raw) < 19 else None
    label = "" if chosen is None else _lookup_label(chosen)
    field.widget = forms.TextInput(
        attrs={
            "data-lookup": reverse(url_name),
            "data-label": label,
            "placeholder": placeholder,
            "autocomplete": "off",
            "spellcheck": "false",
        }
    )
    return label


def _lookup_label(obj: Any) -> str:
    if isinstance(obj, Mediator):
        return _mediator_label(obj)
    return f"{obj.name} ({obj.code})" if isinstance(obj, Centre) else str(obj)


def resolve_typed(data: Any, user: User, prefix: str = "") -> Any:
    """``data`` with a centre typed by its code, or a mediator by their exact name (when only one
    in scope has it), given as the id the filters read (the form without JavaScript)."""
    resolved = None
    for name, queryset, lookup in (
        ("centre", centre_queries.centres_for(user), "code__iexact"),
        ("mediator", mediator_queries.mediator_choices(user), "name"),
    ):
        key = f"{prefix}{name}"
        raw = str(data.get(key) or "").strip()
        if not raw or raw.isdigit():
            continue
        ids = list(queryset.filter(**{lookup: raw}).values_list("pk", flat=True)[:2])
        if len(ids) == 1:
            resolved = resolved if resolved is not None else data.copy()
            resolved[key] = str(ids[0])
    return data if resolved is None else resolved


def _centre_label(obj: Centre) -> str:
    # Tree order with each centre indented by its level: the hierarchy without a second query.
    return f"{INDENT * (obj.depth - 1)}{obj.name}"


def _category_label(obj: Category) -> str:
    return f"{INDENT}{obj.name}" if obj.parent_id else obj.name


def _mediator_label(obj: Mediator) -> str:
    return f"{obj.name} · {obj.home_centre.name}"


def _local_midnight(day: date) -> datetime | None:
    """The instant ``day`` begins in the current time zone (Asia/Shanghai by default), in UTC;
    ``None`` at the calendar's ends, where there is nothing before or after to leave out."""
    try:
        return timezone.make_aware(datetime.combine(day, time.min)).astimezone(UTC)
    except OverflowError:
        return None


def _from_day(queryset: QuerySet[Case], field: str, day: date) -> QuerySet[Case]:
    start = _local_midnight(day)
    return queryset if start is None else queryset.filter(**{f"{field}__gte": start})


def _to_day(queryset: QuerySet[Case], field: str, day: date) -> QuerySet[Case]:
    # The last day is included: everything before the next day begins.
    try:
        end = _local_midnight(day + timedelta(days=1))
    except OverflowError:
        end = None
    return queryset if end is None else queryset.filter(**{f"{field}__lt": end})


class CaseListFilter(CaseFilter):
    """``CaseFilter`` for the web list: pickers limited to the user's scope, local-day dates.

    ``request`` is required: the pickers are the requesting user's.
    """

    registered_from = filters.DateFilter(method="filter_registered_from")
    registered_to = filters.DateFilter(method="filter_registered_to")
    concluded_from = filters.DateFilter(method="filter_concluded_from")
    concluded_to = filters.DateFilter(method="filter_concluded_to")

    class Meta(CaseFilter.Meta):
        form = CaseListForm

    def __init__(
        self, data: Any, queryset: QuerySet[Case], *, request: AuthenticatedHttpRequest
    ) -> None:
        if data is not None:
            data = resolve_typed(data, request.user)
        super().__init__(data, queryset, request=request)
        # The API's instants give way to the local days a date picker sends.
        for instants in ("registered", "concluded"):
            del self.filters[f"{instants}_after"], self.filters[f"{instants}_before"]
        user = request.user
        # An id outside these is "not one of the available choices": an error at the field, the
        # same for a centre that does not exist and one that is not the user's to see.
        self.filters["centre"].queryset = centre_queries.centres_for(user).order_by("path")
        self.filters["registering_centre"].queryset = centre_queries.centres_for(user).order_by(
            "path"
        )
        self.filters["mediator"].queryset = mediator_queries.mediator_choices(user)
        # Each top-level category followed by its sub-categories.
        self.filters["category"].queryset = category_queries.categories_for(user).order_by(
            Coalesce("parent__position", "position"),
            Coalesce("parent__code", "code"),
            F("parent").asc(nulls_first=True),
            "position",
            "code",
        )

    def filter_registered_from(
        self, queryset: QuerySet[Case], name: str, day: date
    ) -> QuerySet[Case]:
        return _from_day(queryset, "registered_at", day)

    def filter_registered_to(
        self, queryset: QuerySet[Case], name: str, day: date
    ) -> QuerySet[Case]:
        return _to_day(queryset, "registered_at", day)

    def filter_concluded_from(
        self, queryset: QuerySet[Case], name: str, day: date
    ) -> QuerySet[Case]:
        return _from_day(queryset, "concluded_at", day)

    def filter_concluded_to(self, queryset: QuerySet[Case], name: str, day: date) -> QuerySet[Case]:
        return _to_day(queryset, "concluded_at", day)

    def filter_queryset(self, queryset: QuerySet[Case]) -> QuerySet[Case]:
        """Apply the filters (the form's other fields, sort order and page, are not filters),
        then the sort order."""
        cleaned = self.form.cleaned_data
        for name, filter_ in self.filters.items():
            if name in cleaned:
                queryset = filter_.filter(queryset, cleaned[name])
        if search.is_ranked(queryset) and not cleaned.get("ordering"):
            # Searched by words and not sorted otherwise: the best matches first.
            return queryset.order_by(F(search.RANK).desc(), "-registered_at", "-id")
        return order_case_list(queryset, self.ordering)

    @property
    def ordering(self) -> str:
        """The sort order asked for, or the default (also while the form has errors)."""
        cleaned = getattr(self.form, "cleaned_data", {})
        return cleaned.get("ordering") or DEFAULT_ORDERING

    @property
    def page(self) -> int:
        cleaned = getattr(self.form, "cleaned_data", {})
        return cleaned.get("page") or 1
