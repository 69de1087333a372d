"""What the Celery processes write to the broker's Redis for the web processes to report: the
workers' and the beat's heartbeats, read by ``/readyz`` (``mediation.health``), and the count of
failed tasks, read by ``/metrics`` (``mediation.metrics``).

Each minute beat sends ``mediation.heartbeat`` to every queue (``mediation/celery.py``). Publishing
it stamps the beat's last tick; a worker running it stamps the queue it took it from. Both stamps
are timestamps (seconds since the epoch) in the broker's Redis: one ``SET`` each, no result kept.
"""

import functools
import logging
import time
from typing import Any
from urllib.parse import urlsplit

import redis
from celery import shared_task
from celery.signals import before_task_publish, task_failure
from django.conf import settings
from redis.sentinel import Sentinel

logger = logging.getLogger(__name__)

TASK = "mediation.heartbeat"
BEAT_KEY = "mediation:heartbeat:beat"
FAILURES_KEY = "mediation:metrics:task_failures"
# A stamp outlives any freshness limit an operator would set; then a silent queue reads "missing".
_KEEP_SECONDS = 24 * 60 * 60


def worker_key(queue: str) -> str:
    return f"mediation:heartbeat:worker:{queue}"


def broker() -> redis.Redis:
    """A client of the broker's Redis (``CELERY_BROKER_URL``) that gives up within a second or two;
    one per URL and process, keeping its connections (redis-py renews them after a fork)."""
    return _client(settings.CELERY_BROKER_URL)


@functools.cache
def _client(url: str) -> redis.Redis:
    if url.startswith("sentinel://"):
        return _sentinel_master(url, settings.REDIS_SENTINEL_MASTER)
    return redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2)


def _sentinel_master(url: str, master: str) -> redis.Redis:
    """The master ``master`` as the Sentinels of ``url`` name it at each connection, the way
    Celery's broker reads the URL: "sentinel://[:password@]host:port[/db];sentinel://...", the
    password and database those of the first."""
    parts = [urlsplit(part) for part in url.split(";") if part.strip()]
    sentinels = Sentinel(
        [(part.hostname or "localhost", part.port or 26379) for part in parts],
        socket_connect_timeout=1,
        socket_timeout=2,
    )
    first = parts[0]
    return sentinels.master_for(
        master,
        db=int(first.path.strip("/") or 0),
        username=first.username or None,
        password=first.password or None,
        socket_connect_timeout=1,
        socket_timeout=2,
    )


@shared_task(name=TASK, ignore_result=True, acks_late=False)
def heartbeat(queue: str) -> None:
    """Stamp ``queue``'s worker heartbeat: a worker consuming it is alive and not stuck."""
    broker().set(worker_key(queue), repr(time.time()), ex=_KEEP_SECONDS)


@before_task_publish.connect
def _stamp_beat_tick(sender: str | None = None, **kwargs: Any) -> None:
    # Only beat sends the heartbeat, so its publication is the beat's tick.
    if sender == TASK:
        broker().set(BEAT_KEY, repr(time.time()), ex=_KEEP_SECONDS)


@task_failure.connect
def _count_failure(sender: Any = None, **kwargs: Any) -> None:
    if not settings.CELERY_BROKER_URL:
        return  # a task run in-process: its failure reaches the caller
    try:
        broker().hincrby(FAILURES_KEY, getattr(sender, "name", "unknown"), 1)
    except redis.RedisError as error:
        logger.warning("Task failure not counted: %s", type(error).__name__)
