"""Cursor pagination: pages stay stable while new cases are registered (no offsets).

A cursor is opaque to clients but not to us: DRF decodes its position and filters by it as it is.
A forged one (``p=1' OR 1=1 --``, a date where an id belongs) made the query fail with a 500, and
an undecodable one answered 404. Both are a 400 naming ``cursor`` here. So is a ``page_size``
that is no whole number from 1 (DRF used the default instead); one over the maximum gives the
maximum.
"""

from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connection, models
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import BasePagination, Cursor, CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from ..formfields import ID_MAX
from ..queries.feeds import changed_after
from .fields import WholeNumberField

# Between the two halves of a change feed cursor's position: an instant and an id.
FEED_POSITION_SEPARATOR = "~"

INVALID_CURSOR = _("This cursor is not valid: follow the next and previous links as given.")


class IdCursorPagination(CursorPagination):
    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    _model: type[models.Model] | None = None

    def get_page_size(self, request: Request) -> int:
        return page_size(request, self.page_size_query_param, self.page_size, self.max_page_size)

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


class ChangeFeedPagination(IdCursorPagination):
    """The pages of the change feed (``GET /cases/?updated_after=``): cases in the order of their
    last change, ``updated_at`` then id (``cases.queries.feeds``). The cursor holds the last case's
    pair, so a page starts exactly after the one before it however many cases share an instant (a
    position plus an offset, DRF's way, would skip or repeat one whenever those cases change). The
    feed goes forward only: ``previous`` is always null."""

    def paginate_queryset(
        self, queryset: QuerySet[Any], request: Request, view: Any = None
    ) -> list[Any] | None:
        size = self.get_page_size(request) or self.page_size
        self.base_url = request.build_absolute_uri()
        rows = list(changed_after(queryset, self._decode_position(request))[: size + 1])
        self.has_next = len(rows) > size
        self.rows: list[Any] = rows[:size]
        return self.rows

    def get_next_link(self) -> str | None:
        if not self.has_next:
            return None
        last = self.rows[-1]
        position = (
            f"{last.updated_at.astimezone(UTC).isoformat()}{FEED_POSITION_SEPARATOR}{last.pk}"
        )
        return self.encode_cursor(Cursor(offset=0, reverse=False, position=position))  # type: ignore[arg-type]

    def get_previous_link(self) -> str | None:
        return None

    def _decode_position(self, request: Request) -> tuple[datetime, int] | None:
        """The (``updated_at``, id) the request's cursor continues after; ``None`` without one; a
        400 naming ``cursor`` for one the feed did not give (the case list's cursors included)."""
        try:
            cursor = CursorPagination.decode_cursor(self, request)
        except NotFound:
            cursor = Cursor(offset=0, reverse=False, position=None)
        if cursor is None:
            return None
        position = _feed_position(str(cursor.position or ""))
        if position is None or cursor.offset or cursor.reverse:
            raise ValidationError({self.cursor_query_param: [INVALID_CURSOR]})
        return position


def _feed_position(text: str) -> tuple[datetime, int] | None:
    """The (``updated_at``, id) of a change feed cursor's position, ``None`` for anything else."""
    at_text, separator, pk_text = text.rpartition(FEED_POSITION_SEPARATOR)
    if not separator or not pk_text.isdigit() or not 1 <= int(pk_text) <= ID_MAX:
        return None
    try:
        at = datetime.fromisoformat(at_text)
        if at.tzinfo is None:
            return None
        return at.astimezone(UTC), int(pk_text)
    except (ValueError, OverflowError):
        return None


class AfterIdPagination(BasePagination):
    """Pages of a list in ascending id order that continues ``after`` an id (the events feed):
    ``next`` is this request with ``after`` set to the last id of the page, null on the last page.
    The answer has the shape of the other lists (``next``, ``previous``: always null, ``results``).
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    after_query_param = "after"

    def paginate_queryset(
        self, queryset: QuerySet[Any], request: Request, view: Any = None
    ) -> list[Any] | None:
        self.base_url = request.build_absolute_uri()
        self.page_size = page_size(
            request, self.page_size_query_param, self.page_size, self.max_page_size
        )
        rows = list(queryset[: self.page_size + 1])
        self.has_next = len(rows) > self.page_size
        self.page = rows[: self.page_size]
        return self.page

    def get_next_link(self) -> str | None:
        if not self.has_next:
            return None
        return replace_query_param(self.base_url, self.after_query_param, self.page[-1].pk)

    def get_paginated_response(self, data: Any) -> Response:
        return Response({"next": self.get_next_link(), "previous": None, "results": data})

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        # The shape of IdCursorPagination's answers: one component for every list of events.
        shape = IdCursorPagination().get_paginated_response_schema(schema)
        shape["properties"]["next"]["example"] = (
            "https://mediation.example.org/api/v1/events/?after=1042"
        )
        shape["properties"]["previous"]["example"] = None
        return shape

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Events a page (default {self.page_size}, at most "
                f"{self.max_page_size}).",
                "schema": {"type": "integer", "minimum": 1},
            }
        ]


def page_size(request: Request, name: str, default: int, maximum: int) -> int:
    """The page size asked for in the query parameter ``name``: missing or empty means ``default``
    (as with the filters), more than ``maximum`` gives ``maximum``, and anything but a whole number
    from 1 is a 400 naming the parameter."""
    value = request.query_params.get(name)
    if not value:
        return default
    try:
        size = WholeNumberField(min_value=1).run_validation(value)
    except ValidationError as refused:
        raise ValidationError({name: refused.detail}) from None
    return min(size, maximum)
