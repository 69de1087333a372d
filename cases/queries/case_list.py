"""The case list: its filters and its sort orders.

``CaseFilter`` (django-filter) is the list's filters on both surfaces: the API's list (whose
``CaseApiFilter`` adds the key of a search kept server-side) and the web page's form
(``CaseListFilter``): status, centre and registering centre (with subtree), category, channel,
risk, mediator, registration dates, outcome and conclusion dates, overdue, and search
(``filter_q``, at most ``MAX_SEARCH_LENGTH`` characters): a number through
``cases.queries.number_search`` (a case number in either form or in part, a phone's last four
digits, a phone or ID number by keyed hash), any other text by its words (``cases.queries.search``:
summary, facts, notes, party names and addresses). It narrows a scoped queryset of
``cases.queries.cases`` and never widens it.
"""

import re
from typing import Any

from django.db.models import Case as SqlCase
from django.db.models import DateTimeField, F, IntegerField, Q, QuerySet, Value, When
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from .. import access, deadlines
from ..models import Case, Category, Centre, Channel, Mediator, Outcome, RiskLevel, Status
from . import search
from .filters import BooleanFilter, IdModelChoiceFilter, UtcDateTimeFilter
from .number_search import PRINTED_NUMBER as PRINTED_NUMBER
from .number_search import case_number_q as case_number_q
from .number_search import number_q

# The sort keys of the case list and its CSV; "-key" sorts descending.
CASE_LIST_SORT_KEYS = ("registered_at", "number", "deadline", "status", "risk_level")


def order_case_list(cases: QuerySet[Case], ordering: str) -> QuerySet[Case]:
    """``cases`` sorted by a key of ``CASE_LIST_SORT_KEYS`` (``"-key"``: descending), the id
    breaking ties so that pages never overlap.

    ``deadline`` is the clock running now (``Case.running_deadline``): the acceptance decision while
    registered, the mediation deadline while accepted, in mediation or pending transfer; cases with
    no running clock come last either way. ``status`` follows the lifecycle, ``risk_level`` rises
    from normal to high (neither is alphabetical).
    """
    descending = ordering.startswith("-")
    key = ordering.removeprefix("-")
    if key not in CASE_LIST_SORT_KEYS:
        raise ValueError(f"unknown case list ordering {ordering!r}")
    if key == "deadline":
        cases = cases.alias(
            sort_key=SqlCase(
                When(status=Status.REGISTERED, then=F("acceptance_due_at")),
                When(status__in=deadlines.MEDIATION_CLOCK_STATUSES, then=F("due_at")),
                default=None,
                output_field=DateTimeField(),
            )
        )
    elif key == "status":
        ranks = [When(status=s, then=Value(rank)) for rank, s in enumerate(Status)]
        cases = cases.alias(sort_key=SqlCase(*ranks, output_field=IntegerField()))
    elif key == "risk_level":
        ranks = [When(risk_level=r, then=Value(rank)) for rank, r in enumerate(RiskLevel)]
        cases = cases.alias(sort_key=SqlCase(*ranks, output_field=IntegerField()))
    else:
        cases = cases.alias(sort_key=F(key))
    if descending:
        return cases.order_by(F("sort_key").desc(nulls_last=True), "-id")
    return cases.order_by(F("sort_key").asc(nulls_last=True), "id")


# What a number, phone or ID number is typed with: ASCII letters and digits, and separators.
IDENTIFIER = re.compile(r"[A-Za-z0-9\s+\-()]*[0-9][A-Za-z0-9\s+\-()]*")


def is_identifier(text: str) -> bool:
    """Whether ``text`` is searched as a case number, phone or ID number (a digit, nothing but
    ASCII letters, digits and separators; or a printed case number); all else is searched as
    words (``cases.queries.search``)."""
    return bool(IDENTIFIER.fullmatch(text) or PRINTED_NUMBER.fullmatch(text))


# Longer than any number, name or phrase anyone searches; a LIKE over 5,000 characters was a 500 on
# SQLite ("LIKE pattern too complex") and pointless work on PostgreSQL.
MAX_SEARCH_LENGTH = 200


