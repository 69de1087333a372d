"""The read replica (issue 18): against a real streaming replica, as an operator would run it.

The module starts its own primary and a hot standby streaming from it (``scripts/pg.sh start`` and
``scripts/pg.sh replica``, i.e. ``pg_basebackup -R``), migrates the primary, and serves the product
with gunicorn, ``DATABASE_URL`` on the primary and ``DATABASE_REPLICA_URL`` on the replica. To show
where each read went, replay on the replica is paused (``pg_wal_replay_pause()``): what is written
on the primary then cannot be seen on the replica, so a read that misses a case just registered
came from the replica, and one that finds it came from the primary.

The router's rules for transactions are checked in-process, below, without a replica.
"""

import contextvars
import http.cookiejar
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from cryptography.fernet import Fernet
from django.contrib.auth.models import AnonymousUser
from django.db import transaction

from cases import replica
from cases.models import AuditRecord
from cases.replica import REPLICA, ReplicaRouter, reading_from_replica
from tests.factories import UserFactory
from tests.test_settings import run_django

ROOT = Path(__file__).resolve().parent.parent
PG = str(ROOT / "scripts" / "pg.sh")
BIN = Path(sys.executable).parent
STICKY_SECONDS = 2
PASSWORD = "replica-test-password-9173"
GUNICORN_OPTIONS = ["--workers", "1", "--threads", "4", "--timeout", "120"]
WAIT = 60.0  # the longest any one wait below may take before the test fails

SETUP = f"""
import json
from cases.services.users import issue_api_token
from tests.factories import build_tree, seeded_category
tree = build_tree()
for user in (tree.intake_s1, tree.director_c):
    user.set_password({PASSWORD!r})
    user.save()
print(json.dumps({{
    "writer": tree.intake_s1.username,
    "reader": tree.director_c.username,
    "writer_token": issue_api_token(user=tree.intake_s1),
    "reader_token": issue_api_token(user=tree.director_c),
    "street": tree.s1.pk,
    "city": tree.c.pk,
    "category": seeded_category().pk,
}}))
"""


@dataclass
class Stack:
    base: str
    primary: str
    replica: str
    world: dict[str, Any]


