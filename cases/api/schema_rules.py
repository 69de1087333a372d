"""Rules the server enforces, declared in the OpenAPI schema where drf-spectacular leaves them out
(issue 17, item 6):

- a list that may not be empty (``allow_empty=False``: a case's ``parties``, a session's
  ``mediators``) declares ``minItems: 1``;
- an id in a body (``IdRelatedField``: ``centre``, ``category``, ``mediators``, ``room``, ...) is
  an integer from 1 to 2**63-1, as ``IdField`` already declares;
- an amount that may not be negative (``min_value=0``) has no ``-`` in its pattern;
- the list filters' ids are integers from 1 to 2**63-1 and their booleans booleans, by the filter's
  class (``cases.queries.filters``): drf-spectacular typed a filter with a method by the method's
  type hints, which made ``overdue`` a string and ``subtree`` anything; a text filter with a
  ``max_length`` (``q``, ``search``) declares it.

The extensions register themselves when this module is imported (``cases.api.urls`` does).
"""

from typing import Any

from django_filters.filters import CharFilter
from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema

from ..formfields import ID_MAX
from ..queries.filters import BooleanFilter, IdFilter, IdModelChoiceFilter

ID_SCHEMA: dict[str, Any] = {
    "type": "integer",
    "format": "int64",
    "minimum": 1,
    "maximum": ID_MAX,
}


class _NonEmptyList(OpenApiSerializerFieldExtension):
    """A list field as drf-spectacular maps it, with ``minItems: 1`` when it may not be empty."""

    match_subclasses = True

    def map_serializer_field(self, auto_schema: AutoSchema, direction: Any) -> Any:
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        if isinstance(schema, dict) and not getattr(self.target, "allow_empty", True):
            schema["minItems"] = 1
        return schema


class NonEmptyRelatedList(_NonEmptyList):
    target_class = "rest_framework.relations.ManyRelatedField"


class NonEmptyNestedList(_NonEmptyList):
    target_class = "rest_framework.serializers.ListSerializer"


class NonEmptyListField(_NonEmptyList):
    target_class = "rest_framework.fields.ListField"


class RelatedId(OpenApiSerializerFieldExtension):
    target_class = "cases.api.fields.IdRelatedField"

    def map_serializer_field(self, auto_schema: AutoSchema, direction: Any) -> Any:
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        return {**schema, **ID_SCHEMA} if isinstance(schema, dict) else schema


class NonNegativeDecimal(OpenApiSerializerFieldExtension):
    target_class = "rest_framework.fields.DecimalField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema: AutoSchema, direction: Any) -> Any:
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        pattern = schema.get("pattern") if isinstance(schema, dict) else None
        low = self.target.min_value
        if pattern and pattern.startswith("^-?") and low is not None and low >= 0:
            schema["pattern"] = "^" + pattern.removeprefix("^-?")
        return schema


class TypedFilters(DjangoFilterExtension):
    """django-filter's query parameters, with ids and booleans typed by their filter's class."""

    priority = 1

    def resolve_filter_field(
        self,
        auto_schema: AutoSchema,
        model: Any,
        filterset_class: Any,
        field_name: str,
        filter_field: Any,
    ) -> list[dict[str, Any]]:
        parameters: list[dict[str, Any]] = super().resolve_filter_field(
            auto_schema, model, filterset_class, field_name, filter_field
        )
        if isinstance(filter_field, IdFilter | IdModelChoiceFilter):
            declared: dict[str, Any] | None = ID_SCHEMA
        elif isinstance(filter_field, BooleanFilter):
            declared = {"type": "boolean"}
        else:
            declared = None
        for parameter in parameters:
            if declared is not None:
                parameter["schema"] = dict(declared)
            if isinstance(filter_field, CharFilter) and filter_field.extra.get("max_length"):
                parameter["schema"]["maxLength"] = filter_field.extra["max_length"]
        return parameters
