"""A background export of the case list made by a real Celery worker (a subprocess) through Redis,
on the test database (committed data: ``transaction=True``): asked on the web, written by the
worker into the attachments' storage, announced, downloaded by its owner.

The worker and its broker are ``tests/reports/test_worker.py``'s, on this run's own Redis database
(``REDIS_URL``'s, emptied before and after); every wait is bounded and the worker killed after.
"""

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis
from django.core.files.storage import storages
from django.test import Client
from django.urls import reverse

from cases.models import Export, ExportStatus, Notification, NotificationKind
from mediation.celery import app
from tests.factories import Tree, build_tree, register
from tests.reports.test_worker import Worker, _forget_broker_connections, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

CSV_URL = reverse("web:case_export")


@pytest.fixture
def broker() -> Iterator[str]:
    given = os.environ.get("REDIS_URL")
    if not given:
        pytest.fail("these tests need REDIS_URL (make test starts a throwaway Redis)")
    url = urlunsplit(urlsplit(given)._replace(path=urlsplit(given).path or "/0"))
    client = redis.Redis.from_url(url)
    client.flushdb()
    saved = {"task_always_eager": app.conf.task_always_eager, "broker_url": app.conf.broker_url}
    app.conf.update(task_always_eager=False, broker_url=url)
    _forget_broker_connections()
    try:
        yield url
    finally:
        app.conf.update(saved)
        _forget_broker_connections()
        client.flushdb()
        client.close()


@pytest.fixture
def worker(broker: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Worker]:
    # The worker writes where this process reads: the attachments' temporary directory.
    location: Any = storages["attachments"].location  # type: ignore[attr-defined]
    monkeypatch.setenv("TEST_ATTACHMENT_ROOT", str(location))
    started = Worker(broker, tmp_path / "worker.log")
    try:
        yield started
    finally:
        started.kill()


def test_a_worker_makes_the_export_and_its_owner_downloads_it(
    worker: Worker,
    settings: Any,
    client_for: Callable[..., Client],
) -> None:
    settings.EXPORT_BACKGROUND_ROWS = 2
    tree: Tree = build_tree()
    numbers = sorted(register(actor=tree.admin, centre=tree.s1).number for _ in range(4))
    owner = client_for(tree.admin)
    response = owner.get(CSV_URL, {"centre": str(tree.s1.pk), "ordering": "number"})
    assert response.status_code == 303
    export = Export.objects.get()
    wait_for(
        lambda: Export.objects.get(pk=export.pk).status == ExportStatus.DONE,
        "the export to be written",
        worker,
        timeout=60,
    )
    export.refresh_from_db()
    assert export.rows_done == export.rows_total == 4
    assert Notification.objects.filter(
        user=tree.admin, kind=NotificationKind.EXPORT_READY, key=f"export_ready:{export.pk}"
    ).exists()
    page = owner.get(response["Location"]).content.decode()
    download = reverse("web:export_download", args=[export.pk])
    assert f'href="{download}"' in page
    file: Any = owner.get(download)
    body = b"".join(file.streaming_content).decode("utf-8")
    lines = body.removeprefix("\ufeff").splitlines()
    assert [line.split(",", 1)[0] for line in lines[1:]] == numbers
    assert client_for(tree.director_d2).get(download).status_code == 404
