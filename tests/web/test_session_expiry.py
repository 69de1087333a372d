"""Sessions end when the browser closes and after 30 minutes without activity: window offices share
their computers. Activity slides the idle limit without writing the session on every request."""

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import Tree

PASSWORD = "correct horse battery"
START = "2026-11-23 09:00 +0800"


@pytest.fixture
def officer(tree: Tree) -> Any:
    user = tree.intake_s1
    user.set_password(PASSWORD)
    user.save()
    return user


def _log_in(client: Client, user: Any) -> Any:
    response = client.post(reverse("web:login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return response


def _session_writes(queries: CaptureQueriesContext) -> list[str]:
    return [
        q["sql"]
        for q in queries.captured_queries
        if "django_session" in q["sql"] and not q["sql"].lstrip().upper().startswith("SELECT")
    ]


def test_the_session_cookie_ends_with_the_browser(officer: Any) -> None:
    response = _log_in(Client(), officer)
    cookie = response.cookies["sessionid"]
    assert cookie["expires"] == ""
    assert cookie["max-age"] == ""


def test_an_idle_session_ends_and_the_next_click_lands_on_the_login_page(officer: Any) -> None:
    client = Client(headers={"accept-language": "en"})
    with time_machine.travel(START, tick=False) as clock:
        _log_in(client, officer)
        assert client.get(reverse("web:case_list")).status_code == 200
        clock.shift(timedelta(minutes=31))
        response = client.get(reverse("web:case_list"))
        assert response.status_code == 302
        assert response["Location"] == reverse("web:login") + "?next=/cases/"
        page = client.get(response["Location"])
        assert page.status_code == 200
        assert "Your session ended after 30 minutes without activity" in page.content.decode()
        assert "_auth_user_id" not in client.session
        # The old session is gone for good, not only hidden.
        clock.shift(timedelta(seconds=5))
        assert client.get(reverse("web:workbench")).status_code == 302


def test_the_idle_message_is_translated(officer: Any) -> None:
    client = Client(headers={"accept-language": "zh-hans"})
    with time_machine.travel(START, tick=False) as clock:
        _log_in(client, officer)
        client.get(reverse("web:workbench"))
        clock.shift(timedelta(minutes=31))
        page = client.get(reverse("web:workbench"), follow=True)
        assert "30 分钟未操作" in page.content.decode()


def test_activity_keeps_the_session_alive(officer: Any) -> None:
    client = Client()
    with time_machine.travel(START, tick=False) as clock:
        _log_in(client, officer)
        for _step in range(6):  # three hours of work, a click every 29 minutes
            clock.shift(timedelta(minutes=29))
            assert client.get(reverse("web:workbench")).status_code == 200


def test_the_idle_clock_starts_at_login_so_the_first_page_writes_no_session(officer: Any) -> None:
    client = Client()
    with time_machine.travel(START, tick=False):
        _log_in(client, officer)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("web:workbench")).status_code == 200
    assert _session_writes(queries) == []


def test_activity_writes_the_session_at_most_once_a_minute(officer: Any) -> None:
    client = Client()
    with time_machine.travel(START, tick=False) as clock:
        _log_in(client, officer)
        client.get(reverse("web:workbench"))
        with CaptureQueriesContext(connection) as queries:
            for _step in range(5):
                clock.shift(timedelta(seconds=10))
                assert client.get(reverse("web:workbench")).status_code == 200
        assert _session_writes(queries) == []
        clock.shift(timedelta(seconds=15))  # 65 s since the last write
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("web:workbench"))
        assert len(_session_writes(queries)) == 1
        # The stored session now lives on from this request.
        row = Session.objects.get()
        assert row.expire_date > timezone.now() + timedelta(minutes=29)


def test_an_idle_htmx_request_is_sent_to_the_login_page(officer: Any) -> None:
    client = Client()
    with time_machine.travel(START, tick=False) as clock:
        _log_in(client, officer)
        client.get(reverse("web:case_list"))
        clock.shift(timedelta(minutes=45))
        response = client.get(
            reverse("web:case_list") + "?status=new",
            headers={"hx-request": "true", "hx-current-url": "http://testserver/cases/?page=2"},
        )
    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("web:login") + "?next=/cases/%3Fpage%3D2"


def test_an_anonymous_htmx_request_is_sent_to_the_login_page(db: None) -> None:
    response = Client().post(
        reverse("web:intake_party_row"),
        headers={"hx-request": "true", "hx-current-url": "http://testserver/cases/new/"},
    )
    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("web:login") + "?next=/cases/new/"


def test_an_idle_api_session_gets_the_api_error(officer: Any) -> None:
    client = Client()
    with time_machine.travel(START, tick=False) as clock:
        _log_in(client, officer)
        assert client.get("/api/v1/cases/").status_code == 200
        clock.shift(timedelta(minutes=31))
        response = client.get("/api/v1/cases/")
    assert response.status_code in {401, 403}
    assert "error" in response.json()
