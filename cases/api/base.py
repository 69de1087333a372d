"""The one base class of every API view: scope, optimistic locking and idempotent POSTs.

- **Scope**: a view names a ``scope`` function from ``cases.queries`` (user → queryset); the base
  class's ``get_queryset`` is the only way to the rows, and subclasses may not override it (checked
  when the class is defined). Objects outside the caller's scope answer 404.
- **If-Match**: ``require_version()`` reads ``If-Match`` (428 when missing) for the services'
  ``expected_version``; a stale one becomes 412 through ``VersionConflict``.
- **Idempotency-Key**: a POST carrying one is claimed before it runs and its answer stored; a repeat
  replays the answer, a concurrent repeat waits for it (409 after a while), a different body is 422.
"""

import hashlib
import hmac
import json
import time
from datetime import timedelta
from typing import Any, ClassVar

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from rest_framework import viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from ..errors import VersionConflict
from ..models import IdempotencyKey
from .errors import IdempotencyInFlight, IdempotencyMismatch, PreconditionRequired

IDEMPOTENCY_WAIT_SECONDS = 10.0


class _Replay(Exception):
    def __init__(self, record: IdempotencyKey) -> None:
        self.record = record


class ScopedViewSet(viewsets.GenericViewSet):  # type: ignore[type-arg]
    """Base of every API view. Set ``scope = staticmethod(queries.something_for)``."""

    scope: ClassVar[Any] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for forbidden in ("get_queryset", "queryset"):
            if forbidden in cls.__dict__:
                raise TypeError(
                    f"{cls.__name__} may not define {forbidden}: set `scope` to a function of "
                    "cases.queries so the scope rule of cases.access applies."
                )

    def get_queryset(self) -> QuerySet[Any]:
        if self.scope is None:
            raise TypeError(f"{type(self).__name__} has no scope.")
        return self.scope(self.request.user)

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        """The list's filters and ordering apply to lists only: one object is found by its id
        within the caller's scope, whatever the query string says (and building the filter set
        on every read of one case cost more than the rest of the request, issue #8)."""
        if self.detail:
            return queryset
        return super().filter_queryset(queryset)

    # --- If-Match ----------------------------------------------------------------------------

    def require_version(self, current: int) -> int | None:
        """Check ``If-Match`` against the object's ``current`` version (RFC 9110 §13.1.1) and return
        the version the services should expect, ``None`` for ``*`` (any version).

        Missing: 428. Not the current version (stale, or never one of ours: ``"abc"``): 412 with
        ``current_version``. Several ETags match when one of them is current; ``W/"7"`` is taken
        as ``"7"``.
        """
        header = self.request.headers.get("If-Match", "").strip()
        if not header:
            raise PreconditionRequired()
        if header == "*":
            return None
        tags = {tag.strip().removeprefix("W/").strip('"') for tag in header.split(",")}
        if str(current) not in tags:
            raise VersionConflict(current)
        return current

    @staticmethod
    def with_etag(response: Response, version: int) -> Response:
        response["ETag"] = f'"{version}"'
        return response

    # --- Idempotency-Key ---------------------------------------------------------------------

    #: ``False`` (e.g. ``@action(..., replay_responses=False)``) for a POST whose answer must not
    #: be stored, such as revealed personal data: it ignores Idempotency-Key (and is safe to repeat).
    replay_responses: bool = True

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        key = request.headers.get("Idempotency-Key")
        if (
            request.method == "POST"
            and key
            and self.replay_responses
            and request.user.is_authenticated
        ):
            self._claim(request, key[:255])

    _idempotency_record: IdempotencyKey | None = None

    def _claim(self, request: Request, key: str) -> None:
        # Keyed, so a stored fingerprint reveals nothing about a body (e.g. a password) it came from.
        fingerprint = hmac.new(
            settings.SECRET_KEY.encode(),
            b"\n".join(
                [
                    (request.method or "").encode(),
                    request.path.encode(),
                    json.dumps(request.data, sort_keys=True, default=str).encode(),
                ]
            ),
            hashlib.sha256,
        ).hexdigest()
        expired = timezone.now() - timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)
        user: Any = request.user
        IdempotencyKey.objects.filter(user=user, key=key, created_at__lt=expired).delete()
        try:
            with transaction.atomic():
                record = IdempotencyKey.objects.create(user=user, key=key, fingerprint=fingerprint)
        except IntegrityError:
            record = self._wait_for(user, key)
            if record.fingerprint != fingerprint:
                raise IdempotencyMismatch() from None
            raise _Replay(record) from None
        self._idempotency_record = record

    @staticmethod
    def _wait_for(user: Any, key: str) -> IdempotencyKey:
        deadline = time.monotonic() + IDEMPOTENCY_WAIT_SECONDS
        while True:
            record = IdempotencyKey.objects.filter(user=user, key=key).first()
            if record is None:
                # The first attempt failed (5xx) and released the key: the client may retry it.
                raise IdempotencyInFlight()
            if record.answered or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        if not record.answered:
            raise IdempotencyInFlight()
        return record

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, _Replay):
            response = Response(exc.record.response, status=exc.record.status_code)
            response["Idempotent-Replayed"] = "true"
            return response
        return super().handle_exception(exc)

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        record = getattr(self, "_idempotency_record", None)
        if record is not None:
            self._idempotency_record = None
            if response.status_code >= 500:
                record.delete()  # nothing was done: let the client retry with the same key
            else:
                record.status_code = response.status_code
                record.response = json.loads(json.dumps(response.data, default=str))
                record.save(update_fields=["status_code", "response"])
        return response
