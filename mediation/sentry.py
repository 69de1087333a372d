"""Error reporting to Sentry, only when ``SENTRY_DSN`` is set (``mediation/settings.py``).

Django's and Celery's errors are reported without personal data: no user, address, cookie or
request body (``send_default_pii=False``, request bodies never read), no local variables of the
stack frames (a party's name may be one), no query string, and every phone and ID number left in
a message, a URL or an exception's text masked as the logs mask it (``138****5678``).
"""

from typing import Any

import sentry_sdk
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration

from mediation.logs import masked_deep

# Request fields that may carry what a user typed or who they are.
_REQUEST_FIELDS_DROPPED = ("data", "cookies", "query_string", "env")


def before_send(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
    request = event.get("request")
    if isinstance(request, dict):
        for field in _REQUEST_FIELDS_DROPPED:
            request.pop(field, None)
        if isinstance(request.get("url"), str):
            request["url"] = request["url"].split("?", 1)[0]
    masked: dict[str, Any] = masked_deep(event)
    return masked


def init(dsn: str, *, environment: str | None) -> None:
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        before_send=before_send,  # type: ignore[arg-type]
    )
