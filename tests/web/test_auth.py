"""Logging in and out, changing the password, and the lockout after repeated failures."""

from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def _fast_hashing(settings: Any) -> None:
    """Dozens of logins per test: hash passwords cheaply (the hasher is not under test here)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def officer(db: None, settings: Any) -> Any:
    user = UserFactory.create(username="window1")
    user.set_password(PASSWORD)
    user.save()
    return user


def _login(client: Client, username: str, password: str) -> Any:
    return client.post(reverse("web:login"), {"username": username, "password": password})


def test_logging_in_lands_on_the_workbench(officer: Any) -> None:
    client = Client()
    response = _login(client, "window1", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("web:workbench")
    assert client.get(reverse("web:workbench")).status_code == 200


def test_logging_in_goes_back_to_the_page_asked_for(officer: Any) -> None:
    client = Client()
    response = client.post(
        reverse("web:login") + "?next=/cases/",
        {"username": "window1", "password": PASSWORD, "next": "/cases/"},
    )
    assert response["Location"] == "/cases/"


def test_a_wrong_password_is_refused_with_a_message(officer: Any) -> None:
    client = Client(headers={"accept-language": "en"})
    response = _login(client, "window1", "wrong")
    assert response.status_code == 400
    assert "Please enter a correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_login_page_is_in_chinese_by_default(db: None, settings: Any) -> None:
    settings.LANGUAGE_CODE = "zh-hans"
    page = Client().get(reverse("web:login")).content.decode()
    assert "登录" in page
    assert 'lang="zh-hans"' in page


def test_the_language_switch_changes_the_language(db: None, settings: Any) -> None:
    settings.LANGUAGE_CODE = "zh-hans"
    client = Client()
    client.post(reverse("set_language"), {"language": "en", "next": "/login/"})
    page = client.get(reverse("web:login")).content.decode()
    assert 'lang="en"' in page
    assert "Log in" in page


def test_repeated_failures_lock_the_account_for_a_while(officer: Any, settings: Any) -> None:
    client = Client(headers={"accept-language": "en"})
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _login(client, "window1", "wrong").status_code == 400
    locked = _login(client, "window1", "wrong")
    assert locked.status_code == 429
    assert "locked after too many failed logins" in locked.content.decode()
    assert int(locked["Retry-After"]) == 15 * 60
    # Even the right password is refused while the lock lasts, from another browser too.
    again = _login(Client(headers={"accept-language": "en"}), "window1", PASSWORD)
    assert again.status_code == 429
    # Other accounts are not affected (the window's computers share one address).
    other = UserFactory.create(username="window2")
    other.set_password(PASSWORD)
    other.save()
    assert _login(Client(), "window2", PASSWORD).status_code == 302


def test_the_lock_message_is_translated(officer: Any, settings: Any) -> None:
    client = Client(headers={"accept-language": "zh-hans"})
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        response = _login(client, "window1", "wrong")
    assert response.status_code == 429
    assert "分钟后再试" in response.content.decode()


def test_the_lock_ends_after_the_cool_off(officer: Any, settings: Any) -> None:
    client = Client()
    with time_machine.travel("2026-11-23 10:00 +0800", tick=False):
        for _attempt in range(settings.AXES_FAILURE_LIMIT):
            _login(client, "window1", "wrong")
        assert _login(client, "window1", PASSWORD).status_code == 429
    with time_machine.travel("2026-11-23 10:16 +0800", tick=False):
        assert _login(client, "window1", PASSWORD).status_code == 302


def test_the_api_token_endpoint_counts_failures_too(officer: Any, settings: Any) -> None:
    client = Client(headers={"accept-language": "en"})
    url = "/api/v1/auth/token/"
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(
            url, {"username": "window1", "password": "wrong"}, content_type="application/json"
        )
    assert response.status_code == 429
    error = response.json()["error"]
    assert error["code"] == "locked_out"
    assert "username" in error["fields"]


def test_logging_out_needs_a_post_and_ends_the_session(
    officer: Any, client_for: Callable[..., Client]
) -> None:
    client = client_for(officer)
    assert client.get(reverse("web:logout")).status_code == 405
    response = client.post(reverse("web:logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("web:login")
    assert client.get(reverse("web:workbench")).status_code == 302


def test_changing_the_password(officer: Any, client_for: Callable[..., Client]) -> None:
    client = client_for(officer)
    assert client.get(reverse("web:password_change")).status_code == 200
    response = client.post(
        reverse("web:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a new long passphrase",
            "new_password2": "a new long passphrase",
        },
    )
    assert response.status_code == 302
    officer.refresh_from_db()
    assert officer.check_password("a new long passphrase")
    # Still logged in, and told so.
    page = client.get(reverse("web:workbench")).content.decode()
    assert "Your password has been changed." in page


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"old_password": "nope", "new_password1": "x" * 12, "new_password2": "x" * 12},
            "old_password",
            "Your old password was entered incorrectly",
        ),
        (
            {"old_password": PASSWORD, "new_password1": "abc", "new_password2": "abc"},
            "new_password2",
            "This password is too short",
        ),
        (
            {
                "old_password": PASSWORD,
                "new_password1": "a new long passphrase",
                "new_password2": "another long passphrase",
            },
            "new_password2",
            "The two password fields didn",
        ),
    ],
)
def test_a_bad_password_change_names_the_field_and_changes_nothing(
    officer: Any, client_for: Callable[..., Client], data: dict[str, str], field: str, message: str
) -> None:
    response = client_for(officer).post(reverse("web:password_change"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert field in response.context["form"].errors
    assert get_user_model().objects.get(pk=officer.pk).check_password(PASSWORD)


# --- Log out everywhere ---------------------------------------------------------------------------

LOGOUT_EVERYWHERE = "/logout/everywhere/"


def _api_token(username: str) -> str:
    response = Client().post(
        "/api/v1/auth/token/",
        {"username": username, "password": PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return str(response.json()["token"])


def _api_opens(token: str) -> bool:
    status = Client().get("/api/v1/me/", headers={"authorization": f"Token {token}"}).status_code
    assert status in {200, 401}
    return status == 200


def test_log_out_everywhere_is_offered_in_the_user_menu_and_on_the_password_page(
    officer: Any, client_for: Callable[..., Client]
) -> None:
    client = client_for(officer)
    for page in (reverse("web:workbench"), reverse("web:password_change")):
        assert f'href="{LOGOUT_EVERYWHERE}"' in client.get(page).content.decode(), page
    response = client.get(LOGOUT_EVERYWHERE)
    assert response.status_code == 200
    assert "Log out everywhere" in response.content.decode()


def test_log_out_everywhere_ends_every_session_and_every_api_token(
    officer: Any, client_for: Callable[..., Client]
) -> None:
    here, elsewhere = client_for(officer), client_for(officer)
    token = _api_token("window1")
    other = UserFactory.create(username="window2")
    other.set_password(PASSWORD)
    other.save()
    bystander, kept = client_for(other), _api_token("window2")

    response = here.post(LOGOUT_EVERYWHERE, {"password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("web:login")
    for browser in (here, elsewhere):
        assert browser.get(reverse("web:workbench")).status_code == 302
    assert not _api_opens(token)
    # Nobody else is logged out.
    assert bystander.get(reverse("web:workbench")).status_code == 200
    assert _api_opens(kept)
    # The password is unchanged: logging in again works.
    assert _login(Client(), "window1", PASSWORD).status_code == 302


def test_log_out_everywhere_needs_the_password_and_a_wrong_one_ends_nothing(
    officer: Any, client_for: Callable[..., Client]
) -> None:
    here, elsewhere = client_for(officer), client_for(officer)
    token = _api_token("window1")
    assert here.get(LOGOUT_EVERYWHERE + "?password=" + PASSWORD).status_code == 200
    response = here.post(LOGOUT_EVERYWHERE, {"password": "wrong"})
    assert response.status_code == 400
    assert "password" in response.context["form"].errors
    assert "Your password was entered incorrectly" in response.content.decode()
    for browser in (here, elsewhere):
        assert browser.get(reverse("web:workbench")).status_code == 200
    assert _api_opens(token)


def test_log_out_everywhere_speaks_chinese(officer: Any, client_for: Callable[..., Client]) -> None:
    page = client_for(officer, language="zh-hans").get(LOGOUT_EVERYWHERE).content.decode()
    assert "退出所有设备" in page


def _accounts(count: int) -> list[Any]:
    users = []
    for number in range(count):
        user = UserFactory.create(username=f"desk{number}")
        user.set_password(PASSWORD)
        user.save()
        users.append(user)
    return users


def _login_from(address: str, username: str, password: str, **headers: str) -> Any:
    client = Client(REMOTE_ADDR=address, headers={"accept-language": "en", **headers})
    return _login(client, username, password)


def test_many_accounts_failing_from_one_address_lock_the_address(db: None, settings: Any) -> None:
    """Guessing one password across many accounts is stopped by the address's own, higher limit."""
    settings.AXES_FAILURE_LIMIT = 5
    settings.AXES_ADDRESS_FAILURE_LIMIT = 12
    users = _accounts(4)
    attempts = 0
    for user in users:  # 3 failures each: below the account's limit of 5
        for _attempt in range(3):
            attempts += 1
            response = _login_from("10.1.1.1", user.username, "wrong")
            assert response.status_code == (429 if attempts >= 12 else 400), attempts
    locked = _login_from("10.1.1.1", "officer-elsewhere", "wrong")
    assert locked.status_code == 429
    assert "Too many failed logins from this network address" in locked.content.decode()
    assert int(locked["Retry-After"]) == 15 * 60
    # Even a right password is refused from that address while the lock lasts...
    assert _login_from("10.1.1.1", users[0].username, PASSWORD).status_code == 429
    # ...while the same accounts still log in from another address.
    assert _login_from("10.2.2.2", users[0].username, PASSWORD).status_code == 302


