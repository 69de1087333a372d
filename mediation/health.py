"""GET /healthz: is this process up, and can it reach its database?

For load balancers and monitoring, so no authentication. 200 ``{"status": "ok", "database": "ok"}``
after a ``SELECT 1`` on the default database; 503 ``{"status": "error", "database": "unavailable"}``
when that fails.
"""

import logging
import re

from django import db
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from cases.web.middleware import without_session

logger = logging.getLogger(__name__)

# Driver messages may quote a connection string; keep credentials out of the log.
_CREDENTIALS = re.compile(r"(://[^:/@\s]+:)[^@\s]+@|(password\s*=\s*)\S+", re.IGNORECASE)


def _redacted(message: str) -> str:
    return _CREDENTIALS.sub(
        lambda m: f"{m.group(1)}***@" if m.group(1) else f"{m.group(2)}***", message
    )


@without_session
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with db.connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except db.Error as error:  # OperationalError and every other database error
        logger.warning(
            "Health check: database unavailable: %s: %s",
            type(error).__name__,
            _redacted(str(error)),
        )
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
