"""OpenAPI pieces shared by the resource views: the error answer (the shared ``Error`` component of
``cases.api.serializers.errors``), the token schemes.

The error statuses every operation can answer, and the headers of its answers, are added by
``cases.api.schema.ContractAutoSchema`` from what the operation is; ``error()`` is for an answer
worth its own description and example.
"""

from typing import Any

from django.utils.functional import Promise
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiExample, OpenApiResponse

from .serializers.errors import ErrorSerializer


def error(
    description: str, code: str, message: str | Promise, **fields: list[str]
) -> OpenApiResponse:
    """An error response in the API's one shape (a reference to ``Error``), with one example."""
    return OpenApiResponse(
        response=ErrorSerializer,
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

TOKEN_DESCRIPTION = (
    "A token from `POST /api/v1/auth/token/`, sent as `Authorization: Token <key>` (django-rest-"
    "knox). It expires once unused for 30 days; 401 `authentication_failed` then: sign in again."
)
BEARER_DESCRIPTION = (
    "The same token as `tokenAuth`, sent as `Authorization: Bearer <key>` (RFC 6750), the form "
    "generated clients send by default. Either prefix works."
)


class TokenScheme(OpenApiAuthenticationExtension):
    """The token under both prefixes the server takes: ``tokenAuth`` (``Authorization: Token
    <key>``, the name it always had) and ``bearerAuth`` (``type: http, scheme: bearer``, which
    generators such as openapi-python-client pick up)."""

    target_class = "cases.api.authentication.TokenAuthentication"
    name = ["tokenAuth", "bearerAuth"]

    def get_security_requirement(self, auto_schema: Any) -> list[dict[str, list[Any]]]:
        return [{"tokenAuth": []}, {"bearerAuth": []}]

    def get_security_definition(self, auto_schema: Any) -> list[dict[str, Any]]:
        return [
            {
                "type": "apiKey",
                "in": "header",
                "name": "Authorization",
                "description": TOKEN_DESCRIPTION,
            },
            {"type": "http", "scheme": "bearer", "description": BEARER_DESCRIPTION},
        ]
