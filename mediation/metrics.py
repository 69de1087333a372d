"""GET /metrics: the Prometheus metrics, for the monitoring server only (issue 18).

Answered to a client at an address of ``METRICS_ALLOWED_IPS`` (default: loopback) that came
directly (no ``X-Forwarded-For``: a request relayed by the proxy in front is not the local
scraper), or to one sending ``Authorization: Bearer <METRICS_TOKEN>``; 404 to anyone else.

- request counts and latency by route (django-prometheus's middlewares, ``django_http_*``);
- ``mediation_db_queries_per_request`` by route (``QueryCountMiddleware``);
- ``mediation_celery_queue_length`` by queue: the broker's Redis list lengths, read at scrape time;
- ``mediation_celery_task_failures_total`` by task: counted by the workers in the broker's Redis
  (``task_failure``, ``mediation.heartbeat``), so that any web process reports every worker's failures;
- ``mediation_report_run_centres_done`` / ``_total`` / ``_finished``: the latest monthly report run.

Under gunicorn set ``PROMETHEUS_MULTIPROC_DIR`` (an empty directory, emptied at each start) so that
a scrape adds up every web worker's request metrics.
"""

import hmac
import logging
import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import redis
from django.conf import settings
from django.db import DatabaseError, connections
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from cases.models import ReportRun
from cases.queues import QUEUES
from cases.web.middleware import without_session
from mediation import heartbeat

logger = logging.getLogger(__name__)

QUERIES = Histogram(
    "mediation_db_queries_per_request",
    "Database queries made while answering a request, by route",
    ["view"],
    buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500),
)


class QueryCountMiddleware:
    """Count the queries a request makes, on every database alias, into ``QUERIES``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        count = 0

        def counted(execute: Any, sql: Any, params: Any, many: Any, context: Any) -> Any:
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        with ExitStack() as stack:
            for alias in connections:
                stack.enter_context(connections[alias].execute_wrapper(counted))
            response = self.get_response(request)
        match = request.resolver_match
        QUERIES.labels(view=match.view_name if match else "<unresolved>").observe(count)
        return response


class CeleryCollector(Collector):
    """Queue lengths and task failures, read from the broker's Redis at each scrape."""

    def describe(self) -> list[Metric]:
        return []  # read only at scrape time (registering would otherwise collect at import)

    def collect(self) -> Iterator[Metric]:
        if not settings.CELERY_BROKER_URL:
            return
        try:
            client = heartbeat.broker()
            with client.pipeline() as pipe:
                for queue in QUEUES:
                    pipe.llen(queue)
                pipe.hgetall(heartbeat.FAILURES_KEY)
                *lengths, failures = pipe.execute()
        except redis.RedisError as error:
            logger.warning("Metrics: broker unavailable: %s", type(error).__name__)
            return
        depth = GaugeMetricFamily(
            "mediation_celery_queue_length", "Messages waiting in a Celery queue", labels=["queue"]
        )
        for queue, length in zip(QUEUES, lengths, strict=True):
            depth.add_metric([queue], length)
        yield depth
        failed = CounterMetricFamily(
            "mediation_celery_task_failures", "Celery tasks that failed, by task", labels=["task"]
        )
        for task, count in sorted(failures.items()):
            failed.add_metric([task.decode()], int(count))
        yield failed


class ReportRunCollector(Collector):
    """The latest monthly report run: centres done of the run's total, and whether it finished."""

    def describe(self) -> list[Metric]:
        return []  # read only at scrape time (registering would otherwise collect at import)

    def collect(self) -> Iterator[Metric]:
        try:
            run = (
                ReportRun.objects.annotate(done=Count("snapshots"))
                .order_by("-started_at", "-pk")
                .first()
            )
        except DatabaseError as error:
            logger.warning("Metrics: report runs unavailable: %s", type(error).__name__)
            return
        if run is None:
            return
        labels = ["month", "version"]
        values = [f"{run.month:%Y-%m}", str(run.version)]
        for name, documentation, value in [
            ("centres_done", "Centres whose report the latest run has written", run.done),
            ("centres_total", "Centres the latest report run covers", run.centres),
            ("finished", "1 once the latest report run has finished", int(bool(run.finished_at))),
        ]:
            family = GaugeMetricFamily(f"mediation_report_run_{name}", documentation, labels=labels)
            family.add_metric(values, value)
            yield family


_COLLECTORS = (CeleryCollector(), ReportRunCollector())
for _collector in _COLLECTORS:
    REGISTRY.register(_collector)


def _allowed(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    given = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return True
    direct = "X-Forwarded-For" not in request.headers
    return direct and request.META.get("REMOTE_ADDR") in settings.METRICS_ALLOWED_IPS


@without_session
@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    if not _allowed(request):
        raise Http404
    registry = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        for collector in _COLLECTORS:
            registry.register(collector)
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
