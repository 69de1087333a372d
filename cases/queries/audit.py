"""The audit trail as its readers see it (the audit page and ``GET /api/v1/audit/``): an
administrator every record, a director the records filed under a centre of the subtrees they
direct (``cases.access.audit_centres``), nobody else any; newest first; the filters both share.
"""

from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from ..access import audit_centres, scope_of
from ..models import AuditAction, AuditRecord, Centre, Role
from .filters import BooleanFilter, IdModelChoiceFilter


def audit_records_for(user: User | AnonymousUser) -> QuerySet[AuditRecord]:
    """The records ``user`` may read, newest first, with what a row shows joined."""
    records = AuditRecord.objects.select_related("centre", "case").order_by("-created_at", "-pk")
    scope = scope_of(user)
    if scope.is_admin:
        return records
    directed = Q(pk__in=[])
    for centre in scope.centres(Role.DIRECTOR):
        directed |= Q(centre__path__startswith=centre.path)
    return records.filter(directed)


def _day_start(day: date) -> datetime:
    """Midnight of ``day`` in the current time zone (the centre's, Asia/Shanghai by default)."""
    return timezone.make_aware(datetime.combine(day, time.min))


class AuditFilter(filters.FilterSet):
    """``action`` (one or more), ``actor`` (a user name, exactly, any case), ``centre`` (with
    ``subtree``), ``case_number``, ``date_from`` and ``date_to`` (days, both included)."""

    action = filters.MultipleChoiceFilter(
        choices=AuditAction.choices, distinct=False, label=_("Action")
    )
    actor = filters.CharFilter(
        field_name="actor_name", lookup_expr="iexact", max_length=150, label=_("User name")
    )
    centre = IdModelChoiceFilter(
        queryset=Centre.objects.none(), method="in_centre", label=_("Centre")
    )
    subtree = BooleanFilter(method="ignore", label=_("Include the centres below"))
    case_number = filters.CharFilter(
        field_name="case__number", lookup_expr="iexact", max_length=40, label=_("Case number")
    )
    date_from = filters.DateFilter(method="on_or_after", label=_("From"))
    date_to = filters.DateFilter(method="on_or_before", label=_("To"))

    class Meta:
        model = AuditRecord
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A centre outside the reader's subtrees is refused as one that does not exist.
        user = getattr(self.request, "user", None) or AnonymousUser()
        self.filters["centre"].queryset = audit_centres(user).order_by("path")

    def ignore(self, queryset: QuerySet[AuditRecord], name: str, value: Any) -> Any:
        return queryset  # qualifies ``centre``

    def in_centre(self, queryset: QuerySet[AuditRecord], name: str, value: Centre) -> Any:
        if self.form.cleaned_data.get("subtree"):
            return queryset.filter(centre__path__startswith=value.path)
        return queryset.filter(centre=value)

    def on_or_after(self, queryset: QuerySet[AuditRecord], name: str, value: date) -> Any:
        return queryset.filter(created_at__gte=_day_start(value))

    def on_or_before(self, queryset: QuerySet[AuditRecord], name: str, value: date) -> Any:
        return queryset.filter(created_at__lt=_day_start(value + timedelta(days=1)))
