"""GET /healthz: 200 when the database answers, 503 when it does not, GET only."""

import logging

import pytest
from django.db import OperationalError, connections
from django.test import Client
from django.urls import reverse

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
