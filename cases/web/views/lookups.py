"""Type-ahead lookups for the centre and mediator filters (issue 21): ``GET /lookup/centres/?q=``
and ``GET /lookup/mediators/?q=`` answer JSON, at most ``LOOKUP_LIMIT`` entries of the caller's
scope (``cases.queries.lookups``)::

    {"results": [{"id": 12, "label": "江岸区调解中心", "detail": "JA"}]}

``static/web/lookup.js`` turns the filters' text fields into comboboxes reading these; without
JavaScript the fields take an id or a centre's code as typed.
"""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.http import require_GET

from ...queries.lookups import lookup_centres, lookup_mediators
from ...replica import replica_view
from ..base import AuthenticatedHttpRequest


def _answer(results: list[dict[str, Any]]) -> JsonResponse:
    response = JsonResponse({"results": results}, json_dumps_params={"ensure_ascii": False})
    # What a user may see changes with their roles: never kept by a shared cache.
    patch_cache_control(response, private=True, no_store=True)
    patch_vary_headers(response, ["Cookie", "Accept-Language"])
    return response


@login_required
@require_GET
@replica_view
def centres(request: AuthenticatedHttpRequest) -> JsonResponse:
    """Centres the user sees whose code, name or abbreviation matches ``q``."""
    found = lookup_centres(request.user, request.GET.get("q", ""))
    return _answer([{"id": c.pk, "label": c.name, "detail": c.code} for c in found])


@login_required
@require_GET
@replica_view
def mediators(request: AuthenticatedHttpRequest) -> JsonResponse:
    """Mediators serving where the user sees whose name matches ``q`` (or based at the centre
    whose code is ``q``)."""
    found = lookup_mediators(request.user, request.GET.get("q", ""))
    return _answer([{"id": m.pk, "label": m.name, "detail": m.home_centre.name} for m in found])
