"""GET /readyz: readiness of the deployment, each check named with its state (issue 18).

The database, the read replica (when configured), the broker's Redis, a worker on every queue and
the beat's last tick. Redis is a server of the test's own, stopped here; the heartbeats are the
ones beat sends (``mediation/celery.py``'s schedule) and a worker runs (``mediation.heartbeat``).
"""

import socket
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import redis as redis_client
import time_machine
from django.db import connections
from django.test import Client
from django.utils import timezone

from cases.queues import QUEUES
from mediation import heartbeat
from mediation.celery import app
from tests.test_health import database_down  # noqa: F401 (fixture)
from tests.throwaway_redis import RedisServer, celery_broker, redis_server

WORKERS = [f"worker:{queue}" for queue in QUEUES]
BROKER_CHECKS = ["redis", *WORKERS, "beat"]


@pytest.fixture
def no_broker(settings: Any) -> None:
    settings.CELERY_BROKER_URL = ""


@pytest.fixture
def broker(tmp_path: Path, settings: Any) -> Iterator[RedisServer]:
    """A Redis of the test's own as the broker, for this process's settings and Celery app."""
    with redis_server(tmp_path) as server, celery_broker(server.url):
        settings.CELERY_BROKER_URL = server.url
        yield server


def beat_sends_its_heartbeats() -> None:
    """What beat does each minute: send every ``heartbeat-*`` entry of the schedule."""
    for name, entry in app.conf.beat_schedule.items():
        if name.startswith("heartbeat-"):
            app.send_task(entry["task"], args=entry["args"], **entry["options"])


def workers_run_them(queues: Any = QUEUES) -> None:
    for queue in queues:
        heartbeat.heartbeat(queue)


@pytest.mark.django_db
@pytest.mark.usefixtures("no_broker")
def test_without_a_broker_the_task_checks_are_not_applicable(client: Client) -> None:
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "replica": "not applicable"}
        | dict.fromkeys(BROKER_CHECKS, "not applicable"),
    }


@pytest.mark.django_db
def test_ready_when_beat_ticks_and_every_queue_has_a_worker(
    client: Client, broker: RedisServer
) -> None:
    beat_sends_its_heartbeats()
    # Each heartbeat went to its own queue (a worker that takes it serves that queue).
    queued = redis_client.Redis.from_url(broker.url)
    assert {queue: queued.llen(queue) for queue in QUEUES} == dict.fromkeys(QUEUES, 1)
    workers_run_them()

    response = client.get("/readyz/")

    assert response.status_code == 200, response.json()
    assert response.json()["checks"] == {
        "database": "ok",
        "replica": "not applicable",
    } | dict.fromkeys(BROKER_CHECKS, "ok")


@pytest.mark.django_db
def test_a_queue_without_a_worker_is_named(client: Client, broker: RedisServer) -> None:
    beat_sends_its_heartbeats()
    workers_run_them([q for q in QUEUES if q != QUEUES.report_emails])

    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["failed"] == ["worker:report_emails"]
    assert body["checks"]["worker:report_emails"] == "missing"
    assert body["checks"]["worker:reports"] == "ok"


@pytest.mark.django_db
def test_a_stopped_beat_and_stuck_workers_turn_stale(
    client: Client, broker: RedisServer, settings: Any
) -> None:
    settings.READYZ_HEARTBEAT_MAX_AGE_SECONDS = 180
    with time_machine.travel(timezone.now(), tick=False) as clock:
        beat_sends_its_heartbeats()
        workers_run_them()
        clock.shift(timedelta(seconds=170))
        assert client.get("/readyz").status_code == 200

        clock.shift(timedelta(seconds=20))  # 190 s since the last heartbeat
        response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["failed"] == [*WORKERS, "beat"]
    assert body["checks"]["beat"] == "stale"
    assert body["checks"]["redis"] == "ok"


@pytest.mark.django_db
def test_a_stopped_redis_fails_readiness(
    client: Client, broker: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    beat_sends_its_heartbeats()
    workers_run_them()
    assert client.get("/readyz").status_code == 200

    broker.stop()
    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["failed"] == BROKER_CHECKS
    assert body["checks"]["redis"] == "unavailable"
    assert body["checks"]["beat"] == "unknown"
    assert body["checks"]["database"] == "ok"
    assert "Readiness: not ready: redis" in caplog.text


@pytest.mark.usefixtures("database_down", "no_broker")
def test_an_unreachable_database_fails_readiness(client: Client) -> None:
    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["failed"] == ["database"]
    assert response.json()["checks"]["database"] == "unavailable"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def replica(
    settings: Any, monkeypatch: pytest.MonkeyPatch, django_db_blocker: Any
) -> Iterator[dict[str, Any]]:
    """A ``replica`` database alias (configured as ``DATABASE_REPLICA_URL`` would), by default the
    test database itself: a server that is not a standby has no lag. The test uses the databases
    outside a test transaction, as a server does (a test case allows only the aliases it wraps)."""
    config = dict(connections.settings["default"])
    monkeypatch.setitem(settings.DATABASES, "replica", config)
    monkeypatch.setitem(connections.settings, "replica", config)
    with django_db_blocker.unblock():
        yield config
    if "replica" in connections:
        connections["replica"].close()
        del connections["replica"]


@pytest.mark.usefixtures("no_broker")
def test_a_replica_in_step_is_ready(client: Client, replica: dict[str, Any]) -> None:
    response = client.get("/readyz")

    assert response.status_code == 200, response.json()
    assert response.json()["checks"]["replica"] == "ok"


@pytest.mark.usefixtures("no_broker")
def test_an_unreachable_replica_fails_readiness(client: Client, replica: dict[str, Any]) -> None:
    replica.update(HOST="127.0.0.1", PORT=_closed_port())

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["failed"] == ["replica"]
    assert response.json()["checks"]["replica"] == "unavailable"
