"""One JSON log line per request, and its request id carried into the Celery tasks it queues.

``RequestLogMiddleware`` (first in ``MIDDLEWARE``) gives each request an id: the ``X-Request-ID``
header when ``TRUST_REQUEST_ID_HEADER`` says a proxy in front sets it (nginx's ``$request_id``),
else a new one; the answer carries it back in ``X-Request-ID``. When the answer is made it logs one
line on ``mediation.requests``: request id, user id, route name (the URL pattern's name, never the
path, whose ids and numbers are personal), method, status and duration. Never the path, the query
string or a header.

A task queued during the request carries the id in its message headers (``before_task_publish``);
the worker logs it when the task starts, on ``mediation.tasks`` (``task_prerun``). A task run
in-process (no broker) logs the id of the request that ran it.
"""

import logging
import re
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from celery.signals import before_task_publish, task_prerun
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.functional import empty

HEADER = "X-Request-ID"
_META_HEADER = "HTTP_X_REQUEST_ID"
# What a proxy's id looks like (nginx: 32 hex digits; others: a UUID); anything else is replaced,
# so a log line never carries what a client made up.
_WELL_FORMED = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{7,63}$")

request_logger = logging.getLogger("mediation.requests")
task_logger = logging.getLogger("mediation.tasks")

current_request_id: ContextVar[str | None] = ContextVar("current_request_id", default=None)


def _request_id(request: HttpRequest) -> str:
    given = request.META.get(_META_HEADER, "")
    if settings.TRUST_REQUEST_ID_HEADER and _WELL_FORMED.match(given):
        return given
    return uuid.uuid4().hex


def _user_id(request: HttpRequest) -> int | None:
    """The user's id if the request already knows its user: reading a user not yet loaded would
    load the session, which a view without a session (``/healthz``) must not need."""
    user = getattr(request, "user", None)
    if user is None or getattr(user, "_wrapped", None) is empty:
        return None
    return user.pk if user.is_authenticated else None


def _route(request: HttpRequest) -> str | None:
    match = request.resolver_match
    return match.view_name if match is not None else None


class RequestLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        request_id = _request_id(request)
        token = current_request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            current_request_id.reset(token)
        response[HEADER] = request_id
        request_logger.info(
            "request",
            extra={
                "request_id": request_id,
                "user_id": _user_id(request),
                "route": _route(request),
                "method": request.method,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            },
        )
        return response


@before_task_publish.connect
def _carry_request_id(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    request_id = current_request_id.get()
    if request_id and headers is not None:
        headers.setdefault("request_id", request_id)


@task_prerun.connect
def _log_task_start(task_id: str = "", task: Any = None, **kwargs: Any) -> None:
    request_id = getattr(task.request, "request_id", None) or current_request_id.get()
    task_logger.info(
        "task", extra={"request_id": request_id, "task": task.name, "task_id": task_id}
    )
