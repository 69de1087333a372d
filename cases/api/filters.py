"""Case filters (django-filter): status, centre (with subtree), category, channel, risk, mediator,
registration dates, overdue, and search by number, party name, phone or ID number (keyed hash)."""

from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from .. import personal_data
from ..models import (
    OPEN_STATUSES,
    Case,
    Category,
    Centre,
    Channel,
    Mediator,
    Party,
    RiskLevel,
    Status,
)


class CaseFilter(filters.FilterSet):
    status = filters.MultipleChoiceFilter(choices=Status.choices)
    centre = filters.ModelChoiceFilter(queryset=Centre.objects.all(), method="filter_centre")
    subtree = filters.BooleanFilter(method="noop", label=_("include the centre's subtree"))
    category = filters.ModelChoiceFilter(queryset=Category.objects.all(), method="filter_category")
    channel = filters.MultipleChoiceFilter(choices=Channel.choices)
    risk_level = filters.MultipleChoiceFilter(choices=RiskLevel.choices)
    mediator = filters.ModelChoiceFilter(queryset=Mediator.objects.all(), method="filter_mediator")
    registered_after = filters.IsoDateTimeFilter(field_name="registered_at", lookup_expr="gte")
    registered_before = filters.IsoDateTimeFilter(field_name="registered_at", lookup_expr="lt")
    overdue = filters.BooleanFilter(method="filter_overdue")
    q = filters.CharFilter(method="search", label=_("case number, party name, phone or ID number"))

    class Meta:
        model = Case
        fields: list[str] = []

    def noop(self, queryset: QuerySet[Case], name: str, value: Any) -> QuerySet[Case]:
        return queryset

    def filter_centre(self, queryset: QuerySet[Case], name: str, centre: Centre) -> QuerySet[Case]:
        if self.form.cleaned_data.get("subtree"):
            return queryset.filter(centre__path__startswith=centre.path)
        return queryset.filter(centre=centre)

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
        overdue = Q(status__in=OPEN_STATUSES, due_at__lt=timezone.now())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

    def search(self, queryset: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        value = value.strip()
        if not value:
            return queryset
        matches = Q(number__iexact=value) | Q(number__istartswith=value)
        party_q = Q(name__icontains=value)
        for kind in (personal_data.Kind.PHONE, personal_data.Kind.ID_NUMBER):
            digest = personal_data.digest(kind, value)
            if digest:
                party_q |= Q(**{f"{kind.value}_hash": digest})
        matches |= Q(pk__in=Party.objects.filter(party_q).values("case_id"))
        return queryset.filter(matches)
