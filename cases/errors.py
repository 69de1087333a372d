"""Errors the domain raises. Each carries a stable ``code``, a translated message, and the fields at fault.

Every surface turns them into its own shape (a form error, a JSON error body) without losing the field
names; no surface shows a stack trace.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    code = "invalid"
    default_message: Any = _("The request could not be carried out.")

    def __init__(
        self, message: Any = None, *, fields: Mapping[str, Sequence[Any]] | None = None
    ) -> None:
        self.message = message if message is not None else self.default_message
        self.fields: dict[str, list[str]] = {
            name: [str(m) for m in messages] for name, messages in (fields or {}).items()
        }
        super().__init__(str(self.message))

    def __str__(self) -> str:
        return str(self.message)


class CaseNotFound(DomainError):
    """Missing and out of scope look the same: a case's existence is not disclosed."""

    code = "not_found"
    default_message = _("No such case.")


class NotPermitted(DomainError):
    code = "permission_denied"
    default_message = _("You may not do this.")


class TransitionNotAllowed(DomainError):
    code = "transition_not_allowed"
    default_message = _("This action is not allowed now.")


class InvalidInput(DomainError):
    code = "invalid"
    default_message = _("Some fields are not valid.")

    @classmethod
    def from_validation_error(cls, error: ValidationError, prefix: str = "") -> "InvalidInput":
        if hasattr(error, "error_dict"):
            fields = {f"{prefix}{name}": msgs for name, msgs in error.message_dict.items()}
        else:
            fields = {f"{prefix}__all__" if prefix else "__all__": error.messages}
        return cls(fields=fields)


class FileRemoved(DomainError):
    """A file deleted from storage when its case was anonymised (its row stays): 410."""

    code = "file_removed"
    default_message = _(
        "This file was deleted when the personal data of the case was anonymised at the end of "
        "its retention period."
    )


class DoubleBooking(InvalidInput):
    code = "double_booked"
    default_message = _("A mediator or room is already booked at that time.")


class VersionConflict(DomainError):
    code = "precondition_failed"
    default_message = _("Someone else changed this case meanwhile. Reload it and try again.")

    def __init__(self, current_version: int) -> None:
        super().__init__()
        self.current_version = current_version


def error_body(
    code: str, message: Any, fields: dict[str, list[str]] | None = None, **extra: Any
) -> dict[str, Any]:
    """The one error shape of every JSON answer: ``{"error": {"code", "message", "fields"}}``
    (DESIGN §9), for the API and for the few JSON answers made outside it (a login lockout)."""
    error: dict[str, Any] = {"code": code, "message": str(message), "fields": fields or {}}
    error.update(extra)
    return {"error": error}


# --- The catalogue: every code an API answer can carry --------------------------------------------


@dataclass(frozen=True)
class ErrorCode:
    """One ``code`` of the error shape: the HTTP statuses it comes with, and what it means (English:
    this is the integrators' reference, docs/errors.md and the OpenAPI schema)."""

    code: str
    statuses: tuple[int, ...]
    meaning: str


