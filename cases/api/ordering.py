"""``?ordering=`` of the lists: one of the view's ``ordering_fields``, ``-`` before it for
descending, declared as an enum in the schema; anything else is a 400 naming ``ordering`` (DRF's
``OrderingFilter`` dropped what it did not know and sorted by the default, so a typo went
unnoticed).

Kept free of the API's other modules: the settings name it (``DEFAULT_FILTER_BACKENDS``), and DRF
imports it while its generic views are being defined.
"""

from typing import Any

from django.db.models import QuerySet
from rest_framework import filters, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request


def orderings(view: Any) -> list[str]:
    """The values ``ordering`` takes on ``view``'s list: each field, ascending then descending."""
    fields = [f if isinstance(f, str) else f[0] for f in getattr(view, "ordering_fields", [])]
    return [prefix + name for name in fields for prefix in ("", "-")]


class OrderingFilter(filters.OrderingFilter):
    def get_ordering(self, request: Request, queryset: QuerySet[Any], view: Any) -> Any:
        value = request.query_params.get(self.ordering_param)
        if not value:
            return self.get_default_ordering(view)
        if value not in orderings(view):
            message = serializers.ChoiceField.default_error_messages["invalid_choice"]
            raise ValidationError({self.ordering_param: [str(message).format(input=value)]})
        return [value]

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        default = ", ".join(self.get_default_ordering(view) or ())
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": (
                    f"Sort order: a field, with `-` before it for descending (default: {default})."
                ),
                "schema": {"type": "string", "enum": orderings(view)},
            }
        ]
