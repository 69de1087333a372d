"""GET /healthz: 200 when the database answers, 503 when it does not, GET only; and the web pages
while the database cannot be reached: a plain 503 page, never a 500 or a debug page."""

import logging
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db import OperationalError, connections
from django.test import Client
from django.urls import reverse

from tests.api.test_database_unavailable import (  # noqa: F401 (fixtures)
    SESSION,
    debug,
    unreachable_database,
)

OK = {"status": "ok", "database": "ok"}
UNAVAILABLE = {"status": "error", "database": "unavailable"}


@pytest.fixture
def database_down(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every attempt to use the default database fails as an unreachable server does."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise OperationalError(
            'connection to server at "db.internal" (10.0.0.5), port 5432 failed: '
            "Connection refused (postgres://mediation:s3cret-pw@db.internal/mediation)"
        )

    monkeypatch.setattr(connections["default"], "cursor", refuse)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/healthz", "/healthz/"])
def test_healthz_answers_ok_when_the_database_answers(client: Client, path: str) -> None:
    response = client.get(path)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == OK


def test_healthz_is_reversible_without_a_trailing_slash() -> None:
    assert reverse("healthz") == "/healthz"


@pytest.mark.django_db
def test_healthz_needs_no_login_and_is_not_cached(client: Client) -> None:
    client.logout()

    response = client.get("/healthz")

    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.usefixtures("database_down")
@pytest.mark.parametrize("path", ["/healthz", "/healthz/"])
def test_healthz_answers_503_when_the_database_is_unreachable(client: Client, path: str) -> None:
    response = client.get(path)

    assert response.status_code == 503
    assert response.json() == UNAVAILABLE


@pytest.mark.usefixtures("database_down")
def test_healthz_logs_the_failure_without_credentials(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="mediation.health"):
        client.get("/healthz")

    [record] = [r for r in caplog.records if r.name == "mediation.health"]
    assert record.levelno == logging.WARNING
    assert "OperationalError" in record.getMessage()
    assert "Connection refused" in record.getMessage()
    assert "s3cret-pw" not in caplog.text


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete", "head"])
def test_healthz_accepts_only_get(client: Client, method: str) -> None:
    response = getattr(client, method)("/healthz")

    assert response.status_code == 405
    assert response["Allow"] == "GET"


# --- Web pages while the database is unreachable (issue 15) ---------------------------------------

PAGE_TITLES = {"en": "Service temporarily unavailable", "zh-hans": "服务暂时不可用"}


def web_client(language: str) -> Client:
    # A real server sends whatever answer the handler made; the test client would re-raise.
    client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE=language)
    client.cookies["sessionid"] = SESSION
    return client


def assert_unavailable_page(response: Any, language: str) -> None:
    assert response.status_code == 503, response.content[:300]
    assert response["Content-Type"].startswith("text/html")
    assert response["Retry-After"] == str(django_settings.DATABASE_UNAVAILABLE_RETRY_AFTER)
    page = response.content.decode()
    assert f"<title>{PAGE_TITLES[language]}</title>" in page
    for leak in ("Traceback", "OperationalError", "Connection refused", "127.0.0.1"):
        assert leak not in page


@pytest.mark.usefixtures("unreachable_database", "debug")
class TestWebPagesWhileTheDatabaseIsUnreachable:
    @pytest.mark.parametrize("language", ["zh-hans", "en"])
    def test_a_page_answers_a_plain_503_page(self, language: str) -> None:
        assert_unavailable_page(web_client(language).get("/"), language)

    def test_signing_in_answers_503(self) -> None:
        response = web_client("en").post("/login/", {"username": "intake", "password": "x"})
        assert_unavailable_page(response, "en")

    def test_a_failure_in_a_middleware_answers_503_too(self, settings: Any) -> None:
        """Switching the language needs no database; saving the session afterwards does."""
        settings.SESSION_SAVE_EVERY_REQUEST = True
        response = web_client("zh-hans").post("/i18n/setlang/", {"language": "en", "next": "/"})
        assert_unavailable_page(response, "zh-hans")

    def test_healthz_keeps_its_own_answer(self) -> None:
        response = web_client("en").get("/healthz")
        assert response.status_code == 503
        assert response.json() == UNAVAILABLE
