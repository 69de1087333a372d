"""503 instead of 500 while the database cannot be reached, whichever layer found out.

API views answer it through their exception handler (``cases.api.errors``). This middleware, near
the top of ``MIDDLEWARE``, answers it for everything else: web pages, and database errors raised
outside an API view's error handling, in a view or in a middleware below this one (sessions,
authentication, CSRF, django-axes). Under ``/api/`` the answer is the API's error shape, elsewhere
a plain page in the user's language; both carry ``Retry-After``. The page renders without a
request context, so nothing on it needs the database (no session, no user).

A middleware below this one turns its own exceptions into a 500 (or, with ``DEBUG``, the debug
page) before this one sees them; ``got_request_exception``, sent while that exception is handled,
marks the request so that this middleware replaces that answer.
"""

import logging
import sys
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.signals import got_request_exception
from django.http import HttpRequest, HttpResponse
from django.template import loader

from cases.api import errors

logger = logging.getLogger(__name__)

_MARK = "_database_unavailable"


def unavailable(request: HttpRequest, exc: BaseException) -> HttpResponse:
    if request.path.startswith("/api/"):
        return errors.service_unavailable(request, exc)  # logs it
    logger.warning("Database unavailable (%s): answered 503", type(exc).__name__)
    retry_after = settings.DATABASE_UNAVAILABLE_RETRY_AFTER
    page = loader.get_template("503.html").render()  # no request: no session, no user
    return HttpResponse(page, status=503, headers={"Retry-After": str(retry_after)})


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        exc = getattr(request, _MARK, None)
        return unavailable(request, exc) if exc is not None else response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if errors.database_unavailable(exception):
            return unavailable(request, exception)
        return None


def _mark_request(sender: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
    exc = sys.exc_info()[1]
    if request is not None and exc is not None and errors.database_unavailable(exc):
        setattr(request, _MARK, exc)


got_request_exception.connect(_mark_request, dispatch_uid="mediation.middleware.database")
