"""The filters' building blocks (django-filter): instants compared in UTC, ids and booleans read
strictly.

Cases, mediators and rooms are filtered by plain ids (never "no such object"), so a filter does not
disclose what lies outside the scope. ``CaseFilter`` (``cases.queries.case_list``) and the API's
filters are made of these.
"""

from datetime import UTC, datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters import fields as filter_fields
from django_filters import rest_framework as filters
from django_filters.widgets import BooleanWidget

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


# What a boolean filter reads, in any case: what django-filter's ``BooleanWidget`` reads.
BOOLEANS = {"true": True, "false": False, "1": True, "0": False}


class _StrictBooleanWidget(BooleanWidget):
    """``BooleanWidget``, but a value it does not know is handed on (to be refused), not dropped."""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        value = data.get(name)
        if isinstance(value, str):
            return BOOLEANS.get(value.lower(), value)
        return value


class _StrictBooleanField(forms.NullBooleanField):
    widget = _StrictBooleanWidget

    def to_python(self, value: Any) -> bool | None:  # type: ignore[override]  # as the stubs do
        if value in self.empty_values:
            return None
        if isinstance(value, bool):
            return value
        raise ValidationError(_("Enter true or false."), code="invalid")

    def prepare_value(self, value: Any) -> Any:
        # A value refused shows as not set (an unchecked box), not as whatever was sent.
        return value if isinstance(value, bool) else None


class BooleanFilter(filters.BooleanFilter):
    """``true`` or ``false`` (also ``1``/``0``, any case), or a 400 naming the parameter.
    (django-filter's reads anything else as not given: ``?overdue=yes`` listed every case.)"""

    field_class = _StrictBooleanField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", _StrictBooleanWidget)
        super().__init__(*args, **kwargs)
