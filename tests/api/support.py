"""Helpers for the API tests: clients that sign in the way integrators do, and the error shape."""

import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.db import connections
from django.test.client import ClientHandler
from rest_framework.test import APIClient

from cases.services.users import issue_api_token

# Markers that would betray a stack trace or SQL in a response body.
LEAKS = ("Traceback", 'File "/', "psycopg", "SELECT ", "INSERT INTO", 'UPDATE "', "IntegrityError")


_handler = ClientHandler(enforce_csrf_checks=True)


def wsgi_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """The application as a WSGI app served by Django's test handler (the one behind
    ``django.test.Client``): each request runs inside the test's transaction, on its connection."""
    response: Any = _handler(environ)
    headers = [*response.items()]
    headers += [("Set-Cookie", c.output(header="").strip()) for c in response.cookies.values()]
    start_response(f"{response.status_code} {response.reason_phrase}", headers)
    return [response.content]


def client_for(user: Any | None, *, language: str | None = "en") -> APIClient:
    """An API client sending ``Authorization: Token <key>`` (a new token) for ``user`` (anonymous
    for ``None``)."""
    client = APIClient()
    headers: dict[str, str] = {}
    if user is not None:
        headers["HTTP_AUTHORIZATION"] = f"Token {issue_api_token(user=user)}"
    if language:
        headers["HTTP_ACCEPT_LANGUAGE"] = language
    client.credentials(**headers)
    return client


def assert_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """Assert the API's error shape ``{"error": {"code", "message", "fields"}}``; return ``error``."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert {"code", "message", "fields"} <= set(error), error
    assert isinstance(error["code"], str) and error["code"], error
    assert isinstance(error["message"], str) and error["message"], error
    assert isinstance(error["fields"], dict), error
    for name, messages in error["fields"].items():
        assert isinstance(name, str), error
        assert isinstance(messages, list) and all(isinstance(m, str) for m in messages), error
    assert_no_leak(response)
    if code is not None:
        assert error["code"] == code, error
    return dict(error)


def assert_no_leak(response: Any) -> None:
    text = response.content.decode("utf-8", errors="replace")
    for marker in LEAKS:
        assert marker not in text, f"{marker!r} in a response body: {text[:500]}"


def results(response: Any) -> list[dict[str, Any]]:
    """The items of a list answer, paginated (``{"results": [...]}``) or not (``[...]``)."""
    body = response.json()
    items = body["results"] if isinstance(body, dict) else body
    assert isinstance(items, list), body
    return items


def pages(client: APIClient, url: str, params: dict[str, Any] | None = None) -> Iterator[Any]:
    """Every page of a list, following ``next`` (at most 100 pages)."""
    response = client.get(url, params or {})
    for _page in range(100):
        yield response
        body = response.json() if response.status_code == 200 else None
        following = body.get("next") if isinstance(body, dict) else None
        if not following:
            return
        response = client.get(following)
    raise AssertionError(f"{url} has more than 100 pages")


def all_ids(client: APIClient, url: str, params: dict[str, Any] | None = None) -> list[int]:
    ids: list[int] = []
    for response in pages(client, url, params):
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
        ids.extend(item["id"] for item in results(response))
    return ids


def wait_until_a_request_waits_for_a_lock(timeout: float = 20) -> None:
    """Return once a connection to the (PostgreSQL) test database waits for a lock, e.g. a
    duplicate request waiting for the first one to end; fail after ``timeout`` seconds."""
    probe = connections.create_connection("default")
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with probe.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
                if cursor.fetchone()[0]:
                    return
            time.sleep(0.02)
        raise AssertionError("no request waited for a lock")
    finally:
        probe.close()