def test_a_window_office_behind_one_address_is_not_locked_by_the_account_limit(
    db: None, settings: Any
) -> None:
    """Several people on one address each mistyping a few times stay below the address's limit."""
    users = _accounts(5)
    for user in users:
        for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
            assert _login_from("10.1.1.1", user.username, "wrong").status_code == 400
    assert _login_from("10.1.1.1", users[0].username, PASSWORD).status_code == 302


def test_one_account_failing_from_many_addresses_locks_the_account(
    officer: Any, settings: Any
) -> None:
    for number in range(settings.AXES_FAILURE_LIMIT):
        response = _login_from(f"10.3.0.{number + 1}", "window1", "wrong")
    assert response.status_code == 429
    assert "This account is locked" in response.content.decode()
    assert _login_from("10.3.1.1", "window1", PASSWORD).status_code == 429


def test_the_forwarded_address_is_ignored_without_a_proxy(db: None, settings: Any) -> None:
    """X-Forwarded-For is whatever the client says unless a proxy in front of us sets it."""
    settings.AXES_ADDRESS_FAILURE_LIMIT = 6
    users = _accounts(3)
    for number, user in enumerate(users * 2):
        _login_from("10.1.1.1", user.username, "wrong", x_forwarded_for=f"172.16.0.{number}")
    assert _login_from("10.1.1.1", "someone", "wrong").status_code == 429


