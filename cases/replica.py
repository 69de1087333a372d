"""Reads from a streaming replica, where a surface says so; everything else on the primary.

With ``DATABASE_REPLICA_URL`` set, ``settings.DATABASES`` has a ``"replica"`` alias and
``ReplicaRouter`` (``DATABASE_ROUTERS``) sends a read there only when all of these hold:

- it runs inside ``reading_from_replica(user)``: the surfaces choose, view by view, the reads that
  may be a moment old (reports, exports, case lists); anything else reads from the primary;
- that user has not written in the last ``REPLICA_STICKY_SECONDS``, nor has this request written
  yet: their own change is never "gone" from the next page, whatever the replica's lag;
- no transaction is open on the primary (what it reads belongs with what it writes);
- the query is not about an object fetched from the primary (its related rows come from there too).

Writes always go to the primary. ``db_for_write``, which Django calls for every write through the
ORM, marks the request as a writer; ``ReplicaStickinessMiddleware`` then remembers the user's
write in the cache for ``REPLICA_STICKY_SECONDS`` (a cache shared by the web processes, such as
Redis through ``CACHE_URL``, when there are several).
"""

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, HttpResponse

REPLICA = "replica"

# Inside reading_from_replica(), for a user who may read from the replica.
_replica_reads: ContextVar[bool] = ContextVar("replica_reads", default=False)
# This request (or task) has written through the ORM.
_wrote: ContextVar[bool] = ContextVar("wrote", default=False)


def _sticky_key(user_id: int) -> str:
    return f"replica:wrote:{user_id}"


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def wrote_recently(user: User | AnonymousUser) -> bool:
    """Whether ``user`` wrote within the last ``REPLICA_STICKY_SECONDS``."""
    return user.is_authenticated and cache.get(_sticky_key(user.pk)) is not None


def remember_write(user: User | AnonymousUser) -> None:
    if user.is_authenticated:
        cache.set(_sticky_key(user.pk), 1, timeout=settings.REPLICA_STICKY_SECONDS)


def _may_read_replica(user: User | AnonymousUser) -> bool:
    return replica_configured() and not _wrote.get() and not wrote_recently(user)


@contextmanager
def _replica_reads_set(allowed: bool) -> Iterator[None]:
    token = _replica_reads.set(allowed)
    try:
        yield
    finally:
        _replica_reads.reset(token)


@contextmanager
def reading_from_replica(user: User | AnonymousUser) -> Iterator[None]:
    """Reads inside may come from the replica, unless ``user`` wrote a moment ago."""
    with _replica_reads_set(_may_read_replica(user)):
        yield


def replica_view(view: Callable[..., Any]) -> Callable[..., Any]:
    """A view whose reads may come from the replica (its ``request.user`` read first, from the
    primary: a session just created is not necessarily on the replica yet)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        with reading_from_replica(request.user):
            return view(request, *args, **kwargs)

    return wrapped


def streamed_from_replica(user: User | AnonymousUser, lines: Iterable[str]) -> Iterator[str]:
    """``lines``, a download streamed after its view returned, read from the replica if the view
    (now, not when the lines are made) may read from it."""
    allowed = _may_read_replica(user)

    def stream() -> Iterator[str]:
        with _replica_reads_set(allowed):
            yield from lines

    return stream()


class ReplicaRouter:
    """``DATABASE_ROUTERS``: reads to ``"replica"`` where the rules above allow, else the primary."""

    def db_for_read(self, model: type[Any], **hints: Any) -> str | None:
        if not _replica_reads.get():
            return None
        instance = hints.get("instance")
        if instance is not None and instance._state.db:
            return None  # Django then reads where the instance came from
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return None
        return REPLICA

    def db_for_write(self, model: type[Any], **hints: Any) -> str:
        if getattr(model, "replica_neutral", False):
            return DEFAULT_DB_ALIAS  # bookkeeping (an audit record): the reads stay where they are
        _wrote.set(True)
        _replica_reads.set(False)  # until the context ends: read what was just written
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # the same rows on both

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db != REPLICA  # a replica is read-only; it follows the primary's schema


class ReplicaStickinessMiddleware:
    """Starts each request as a reader; after one that wrote, remembers its user's write."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        _wrote.set(False)  # a thread serves many requests: nothing written before counts
        response = self.get_response(request)
        if _wrote.get():
            remember_write(getattr(request, "user", AnonymousUser()))
        return response
