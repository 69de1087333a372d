"""One JSON shape for every API error (DESIGN §9):

    {"error": {"code": "...", "message": "...", "fields": {"field": ["..."]}}}

Messages are in the caller's language (``Accept-Language``). No stack trace or SQL reaches a client:
anything unexpected is logged and answered with a plain 500 in the same shape; a database that cannot
be reached answers 503 ``service_unavailable`` with ``Retry-After``.
"""

import logging
import sqlite3
from typing import Any

import psycopg
from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from ..errors import (
    CaseNotFound,
    DomainError,
    DoubleBooking,
    FileRemoved,
    InvalidInput,
    NotPermitted,
    TransitionNotAllowed,
    VersionConflict,
    error_body,
)
from ..services.attachments import FileTooLarge
from . import throttling

logger = logging.getLogger(__name__)

DOMAIN_STATUS: list[tuple[type[DomainError], int]] = [
    (CaseNotFound, status.HTTP_404_NOT_FOUND),
    (FileRemoved, status.HTTP_410_GONE),
    (VersionConflict, status.HTTP_412_PRECONDITION_FAILED),
    (DoubleBooking, status.HTTP_409_CONFLICT),
    (FileTooLarge, status.HTTP_413_REQUEST_ENTITY_TOO_LARGE),
    (InvalidInput, status.HTTP_400_BAD_REQUEST),
    (TransitionNotAllowed, status.HTTP_409_CONFLICT),
    (NotPermitted, status.HTTP_403_FORBIDDEN),
]


class PreconditionRequired(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_code = "precondition_required"
    default_detail = gettext_lazy(
        "This request must carry an If-Match header with the case's ETag."
    )


class IdempotencyMismatch(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "idempotency_key_reused"
    default_detail = gettext_lazy("This Idempotency-Key was used with a different request.")


class IdempotencyInFlight(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "idempotency_in_flight"
    default_detail = gettext_lazy(
        "A request with this Idempotency-Key is still being processed. Retry shortly."
    )


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"

    def __init__(self) -> None:
        super().__init__(
            _("The request body is larger than the %(limit)s bytes this server accepts.")
            % {"limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE}
        )


def _from_django(exc: Exception) -> Exception:
    """Django's refusals of a request body (``request.body`` over ``DATA_UPLOAD_MAX_MEMORY_SIZE``,
    too many form fields) as API errors: 413 and 400, not 500."""
    if isinstance(exc, RequestDataTooBig):
        return RequestTooLarge()
    if isinstance(exc, SuspiciousOperation):
        return exceptions.ParseError()
    return exc


def _flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested validation errors as ``{"parties.0.phone": ["..."]}``. An error of a nested
    object or list as a whole (an empty ``parties``) is named by its path (``parties``); one of
    the whole body by ``__all__``."""
    if isinstance(detail, dict):
        out: dict[str, list[str]] = {}
        for key, value in detail.items():
            if key == "non_field_errors":
                path = prefix or "__all__"
            else:
                path = f"{prefix}.{key}" if prefix else str(key)
            for name, messages in _flatten(value, path).items():
                out.setdefault(name, []).extend(messages)
        return out
    if isinstance(detail, list):
        if not any(isinstance(v, dict | list) for v in detail):
            return {prefix or "__all__": [str(v) for v in detail]}
        out = {}
        for index, value in enumerate(detail):
            if value:
                out.update(_flatten(value, f"{prefix}.{index}" if prefix else str(index)))
        return out
    return {prefix or "__all__": [str(detail)]}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    set_rollback()
    if database_unavailable(exc):
        return Response(**_unavailable(exc))
    headers: dict[str, str] = {}
    if isinstance(exc, DomainError):
        code = next(s for cls, s in DOMAIN_STATUS if isinstance(exc, cls))
        extra = {"current_version": exc.current_version} if isinstance(exc, VersionConflict) else {}
        return Response(error_body(exc.code, exc.message, exc.fields, **extra), status=code)
    exc = _from_django(exc)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, exceptions.ValidationError):
        return Response(
            error_body("invalid", _("Some fields are not valid."), _flatten(exc.detail)),
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, exceptions.APIException):
        wait = getattr(exc, "wait", None)
        if isinstance(exc, exceptions.Throttled) and wait is not None:
            headers["Retry-After"] = str(throttling.seconds(wait))
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header  # type: ignore[attr-defined]
        if isinstance(exc, IdempotencyInFlight):
            headers["Retry-After"] = "1"
        detail = exc.detail if isinstance(exc.detail, str) else exc.default_detail
        return Response(error_body(_code(exc), detail), status=exc.status_code, headers=headers)
    logger.exception("Unhandled error in the API", exc_info=exc)
    return Response(
        error_body("server_error", _("Something went wrong on our side. Please try again.")),
        status=status.HTTP_500_INTERNAL_SERVER_ERROR,
    )


def _code(exc: exceptions.APIException) -> str:
    codes = exc.get_codes()
    return codes if isinstance(codes, str) else exc.default_code


def not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    """404 for URLs the API does not have, in the same shape (handler404 delegates here)."""
    return JsonResponse(error_body("not_found", _("Not found.")), status=404)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    """400 (413 for a body over the limit) for a request Django refused before any API view ran,
    e.g. a body read by middleware (handler400 delegates here)."""
    exc = _from_django(exception) if exception is not None else None
    if not isinstance(exc, exceptions.APIException):
        exc = exceptions.ParseError()
    detail = exc.detail if isinstance(exc.detail, str) else exc.default_detail
    return JsonResponse(error_body(_code(exc), detail), status=exc.status_code)


def server_error(request: HttpRequest) -> JsonResponse:
    return JsonResponse(
        error_body("server_error", _("Something went wrong on our side. Please try again.")),
        status=500,
    )


# --- 503: the database cannot be reached ----------------------------------------------------------

# Connection refused or lost, the server shutting down, a lock or statement timeout: worth a retry.
_UNAVAILABLE = (OperationalError, InterfaceError, psycopg.OperationalError, psycopg.InterfaceError)
# SQLite says OperationalError of bad SQL too ("LIKE pattern too complex"): only these are transient.
_SQLITE_UNAVAILABLE = ("SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_CANTOPEN", "SQLITE_IOERR")


def database_unavailable(exc: BaseException) -> bool:
    if isinstance(exc.__cause__, sqlite3.Error):
        return str(exc.__cause__.sqlite_errorname).startswith(_SQLITE_UNAVAILABLE)
    return isinstance(exc, _UNAVAILABLE)


def _unavailable(exc: BaseException) -> dict[str, Any]:
    # The class only: a driver's message may quote a connection string.
    logger.warning("Database unavailable (%s): answered 503", type(exc).__name__)
    return {
        "data": error_body(
            "service_unavailable",
            _("The service is temporarily unavailable. Please try again in a few seconds."),
        ),
        "status": status.HTTP_503_SERVICE_UNAVAILABLE,
        "headers": {"Retry-After": str(settings.DATABASE_UNAVAILABLE_RETRY_AFTER)},
    }


def service_unavailable(request: HttpRequest, exc: BaseException) -> JsonResponse:
    """503 for an ``/api/`` path whose database failed outside an API view (mediation.middleware)."""
    answer = _unavailable(exc)
    return JsonResponse(answer["data"], status=answer["status"], headers=answer["headers"])
