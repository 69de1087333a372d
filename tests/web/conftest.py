"""Fixtures of the web UI tests: a logged-in Django test client per role."""

from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client


@pytest.fixture(autouse=True)
def _english_by_default(settings: Any) -> None:
    """Pages render in English unless a test asks for Chinese (``Accept-Language: zh-hans``)."""
    settings.LANGUAGE_CODE = "en"
    cache.clear()


@pytest.fixture
def client_for() -> Callable[..., Client]:
    """``client_for(user)``: a test client logged in as ``user`` (English unless ``language``)."""

    def make(user: Any, language: str = "en") -> Client:
        client = Client(headers={"accept-language": language})
        client.force_login(user)
        return client

    return make