#: Every error code the API answers with, in the order of their first status. The OpenAPI schema's
#: ``ErrorCode`` enum and docs/errors.md (``manage.py error_catalogue``) are built from it; a test
#: checks that every code the exception handler can produce is here.
ERROR_CODES: tuple[ErrorCode, ...] = (
    ErrorCode(
        "invalid",
        (400,),
        "A field is missing or not valid, in the body or in the query string; `fields` names "
        "each one with a dotted path (`parties.0.phone`), `__all__` for the request as a whole.",
    ),
    ErrorCode(
        "invalid_credentials",
        (400,),
        "`POST /auth/token/` with a wrong username or password, or an inactive account "
        "(`fields.password`).",
    ),
    ErrorCode(
        "parse_error",
        (400,),
        "The body is not JSON, or JSON nested more than 32 levels deep.",
    ),
    ErrorCode(
        "not_authenticated",
        (401,),
        "No credentials: send `Authorization: Token <key>` (or `Bearer <key>`). The answer "
        "carries `WWW-Authenticate: Token`.",
    ),
    ErrorCode(
        "authentication_failed",
        (401,),
        "The token is unknown, revoked or expired (30 days unused): sign in again.",
    ),
    ErrorCode(
        "permission_denied",
        (403,),
        "In your scope, but not yours to do (an observer editing a case, a role that may not "
        "register cases here). Checked before the body, so a bad body you may not send anyway "
        "is 403, not 400.",
    ),
    ErrorCode(
        "not_found",
        (404,),
        "No such object, or one outside your scope (the two are not told apart); also unknown "
        "`/api/` URLs, unknown transition names and a saved search that is gone.",
    ),
    ErrorCode(
        "method_not_allowed",
        (405,),
        "The path does not take this method (e.g. `DELETE` on a case).",
    ),
    ErrorCode(
        "not_acceptable",
        (406,),
        "The `Accept` header admits no type this operation answers (JSON, or the file's type).",
    ),
    ErrorCode(
        "transition_not_allowed",
        (409,),
        "The case's status, or your role, does not allow this action now; the message says why. "
        "Nothing changed.",
    ),
    ErrorCode(
        "double_booked",
        (409,),
        "The session overlaps a booking of one of its mediators or of its room.",
    ),
    ErrorCode(
        "idempotency_in_flight",
        (409,),
        "A request with the same `Idempotency-Key` is still being processed: retry after "
        "`Retry-After` seconds with the same key.",
    ),
    ErrorCode(
        "precondition_failed",
        (412,),
        "`If-Match` is not the case's current version (someone changed it meanwhile, or the value "
        "was never an ETag of ours); `current_version` gives the current one. Nothing changed: "
        "read the case again and retry.",
    ),
    ErrorCode(
        "file_removed",
        (410,),
        "The attachment's file was deleted from storage when the case's personal data was "
        "anonymised at the end of its retention period; its record (name, size, type) stays.",
    ),
    ErrorCode(
        "request_too_large",
        (413,),
        "The body is larger than the server accepts (`DATA_UPLOAD_MAX_MEMORY_SIZE`, 2.5 MB by "
        "default), or an attachment over `ATTACHMENT_MAX_BYTES` (20 MB by default; "
        "`fields.file`).",
    ),
    ErrorCode(
        "unsupported_media_type",
        (415,),
        "The body is not sent as `application/json`.",
    ),
    ErrorCode(
        "idempotency_key_reused",
        (422,),
        "This `Idempotency-Key` was used before with a different request (method, path or body).",
    ),
    ErrorCode(
        "precondition_required",
        (428,),
        "`If-Match` is missing where a change needs it (editing a case, its transitions).",
    ),
    ErrorCode(
        "throttled",
        (429,),
        "Too many requests: retry after `Retry-After` seconds (see the `X-RateLimit-*` headers).",
    ),
    ErrorCode(
        "locked_out",
        (429,),
        "`POST /auth/token/` after too many failed sign-ins: of the account (`fields.username`) or "
        "from your address (no field); `Retry-After` says when to try again.",
    ),
    ErrorCode(
        "server_error",
        (500,),
        "Our fault: logged on the server, nothing of it in the body. Retrying with the same "
        "`Idempotency-Key` is safe.",
    ),
    ErrorCode(
        "service_unavailable",
        (503,),
        "The database cannot be reached right now; nothing was kept: retry after `Retry-After` "
        "seconds with the same `Idempotency-Key`.",
    ),
    ErrorCode(
        "pdf_unavailable",
        (503,),
        "A PDF was asked for on a server without the PDF renderer (WeasyPrint and its system "
        "libraries); the same data is available in the other formats.",
    ),
)

#: ``(code, meaning)`` pairs, the choices of the schema's ``ErrorCode`` enum.
ERROR_CODE_CHOICES: list[tuple[str, str]] = [(e.code, e.meaning) for e in ERROR_CODES]


def error_codes_for(status: int) -> list[ErrorCode]:
    """The codes an answer with this HTTP status can carry."""
    return [e for e in ERROR_CODES if status in e.statuses]
