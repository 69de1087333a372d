"""List filters (django-filter), one FilterSet per resource.

Cases: status, centre and registering centre (with subtree), category, channel, risk, mediator,
registration dates, outcome and conclusion dates, overdue, and search by number, party name, phone
or ID number (keyed hash), at most ``MAX_SEARCH_LENGTH`` characters; ``search`` is the key of a
search kept server-side (``POST /cases/search/``) in place of ``q``. The others filter the scoped
querysets of ``cases.queries``; a filter never widens them. Cases, mediators and rooms are filtered
by plain ids (never "no such object"), so a filter does not disclose what lies outside the scope.
"""

from datetime import UTC, datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters import fields as filter_fields
from django_filters import rest_framework as filters
from rest_framework.exceptions import NotFound

from .. import deadlines, personal_data, queries
from ..models import (
    Agreement,
    Case,
    Category,
    Centre,
    CentreKind,
    CentreLevel,
    Channel,
    FollowUp,
    Fulfilment,
    JudicialConfirmation,
    Mediator,
    MediatorKind,
    Membership,
    Notification,
    NotificationKind,
    Outcome,
    Party,
    RiskLevel,
    Role,
    Room,
    Session,
    SessionStatus,
    Status,
    Transfer,
    TransferStatus,
)
from ..services.transfers import incoming_for
from ..workflow import ID_MAX, IdChoiceField, WholeNumberField

# Longer than any number, name or phrase anyone searches; a LIKE over 5,000 characters was a 500 on
# SQLite ("LIKE pattern too complex") and pointless work on PostgreSQL.
MAX_SEARCH_LENGTH = 200


class UtcDateTimeFilter(filters.IsoDateTimeFilter):
    """An ISO 8601 date-time, compared in UTC.

    Python accepts offsets up to ±23:59 and PostgreSQL only up to ±15:59: converting first keeps a
    legal but odd offset (``-18:09``) from becoming a database error.
    """

    def filter(self, qs: QuerySet[Any], value: Any) -> QuerySet[Any]:
        if isinstance(value, datetime) and value.tzinfo is not None:
            try:
                value = value.astimezone(UTC)
            except OverflowError:  # past year 9999 or before year 1 once in UTC
                value = (datetime.max if value.year > 1 else datetime.min).replace(tzinfo=UTC)
        return super().filter(qs, value)


