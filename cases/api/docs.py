"""OpenAPI pieces shared by the resource views: the error shape of ``cases.api.errors``."""

from typing import Any

from drf_spectacular.utils import OpenApiExample, OpenApiResponse

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "fields"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {
                    "type": "object",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
            },
        }
    },
}


def error(description: str, code: str, message: str, **fields: list[str]) -> OpenApiResponse:
    """An error response in the API's one shape, with one example."""
    return OpenApiResponse(
        response=ERROR_SCHEMA,
        description=description,
        examples=[
            OpenApiExample(
                code,
                value={"error": {"code": code, "message": message, "fields": fields}},
                response_only=True,
            )
        ],
    )


NOT_FOUND = error("Missing, or outside your scope", "not_found", "Not found.")
FORBIDDEN = error("In your scope, but not yours to do", "permission_denied", "You may not do this.")
NOT_NOW = error(
    "Not possible in the current state", "transition_not_allowed", "This action is not allowed now."
)
