"""The database cannot be reached: 503 ``service_unavailable`` with ``Retry-After`` (issue 15,
faults 3), in the API's error shape for every ``/api/`` path whatever layer found out, never a 500
nor Django's debug page (also with ``DEBUG`` on). The web pages' side is in ``tests/test_health.py``.

The application's connection is pointed at a port nobody listens on, as when the database server
is down: every query of the request fails to connect.
"""

import copy
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connections
from rest_framework.test import APIClient

from tests.api.support import assert_error

TOKEN = "Token 9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"
SESSION = "0123456789abcdefghijklmnopqrstuv"
MESSAGES = {
    "en": "The service is temporarily unavailable. Please try again in a few seconds.",
    "zh-hans": "服务暂时不可用，请几秒钟后重试。",
}


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # closed again when the block ends


@pytest.fixture
def unreachable_database(db: None) -> Iterator[None]:
    """The default connection, for this test, goes to a closed port on 127.0.0.1."""
    reachable = connections["default"]
    settings_dict = copy.deepcopy(reachable.settings_dict)
    settings_dict.update(HOST="127.0.0.1", PORT=str(closed_port()))
    unreachable = type(reachable)(settings_dict, alias="default")
    connections["default"] = unreachable
    try:
        yield
    finally:
        unreachable.close()
        connections["default"] = reachable


@pytest.fixture(params=[False, True], ids=["DEBUG off", "DEBUG on"])
def debug(request: pytest.FixtureRequest, settings: Any) -> bool:
    settings.DEBUG = request.param
    return bool(request.param)


def api_client(*, language: str = "en", token: bool = False, session: bool = False) -> APIClient:
    # A real server sends whatever answer the handler made; the test client would re-raise.
    client = APIClient(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE=language)
    if token:
        client.credentials(HTTP_AUTHORIZATION=TOKEN)
    if session:
        client.cookies["sessionid"] = SESSION
    return client


def assert_unavailable(response: Any, settings: Any, language: str = "en") -> None:
    error = assert_error(response, 503, "service_unavailable")
    assert error["message"] == MESSAGES[language]
    assert response["Retry-After"] == str(settings.DATABASE_UNAVAILABLE_RETRY_AFTER)
    assert b"OperationalError" not in response.content


pytestmark = pytest.mark.usefixtures("unreachable_database", "debug")

# (method, path, body, how the caller signs in)
ROUTES = [
    ("post", "/api/v1/auth/token/", {"username": "intake", "password": "demo12345"}, "anonymous"),
    ("get", "/api/v1/cases/", None, "token"),
    ("get", "/api/v1/me/", None, "session"),
    ("post", "/api/v1/cases/", {"summary": "楼上漏水"}, "token"),
    ("post", "/api/v1/notifications/read/", {"ids": [1]}, "session"),
]


@pytest.mark.parametrize(("method", "path", "data", "sign_in"), ROUTES)
def test_the_api_answers_503_in_its_error_shape(
    method: str, path: str, data: Any, sign_in: str, settings: Any
) -> None:
    client = api_client(token=sign_in == "token", session=sign_in == "session")
    response = getattr(client, method)(path, data, format="json")
    assert_unavailable(response, settings)


def test_an_idempotent_post_answers_503(settings: Any) -> None:
    """Its transaction cannot even begin (outside the API view's own error handling)."""
    response = api_client(token=True).post(
        "/api/v1/cases/", {"summary": "楼上漏水"}, format="json", headers={"Idempotency-Key": "k"}
    )
    assert_unavailable(response, settings)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_message_is_in_the_callers_language(language: str, settings: Any) -> None:
    response = api_client(language=language, token=True).get("/api/v1/cases/")
    assert_unavailable(response, settings, language)


def test_a_failure_in_a_middleware_answers_503_too(settings: Any) -> None:
    """The session is saved by its middleware after the view answered (here an unknown URL's
    404, which needs no database): that is where the database is found missing."""
    settings.SESSION_SAVE_EVERY_REQUEST = True
    response = api_client(session=True).get("/api/v1/no-such-thing/")
    assert_unavailable(response, settings)


def test_retry_after_is_configurable(settings: Any) -> None:
    settings.DATABASE_UNAVAILABLE_RETRY_AFTER = 30
    response = api_client(token=True).get("/api/v1/cases/")
    assert_unavailable(response, settings)
    assert response["Retry-After"] == "30"