def _wait_for(what: str, check: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {WAIT:.0f} s for {what}")
        time.sleep(0.2)


def _sql(url: str, query: str) -> Any:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(query).fetchone()
        return row[0] if row else None


def _caught_up(stack: Stack) -> bool:
    lsn = _sql(stack.primary, "SELECT pg_current_wal_lsn()")
    return bool(_sql(stack.replica, f"SELECT pg_last_wal_replay_lsn() >= '{lsn}'::pg_lsn"))


def _serve(env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], str]:
    for _attempt in range(3):
        port = subprocess.run(
            ["bash", "-c", f"source {ROOT}/scripts/lib.sh; free_port"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        base, bind = f"http://127.0.0.1:{port}", ["--bind", f"127.0.0.1:{port}"]
        server = subprocess.Popen(
            [str(BIN / "gunicorn"), "mediation.wsgi:application", *GUNICORN_OPTIONS, *bind],
            cwd=ROOT,
            env=env,
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + WAIT
        while server.poll() is None and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=5):
                    return server, base
            except OSError:
                time.sleep(0.2)
        server.kill()
        server.wait()
    raise AssertionError(f"gunicorn did not serve:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    primary_dir, replica_dir = tempfile.mkdtemp(), tempfile.mkdtemp()
    log = Path(tempfile.mkdtemp()) / "gunicorn.log"
    server: subprocess.Popen[bytes] | None = None
    try:
        primary = subprocess.run(
            [PG, "start", primary_dir, "replica_test"], check=True, capture_output=True, text=True
        ).stdout.strip()
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DATABASE_", "CELERY_", "CACHE_", "REDIS_"))
        }
        env.update(
            DATABASE_URL=primary,
            DEBUG="true",
            SECRET_KEY="replica-test-" + Fernet.generate_key().decode(),
            FIELD_ENCRYPTION_KEY="t1:" + Fernet.generate_key().decode(),
            FIELD_HASH_KEY="replica-test-hash-" + Fernet.generate_key().decode(),
            REPLICA_STICKY_SECONDS=str(STICKY_SECONDS),
            LOG_LEVEL="WARNING",
        )
        manage = [sys.executable, "manage.py"]
        subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        world = json.loads(
            subprocess.run(
                [*manage, "shell", "-c", SETUP],
                cwd=ROOT,
                env=env,
                check=True,
                capture_output=True,
                text=True,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        # The replica copies the primary as it is now: migrated, with the users.
        replica = subprocess.run(
            [PG, "replica", primary_dir, replica_dir], check=True, capture_output=True, text=True
        ).stdout.strip()
        server, base = _serve({**env, "DATABASE_REPLICA_URL": replica}, log)
        yield Stack(base, primary, replica, world)
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        subprocess.run([PG, "stop", replica_dir], check=False)
        subprocess.run([PG, "stop", primary_dir], check=False)
        log.unlink(missing_ok=True)
        log.parent.rmdir()


class Api:
    def __init__(self, base: str, token: str) -> None:
        self.base, self.token = base, token

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        request = urllib.request.Request(
            self.base + path,
            method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Authorization": f"Token {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            content = response.read()
            kind = response.headers.get_content_type()
            return (
                json.loads(content) if kind == "application/json" else content.decode("utf-8-sig")
            )

    def listed(self) -> set[str]:
        return {
            case["number"] for case in self.call("GET", "/api/v1/cases/?page_size=200")["results"]
        }

    def received(self, centre: int, kind: str = "json") -> Any:
        report = self.call("GET", f"/api/v1/reports/monthly/?centre={centre}&format={kind}")
        return report["figures"]["received"] if kind == "json" else report


def _web_session(base: str, username: str) -> urllib.request.OpenerDirector:
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    page = opener.open(base + "/login/", timeout=60).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token is not None
    form = {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token[1]}
    request = urllib.request.Request(
        base + "/login/", data=urllib.parse.urlencode(form).encode(), headers={"Referer": base}
    )
    with opener.open(request, timeout=60) as response:
        assert urllib.parse.urlparse(response.url).path == "/"
    return opener


def _web_get(opener: urllib.request.OpenerDirector, url: str) -> str:
    with opener.open(url, timeout=60) as response:
        return str(response.read().decode("utf-8-sig"))


@pytest.mark.slow
def test_lists_reports_and_exports_read_the_replica_and_a_writer_reads_their_own_write(
    stack: Stack,
) -> None:
    world = stack.world
    writer, reader = Api(stack.base, world["writer_token"]), Api(stack.base, world["reader_token"])
    browser = _web_session(stack.base, world["reader"])
    time.sleep(STICKY_SECONDS + 1)  # logging in wrote (the last login): past the sticky window
    export = stack.base + "/cases/export.csv"
    assert _sql(stack.replica, "SELECT pg_is_in_recovery()") is True
    received_before = reader.received(world["city"])
    _wait_for("the replica to catch up", lambda: _caught_up(stack))

    _sql(stack.replica, "SELECT pg_wal_replay_pause()")
    try:
        # A write goes to the primary (the replica is read-only and frozen besides).
        case = writer.call(
            "POST",
            "/api/v1/cases/",
            {
                "centre": world["street"],
                "channel": "walk_in",
                "category": world["category"],
                "summary": "楼上漏水，双方协商未果",
                "parties": [
                    {"role": "applicant", "name": "张三", "phone": "13800138000"},
                    {"role": "respondent", "name": "李四", "phone": "13900139000"},
                ],
            },
        )
        number = case["number"]

        # The writer's own list, within the sticky window, comes from the primary.
        assert number in writer.listed()
        # Another user's list, the report's figures and files, the web list's CSV: the replica.
        assert number not in reader.listed()
        assert reader.received(world["city"]) == received_before
        assert number not in _web_get(browser, export)
        assert number not in _web_get(browser, stack.base + "/cases/")
        # A read outside the replica's surfaces (one case) comes from the primary.
        assert reader.call("GET", f"/api/v1/cases/{case['id']}/")["number"] == number

        # Once the sticky window has passed, the writer's list reads from the replica again.
        _wait_for("the writer's list to leave the primary", lambda: number not in writer.listed())
    finally:
        _sql(stack.replica, "SELECT pg_wal_replay_resume()")

    _wait_for("the replica to replay the case", lambda: number in reader.listed())
    assert reader.received(world["city"]) == received_before + 1
    assert number in _web_get(browser, export)


# --- The router's rules, in-process --------------------------------------------------------------
# Each runs in a fresh context: no write of an earlier test in this thread counts.


def test_reads_go_to_the_replica_only_inside_the_context(monkeypatch: pytest.MonkeyPatch) -> None:
    router, user, model = ReplicaRouter(), AnonymousUser(), UserFactory._meta.model

    def check() -> None:
        assert router.db_for_read(model) is None  # the primary
        with reading_from_replica(user):
            assert router.db_for_read(model) == REPLICA
            router.db_for_write(model)  # this request wrote: its reads now stay on the primary
            assert router.db_for_read(model) is None
        with reading_from_replica(user):
            assert router.db_for_read(model) is None

    with monkeypatch.context() as patch:
        patch.setattr(replica, "replica_configured", lambda: True)
        contextvars.Context().run(check)

    def unconfigured() -> None:
        with reading_from_replica(user):
            assert router.db_for_read(model) is None

    contextvars.Context().run(unconfigured)


def test_an_audit_record_written_leaves_the_reads_on_the_replica(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An export writes its audit record: bookkeeping, so the export (and the user's next pages)
    still read from the replica; any other write sends them to the primary."""
    router, user, model = ReplicaRouter(), AnonymousUser(), UserFactory._meta.model
    monkeypatch.setattr(replica, "replica_configured", lambda: True)

    def check() -> None:
        with reading_from_replica(user):
            assert router.db_for_write(AuditRecord) == "default"
            assert router.db_for_read(model) == REPLICA
            router.db_for_write(model)
            assert router.db_for_read(model) is None

    contextvars.Context().run(check)


@pytest.mark.django_db(transaction=True)
def test_reads_inside_a_transaction_on_the_primary_stay_on_the_primary(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    router, model = ReplicaRouter(), UserFactory._meta.model
    monkeypatch.setattr(replica, "replica_configured", lambda: True)

    def check() -> None:
        with reading_from_replica(AnonymousUser()):
            assert router.db_for_read(model) == REPLICA
            with transaction.atomic():
                assert router.db_for_read(model) is None

    contextvars.Context().run(check)


# --- Settings ------------------------------------------------------------------------------------

PRIMARY_URL = "postgres://app@10.0.0.1:5432/mediation"
REPLICA_URL = "postgres://app@10.0.0.2:5432/mediation"
SHOW_DATABASES = (
    "from django.conf import settings as s; import json; "
    "print(json.dumps({a: {k: d.get(k) for k in ('HOST', 'CONN_MAX_AGE', 'OPTIONS', 'TEST')} "
    "for a, d in s.DATABASES.items()}), s.REPLICA_STICKY_SECONDS)"
)


@pytest.mark.parametrize("prepared", ["true", "false"])
def test_the_replica_is_a_second_database_with_the_primary_s_connection_options(
    prepared: str,
) -> None:
    result = run_django(
        SHOW_DATABASES,
        DEBUG="1",
        DATABASE_URL=PRIMARY_URL,
        DATABASE_REPLICA_URL=REPLICA_URL,
        CONN_MAX_AGE="120",
        DB_PREPARED_STATEMENTS=prepared,
    )
    assert result.returncode == 0, result.stderr
    databases, sticky = result.stdout.rsplit(" ", 1)
    default, replica = json.loads(databases)["default"], json.loads(databases)[REPLICA]
    assert (default["HOST"], replica["HOST"]) == ("10.0.0.1", "10.0.0.2")
    assert replica["CONN_MAX_AGE"] == default["CONN_MAX_AGE"] == 120
    assert replica["OPTIONS"] == default["OPTIONS"]
    assert ("server_side_binding" in replica["OPTIONS"]) is (prepared == "true")
    # Ordinary tests read the primary through it; a test wanting the real replica starts one.
    assert replica["TEST"]["MIRROR"] == "default"
    assert int(sticky) == 5


def test_without_a_replica_url_there_is_one_database() -> None:
    result = run_django(
        SHOW_DATABASES, DEBUG="1", DATABASE_URL=PRIMARY_URL, DATABASE_REPLICA_URL=""
    )
    assert result.returncode == 0, result.stderr
    assert list(json.loads(result.stdout.rsplit(" ", 1)[0])) == ["default"]


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"DATABASE_REPLICA_URL": "not a url"}, "DATABASE_REPLICA_URL"),
        ({"DATABASE_REPLICA_URL": "mysql://app@10.0.0.2/mediation"}, "DATABASE_REPLICA_URL"),
        ({"REPLICA_STICKY_SECONDS": "-1"}, "REPLICA_STICKY_SECONDS"),
        ({"REPLICA_STICKY_SECONDS": "five"}, "REPLICA_STICKY_SECONDS"),
    ],
)
def test_a_bad_replica_setting_is_refused_by_name(env: dict[str, str], named: str) -> None:
    result = run_django("print('started')", DEBUG="1", DATABASE_URL=PRIMARY_URL, **env)
    assert result.returncode != 0
    assert f"ImproperlyConfigured: {named} must be" in result.stderr
    assert "started" not in result.stdout