class _IdFormField(WholeNumberField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", ID_MAX)
        super().__init__(**kwargs)


class IdFilter(filters.NumberFilter):
    """An id: a whole number from 1 to 2**63-1, or a 400 naming the parameter. (A NumberFilter
    reads a decimal: ``?case=1.5`` listed case 1's rows, and a 20-digit id failed on SQLite.)"""

    field_class = _IdFormField

    def get_max_validator(self) -> None:
        return None


class _IdModelChoiceField(filter_fields.ModelChoiceField, IdChoiceField):
    pass


class IdModelChoiceFilter(filters.ModelChoiceFilter):
    """A ``ModelChoiceFilter`` whose id is read as ``IdFilter`` reads one."""

    field_class = _IdModelChoiceField


# The multiple-choice filters below all filter a column of the model itself, so they are declared
# ``distinct=False``: django-filter's default adds SELECT DISTINCT, which makes PostgreSQL sort the
# whole match set before it can return a first page (seconds at millions of cases).


class CaseFilter(filters.FilterSet):
    status = filters.MultipleChoiceFilter(choices=Status.choices, distinct=False)
    centre = IdModelChoiceFilter(queryset=Centre.objects.all(), method="filter_centre")
    subtree = filters.BooleanFilter(method="noop", label=_("include the centre's subtree"))
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
    overdue = filters.BooleanFilter(method="filter_overdue")
    q = filters.CharFilter(
        method="filter_q",
        max_length=MAX_SEARCH_LENGTH,
        label=_("case number, party name, phone or ID number"),
    )
    search = filters.CharFilter(
        method="saved_search",
        max_length=64,
        label=_("the key of a search kept server-side (POST /cases/search/), in place of q"),
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

    def saved_search(self, queryset: QuerySet[Case], name: str, key: str) -> QuerySet[Case]:
        # Unknown, expired and another user's keys answer alike.
        text = queries.saved_search_text(self.request.user if self.request else None, key)
        if text is None:
            raise NotFound(_("This search is no longer available: search again."))
        return self.filter_q(queryset, "q", text)

    def filter_q(self, queryset: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
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


class PartyFilter(filters.FilterSet):
    case = IdFilter(field_name="case")

    class Meta:
        model = Party
        fields: list[str] = []


class SessionFilter(filters.FilterSet):
    case = IdFilter(field_name="case")
    mediator = IdFilter(method="filter_mediator", label=_("mediator id"))
    room = IdFilter(field_name="room")
    status = filters.MultipleChoiceFilter(choices=SessionStatus.choices, distinct=False)
    starts_after = UtcDateTimeFilter(field_name="starts_at", lookup_expr="gte")
    starts_before = UtcDateTimeFilter(field_name="starts_at", lookup_expr="lt")

    class Meta:
        model = Session
        fields: list[str] = []

    def filter_mediator(
        self, queryset: QuerySet[Session], name: str, value: Any
    ) -> QuerySet[Session]:
        booked = Session.mediators.through.objects.filter(mediator=value).values("session_id")
        return queryset.filter(pk__in=booked)


class AgreementFilter(filters.FilterSet):
    case = IdFilter(field_name="case")
    fulfilment = filters.MultipleChoiceFilter(choices=Fulfilment.choices, distinct=False)
    judicial_confirmation = filters.MultipleChoiceFilter(
        choices=JudicialConfirmation.choices, distinct=False
    )
    due_after = filters.DateFilter(field_name="performance_deadline", lookup_expr="gte")
    due_before = filters.DateFilter(field_name="performance_deadline", lookup_expr="lt")
    # Inclusive, unlike due_before: "due by this day", the question a due list asks.
    performance_deadline_before = filters.DateFilter(
        field_name="performance_deadline",
        lookup_expr="lte",
        label=_("performance deadline on or before this date"),
    )
    unfulfilled = filters.BooleanFilter(
        method="filter_unfulfilled",
        label=_("true: not (yet) fulfilled (pending, partly or not fulfilled); false: fulfilled"),
    )

    class Meta:
        model = Agreement
        fields: list[str] = []

    def filter_unfulfilled(
        self, queryset: QuerySet[Agreement], name: str, value: bool | None
    ) -> QuerySet[Agreement]:
        if value is None:
            return queryset
        fulfilled = Q(fulfilment=Fulfilment.FULFILLED)
        return queryset.exclude(fulfilled) if value else queryset.filter(fulfilled)


class TransferFilter(filters.FilterSet):
    case = IdFilter(field_name="case")
    incoming = filters.BooleanFilter(
        method="filter_incoming", label=_("pending transfers into centres you receive for")
    )
    centre = IdFilter(field_name="to_centre", label=_("receiving centre id"))
    status = filters.MultipleChoiceFilter(choices=TransferStatus.choices, distinct=False)

    class Meta:
        model = Transfer
        fields: list[str] = []

    def filter_incoming(
        self, queryset: QuerySet[Transfer], name: str, value: bool | None
    ) -> QuerySet[Transfer]:
        if value is None:
            return queryset
        incoming = incoming_for(self.request.user if self.request else None).values("pk")
        return queryset.filter(pk__in=incoming) if value else queryset.exclude(pk__in=incoming)


class FollowUpFilter(filters.FilterSet):
    case = IdFilter(field_name="case")
    due_after = filters.DateFilter(field_name="due_on", lookup_expr="gte")
    due_before = filters.DateFilter(field_name="due_on", lookup_expr="lt")
    done = filters.BooleanFilter(field_name="done_at", lookup_expr="isnull", exclude=True)

    class Meta:
        model = FollowUp
        fields: list[str] = []


class CentreFilter(filters.FilterSet):
    parent = IdFilter(field_name="parent")
    subtree = IdFilter(
        method="filter_subtree", label=_("centre id: that centre and every centre below it")
    )
    level = filters.TypedMultipleChoiceFilter(
        choices=CentreLevel.choices, coerce=int, distinct=False
    )
    kind = filters.MultipleChoiceFilter(choices=CentreKind.choices, distinct=False)
    active = filters.BooleanFilter()
    q = filters.CharFilter(method="search", label=_("code or name"))

    class Meta:
        model = Centre
        fields: list[str] = []

    def filter_subtree(self, queryset: QuerySet[Centre], name: str, value: Any) -> QuerySet[Centre]:
        # Read the root's path first: a literal prefix uses the path index, a subquery would not.
        path = Centre.objects.filter(pk=value).values_list("path", flat=True).first()
        return queryset.filter(path__startswith=path) if path else queryset.none()

    def search(self, queryset: QuerySet[Centre], name: str, value: str) -> QuerySet[Centre]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(code__istartswith=value) | Q(name_zh__icontains=value) | Q(name_en__icontains=value)
        )


class CategoryFilter(filters.FilterSet):
    parent = IdFilter(field_name="parent")
    active = filters.BooleanFilter()

    class Meta:
        model = Category
        fields: list[str] = []


class MediatorFilter(filters.FilterSet):
    centre = IdFilter(method="filter_centre", label=_("centre id: mediators based or seated there"))
    kind = filters.MultipleChoiceFilter(choices=MediatorKind.choices, distinct=False)
    specialty = IdFilter(method="filter_specialty", label=_("category id"))
    active = filters.BooleanFilter()

    class Meta:
        model = Mediator
        fields: list[str] = []

    # Subqueries, not joins: a join on a many-to-many would multiply the annotated open load.
    def filter_centre(
        self, queryset: QuerySet[Mediator], name: str, value: Any
    ) -> QuerySet[Mediator]:
        seated = Mediator.seats.through.objects.filter(centre=value).values("mediator_id")
        return queryset.filter(Q(home_centre=value) | Q(pk__in=seated))

    def filter_specialty(
        self, queryset: QuerySet[Mediator], name: str, value: Any
    ) -> QuerySet[Mediator]:
        specialists = Mediator.specialties.through.objects.filter(
            Q(category=value) | Q(category__parent=value)
        ).values("mediator_id")
        return queryset.filter(pk__in=specialists)


class RoomFilter(filters.FilterSet):
    centre = IdFilter(field_name="centre")
    active = filters.BooleanFilter()

    class Meta:
        model = Room
        fields: list[str] = []


class UserFilter(filters.FilterSet):
    centre = IdFilter(method="filter_centre", label=_("centre id of a membership"))
    role = filters.ChoiceFilter(choices=Role.choices, method="filter_role")
    is_active = filters.BooleanFilter()
    q = filters.CharFilter(method="search", label=_("username, name or email"))

    class Meta:
        model = get_user_model()
        fields: list[str] = []

    def _members(self, queryset: QuerySet[Any], **lookup: Any) -> QuerySet[Any]:
        return queryset.filter(pk__in=Membership.objects.filter(**lookup).values("user_id"))

    def filter_centre(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        role = self.form.cleaned_data.get("role")
        return self._members(queryset, centre=value, **({"role": role} if role else {}))

    def filter_role(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return self._members(queryset, role=value) if value else queryset

    def search(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(username__icontains=value)
            | Q(first_name__icontains=value)
            | Q(last_name__icontains=value)
            | Q(email__icontains=value)
        )


class NotificationFilter(filters.FilterSet):
    unread = filters.BooleanFilter(
        field_name="read_at", lookup_expr="isnull", label=_("not read yet")
    )
    kind = filters.MultipleChoiceFilter(choices=NotificationKind.choices, distinct=False)

    class Meta:
        model = Notification
        fields: list[str] = []
