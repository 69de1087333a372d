"""Fixtures of the API tests."""

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client

from tests.api.generated import Api, generated_api
from tests.factories import Tree
from tests.reports.test_exports import ZONE, october_city


@pytest.fixture(autouse=True)
def _fresh_throttle_counters() -> None:
    """Throttle counters live in the cache: every test starts with none spent."""
    cache.clear()


@pytest.fixture(scope="session")
def api(
    tmp_path_factory: pytest.TempPathFactory, django_db_setup: None, django_db_blocker: Any
) -> Iterator[Api]:
    """The client generated from the schema (tests/api/generated.py), once per session."""
    yield from generated_api(tmp_path_factory.mktemp("generated-client"), django_db_blocker)


@pytest.fixture(scope="session")
def _schema_document(django_db_setup: None, django_db_blocker: Any) -> bytes:
    with django_db_blocker.unblock():
        response = Client().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200, response.content[:300]
    return response.content


@pytest.fixture
def schema(_schema_document: bytes) -> dict[str, Any]:
    """The schema as integrators download it (one English document whoever asks), read afresh
    for each test so that none sees another's changes to it."""
    document: dict[str, Any] = json.loads(_schema_document)
    return document


# --- The monthly report tests: October 2026 in the small tree, read on 5 November ----------------

AFTER_OCTOBER = datetime(2026, 11, 5, 9, 0, tzinfo=ZONE)


@pytest.fixture(scope="module")
def reported(django_db_setup: None, django_db_blocker: Any) -> Iterator[Tree]:
    """The small tree with October 2026 in it (tests.reports.test_exports), shared by a module."""
    with october_city(django_db_blocker) as tree:
        yield tree


@pytest.fixture
def after_october() -> Iterator[None]:
    """The clock at 5 November 2026, 09:00 in China: October is over, November is live."""
    with time_machine.travel(AFTER_OCTOBER, tick=False):
        yield
