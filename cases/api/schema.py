"""The OpenAPI schema as a contract: one English document, every error and header declared.

- ``EnglishSchemaGenerator`` builds the schema under ``translation.override("en")`` and turns every
  lazy translation into its English text while that language is active, so ``/api/schema/`` and
  ``manage.py spectacular`` give the same bytes whatever ``Accept-Language`` says.
- ``ContractAutoSchema`` adds to each operation, from what it is, every error status it can answer
  (each a reference to the shared ``Error`` component) and the headers its answers carry:

  ============================================  =================================================
  the operation                                 answers it declares
  ============================================  =================================================
  any                                           500, 503 (``Retry-After``)
  negotiates its answer's type                  406
  throttled                                     429 (``Retry-After``); ``X-RateLimit-*`` on all
  needs a signed-in caller                      401 (``WWW-Authenticate``), 403
  changes something (POST, PUT, PATCH, DELETE)  403 (CSRF for a browser session, roles)
  a path parameter (``{id}``)                   404
  query parameters                              400
  a request body                                400, 413, 415
  an ``If-Match`` parameter                     412 (``current_version``), 428; ``ETag`` on 2xx
  an ``Idempotency-Key`` parameter              409 (``Retry-After``), 422; ``Idempotent-Replayed``;
                                                400, 413, 415 (the key's fingerprint reads the body)
  ============================================  =================================================

  A view lists in ``etag_actions`` the actions whose answers carry ``ETag`` without taking
  ``If-Match`` (reading a case). What an operation declares itself is kept; only its headers are
  added. 405 (a method the path does not have) cannot be declared in OpenAPI.
"""

from typing import Any

from django.utils import translation
from django.utils.functional import Promise
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent, get_lib_doc_excludes
from rest_framework.permissions import AllowAny
from rest_framework.request import Request

from ..errors import error_codes_for
from . import throttling
from .base import ScopedViewSet
from .negotiation import IgnoreFormatParameter
from .serializers.base import FieldsBuiltOnce
from .serializers.errors import ErrorSerializer

SCHEMA_LANGUAGE = "en"

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}

#: What each automatically declared error status means, before the list of its codes.
STATUS_DESCRIPTIONS = {
    400: "A parameter or the body is not valid",
    401: "No valid token",
    403: "In your scope, but not yours to do",
    404: "Missing, or outside your scope",
    406: "The Accept header admits no type this operation answers",
    409: "The same Idempotency-Key is still being processed",
    412: "If-Match is not the current version (the body gives current_version)",
    413: "The body is too large",
    415: "The body is not JSON",
    422: "The Idempotency-Key was used with a different request",
    428: "If-Match is missing",
    429: "Too many requests",
    500: "Something went wrong on our side",
    503: "Temporarily unavailable",
}

#: The codes each automatic status is declared for (the catalogue has more for some statuses,
#: answered by the operations that declare them themselves).
STATUS_CODES = {
    400: ["invalid", "parse_error"],
    409: ["idempotency_in_flight"],
    429: ["throttled"],
    503: ["service_unavailable"],
}

#: Response headers, as components (``#/components/headers/<name>``).
HEADERS: dict[str, dict[str, Any]] = {
    "ETag": {
        "description": (
            'The case\'s version as an entity tag, e.g. `"3"` (also its `version` field). Send '
            "it as `If-Match` to change the case."
        ),
        "required": True,
        "schema": {"type": "string", "pattern": r'^"\d+"$'},
    },
    "IdempotentReplayed": {
        "description": (
            "`true` on the replay of an answer given before to the same `Idempotency-Key` (same "
            "status, body, `ETag` and `Location`); nothing was done again."
        ),
        "schema": {"type": "string", "enum": ["true"]},
    },
    "RetryAfter": {
        "description": "Seconds to wait before trying again.",
        "schema": {"type": "integer", "minimum": 0},
    },
    "WWWAuthenticate": {
        "description": "`Token`: the scheme to authenticate with.",
        "schema": {"type": "string"},
    },
    "XRateLimitLimit": {
        "description": "The requests the rate limit allows per window (a minute by default).",
        "schema": {"type": "integer", "minimum": 0},
    },
    "XRateLimitRemaining": {
        "description": "The requests left in the window, this one counted.",
        "schema": {"type": "integer", "minimum": 0},
    },
    "XRateLimitReset": {
        "description": (
            "Seconds until the oldest request counted leaves the window, so that one more is "
            "allowed (on a 429, the same as `Retry-After`)."
        ),
        "schema": {"type": "integer", "minimum": 0},
    },
}
HEADER_NAMES = {
    "ETag": "ETag",
    "IdempotentReplayed": "Idempotent-Replayed",
    "RetryAfter": "Retry-After",
    "WWWAuthenticate": "WWW-Authenticate",
    "XRateLimitLimit": throttling.LIMIT,
    "XRateLimitRemaining": throttling.REMAINING,
    "XRateLimitReset": throttling.RESET,
}


