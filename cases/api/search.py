"""Searching cases by POST, so a phone or ID number stays out of URLs (issue 15).

``POST /cases/search/`` takes the case list's filters as a JSON object (``CaseSearchSerializer``,
made from ``CaseFilter`` so the two cannot drift) and answers the list's first page. Its links, and
those of a ``GET /cases/`` whose ``q`` holds a phone or ID number, carry ``search=<key>``: the
search's text kept server-side (``cases.models.SavedSearch``), never the text itself.
"""

from datetime import datetime
from typing import Any

from django.http import QueryDict
from django.urls import reverse
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

from .. import personal_data
from ..queries.case_list import CaseFilter
from ..services.searches import save_search
from .base import signed_in_user
from .pagination import IdCursorPagination

SEARCH_KEY = "search"
ORDERING_FIELDS = ["id", "registered_at", "due_at", "number"]
MAX_ID = 2**63 - 1  # a bigint


def _field(filter_: Any) -> serializers.Field:
    """The JSON field of one of ``CaseFilter``'s filters."""
    common: dict[str, Any] = {"required": False}
    if filter_.label:
        common["help_text"] = filter_.label  # lazy: the schema is generated in English
    if isinstance(filter_, filters.MultipleChoiceFilter):
        return serializers.ListField(
            child=serializers.ChoiceField(choices=filter_.extra["choices"]), **common
        )
    if isinstance(filter_, filters.ModelChoiceFilter):
        return serializers.IntegerField(min_value=1, max_value=MAX_ID, **common)
    if isinstance(filter_, filters.BooleanFilter):
        return serializers.BooleanField(allow_null=True, **common)
    if isinstance(filter_, filters.IsoDateTimeFilter):
        return serializers.DateTimeField(**common)
    return serializers.CharField(
        max_length=filter_.extra.get("max_length"),
        allow_blank=True,
        trim_whitespace=False,
        **common,
    )


def _search_serializer() -> type[serializers.Serializer[Any]]:
    fields: dict[str, Any] = {
        name: _field(filter_) for name, filter_ in CaseFilter.base_filters.items()
    }
    orderings = [prefix + name for name in ORDERING_FIELDS for prefix in ("", "-")]
    fields["ordering"] = serializers.ChoiceField(
        choices=orderings, required=False, help_text=_("sort order (default: -id)")
    )
    fields["page_size"] = serializers.IntegerField(
        min_value=1,
        required=False,
        help_text=lazy(
            lambda: _("cases a page (at most %(max)d)") % {"max": IdCursorPagination.max_page_size},
            str,
        )(),
    )
    return type("CaseSearchSerializer", (serializers.Serializer,), fields)


CaseSearchSerializer = _search_serializer()


def search_query(data: Any) -> QueryDict:
    """The JSON body of a search as the list's query parameters; 400 naming the field for a
    body that is not an object, an unknown field or a value of the wrong type."""
    if not isinstance(data, dict):
        raise ValidationError(_("Send the filters as a JSON object."))
    incoming = CaseSearchSerializer(data=data)
    errors: dict[str, Any] = {}
    if not incoming.is_valid():
        errors.update(incoming.errors)
    for name in data.keys() - incoming.fields.keys():
        errors[str(name)] = [_("This is not one of the case list's filters.")]
    if errors:
        raise ValidationError(errors)
    query = QueryDict(mutable=True)
    for name, value in incoming.validated_data.items():
        values = value if isinstance(value, list) else [value]
        query.setlist(name, [_text(v) for v in values if v is not None])
    return query


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def links_base(request: Request, *, keep_any_text: bool) -> str:
    """The address the list's ``next``/``previous`` links are made from: the list's parameters,
    with the search's text behind a key when it holds a phone or ID number (or always, for a
    POSTed search)."""
    query = request.query_params.copy()
    query.pop("cursor", None)
    text = (query.get("q") or "").strip()
    if text and (keep_any_text or personal_data.contains_number(text)):
        query.pop("q")
        query[SEARCH_KEY] = save_search(user=signed_in_user(request), text=text).key
    return request.build_absolute_uri(f"{reverse('api:case-list')}?{query.urlencode()}")
