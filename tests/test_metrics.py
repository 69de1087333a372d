"""GET /metrics: Prometheus metrics for the monitoring server only; 404 to anyone else (issue 18,
``mediation.metrics``)."""

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from cases.models import ReportRun, ReportSnapshot
from cases.queues import QUEUES
from mediation.celery import app
from tests.factories import Tree
from tests.throwaway_redis import RedisServer, celery_broker, redis_server

TOKEN = "scraper-token-0123456789abcdef"


def scrape(client: Client | None = None) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = (client or Client()).get("/metrics")
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def value(samples: dict[Any, float], name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture
def no_broker(settings: Any) -> None:
    settings.CELERY_BROKER_URL = ""


@pytest.mark.django_db
@pytest.mark.usefixtures("no_broker")
def test_a_loopback_client_gets_metrics_and_the_request_counter_moves() -> None:
    requests = "django_http_requests_total_by_view_transport_method_total"
    labels = {"view": "healthz", "transport": "http", "method": "GET"}
    before = value(scrape(), requests, **labels)

    Client().get("/healthz")
    Client().get("/healthz")

    after = scrape()
    assert value(after, requests, **labels) == before + 2
    latency = "django_http_requests_latency_seconds_by_view_method_count"
    assert value(after, latency, view="healthz", method="GET") >= 2


@pytest.mark.django_db
@pytest.mark.usefixtures("no_broker")
def test_queries_per_request_are_counted_by_route(tree: Tree) -> None:
    count, total = "mediation_db_queries_per_request_count", "mediation_db_queries_per_request_sum"
    before = scrape()
    client = Client()
    client.force_login(tree.intake_s1)

    assert client.get("/cases/").status_code == 200

    after = scrape()
    assert (
        value(after, count, view="web:case_list") == value(before, count, view="web:case_list") + 1
    )
    made = value(after, total, view="web:case_list") - value(before, total, view="web:case_list")
    assert made >= 3  # the session, the user, the list


@pytest.mark.django_db
@pytest.mark.parametrize(
    "address, headers",
    [
        ("10.1.2.3", {}),
        ("127.0.0.1", {"HTTP_X_FORWARDED_FOR": "203.0.113.9"}),  # relayed by the proxy
        ("10.1.2.3", {"HTTP_AUTHORIZATION": "Bearer wrong-token"}),
        ("10.1.2.3", {"HTTP_AUTHORIZATION": TOKEN}),
    ],
)
def test_anyone_else_gets_404(settings: Any, address: str, headers: dict[str, Any]) -> None:
    settings.METRICS_TOKEN = TOKEN

    response = Client(REMOTE_ADDR=address, **headers).get("/metrics")

    assert response.status_code == 404
    assert b"django_http" not in response.content


@pytest.mark.django_db
@pytest.mark.usefixtures("no_broker")
def test_a_scraper_with_the_token_or_an_allowed_address_gets_metrics(settings: Any) -> None:
    settings.METRICS_TOKEN = TOKEN
    assert scrape(Client(REMOTE_ADDR="10.1.2.3", HTTP_AUTHORIZATION=f"Bearer {TOKEN}"))

    settings.METRICS_ALLOWED_IPS = ["10.9.9.9"]
    assert scrape(Client(REMOTE_ADDR="10.9.9.9"))
    assert Client().get("/metrics").status_code == 404  # loopback no longer listed


@app.task(name="tests.metrics.fails")
def fails() -> None:
    raise ValueError("fails on purpose")


@pytest.fixture
def broker(tmp_path: Path, settings: Any) -> Iterator[RedisServer]:
    with redis_server(tmp_path) as server, celery_broker(server.url):
        settings.CELERY_BROKER_URL = server.url
        yield server


@pytest.mark.django_db
def test_queue_lengths_and_task_failures_come_from_the_broker(broker: RedisServer) -> None:
    for _ in range(2):
        app.send_task("cases.tasks.report_roll_stocks", queue=QUEUES.reports)
    fails.apply(throw=False)

    samples = scrape()

    lengths = {q: value(samples, "mediation_celery_queue_length", queue=q) for q in QUEUES}
    assert lengths == {"default": 0, "notifications": 0, "reports": 2, "report_emails": 0}
    failures = "mediation_celery_task_failures_total"
    assert value(samples, failures, task="tests.metrics.fails") == 1


@pytest.mark.usefixtures("no_broker")
def test_the_latest_report_runs_progress(tree: Tree) -> None:
    now = timezone.now()
    ReportRun.objects.create(
        month=date(2026, 10, 1), version=1, started_at=now, finished_at=now, centres=7
    )
    run = ReportRun.objects.create(month=date(2026, 11, 1), version=2, started_at=now, centres=7)
    for centre in (tree.c, tree.d1, tree.s1):
        ReportSnapshot.objects.create(
            run=run, centre=centre, month=run.month, version=2, generated_at=now, data={}
        )

    samples = scrape()

    labels = {"month": "2026-11", "version": "2"}
    assert value(samples, "mediation_report_run_centres_done", **labels) == 3
    assert value(samples, "mediation_report_run_centres_total", **labels) == 7
    assert value(samples, "mediation_report_run_finished", **labels) == 0
