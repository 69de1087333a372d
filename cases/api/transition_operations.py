"""One operation per transition in the OpenAPI schema, derived from the transition table.

The server has one route, ``POST /cases/{id}/transitions/<name>/`` (an unknown name is 404). The
schema shows one literal path per transition instead (``/cases/{id}/transitions/accept/``, ...),
each with its own ``operationId`` (``cases_transitions_accept``), its own body component
(``AcceptRequest``, from ``cases.api.serializers.transitions.request_serializer``) and its own
error examples, so that a generated client has one typed function per transition.

Two pieces do it: ``one_path_per_transition`` (a drf-spectacular preprocessing hook, in
``SPECTACULAR_SETTINGS``) turns the route into one endpoint per transition; ``TransitionSchema``
(the route's ``AutoSchema``) reads the transition from the path and describes it.
"""

import io
from typing import Any

from django.utils import translation
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiExample, OpenApiResponse
from rest_framework.exceptions import ParseError

from .. import workflow
from ..errors import InvalidInput, TransitionNotAllowed, VersionConflict
from ..models import Case, Status
from .docs import NOT_FOUND, error
from .errors import PreconditionRequired
from .parsers import DepthLimitedJSONParser
from .serializers.cases import CaseSerializer
from .serializers.transitions import request_serializer

Endpoint = tuple[str, str, str, Any]  # path, path regex, method, view callback

PLACEHOLDER = "{name}"


def one_path_per_transition(endpoints: list[Endpoint]) -> list[Endpoint]:
    """Replace each endpoint described by ``TransitionSchema`` (its path holds ``{name}``) with one
    endpoint per transition of ``workflow.TRANSITIONS``, the name written into the path."""
    expanded: list[Endpoint] = []
    for path, path_regex, method, callback in endpoints:
        if not _described_by_transition_schema(callback, method):
            expanded.append((path, path_regex, method, callback))
            continue
        assert PLACEHOLDER in path and "(?P<name>" in path_regex, path_regex
        group = path_regex[path_regex.index("(?P<name>") :]
        group = group[: group.index(")") + 1]
        for name in workflow.TRANSITIONS:
            expanded.append(
                (path.replace(PLACEHOLDER, name), path_regex.replace(group, name), method, callback)
            )
    return expanded


def _described_by_transition_schema(callback: Any, method: str) -> bool:
    action = getattr(callback, "actions", {}).get(method.lower())
    handler = getattr(getattr(callback, "cls", None), action or "", None)
    schema = getattr(handler, "kwargs", {}).get("schema")
    return isinstance(schema, type) and issubclass(schema, TransitionSchema)


def _english(value: Any) -> str:
    """The schema is English whatever the caller's language (issue 17)."""
    with translation.override("en"):
        return str(value)


