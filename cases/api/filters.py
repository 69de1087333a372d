"""The API's list filters (django-filter), one FilterSet per resource.

Cases: ``CaseFilter`` (``cases.queries.case_list``, the web list's filters too), with ``search``, the
key of a search kept server-side (``POST /cases/search/``) in place of ``q``. The others filter the
scoped querysets of ``cases.queries``; a filter never widens them. Cases, mediators and rooms are
filtered by plain ids (never "no such object", ``cases.queries.filters``), so a filter does not
disclose what lies outside the scope.
"""

from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from rest_framework.exceptions import NotFound

from .. import deadlines
from ..models import (
    Agreement,
    Case,
    Category,
    Centre,
    CentreKind,
    CentreLevel,
    Event,
    FollowUp,
    Fulfilment,
    JudicialConfirmation,
    Mediator,
    MediatorKind,
    Membership,
    Notification,
    NotificationKind,
    Party,
    Role,
    Room,
    Session,
    SessionStatus,
    Transfer,
    TransferStatus,
)
from ..queries.case_list import CaseFilter
from ..queries.filters import BooleanFilter, IdFilter, UtcDateTimeFilter
from ..queries.searches import saved_search_text
from ..queries.transfers import incoming_for

#: The case list's parameter that makes it the change feed (``ChangeFeedPagination``).
CHANGE_FEED_PARAMETER = "updated_after"


class CaseApiFilter(CaseFilter):
    """``CaseFilter`` with ``search``: the key of a search kept server-side, in place of ``q``;
    and ``updated_after``, which makes the list the change feed (docs/api.md, "Syncing")."""

    search = filters.CharFilter(
        method="saved_search",
        max_length=64,
        label=_("the key of a search kept server-side (POST /cases/search/), in place of q"),
    )
    updated_after = UtcDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gt",
        label=_("cases changed after this instant, in the order of their last change"),
    )

    def saved_search(self, queryset: QuerySet[Case], name: str, key: str) -> QuerySet[Case]:
        # Unknown, expired and another user's keys answer alike.
        text = saved_search_text(self.request.user if self.request else None, key)
        if text is None:
            raise NotFound(_("This search is no longer available: search again."))
        return self.filter_q(queryset, "q", text)


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
    unfulfilled = BooleanFilter(
        method="filter_unfulfilled",
        label=_("true: not (yet) fulfilled (pending, partly or not fulfilled); false: fulfilled"),
    )
    confirmation_window_open = BooleanFilter(
        method="filter_confirmation_window_open",
        label=_(
            "true: the parties may still apply for judicial confirmation today (not applied for, "
            "the case resolved or closed, the window's last day today or later); false: not"
        ),
    )
    # Inclusive, as performance_deadline_before: "closing by this day".
    confirmation_window_closes_before = filters.DateFilter(
        method="filter_confirmation_window_closes_before",
        label=_("judicial confirmation window's last day on or before this date"),
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

    def filter_confirmation_window_open(
        self, queryset: QuerySet[Agreement], name: str, value: bool | None
    ) -> QuerySet[Agreement]:
        if value is None:
            return queryset
        window_open = deadlines.confirmation_window_open_q(timezone.localdate())
        return queryset.filter(window_open) if value else queryset.exclude(window_open)

    def filter_confirmation_window_closes_before(
        self, queryset: QuerySet[Agreement], name: str, value: date | None
    ) -> QuerySet[Agreement]:
        if value is None:
            return queryset
        return queryset.filter(deadlines.confirmation_window_closes_by_q(value))


class TransferFilter(filters.FilterSet):
    case = IdFilter(field_name="case")
    incoming = BooleanFilter(
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
    done = BooleanFilter(field_name="done_at", lookup_expr="isnull", exclude=True)

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
    active = BooleanFilter()
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
    active = BooleanFilter()

    class Meta:
        model = Category
        fields: list[str] = []


class MediatorFilter(filters.FilterSet):
    centre = IdFilter(method="filter_centre", label=_("centre id: mediators based or seated there"))
    kind = filters.MultipleChoiceFilter(choices=MediatorKind.choices, distinct=False)
    specialty = IdFilter(method="filter_specialty", label=_("category id"))
    active = BooleanFilter()
    # Type-ahead (issue 21): a city's mediators are thousands.
    q = filters.CharFilter(method="search", max_length=100, label=_("name, or a part of it"))

    class Meta:
        model = Mediator
        fields: list[str] = []

    # Subqueries, not joins: a join on a many-to-many would multiply the annotated open load.
    def filter_centre(
        self, queryset: QuerySet[Mediator], name: str, value: Any
    ) -> QuerySet[Mediator]:
        seated = Mediator.seats.through.objects.filter(centre=value).values("mediator_id")
        return queryset.filter(Q(home_centre=value) | Q(pk__in=seated))

    def search(self, queryset: QuerySet[Mediator], name: str, value: str) -> QuerySet[Mediator]:
        value = value.strip()
        return queryset.filter(name__icontains=value) if value else queryset

    def filter_specialty(
        self, queryset: QuerySet[Mediator], name: str, value: Any
    ) -> QuerySet[Mediator]:
        specialists = Mediator.specialties.through.objects.filter(
            Q(category=value) | Q(category__parent=value)
        ).values("mediator_id")
        return queryset.filter(pk__in=specialists)


class RoomFilter(filters.FilterSet):
    centre = IdFilter(field_name="centre")
    active = BooleanFilter()

    class Meta:
        model = Room
        fields: list[str] = []


class UserFilter(filters.FilterSet):
    centre = IdFilter(method="filter_centre", label=_("centre id of a membership"))
    role = filters.ChoiceFilter(choices=Role.choices, method="filter_role")
    is_active = BooleanFilter()
    q = filters.CharFilter(method="search", label=_("username, name or email"))

    class Meta:
        model = User
        fields: list[str] = []

    def _members(self, queryset: QuerySet[User], **lookup: Any) -> QuerySet[User]:
        return queryset.filter(pk__in=Membership.objects.filter(**lookup).values("user_id"))

    def filter_centre(self, queryset: QuerySet[User], name: str, value: Any) -> QuerySet[User]:
        role = self.form.cleaned_data.get("role")
        return self._members(queryset, centre=value, **({"role": role} if role else {}))

    def filter_role(self, queryset: QuerySet[User], name: str, value: str) -> QuerySet[User]:
        return self._members(queryset, role=value) if value else queryset

    def search(self, queryset: QuerySet[User], name: str, value: str) -> QuerySet[User]:
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
    unread = BooleanFilter(field_name="read_at", lookup_expr="isnull", label=_("not read yet"))
    kind = filters.MultipleChoiceFilter(choices=NotificationKind.choices, distinct=False)

    class Meta:
        model = Notification
        fields: list[str] = []


class EventFeedFilter(filters.FilterSet):
    """The events feed (``GET /events/``): the events after an id."""

    # 0 (or no after at all): from the first event.
    after = IdFilter(
        field_name="id", lookup_expr="gt", min_value=0, label=_("events with a greater id")
    )

    class Meta:
        model = Event
        fields: list[str] = []
