"""OpenAPI pieces shared by the resource views: the error shape of ``cases.api.errors``, the token
scheme."""

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
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


class TokenScheme(OpenApiAuthenticationExtension):
    """``Authorization: Token <key>`` in the schema, under the name it always had (``tokenAuth``)."""

    target_class = "cases.api.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return dict(
            build_bearer_security_scheme_object(
                header_name="Authorization", token_prefix=self.target.authenticate_header(None)
            )
        )