# The multiple-choice filters below all filter a column of the model itself, so they are declared
# ``distinct=False``: django-filter's default adds SELECT DISTINCT, which makes PostgreSQL sort the
# whole match set before it can return a first page (seconds at millions of cases).
class CaseFilter(filters.FilterSet):
    """The case list's filters, the same query parameters on the API and the web page."""

    status = filters.MultipleChoiceFilter(choices=Status.choices, distinct=False)
    centre = IdModelChoiceFilter(queryset=Centre.objects.all(), method="filter_centre")
    subtree = BooleanFilter(method="noop", label=_("include the centre's subtree"))
    registering_centre = IdModelChoiceFilter(
        queryset=Centre.objects.all(),
        method="filter_registering_centre",
        label=_("the centre that registered the case (with subtree: or one below it)"),
    )
    category = IdModelChoiceFilter(queryset=Category.objects.all(), method="filter_category")
    channel = filters.MultipleChoiceFilter(choices=Channel.choices, distinct=False)
    risk_level = filters.MultipleChoiceFilter(choices=RiskLevel.choices, distinct=False)
    mediator = IdModelChoiceFilter(
        queryset=Mediator.objects.all(), field_name="lead_mediator", method="filter_mediator"
    )
    registered_after = UtcDateTimeFilter(field_name="registered_at", lookup_expr="gte")
    registered_before = UtcDateTimeFilter(field_name="registered_at", lookup_expr="lt")
    outcome = filters.MultipleChoiceFilter(choices=Outcome.choices, distinct=False)
    concluded_after = UtcDateTimeFilter(field_name="concluded_at", lookup_expr="gte")
    concluded_before = UtcDateTimeFilter(field_name="concluded_at", lookup_expr="lt")
    overdue = BooleanFilter(method="filter_overdue")
    registered_only = BooleanFilter(
        method="filter_registered_only",
        label=_(
            "true: only the cases you see because they were registered at your centre (or below "
            "one you direct or observe) and are handled elsewhere, read-only; false: none of them"
        ),
    )
    q = filters.CharFilter(
        method="filter_q",
        max_length=MAX_SEARCH_LENGTH,
        label=_("words (summary, facts, notes, party names, addresses), case number, phone or ID"),
    )

    class Meta:
        model = Case
        fields: list[str] = []

    def noop(self, queryset: QuerySet[Case], name: str, value: Any) -> QuerySet[Case]:
        return queryset

    def filter_centre(self, queryset: QuerySet[Case], name: str, centre: Centre) -> QuerySet[Case]:
        return self._at_centre(queryset, "centre", centre)

    def filter_registering_centre(
        self, queryset: QuerySet[Case], name: str, centre: Centre
    ) -> QuerySet[Case]:
        return self._at_centre(queryset, "registering_centre", centre)

    def _at_centre(self, queryset: QuerySet[Case], field: str, centre: Centre) -> QuerySet[Case]:
        # ``subtree`` widens both centre filters: a report's counts of a subtree link here.
        if self.form.cleaned_data.get("subtree"):
            return queryset.filter(**{f"{field}__path__startswith": centre.path})
        return queryset.filter(**{field: centre})

    def filter_category(
        self, queryset: QuerySet[Case], name: str, category: Category
    ) -> QuerySet[Case]:
        return queryset.filter(Q(category=category) | Q(category__parent=category))

    def filter_mediator(
        self, queryset: QuerySet[Case], name: str, mediator: Mediator
    ) -> QuerySet[Case]:
        co = Case.co_mediators.through.objects.filter(mediator=mediator).values("case_id")
        return queryset.filter(Q(lead_mediator=mediator) | Q(pk__in=co))

    def filter_overdue(
        self, queryset: QuerySet[Case], name: str, value: bool | None
    ) -> QuerySet[Case]:
        if value is None:
            return queryset
        overdue = deadlines.overdue_q()
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

    def filter_registered_only(
        self, queryset: QuerySet[Case], name: str, value: bool | None
    ) -> QuerySet[Case]:
        if value is None:
            return queryset
        registered_only = access.registered_only_q(self.request.user)
        return queryset.filter(registered_only) if value else queryset.exclude(registered_only)

    def filter_q(self, queryset: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        value = value.strip()
        if not value:
            return queryset
        # A number (a case's, in part; a phone's last four digits; a phone or ID number): its
        # indexed lookups alone. Other text typed like a number: the start of a case number.
        # Anything else: its words (cases.queries.search).
        matches = number_q(value, self.request.user if self.request else None)
        if matches is None and not is_identifier(value):
            return search.matching(queryset, value)
        if matches is None:
            matches = Q(number__istartswith=value)
        return queryset.filter(matches)
