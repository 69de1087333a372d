"""API tokens: stored hashed, expiring when unused, revoked with the password and by logging out.

Tokens are obtained the way an integrator obtains them (``POST /api/v1/auth/token/``) and judged
by what an integrator sees: does ``GET /api/v1/me/`` with the token answer 200 or 401.
"""

import importlib
import os
import pkgutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from unittest import mock

import pytest
import time_machine
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, models
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient, APIRequestFactory

import cases.migrations
from tests.api.support import assert_error
from tests.factories import Tree, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"
NEW_PASSWORD = "a brand new passphrase"
START = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.get_fixed_timezone(8 * 60))


@pytest.fixture(autouse=True)
def _fast_hashing(settings: Any) -> None:
    # Hashing with the production hasher costs ~0.3 s each; these tests hash many passwords.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _account(username: str, **extra: Any) -> Any:
    user = UserFactory.create(username=username, **extra)
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def owner(db: None) -> Any:
    return _account("integrator")


def issue(user: Any, password: str = PASSWORD) -> str:
    """A token for ``user`` from the token endpoint, as an integrator gets one."""
    response = APIClient().post(
        "/api/v1/auth/token/",
        {"username": user.username, "password": password},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert set(response.json()) == {"token"}
    return str(response.json()["token"])


def api(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}", HTTP_ACCEPT_LANGUAGE="en")
    return client


def opens(token: str) -> bool:
    """Whether ``token`` still opens the API (200), or is refused (401 in the error shape)."""
    response = api(token).get("/api/v1/me/")
    if response.status_code == 401:
        assert_error(response, 401, "authentication_failed")
        return False
    assert response.status_code == 200, response.content
    return True


# --- At rest --------------------------------------------------------------------------------------


def _text_columns() -> Iterator[tuple[type[models.Model], str]]:
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.concrete_fields:
            if isinstance(field, models.CharField | models.TextField):
                yield model, field.name


def test_the_clear_token_is_stored_nowhere(owner: Any) -> None:
    token = issue(owner)
    assert opens(token)
    holding = [
        f"{model._meta.label}.{name}"
        for model, name in _text_columns()
        if model._default_manager.filter(**{f"{name}__contains": token}).exists()
    ]
    assert holding == []


def test_each_sign_in_gets_a_token_of_its_own(owner: Any) -> None:
    first, second = issue(owner), issue(owner)
    assert first != second
    assert opens(first) and opens(second)


# --- Expiry ---------------------------------------------------------------------------------------


def test_a_token_unused_for_30_days_expires(owner: Any) -> None:
    with time_machine.travel(START, tick=False):
        token = issue(owner)
    with time_machine.travel(START + timedelta(days=30, minutes=1), tick=False):
        assert not opens(token)
    # Expired is gone: going back in time does not bring it back.
    with time_machine.travel(START + timedelta(days=1), tick=False):
        assert not opens(token)


def test_using_a_token_keeps_it_alive(owner: Any) -> None:
    with time_machine.travel(START, tick=False):
        token = issue(owner)
    for day in (20, 40, 60, 89):
        with time_machine.travel(START + timedelta(days=day), tick=False):
            assert opens(token), day
    with time_machine.travel(START + timedelta(days=89 + 30, minutes=1), tick=False):
        assert not opens(token)


@pytest.mark.parametrize(
    ("days", "answer"), [("7", "7 days, 0:00:00"), ("0", "ImproperlyConfigured")]
)
def test_the_lifetime_comes_from_the_environment(days: str, answer: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from knox.settings import "
         "knox_settings as k; print(k.TOKEN_TTL, k.AUTO_REFRESH)"],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "mediation.settings", "API_TOKEN_TTL_DAYS": days},
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert answer in result.stdout + result.stderr


def test_frequent_use_does_not_write_the_token_on_every_request(owner: Any) -> None:
    with time_machine.travel(START, tick=False):
        token = issue(owner)
    with (
        time_machine.travel(START + timedelta(minutes=5), tick=False),
        CaptureQueriesContext(connection) as queries,
    ):
        assert opens(token)
    writes = [
        q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("UPDATE", "DELETE"))
    ]
    assert writes == []


def test_the_expired_token_message_is_translated(owner: Any) -> None:
    with time_machine.travel(START, tick=False):
        token = issue(owner)
    with time_machine.travel(START + timedelta(days=31), tick=False):
        response = APIClient().get(
            "/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}", HTTP_ACCEPT_LANGUAGE="zh-hans"
        )
    error = assert_error(response, 401, "authentication_failed")
    assert error["message"] == "认证令牌无效。"
    assert response["WWW-Authenticate"] == "Token"


def test_authenticating_a_token_costs_one_query(owner: Any) -> None:
    from cases.api.authentication import TokenAuthentication

    token = issue(owner)
    request = APIRequestFactory().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}")
    with CaptureQueriesContext(connection) as queries:
        user, _auth = TokenAuthentication().authenticate(request)
    assert user.pk == owner.pk
    assert len(queries) == 1, [q["sql"] for q in queries]


# --- Revoked with the password, by every path -----------------------------------------------------


