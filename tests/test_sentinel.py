"""Redis behind Sentinel (issue 18): with ``CELERY_BROKER_URL=sentinel://...`` and
``REDIS_SENTINEL_MASTER``, tasks go to the master the Sentinels name, and ``/readyz`` reads the
heartbeats from it. A Redis and a Sentinel watching it (``redis-server --sentinel``) of the test's
own."""

import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis as redis_client
from django.test import Client

from cases.queues import QUEUES
from mediation import heartbeat
from mediation.celery import app
from tests.test_readyz import BROKER_CHECKS, beat_sends_its_heartbeats, workers_run_them
from tests.test_settings import run_django
from tests.throwaway_redis import RedisServer, _forget_broker_connections, redis_server

MASTER = "mediation-broker"


def test_a_sentinel_broker_url_needs_the_masters_name() -> None:
    code = (
        "from mediation.celery import app; "
        "print(app.conf.broker_transport_options, app.conf.result_backend_transport_options)"
    )
    urls = {
        "CELERY_BROKER_URL": "sentinel://127.0.0.1:26379/0;sentinel://127.0.0.1:26380/0",
        "CELERY_RESULT_BACKEND": "sentinel://127.0.0.1:26379/1",
    }
    configured = run_django(code, DEBUG="1", REDIS_SENTINEL_MASTER="city-redis", **urls)
    assert configured.returncode == 0, configured.stderr
    assert configured.stdout.strip() == (
        "{'master_name': 'city-redis'} {'master_name': 'city-redis'}"
    )
    refused = run_django(code, DEBUG="1", **urls)
    assert refused.returncode != 0
    assert "set REDIS_SENTINEL_MASTER" in refused.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def sentinel(tmp_path: Path) -> Iterator[tuple[RedisServer, int]]:
    """A Redis (the master) and one Sentinel watching it under MASTER: the master and the
    Sentinel's port."""
    with redis_server(tmp_path) as master:
        port = _free_port()
        config = tmp_path / "sentinel.conf"
        config.write_text(
            f"bind 127.0.0.1\nport {port}\ndir {tmp_path}\n"
            f"sentinel monitor {MASTER} 127.0.0.1 {master.port} 1\n"
        )
        process = subprocess.Popen(
            ["redis-server", str(config), "--sentinel"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 10
            while True:
                try:
                    named = redis_client.Redis(port=port).execute_command(
                        "SENTINEL", "get-master-addr-by-name", MASTER
                    )
                    if named:
                        break
                except redis_client.ConnectionError:
                    pass
                assert process.poll() is None, "the Sentinel exited"
                assert time.monotonic() < deadline, "the Sentinel did not answer"
                time.sleep(0.05)
            yield master, port
        finally:
            process.terminate()
            process.wait(timeout=10)


@pytest.fixture
def sentinel_broker(sentinel: tuple[RedisServer, int], settings: Any) -> Iterator[RedisServer]:
    """This process's settings and Celery app with the broker behind the Sentinel."""
    master, port = sentinel
    url = f"sentinel://127.0.0.1:{port}/0"
    settings.CELERY_BROKER_URL = url
    settings.REDIS_SENTINEL_MASTER = MASTER
    saved = {
        key: app.conf[key]
        for key in ("task_always_eager", "broker_url", "broker_transport_options")
    }
    app.conf.update(
        task_always_eager=False,
        broker_url=url,
        broker_transport_options={"master_name": MASTER},
    )
    _forget_broker_connections()
    heartbeat._client.cache_clear()
    try:
        yield master
    finally:
        app.conf.update(saved)
        _forget_broker_connections()
        heartbeat._client.cache_clear()


@pytest.mark.django_db
def test_through_sentinel_tasks_reach_the_master_and_readyz_reads_the_heartbeats(
    client: Client, sentinel_broker: RedisServer
) -> None:
    beat_sends_its_heartbeats()
    # Each queue's heartbeat waits in the master the Sentinel named.
    master = redis_client.Redis.from_url(sentinel_broker.url)
    assert {queue: master.llen(queue) for queue in QUEUES} == dict.fromkeys(QUEUES, 1)
    workers_run_them()
    # The workers' stamps were written to that master too.
    assert all(master.get(heartbeat.worker_key(queue)) for queue in QUEUES)

    response = client.get("/readyz")

    assert response.status_code == 200, response.json()
    checks = response.json()["checks"]
    assert {name: checks[name] for name in BROKER_CHECKS} == dict.fromkeys(BROKER_CHECKS, "ok")
