"""The filters' building blocks (django-filter): instants compared in UTC, ids read strictly.

Cases, mediators and rooms are filtered by plain ids (never "no such object"), so a filter does not
disclose what lies outside the scope. ``CaseFilter`` (``cases.queries.case_list``) and the API's
filters are made of these.
"""

from datetime import UTC, datetime
from typing import Any

from django.db.models import QuerySet
from django_filters import fields as filter_fields
from django_filters import rest_framework as filters

from ..formfields import ID_MAX, IdChoiceField, WholeNumberField


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