def test_changing_the_password_on_the_web_revokes_the_tokens(owner: Any) -> None:
    bystander = _account("bystander")
    tokens, kept = [issue(owner), issue(owner)], issue(bystander)
    browser = Client()
    browser.force_login(owner)
    response = browser.post(
        "/password/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert [opens(t) for t in tokens] == [False, False]
    assert opens(kept)
    assert opens(issue(owner, NEW_PASSWORD))


def test_a_refused_password_change_revokes_nothing(owner: Any) -> None:
    token = issue(owner)
    browser = Client()
    browser.force_login(owner)
    response = browser.post(
        "/password/", {"old_password": "wrong", "new_password1": "x", "new_password2": "x"}
    )
    assert response.status_code == 400
    assert opens(token)


def test_an_administrator_resetting_the_password_in_the_admin_revokes_the_tokens(
    owner: Any,
) -> None:
    token = issue(owner)
    admin = Client()
    admin.force_login(_account("root", is_staff=True, is_superuser=True))
    response = admin.post(
        f"/admin/auth/user/{owner.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    owner.refresh_from_db()
    assert owner.check_password(NEW_PASSWORD)
    assert not opens(token)


def test_manage_py_changepassword_revokes_the_tokens(owner: Any) -> None:
    token = issue(owner)
    with mock.patch("getpass.getpass", return_value=NEW_PASSWORD):
        call_command("changepassword", owner.username, stdout=mock.Mock())
    owner.refresh_from_db()
    assert owner.check_password(NEW_PASSWORD)
    assert not opens(token)


def test_a_password_saved_by_any_code_revokes_the_tokens(owner: Any) -> None:
    token = issue(owner)
    user = get_user_model().objects.get(pk=owner.pk)
    user.set_password(NEW_PASSWORD)
    user.save()
    assert not opens(token)


def test_django_rehashing_the_same_password_keeps_the_tokens(owner: Any, settings: Any) -> None:
    """A new Django version hashes harder and re-hashes each password at its next login: that is
    not a new password, and must not cut integrators off."""
    token = issue(owner)
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    issue(owner)  # logs in: the MD5 hash is replaced by a PBKDF2 one of the same password
    owner.refresh_from_db()
    assert owner.password.startswith("pbkdf2_sha256$")
    assert opens(token)


# --- Logging out: this token, or all of them ------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), [("delete", "token"), ("post", "logout")])
def test_logging_out_revokes_this_token_only(owner: Any, method: str, path: str) -> None:
    this, other = issue(owner), issue(owner)
    response = getattr(api(this), method)(f"/api/v1/auth/{path}/")
    assert response.status_code == 204
    assert not opens(this)
    assert opens(other)


@pytest.mark.parametrize(("method", "path"), [("delete", "tokens"), ("post", "logout-all")])
def test_logging_out_everywhere_revokes_every_token_of_the_caller(
    owner: Any, method: str, path: str
) -> None:
    bystander = _account("bystander")
    this, other, kept = issue(owner), issue(owner), issue(bystander)
    response = getattr(api(this), method)(f"/api/v1/auth/{path}/")
    assert response.status_code == 204
    assert [opens(this), opens(other)] == [False, False]
    assert opens(kept)


@pytest.mark.parametrize(
    ("method", "path"),
    [("delete", "token"), ("post", "logout"), ("delete", "tokens"), ("post", "logout-all")],
)
def test_logging_out_needs_a_token(db: None, method: str, path: str) -> None:
    response = getattr(APIClient(), method)(f"/api/v1/auth/{path}/")
    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Token"


def test_the_schema_describes_token_auth_and_the_logout_endpoints(db: None) -> None:
    schema = Client().get("/api/schema/?format=json").json()
    scheme = schema["components"]["securitySchemes"]["tokenAuth"]
    assert scheme["type"] == "apiKey"
    assert scheme["in"] == "header"
    assert scheme["name"] == "Authorization"
    assert "`Authorization: Token <key>`" in scheme["description"]
    paths = schema["paths"]
    assert set(paths["/api/v1/auth/token/"]) == {"post", "delete"}
    assert set(paths["/api/v1/auth/logout/"]) == {"post"}
    assert set(paths["/api/v1/auth/tokens/"]) == {"delete"}
    assert set(paths["/api/v1/auth/logout-all/"]) == {"post"}
    for path in ("/api/v1/auth/logout/", "/api/v1/auth/logout-all/"):
        assert {"tokenAuth": []} in paths[path]["post"]["security"]


# --- Tokens issued before tokens were hashed ------------------------------------------------------


def _migration() -> Any:
    """The data migration, whatever number it gets."""
    (name,) = [
        m.name for m in pkgutil.iter_modules(cases.migrations.__path__)
        if m.name.endswith("_api_tokens_hashed")
    ]  # fmt: skip
    return importlib.import_module(f"cases.migrations.{name}")


def test_existing_clear_tokens_are_carried_over_hashed(tree: Tree) -> None:
    """The data migration: each old token keeps working, hashed, with a fresh expiry; the table
    that held them in clear is dropped."""
    migration = _migration()
    old_key = "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, "
            "created timestamp with time zone NOT NULL, user_id integer NOT NULL)"
        )
        cursor.execute(
            "INSERT INTO authtoken_token (key, created, user_id) VALUES (%s, %s, %s)",
            [old_key, START, tree.intake_s1.pk],
        )
    with time_machine.travel(START + timedelta(days=400), tick=False):
        with connection.schema_editor() as editor:
            migration.carry_drf_tokens_over(apps, editor)
        assert "authtoken_token" not in connection.introspection.table_names()
        assert opens(old_key)
    with time_machine.travel(START + timedelta(days=400 + 31), tick=False):
        assert not opens(old_key)


def test_the_migration_does_nothing_without_old_tokens(db: None) -> None:
    migration = _migration()
    with connection.schema_editor() as editor:
        migration.carry_drf_tokens_over(apps, editor)
    assert "authtoken_token" not in connection.introspection.table_names()
