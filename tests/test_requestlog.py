"""One JSON log line per request, without personal data, and the request id carried into the
Celery tasks it queues (issue 18, ``mediation.requestlog``)."""

import json
import logging
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from celery.contrib.testing.worker import start_worker
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from pythonjsonlogger.json import JsonFormatter

from cases.models import Case
from cases.tasks import purge_saved_searches
from mediation.celery import app
from mediation.requestlog import RequestLogMiddleware
from tests.api.support import client_for
from tests.factories import Tree
from tests.test_settings import run_django
from tests.throwaway_redis import celery_broker, redis_server

PHONE = "13911112222"
PURGE = "cases.tasks.purge_saved_searches"


class Lines(list[dict[str, Any]]):
    """The JSON objects written by the configured handler of ``mediation.requests`` and
    ``mediation.tasks`` (its formatter and its filters), parsed."""

    def __init__(self) -> None:
        super().__init__()
        [configured] = [
            handler
            for handler in logging.getLogger("mediation.requests").handlers
            if isinstance(handler.formatter, JsonFormatter)
        ]
        lines = self

        class Capture(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                lines.append(json.loads(self.format(record)))

        self.capture = Capture()
        self.capture.setFormatter(configured.formatter)
        for log_filter in configured.filters:
            self.capture.addFilter(log_filter)
        self.loggers = [logging.getLogger(n) for n in ("mediation.requests", "mediation.tasks")]
        self.attach()

    def attach(self) -> None:
        """Listen (again: a worker starting sets up Django, whose LOGGING resets the handlers)."""
        for logger in self.loggers:
            logger.addHandler(self.capture)

    def detach(self) -> None:
        for logger in self.loggers:
            logger.removeHandler(self.capture)


@pytest.fixture
def lines() -> Iterator[Lines]:
    captured = Lines()
    yield captured
    captured.detach()


def test_a_web_page_logs_one_line_with_its_route_and_user_and_no_path(
    tree_with_cases: Tree, lines: Lines
) -> None:
    case = Case.objects.filter(centre=tree_with_cases.s1).first()
    assert case is not None
    client = Client()
    client.force_login(tree_with_cases.intake_s1)

    response = client.get(f"/cases/{case.pk}/?q={PHONE}", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    [line] = lines
    assert line["logger"] == "mediation.requests"
    assert line["request_id"] == response["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", line["request_id"])
    assert line["user_id"] == tree_with_cases.intake_s1.pk
    assert line["route"] == "web:case_detail"
    assert (line["method"], line["status"]) == ("GET", 200)
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    text = json.dumps(line)
    for leak in ("/cases/", PHONE, "139****", "q="):
        assert leak not in text


def test_an_api_call_logs_its_token_user(tree: Tree, lines: Lines) -> None:
    response = client_for(tree.director_c).get("/api/v1/cases/")

    assert response.status_code == 200
    [line] = [line for line in lines if line["request_id"] == response["X-Request-ID"]]
    assert line["user_id"] == tree.director_c.pk
    assert line["route"] == "api:case-list"


@pytest.mark.django_db
def test_a_probe_and_an_unknown_address_log_without_user_or_route(
    client: Client, lines: Lines
) -> None:
    client.get("/healthz")
    client.get(f"/no/such/page/{PHONE}")

    assert [(x["route"], x["user_id"], x["status"]) for x in lines] == [
        ("healthz", None, 200),
        (None, None, 404),
    ]
    assert PHONE not in json.dumps(lines)


@pytest.mark.django_db
def test_a_proxys_request_id_is_kept_only_when_trusted(
    client: Client, settings: Any, lines: Lines
) -> None:
    given = "0123456789abcdef0123456789abcdef"
    assert client.get("/healthz", HTTP_X_REQUEST_ID=given)["X-Request-ID"] != given

    settings.TRUST_REQUEST_ID_HEADER = True
    assert client.get("/healthz", HTTP_X_REQUEST_ID=given)["X-Request-ID"] == given
    made_up = 'x" "user_id": 1'
    assert client.get("/healthz", HTTP_X_REQUEST_ID=made_up)["X-Request-ID"] != made_up

    assert [line["request_id"] == given for line in lines] == [False, True, False]


def answer_after_queueing(request: HttpRequest) -> HttpResponse:
    app.send_task(PURGE)
    return HttpResponse("queued")


@pytest.mark.django_db(transaction=True)
def test_a_task_queued_by_a_request_logs_its_request_id_in_the_worker(
    tmp_path: Path, lines: Lines
) -> None:
    with (
        redis_server(tmp_path) as server,
        celery_broker(server.url),
        start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10),
    ):
        lines.attach()
        response = RequestLogMiddleware(answer_after_queueing)(RequestFactory().get("/"))
        deadline = time.monotonic() + 30
        while not any(line["logger"] == "mediation.tasks" for line in lines):
            assert time.monotonic() < deadline, "the worker did not run the task"
            time.sleep(0.1)

    [task_line] = [line for line in lines if line["logger"] == "mediation.tasks"]
    assert task_line["task"] == PURGE
    assert task_line["request_id"] == response["X-Request-ID"]


@pytest.mark.django_db
def test_a_task_run_in_process_logs_the_request_id(lines: Lines) -> None:
    def answer(request: HttpRequest) -> HttpResponse:
        purge_saved_searches.delay()
        return HttpResponse("done")

    response = RequestLogMiddleware(answer)(RequestFactory().get("/"))

    [task_line] = [line for line in lines if line["logger"] == "mediation.tasks"]
    assert task_line["request_id"] == response["X-Request-ID"]


def test_log_requests_false_keeps_the_console_quiet_and_the_request_id() -> None:
    """make run sets LOG_REQUESTS=false: runserver prints its own line per request already."""
    code = (
        "from django.test import Client; r = Client().get('/healthz'); "
        "print(r.status_code, len(r['X-Request-ID']))"
    )
    quiet = run_django(code, DEBUG="1", LOG_REQUESTS="false")
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stdout.split() == ["200", "32"]
    assert "mediation.requests" not in quiet.stderr
    logged = run_django(code, DEBUG="1")
    assert logged.returncode == 0, logged.stderr
    [line] = [json.loads(text) for text in logged.stderr.splitlines() if text.startswith("{")]
    assert (line["logger"], line["route"], line["status"]) == ("mediation.requests", "healthz", 200)
