"""Cursor pagination: pages stay stable while new cases are registered (no offsets).

A cursor is opaque to clients but not to us: DRF decodes its position and filters by it as it is.
A forged one (``p=1' OR 1=1 --``, a date where an id belongs) made the query fail with a 500, and
an undecodable one answered 404. Both are a 400 naming ``cursor`` here. So is a ``page_size``
that is no whole number from 1 (DRF used the default instead); one over the maximum gives the
maximum.
"""

from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connection, models
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.request import Request

from .fields import WholeNumberField

INVALID_CURSOR = _("This cursor is not valid: follow the next and previous links as given.")


class IdCursorPagination(CursorPagination):
    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    _model: type[models.Model] | None = None

    def get_page_size(self, request: Request) -> int:
        value = request.query_params.get(self.page_size_query_param or "")
        if not value:  # missing or empty: not given, as with the filters
            return self.page_size
        try:
            size = WholeNumberField(min_value=1).run_validation(value)
        except ValidationError as refused:
            raise ValidationError({self.page_size_query_param: refused.detail}) from None
        return min(size, self.max_page_size)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters: list[dict[str, Any]] = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1}
                parameter["description"] = (
                    f"Items a page: {self.page_size} by default, at most {self.max_page_size} "
                    "(a larger number gives that many)."
                )
        return parameters

    def paginate_queryset(
        self, queryset: QuerySet[Any], request: Request, view: Any = None
    ) -> list[Any] | None:
        self._model = queryset.model
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request: Request) -> Cursor | None:
        try:
            cursor = super().decode_cursor(request)
        except NotFound:
            raise ValidationError({self.cursor_query_param: [INVALID_CURSOR]}) from None
        if cursor is not None and cursor.position is not None and not self._readable(cursor):
            raise ValidationError({self.cursor_query_param: [INVALID_CURSOR]})
        return cursor

    def _readable(self, cursor: Cursor) -> bool:
        """Is the cursor's position a value of the field the page is ordered by?"""
        position = str(cursor.position)
        if self._model is None or "\x00" in position:
            return False
        try:
            field = self._model._meta.get_field(self.ordering[0].lstrip("-"))
        except FieldDoesNotExist:
            return False
        if not isinstance(field, models.Field):
            return False
        try:
            value = field.to_python(position)
        except DjangoValidationError:
            return False
        if isinstance(field, models.IntegerField):
            low, high = connection.ops.integer_field_range(field.get_internal_type())
            return low <= value <= high
        return True