class TransitionSchema(AutoSchema):
    """The schema of ``POST /cases/{id}/transitions/<name>/`` for the transition in the path."""

    @property
    def transition(self) -> workflow.Transition:
        name = self.path.rstrip("/").rsplit("/", 1)[-1]
        spec = workflow.TRANSITIONS.get(name)
        assert spec is not None, (
            f"{self.path}: no transition in the path; is one_path_per_transition among "
            "SPECTACULAR_SETTINGS['PREPROCESSING_HOOKS']?"
        )
        return spec

    def get_operation_id(self) -> str:
        return f"cases_transitions_{self.transition.name}"

    def get_summary(self) -> str:
        return _english(self.transition.label)

    def get_description(self) -> str:  # type: ignore[override]
        spec = self.transition
        sources = ", ".join(f"`{s}`" for s in Status if s in spec.sources)
        target = (
            f"`{spec.target}`"
            if spec.target
            else "not fixed by the table (`extend` keeps it; `return_transfer` restores the "
            "status the case had before the transfer)"
        )
        who = ", ".join(sorted(spec.actors))
        lines = [
            f"The transition `{spec.name}` ({_english(spec.label)}): from {sources}; the status "
            f"after it: {target}. Who, by how they stand to the case: {who}.",
        ]
        if spec.unavailable:
            lines.append(f"Refused with 409 once not possible: {_english(spec.unavailable)}")
        lines.append(
            "Needs `If-Match` with the case's ETag; answers the case with its new `ETag`. "
            "The same route with a name that is no transition answers 404."
        )
        return "\n\n".join(lines)

    def get_request_serializer(self) -> Any:
        return request_serializer(self.transition.name)

    def _map_serializer(
        self, serializer: Any, direction: Any, bypass_extensions: bool = False
    ) -> Any:
        schema = super()._map_serializer(serializer, direction, bypass_extensions)
        if direction == "request" and not schema.get("properties"):
            # A transition without data (accept, resume, ...) still has its component: ``{}``
            # (drf-spectacular drops an object component with neither properties nor this).
            schema["additionalProperties"] = False
        return schema

    def get_response_serializers(self) -> Any:
        spec = self.transition
        mine = {
            200: OpenApiResponse(CaseSerializer, description="The case after the transition"),
            400: _invalid(spec),
            404: NOT_FOUND,
            409: _not_allowed(spec),
            412: _stale(),
            428: error(
                "If-Match is missing",
                "precondition_required",
                _english(PreconditionRequired.default_detail),
            ),
        }
        # Whatever a schema class below adds (the shared answers of every operation) stays.
        base = super().get_response_serializers()
        return {**base, **mine} if isinstance(base, dict) else mine


def _invalid(spec: workflow.Transition) -> OpenApiResponse:
    """400, with what the form says of an empty body (or, when it needs nothing, of one whose
    every field is wrong), its fields dotted into a nested body."""
    form_fields = spec.form.base_fields
    if not form_fields:
        return error("The body is not JSON", "parse_error", _not_json())
    with translation.override("en"):
        errors = spec.form(data={}).errors or spec.form(data=dict.fromkeys(form_fields, "?")).errors
        prefix = f"{spec.nested}." if spec.nested else ""
        fields = {
            f"{prefix}{name}": [str(m) for m in messages] for name, messages in errors.items()
        }
    return error(
        "A field is missing or wrong (`fields` names each, dotted into a nested object), or the "
        "body is not JSON",
        InvalidInput.code,
        _english(InvalidInput.default_message),
        **fields,
    )


def _not_json() -> str:
    """What the API's parser says of a body that is not JSON (``{``)."""
    try:
        with translation.override("en"):
            DepthLimitedJSONParser().parse(io.BytesIO(b"{"), "application/json", {})
    except ParseError as exc:
        return _english(exc.detail)
    raise AssertionError("the parser read `{`")


def _not_allowed(spec: workflow.Transition) -> OpenApiResponse:
    """409, with each refusal the table gives: the case's status, the actor's role, and the
    transition's further condition (``Transition.unavailable``)."""
    with translation.override("en"):
        by_status = workflow.refusal(spec, Case(status=Status.CLOSED))  # closed is final
        assert by_status is not None, f"{spec.name} is possible on a closed case"
        messages = [str(by_status.message), str(workflow.refusal_to_actor(spec).message)]
        if spec.unavailable:
            messages.append(str(spec.unavailable))
    response = error(
        "Not possible now: the case's status, your role, or a further condition",
        TransitionNotAllowed.code,
        messages[0],
    )
    response.examples = [
        *(response.examples or []),
        *(
            OpenApiExample(
                f"{TransitionNotAllowed.code} ({reason})",
                value={
                    "error": {"code": TransitionNotAllowed.code, "message": message, "fields": {}}
                },
                response_only=True,
            )
            for reason, message in zip(("role", "condition"), messages[1:], strict=False)
        ),
    ]
    return response


def _stale() -> OpenApiResponse:
    """412, whose error carries the case's ``current_version``."""
    response = error(
        "If-Match is not the case's current version: read it again",
        "precondition_failed",
        _english(VersionConflict.default_message),
    )
    for example in response.examples or []:
        example.value["error"]["current_version"] = 4
    return response