#: The parameter of every POST whose answer is kept for replay (``cases.api.base``).
IDEMPOTENCY_KEY: dict[str, Any] = {
    "in": "header",
    "name": "Idempotency-Key",
    "schema": {"type": "string", "maxLength": 255},
    "description": (
        "Makes the POST safe to retry: the same key and request within 48 hours answer the first "
        "answer again (`Idempotent-Replayed: true`) and do nothing; the same key with a different "
        "request is 422."
    ),
}


def lib_doc_excludes() -> list[type]:
    """Base classes whose docstrings are about the code, not the API: a component or operation
    is described by its own docstring only (``GET_LIB_DOC_EXCLUDES``)."""
    return [*get_lib_doc_excludes(), FieldsBuiltOnce, ScopedViewSet]


def in_english(value: Any) -> Any:
    """``value`` with every lazy translation in it made a plain string (in the active language)."""
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, dict):
        return {in_english(k): in_english(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [in_english(v) for v in value]
    return value


class EnglishSchemaGenerator(SchemaGenerator):
    """The one schema, in English, whoever asks (``DEFAULT_GENERATOR_CLASS``)."""

    def get_schema(self, request: Request | None = None, public: bool = False) -> dict[str, Any]:
        with translation.override(SCHEMA_LANGUAGE):
            return in_english(super().get_schema(request=request, public=public))  # type: ignore[no-any-return]


class ContractAutoSchema(AutoSchema):
    """Every error status and header of an operation, from what it is (see the module)."""

    def get_operation(
        self, path: str, path_regex: str, path_prefix: str, method: str, registry: Any
    ) -> dict[str, Any] | None:
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses: dict[str, dict[str, Any]] = operation["responses"]
        parameters = operation.setdefault("parameters", [])
        if self._replays() and not any(p.get("name") == "Idempotency-Key" for p in parameters):
            parameters.append(IDEMPOTENCY_KEY)
        located = {(p.get("in"), p.get("name")) for p in parameters}
        if_match = ("header", "If-Match") in located
        idempotent = ("header", "Idempotency-Key") in located
        throttled = bool(self.view.get_throttles())

        for status in self._error_statuses(operation, if_match=if_match, idempotent=idempotent):
            responses.setdefault(str(status), self._error_response(status))

        action = getattr(self.view, "action", None)
        etag = if_match or action in getattr(self.view, "etag_actions", ())
        for code, response in responses.items():
            status = int(code)
            headers: list[str] = []
            if etag and 200 <= status < 300:
                headers.append("ETag")
            if idempotent and status < 500:
                headers.append("IdempotentReplayed")
            if status in (429, 503) or (idempotent and status == 409):
                headers.append("RetryAfter")
            if status == 401:
                headers.append("WWWAuthenticate")
            if throttled:
                headers += ["XRateLimitLimit", "XRateLimitRemaining", "XRateLimitReset"]
            for name in headers:
                response.setdefault("headers", {}).setdefault(
                    HEADER_NAMES[name], self._header(name)
                )
        operation["responses"] = dict(sorted(responses.items()))
        if not parameters:
            del operation["parameters"]
        return operation

    def _replays(self) -> bool:
        """Does the server keep and replay this operation's answers by ``Idempotency-Key``?"""
        return (
            self.method == "POST"
            and isinstance(self.view, ScopedViewSet)
            and self.view.replay_responses
        )

    def _error_statuses(
        self, operation: dict[str, Any], *, if_match: bool, idempotent: bool
    ) -> set[int]:
        parameters = operation.get("parameters", [])
        statuses = {500, 503}
        if not isinstance(self.view.get_content_negotiator(), IgnoreFormatParameter):
            statuses.add(406)
        if self.view.get_throttles():
            statuses.add(429)
        if not all(isinstance(p, AllowAny) for p in self.view.get_permissions()):
            statuses |= {401, 403}
        if self.method in UNSAFE:
            statuses.add(403)
        if any(p.get("in") == "path" for p in parameters):
            statuses.add(404)
        if any(p.get("in") == "query" for p in parameters):
            statuses.add(400)
        if "requestBody" in operation:
            statuses |= {400, 413, 415}
        if if_match:
            statuses |= {412, 428}
        if idempotent:
            # The key's fingerprint reads the body, even of an operation that takes none.
            statuses |= {400, 409, 413, 415, 422}
        return statuses

    def _error_response(self, status: int) -> dict[str, Any]:
        codes = STATUS_CODES.get(status) or [e.code for e in error_codes_for(status)]
        component = self.resolve_serializer(ErrorSerializer, "response")
        return {
            "description": f"{STATUS_DESCRIPTIONS[status]}: " + ", ".join(f"`{c}`" for c in codes),
            "content": {"application/json": {"schema": component.ref}},
        }

    def _header(self, name: str) -> dict[str, str]:
        component = ResolvedComponent(
            name=name, type=ResolvedComponent.HEADER, schema=HEADERS[name], object=name
        )
        self.registry.register_on_missing(component)
        return component.ref  # type: ignore[no-any-return]
