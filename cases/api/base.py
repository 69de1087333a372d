"""The one base class of every API view: scope, optimistic locking and idempotent POSTs.

- **Scope**: a view names a ``scope`` function from ``cases.queries`` (user → queryset); the base
  class's ``get_queryset`` is the only way to the rows, and subclasses may not override it (checked
  when the class is defined). Objects outside the caller's scope answer 404.
- **If-Match**: ``require_version()`` reads ``If-Match`` (428 when missing) for the services'
  ``expected_version``; a stale one becomes 412 through ``VersionConflict``.
- **Idempotency-Key**: a POST carrying one runs in one transaction with its claim and its stored
  answer (they commit together or not at all, a 5xx rolls all back); a repeat replays the answer,
  a concurrent repeat waits for the first to end (409 after ``IDEMPOTENCY_LEASE_SECONDS``), a
  different body is 422.
"""

import hashlib
import hmac
import json
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from rest_framework import viewsets
from rest_framework.exceptions import NotAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from ..errors import VersionConflict
from ..models import IdempotencyKey
from ..services import idempotency
from .errors import IdempotencyInFlight, IdempotencyMismatch, PreconditionRequired

#: The headers of an answer that its replay repeats, beside its status and body.
REPLAYED_HEADERS = ("ETag", "Location")


def _fingerprinted(data: Any) -> Any:
    """A body as its fingerprint reads it: an uploaded file by its name, size and SHA-256, so
    another file under the same name is another request."""
    if isinstance(data, UploadedFile):
        digest = hashlib.sha256()
        for chunk in data.chunks():
            digest.update(chunk)
        data.seek(0)
        return {"file": data.name, "size": data.size, "sha256": digest.hexdigest()}
    if hasattr(data, "lists"):  # a QueryDict (multipart): every value of every field
        return {key: [_fingerprinted(v) for v in values] for key, values in data.lists()}
    return data


class _Replay(Exception):
    def __init__(self, record: IdempotencyKey) -> None:
        self.record = record


class _KeyInUse(IdempotencyInFlight):
    def __init__(self, retry_after: int) -> None:
        super().__init__()
        self.retry_after = retry_after


def signed_in_user(request: Request) -> User:
    """The caller of an endpoint that requires authentication (all but obtaining a token do, by
    ``DEFAULT_PERMISSION_CLASSES``), as the user model."""
    user = request.user
    if not isinstance(user, User):
        raise NotAuthenticated()
    return user


class ScopedViewSet(viewsets.GenericViewSet):  # type: ignore[type-arg]
    """Base of every API view. Set ``scope = staticmethod(queries.something_for)``."""

    # Called with an anonymous user too: the schema generator reads the model off the queryset.
    scope: ClassVar["staticmethod[[User | AnonymousUser], QuerySet[Any]] | None"] = None

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

    _idempotency_record: IdempotencyKey | None = None

    def _idempotency_key(self, request: HttpRequest | Request) -> str | None:
        key = request.headers.get("Idempotency-Key")
        if request.method == "POST" and key and self.replay_responses:
            return key[:255]
        return None

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if self._idempotency_key(request) is None:
            return super().dispatch(request, *args, **kwargs)
        # The claim, the work (its services' blocks nest in this one) and the stored answer
        # commit together or not at all, so a request that dies leaves no claim behind; work
        # queued with on_commit runs after this block. A 5xx keeps nothing: retry with the key.
        with transaction.atomic():
            response = super().dispatch(request, *args, **kwargs)
            if response.status_code >= 500:
                transaction.set_rollback(True)
        return response

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        key = self._idempotency_key(request)
        if key is not None and request.user.is_authenticated:
            self._claim(request, key)

    def _claim(self, request: Request, key: str) -> None:
        # Keyed, so a stored fingerprint reveals nothing about a body (e.g. a password) it came from.
        fingerprint = hmac.new(
            settings.SECRET_KEY.encode(),
            b"\n".join(
                [
                    (request.method or "").encode(),
                    request.path.encode(),
                    json.dumps(_fingerprinted(request.data), sort_keys=True, default=str).encode(),
                ]
            ),
            hashlib.sha256,
        ).hexdigest()
        try:
            record = idempotency.claim(
                user=signed_in_user(request), key=key, fingerprint=fingerprint
            )
        except idempotency.KeyInUse as busy:
            raise _KeyInUse(busy.retry_after) from None
        except idempotency.KeyReused:
            raise IdempotencyMismatch() from None
        if record.answered:
            raise _Replay(record)
        self._idempotency_record = record

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, _Replay):
            record = exc.record
            response = Response(record.response, status=record.status_code, headers=record.headers)
            response["Idempotent-Replayed"] = "true"
            return response
        response = super().handle_exception(exc)
        if isinstance(exc, _KeyInUse):
            response["Retry-After"] = str(exc.retry_after)
        return response

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        record, self._idempotency_record = self._idempotency_record, None
        # A 5xx, or a transaction already doomed, keeps nothing (``dispatch`` rolls it all back).
        if record is not None and response.status_code < 500 and not transaction.get_rollback():
            body = json.loads(json.dumps(getattr(response, "data", None), default=str))
            headers = {name: response[name] for name in REPLAYED_HEADERS if name in response}
            idempotency.store_answer(
                record, status_code=response.status_code, body=body, headers=headers
            )
        return response
