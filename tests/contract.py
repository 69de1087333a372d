"""Every answer the test suite's API calls receive, checked against the OpenAPI schema.

``SchemaContractMiddleware`` (outermost in ``tests/settings.py``'s ``MIDDLEWARE``) validates each
answer to a request under ``/api/v1/`` with openapi-core against the schema the application serves
(``cases.api.schema.EnglishSchemaGenerator``, built once per test process on the first API
request): its status must be declared for the operation, its body must match that status's schema
for its media type, and the headers the schema declares for it must be there (when required) and
well-formed. ``tests/conftest.py`` fails the test during which a violation was recorded.

Not checked, because OpenAPI cannot declare them: answers for a path the schema does not have
(an unknown ``/api/v1/`` URL, 404) and for a method the path does not have (405, and DRF's
``OPTIONS``/``HEAD`` answers). The path is the schema's by OpenAPI's rule, a concrete path before a
templated one: ``PUT /cases/search/`` is a method ``/cases/search/`` does not have, even though
``/cases/{id}/`` takes ``PUT``. Requests are not validated: the suite sends bad ones on purpose.
"""

import json
import re
import sys
import threading
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

PREFIX = "/api/v1/"

#: What the answers of the current test broke, as readable lines (cleared before each test).
VIOLATIONS: list[str] = []

_lock = threading.Lock()
_loaded: list[tuple[OpenAPI, dict[str, Any]]] = []


def served_schema() -> dict[str, Any]:
    """The schema ``/api/schema/`` serves, as JSON data."""
    from drf_spectacular.renderers import OpenApiJsonRenderer

    from cases.api.schema import EnglishSchemaGenerator

    schema = EnglishSchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(schema, renderer_context={}))  # type: ignore[no-any-return]


def openapi() -> tuple[OpenAPI, dict[str, Any]]:
    """openapi-core's validator of the served schema, and the schema's paths."""
    with _lock:
        if not _loaded:
            schema = served_schema()
            _loaded.append((OpenAPI.from_dict(schema), schema["paths"]))
        return _loaded[0]


def route(paths: dict[str, Any], path: str) -> str | None:
    """The schema's path of a request's ``path``, by OpenAPI's rule: a concrete path before a
    templated one (``/cases/search/`` is not ``/cases/{id}/``), then the fewest variables."""
    if path in paths:
        return path
    templated = [
        pattern
        for pattern in paths
        if re.fullmatch(re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(pattern)), path)
    ]
    return min(templated, key=lambda pattern: pattern.count("{"), default=None)


def violations_of(request: HttpRequest, response: HttpResponseBase) -> list[str]:
    """What is wrong with ``response`` to ``request`` against the schema (``[]``: nothing)."""
    method = (request.method or "GET").lower()
    if method in ("head", "options"):
        return []
    if response.streaming:
        content = b"".join(response.streaming_content)  # type: ignore[attr-defined]
        response.streaming_content = [content]  # type: ignore[attr-defined]
    else:
        content = response.content  # type: ignore[attr-defined]
    answer = MockResponse(
        content,
        status_code=response.status_code,
        headers=dict(response.items()),
        content_type=response.get("Content-Type", ""),
    )
    validator, paths = openapi()
    pattern = route(paths, request.path)
    if pattern is None or method not in paths[pattern]:
        return []  # a path, or a method of the path, that the schema does not have
    asked = MockRequest("http://testserver", method, request.path, path_pattern=pattern)
    try:
        validator.validate_response(asked, answer)
    except Exception as error:  # every other finding of openapi-core is a violation
        return [f"{request.method} {request.path} → {response.status_code}: {_explain(error)}"]
    return []


def _explain(error: BaseException) -> str:
    found: list[str] = []
    cause: BaseException | None = error
    while cause is not None:
        details = getattr(cause, "schema_errors", ())
        found += [f"{e.json_path}: {e.message}"[:200] for e in details]
        if not details:
            found.append(f"{type(cause).__name__}: {str(cause)[:200]}")
        cause = cause.__cause__
    return "; ".join(dict.fromkeys(found))


class SchemaContractMiddleware:
    """Records every ``/api/v1/`` answer that breaks the schema (see the module)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith(PREFIX) and "pytest" in sys.modules:
            VIOLATIONS.extend(violations_of(request, response))
        return response
