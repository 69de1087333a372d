"""Smoke test of the `make run` path, run by `make test` with the project's virtualenv.

On a fresh SQLite file in a temporary directory, with DEBUG on, e-mails into files and the JSON
request log off as scripts/run.sh sets them: migrate, seed_demo --cases 300, print the logins,
start the development server, check that /healthz and the admin login page answer 200, log in
through the web login form as each demo role and open its pages on the demo city's data, and check
that the console shows runserver's request lines and no JSON request log line.
Everything it starts is stopped and the directory removed, whatever happens. Exit status 0 on
success, 1 on failure.
"""

from __future__ import annotations

import datetime
import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SERVER_START_TIMEOUT = 60.0
DEMO_PASSWORD = "demo12345"
# Last month, as the report's month picker writes it.
_today = datetime.date.today()
LAST_MONTH = f"{_today.year - (_today.month == 1)}-{(_today.month - 2) % 12 + 1:02d}"

# The demo logins and the pages each opens after logging in (all must answer 200).
PAGES = ["/", "/cases/", "/calendar/", "/mediators/"]
ROLE_PAGES = {
    # The reports read the counters the demo's history built on SQLite: this month (live) and the
    # last one (rolled), whole subtree.
    "admin": [*PAGES, "/cases/new/", "/transfers/", "/reports/", "/sent-mail/"],
    "director_ja": [
        *PAGES,
        "/cases/new/",
        "/transfers/",
        "/cases/export.csv",
        "/reports/",
        "/reports/?month=" + LAST_MONTH,
    ],
    "intake": [*PAGES, "/cases/new/"],
    "mediator": PAGES,
    "observer": [*PAGES, "/transfers/", "/reports/"],
    "court": [*PAGES, "/cases/new/", "/transfers/"],
}


class SmokeFailure(Exception):
    pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def manage(env: dict[str, str], *args: str) -> None:
    print(f"$ python manage.py {' '.join(args)}", flush=True)
    result = subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=False)
    if result.returncode != 0:
        raise SmokeFailure(f"manage.py {args[0]} exited with {result.returncode}")


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def wait_until_serving(server: subprocess.Popen[bytes], base: str) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SmokeFailure(f"runserver exited with {server.returncode} before answering")
        try:
            get(base + "/healthz")
            return
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    raise SmokeFailure(f"runserver did not answer within {SERVER_START_TIMEOUT:.0f}s")


def check(base: str, path: str, expect_json: dict[str, str] | None = None) -> None:
    status, body = get(base + path)
    print(f"GET {path} -> {status}", flush=True)
    if status != 200:
        raise SmokeFailure(f"GET {path} answered {status}, expected 200")
    if expect_json is not None and json.loads(body) != expect_json:
        raise SmokeFailure(f"GET {path} answered {body!r}, expected {expect_json}")


def log_in_and_browse(base: str, username: str, paths: list[str]) -> None:
    """Log in through the web form (with its CSRF token) and open ``paths`` and one case."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/login/", timeout=10).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if token is None:
        raise SmokeFailure("the login page has no CSRF token")
    form = {"username": username, "password": DEMO_PASSWORD, "csrfmiddlewaretoken": token[1]}
    request = urllib.request.Request(
        base + "/login/", data=urllib.parse.urlencode(form).encode(), headers={"Referer": base}
    )
    with opener.open(request, timeout=10) as response:
        if urllib.parse.urlparse(response.url).path != "/":
            raise SmokeFailure(f"logging in as {username} did not reach the workbench")
    for path in paths:
        try:
            with opener.open(base + path, timeout=30) as response:
                body = response.read().decode("utf-8-sig")
        except urllib.error.HTTPError as error:
            raise SmokeFailure(f"{username}: GET {path} answered {error.code}") from None
        print(f"{username}: GET {path} -> 200", flush=True)
        if path == "/cases/":
            case = re.search(r'href="(/cases/\d+/)"', body)
            if case is not None:
                with opener.open(base + case[1], timeout=30):
                    print(f"{username}: GET {case[1]} -> 200", flush=True)


def stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is not None:
        return
    # The server runs in its own process group: take its children along.
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def quiet_console(log_path: Path) -> None:
    """The console shows runserver's line per request, not the JSON request log's as well."""
    output = log_path.read_text(errors="replace")
    if '"GET /healthz HTTP/1.1" 200' not in output:
        raise SmokeFailure("runserver printed no line for the requests")
    if '"logger": "mediation.requests"' in output or '"logger": "mediation.tasks"' in output:
        raise SmokeFailure("make run's console shows the JSON request log (LOG_REQUESTS=false)")


def smoke(workdir: Path) -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "REDIS_URL"}
    }
    env["DATABASE_URL"] = f"sqlite:///{workdir / 'db.sqlite3'}"
    # As scripts/run.sh sets them: DEBUG on (development secrets), e-mails into files, no JSON
    # request log lines.
    env["DEBUG"] = "true"
    env["EMAIL_BACKEND"] = "django.core.mail.backends.filebased.EmailBackend"
    env["EMAIL_FILE_PATH"] = str(workdir / "sent-mail")
    env["LOG_REQUESTS"] = "false"
    env["PYTHONUNBUFFERED"] = "1"

    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "seed_demo", "--cases", "300")
    manage(env, "seed_demo", "--print-logins")

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = workdir / "runserver.log"
    print(f"$ python manage.py runserver 127.0.0.1:{port} --noreload", flush=True)
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [PYTHON, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_until_serving(server, base)
        check(base, "/healthz", {"status": "ok", "database": "ok"})
        check(base, "/admin/login/")
        for username, paths in ROLE_PAGES.items():
            log_in_and_browse(base, username, paths)
        quiet_console(log_path)
    except BaseException:
        stop(server)
        print("---- runserver output ----", file=sys.stderr)
        print(log_path.read_text(errors="replace")[-5000:], file=sys.stderr)
        raise
    stop(server)


def main() -> int:
    workdir = Path(tempfile.mkdtemp(prefix="mediation-smoke-"))
    try:
        smoke(workdir)
    except SmokeFailure as failure:
        print(f"smoke test FAILED: {failure}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print("smoke test passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
