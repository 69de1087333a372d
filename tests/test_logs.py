"""Phone and ID numbers are masked in the logs (issue 15, leak 2): runserver's request line
(``django.server``), ``django.request`` warnings, anything logged through ``LOGGING``'s handlers,
and gunicorn's access log (``mediation.logs.GunicornLogger``)."""

import contextlib
import logging
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from gunicorn.config import Config

from mediation.logs import GunicornLogger, MaskPersonalNumbers

ROOT = Path(__file__).resolve().parent.parent
PHONE = "13911112222"
ID_NUMBER = "420102199003071234"


def record(msg: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord("django.server", logging.INFO, __file__, 1, msg, args, None)


def test_the_filter_masks_the_message_and_its_arguments() -> None:
    line = record('"%s" %s %s', f"GET /cases/?q={PHONE}&x={ID_NUMBER} HTTP/1.1", "302", "0")
    assert MaskPersonalNumbers().filter(line)
    text = line.getMessage()
    assert text == '"GET /cases/?q=139****2222&x=420***********1234 HTTP/1.1" 302 0'
    message = record(f"Searched +86 139 1111 2222 and {ID_NUMBER[:-1]}X")
    MaskPersonalNumbers().filter(message)
    assert message.getMessage() == "Searched 139****2222 and 420***********123X"


def test_every_configured_handler_masks() -> None:
    from django.conf import settings

    config: Any = settings.LOGGING
    handlers: dict[str, dict[str, Any]] = config["handlers"]
    assert handlers and all("personal_numbers" in h.get("filters", []) for h in handlers.values())
    # runserver's logger has Django's own handler (no mask) unless the settings name one.
    server = logging.getLogger("django.server")
    assert not server.propagate
    streams = [h for h in server.handlers if type(h) is logging.StreamHandler]
    assert streams and all(
        any(isinstance(f, MaskPersonalNumbers) for f in h.filters) for h in streams
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> None:
    # 302 to the login page is followed; 401 and 404 are what is logged.
    with contextlib.suppress(urllib.error.HTTPError):
        urllib.request.urlopen(urllib.request.Request(url), timeout=20)


def test_runserver_request_lines_and_request_warnings_are_masked(tmp_path: Path) -> None:
    """The real ``runserver``: its request lines (query strings, encoded or not) and the
    ``Not Found``/``Unauthorized`` warnings of ``django.request`` (paths) come out masked."""
    port = _free_port()
    log = (tmp_path / "server.log").open("w+")
    env = {**os.environ, "DEBUG": "true", "PYTHONUNBUFFERED": "1"}
    server = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "runserver",
            f"127.0.0.1:{port}",
            "--noreload",
            "--skip-checks",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        # Started under load (the whole suite on two cores) runserver may take a while to listen.
        deadline = time.monotonic() + 120
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                assert server.poll() is None, "runserver exited before listening"
                assert time.monotonic() < deadline, "runserver did not listen within 120 s"
                time.sleep(0.2)
        base = f"http://127.0.0.1:{port}"
        _get(f"{base}/cases/?q={PHONE}")
        _get(f"{base}/cases/export.csv?q=%2B86%20139%201111%202222")
        _get(f"{base}/api/v1/cases/?q={ID_NUMBER}")
        _get(f"{base}/no-such-page/{ID_NUMBER}/")
        time.sleep(0.5)
    finally:
        server.terminate()
        server.wait(timeout=20)
    log.seek(0)
    output = log.read()
    assert '"GET /cases/?q=139****2222 HTTP/1.1" 302' in output, output
    assert "/cases/export.csv?q=%2B139****2222 HTTP/1.1" in output, output
    assert '"GET /api/v1/cases/?q=420***********1234 HTTP/1.1" 401' in output, output
    assert "Not Found: /no-such-page/420***********1234/" in output, output
    assert "Unauthorized: /api/v1/cases/" in output, output
    for clear in (PHONE, "139%201111%202222", ID_NUMBER):
        assert clear not in output, output


def test_the_gunicorn_access_log_is_masked(tmp_path: Path) -> None:
    access = tmp_path / "access.log"
    config = Config()
    config.set("accesslog", str(access))
    logger = GunicornLogger(config)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/api/v1/cases/?q={ID_NUMBER}",
        "PATH_INFO": "/api/v1/cases/",
        "QUERY_STRING": f"q={ID_NUMBER}",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_REFERER": f"http://127.0.0.1/cases/?q={PHONE}",
    }
    request = SimpleNamespace(headers=[("REFERER", f"http://127.0.0.1/cases/?q={PHONE}")])
    response = SimpleNamespace(status="200 OK", sent=12, headers=[])
    logger.access(response, request, environ, timedelta(milliseconds=5))
    for handler in logger.access_log.handlers:
        handler.flush()
    line = access.read_text()
    assert '"GET /api/v1/cases/?q=420***********1234 HTTP/1.1" 200 12' in line, line
    assert "/cases/?q=139****2222" in line, line
    assert ID_NUMBER not in line and PHONE not in line


@pytest.mark.parametrize(
    "text",
    [
        "420102-2026-00001",  # a case number
        '[07/Dec/2026 06:17:09] "GET /cases/?page=2 HTTP/1.1" 200 13911',
        "cursor=cD0yMDI2LTEyLTA3",
    ],
)
def test_what_is_not_a_number_is_left_alone(text: str) -> None:
    line = record(text)
    MaskPersonalNumbers().filter(line)
    assert line.getMessage() == text