def test_behind_a_proxy_the_forwarded_address_is_the_client(db: None, settings: Any) -> None:
    """One reverse proxy (REMOTE_ADDR 127.0.0.1) appends the client's address to X-Forwarded-For:
    with AXES_IPWARE_PROXY_COUNT = 0 that entry is the client."""
    settings.AXES_ADDRESS_FAILURE_LIMIT = 6
    settings.AXES_IPWARE_PROXY_COUNT = 0
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
    users = _accounts(3)
    for user in users * 2:  # six failures from the client 10.5.5.5
        _login_from("127.0.0.1", user.username, "wrong", x_forwarded_for="10.5.5.5")
    locked = _login_from("127.0.0.1", "x", "wrong", x_forwarded_for="10.5.5.5")
    assert locked.status_code == 429
    # Another client behind the same proxy is not affected.
    other = _login_from("127.0.0.1", users[0].username, PASSWORD, x_forwarded_for="10.6.6.6")
    assert other.status_code == 302


def test_a_forged_forwarded_address_does_not_escape_the_address_limit(
    db: None, settings: Any
) -> None:
    """A client that sends X-Forwarded-For of its own, a new address each time, gets a longer chain
    than one proxy writes: such requests count together, not as new addresses."""
    settings.AXES_ADDRESS_FAILURE_LIMIT = 6
    settings.AXES_IPWARE_PROXY_COUNT = 0
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
    users = _accounts(3)
    for number, user in enumerate(users * 2):
        forged = f"172.16.0.{number}, 10.8.8.8"
        _login_from("127.0.0.1", user.username, "wrong", x_forwarded_for=forged)
    again = _login_from("127.0.0.1", "x", "wrong", x_forwarded_for="172.16.1.1, 10.8.8.8")
    assert again.status_code == 429
    # Honest clients behind the proxy are still told apart.
    other = _login_from("127.0.0.1", users[0].username, PASSWORD, x_forwarded_for="10.6.6.6")
    assert other.status_code == 302


def test_the_api_token_endpoint_counts_failures_by_address_too(db: None, settings: Any) -> None:
    settings.AXES_ADDRESS_FAILURE_LIMIT = 4
    users = _accounts(4)
    for user in users:
        response = Client(REMOTE_ADDR="10.7.7.7").post(
            "/api/v1/auth/token/",
            {"username": user.username, "password": "wrong"},
            content_type="application/json",
        )
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "locked_out"


def test_logging_in_forgives_the_accounts_failures_not_the_addresss(
    db: None, settings: Any
) -> None:
    settings.AXES_ADDRESS_FAILURE_LIMIT = 6
    users = _accounts(3)
    for user in [users[0], users[0], users[1], users[1], users[2]]:
        assert _login_from("10.1.1.1", user.username, "wrong").status_code == 400
    assert _login_from("10.1.1.1", users[2].username, PASSWORD).status_code == 302
    # The address still counts the four failures on the others' accounts.
    assert _login_from("10.1.1.1", users[0].username, "wrong").status_code == 400
    assert _login_from("10.1.1.1", users[1].username, "wrong").status_code == 429
