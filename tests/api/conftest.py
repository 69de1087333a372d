"""Fixtures of the API tests."""

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_throttle_counters() -> None:
    """Throttle counters live in the cache: every test starts with none spent."""
    cache.clear()
