"""deploy/: the files an operator installs, checked with the tools that will read them (nginx,
systemd, gunicorn, PgBouncer, Django's deployment checks), without root-owned state or the units
running: every server is started here on free loopback ports, in a temporary directory."""

import http.client
import os
import re
import shutil
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from cases.queues import QUEUES
from tests.deploy.tools import (
    DEBIAN_TOOLS,
    DEPLOY,
    ROOT,
    apt_ensure,
    base_database_url,
    free_port,
    run,
    script_env,
    settings_variables,
    template_variables,
    write_env_file,
)

UNITS = DEPLOY / "systemd"
SITE = DEPLOY / "nginx" / "mediation.conf"
HOST = "tiaojie.example.gov.cn"  # the template's ALLOWED_HOSTS and the site's server_name


@pytest.fixture(scope="module", autouse=True)
def _debian_tools() -> None:
    apt_ensure(*DEBIAN_TOOLS)


@pytest.fixture
def env_file(tmp_path: Path) -> Path:
    return write_env_file(tmp_path / "mediation.env", DATABASE_URL=base_database_url())


# --- The environment file -------------------------------------------------------------------


def test_the_template_lists_every_setting_that_settings_py_reads() -> None:
    read = settings_variables()
    # The parser finds the settings read directly, through env.<cast>() and through _secret().
    assert {"DEBUG", "DATABASE_URL", "DB_PREPARED_STATEMENTS", "FIELD_HASH_KEY"} <= read
    missing = sorted(read - set(template_variables()))
    assert not missing, f"add to deploy/mediation.env.example: {', '.join(missing)}"


def test_the_template_is_for_production_behind_pgbouncer_and_holds_no_secret() -> None:
    values = template_variables()
    assert values["DEBUG"] == "false"
    assert values["DB_PREPARED_STATEMENTS"] == "false"
    assert ":6432/" in values["DATABASE_URL"]  # PgBouncer's port in deploy/pgbouncer/
    for key in ("SECRET_KEY", "FIELD_ENCRYPTION_KEY", "FIELD_HASH_KEY"):
        assert values[key] == "", f"{key} must be left empty in the template"


def test_djangos_deployment_checks_pass_with_the_template_filled_in(env_file: Path) -> None:
    result = run(DEPLOY / "bin" / "mediation-manage", "check", "--deploy", env_file=env_file)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_the_template_with_its_keys_left_empty_refuses_to_start(tmp_path: Path) -> None:
    env_file = write_env_file(tmp_path / "mediation.env", SECRET_KEY="")
    result = run(DEPLOY / "bin" / "mediation-manage", "check", env_file=env_file)
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


# --- The command lines and the units --------------------------------------------------------


def test_gunicorn_loads_its_configuration_and_the_application(env_file: Path) -> None:
    result = run(DEPLOY / "bin" / "mediation-web", "--check-config", env_file=env_file)
    assert result.returncode == 0, result.stderr
    # --check-config loads the application too: a broken environment is found there.
    broken = write_env_file(env_file.with_name("broken.env"), FIELD_HASH_KEY="")
    result = run(DEPLOY / "bin" / "mediation-web", "--check-config", env_file=broken)
    assert result.returncode != 0
    assert "FIELD_HASH_KEY must be set" in result.stdout + result.stderr


def test_a_worker_for_a_queue_that_does_not_exist_is_refused(env_file: Path) -> None:
    result = run(DEPLOY / "bin" / "mediation-worker", "reprots", env_file=env_file)
    assert result.returncode == 64
    assert "QUEUE: unknown queue 'reprots'" in result.stderr
    assert " ".join(QUEUES) in result.stderr


def test_a_missing_environment_file_is_named(tmp_path: Path) -> None:
    result = run(DEPLOY / "bin" / "mediation-beat", env_file=tmp_path / "absent.env")
    assert result.returncode == 78
    assert "MEDIATION_ENV_FILE: cannot read" in result.stderr


def test_the_units_start_the_scripts_of_deploy_bin_one_worker_per_queue_one_beat() -> None:
    starts = {
        unit.name: re.findall(r"^ExecStart=(.*)$", unit.read_text(), re.MULTILINE)
        for unit in UNITS.glob("*.service")
    }
    assert starts == {
        "mediation-web.service": ["/srv/mediation/app/deploy/bin/mediation-web"],
        "mediation-worker@.service": ["/srv/mediation/app/deploy/bin/mediation-worker %i"],
        "mediation-beat.service": ["/srv/mediation/app/deploy/bin/mediation-beat"],
    }


def test_systemd_accepts_the_units(tmp_path: Path) -> None:
    # The units as installed, the code's path being this checkout's.
    for unit in UNITS.iterdir():
        text = unit.read_text().replace("/srv/mediation/app", str(ROOT))
        (tmp_path / unit.name).write_text(text)
    names = ["mediation-web.service", "mediation-beat.service", "mediation.target"]
    names += [f"mediation-worker@{queue}.service" for queue in QUEUES]
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *(f"./{name}" for name in names)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout + result.stderr == ""


# --- nginx in front of gunicorn -------------------------------------------------------------


class Stack:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.http_port, self.https_port, self.web_port = free_port(), free_port(), free_port()
        self.processes: list[subprocess.Popen[str]] = []

    def nginx_config(self) -> Path:
        """The site as shipped, its placeholders pointed at this directory and free ports."""
        (self.root / "logs").mkdir()
        static = self.root / "staticfiles"
        (static / "web").mkdir(parents=True)
        (static / "web" / "probe.css").write_text("body{}")
        cert, key = self.root / "cert.pem", self.root / "key.pem"
        subprocess.run(
            [
                *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
                *("-subj", f"/CN={HOST}", "-keyout", str(key), "-out", str(cert)),
            ],
            check=True,
            capture_output=True,
        )
        site = SITE.read_text()
        for old, new in {
            "/etc/mediation/tls/fullchain.pem": str(cert),
            "/etc/mediation/tls/privkey.pem": str(key),
            "/var/log/nginx/": f"{self.root}/logs/",
            "/srv/mediation/app/staticfiles/": f"{static}/",
            "server 127.0.0.1:8000;": f"server 127.0.0.1:{self.web_port};",
            "listen 80;": f"listen 127.0.0.1:{self.http_port};",
            "listen 443 ssl http2;": f"listen 127.0.0.1:{self.https_port} ssl http2;",
        }.items():
            assert old in site, old
            site = site.replace(old, new)
        site = re.sub(r"^\s*listen \[::\]:.*\n", "", site, flags=re.MULTILINE)
        (self.root / "site.conf").write_text(site)
        config = self.root / "nginx.conf"
        # Its workers read the static files from this test's private temporary directory.
        user = "user root root;\n" if os.geteuid() == 0 else ""
        config.write_text(
            f"{user}pid {self.root}/nginx.pid;\nerror_log {self.root}/logs/error.log;\n"
            "daemon off;\nevents {}\n"
            f"http {{ include /etc/nginx/mime.types; include {self.root}/site.conf; }}\n"
        )
        return config

    def start(self, *command: str | Path, **kwargs: object) -> subprocess.Popen[str]:
        process = subprocess.Popen([str(c) for c in command], text=True, **kwargs)  # type: ignore[call-overload]
        self.processes.append(process)
        return process

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_for_port(port: int, process: subprocess.Popen[str], seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, f"exited with {process.returncode}"
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("HEAD", "/")
            return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"nothing listens on {port} after {seconds} s")


@pytest.fixture
def stack(tmp_path: Path, env_file: Path) -> Iterator[Stack]:
    stack = Stack(tmp_path)
    config = stack.nginx_config()
    checked = subprocess.run(
        ["nginx", "-t", "-p", str(tmp_path), "-c", str(config), "-e", f"{tmp_path}/logs/error.log"],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stderr
    try:
        web = stack.start(
            DEPLOY / "bin" / "mediation-web",
            cwd=ROOT,
            env=script_env(
                env_file,
                GUNICORN_BIND=f"127.0.0.1:{stack.web_port}",
                GUNICORN_WORKERS="1",
                MEDIATION_STATE_DIR=str(tmp_path / "state"),
            ),
            stdout=(tmp_path / "gunicorn.log").open("w"),
            stderr=subprocess.STDOUT,
        )
        nginx = stack.start(
            "nginx", "-p", tmp_path, "-c", config, "-e", f"{tmp_path}/logs/error.log"
        )
        wait_for_port(stack.web_port, web)
        wait_for_port(stack.http_port, nginx)
        yield stack
    finally:
        stack.stop()


def get(
    stack: Stack,
    path: str,
    *,
    tls: bool = True,
    method: str = "GET",
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> http.client.HTTPResponse:
    if tls:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        connection: http.client.HTTPConnection = http.client.HTTPSConnection(
            "127.0.0.1", stack.https_port, context=context, timeout=60
        )
    else:
        connection = http.client.HTTPConnection("127.0.0.1", stack.http_port, timeout=60)
    connection.request(method, path, body=body, headers={"Host": HOST, **(headers or {})})
    response = connection.getresponse()
    response.read()
    return response


def test_nginx_serves_the_product_over_https_only_with_request_ids_and_masked_logs(
    stack: Stack,
) -> None:
    plain = get(stack, "/healthz", tls=False)
    assert plain.status == 301
    assert plain.getheader("Location") == f"https://{HOST}/healthz"

    # Through nginx, Django sees HTTPS (X-Forwarded-Proto): no redirect of its own, 200.
    answer = get(stack, "/healthz")
    assert answer.status == 200
    generated = answer.getheader("X-Request-ID")
    assert generated and re.fullmatch(r"[0-9a-f]{32}", generated)
    # A caller's own request id is carried through to gunicorn and answered back.
    answer = get(stack, "/healthz?phone=13812345678", headers={"X-Request-ID": "hotline-42"})
    assert answer.status == 200
    assert answer.getheader("X-Request-ID") == "hotline-42"

    # Static files come from STATIC_ROOT, served by nginx.
    static = get(stack, "/static/web/probe.css")
    assert static.status == 200
    assert "max-age" in (static.getheader("Cache-Control") or "")

    # A body over nginx's limit (25 MiB: an attachment of ATTACHMENT_MAX_BYTES and its form) is
    # refused by nginx; under it, the body reaches the application (which asks for credentials
    # first), above Django's 2.5 MiB for a form too.
    assert get(stack, "/api/v1/cases/", method="POST", body=b"x" * 27_000_000).status == 413
    assert get(stack, "/api/v1/cases/", method="POST", body=b"x" * 4_000_000).status == 401

    stack.stop()
    log = (stack.root / "gunicorn.log").read_text()
    line = next(line for line in log.splitlines() if "rid=hotline-42" in line)
    assert "138****5678" in line
    assert "13812345678" not in log
    proxy_log = (stack.root / "logs" / "mediation.access.log").read_text()
    assert "rid=hotline-42" in proxy_log
    assert "13812345678" not in proxy_log


# --- PgBouncer ------------------------------------------------------------------------------


@pytest.fixture
def pgbouncer_dir() -> Iterator[Path]:
    """A directory of its own under /tmp: as root, PgBouncer runs as postgres, which cannot enter
    pytest's private temporary directories."""
    with tempfile.TemporaryDirectory(prefix="mediation-pgbouncer-") as directory:
        yield Path(directory)


def test_pgbouncer_pools_in_transaction_mode_and_the_application_works_through_it(
    pgbouncer_dir: Path, db: None
) -> None:
    """The shipped configuration, pointed at the suite's (migrated) test database; Django
    migrations are checked through it with the template's DB_PREPARED_STATEMENTS=false."""
    from urllib.parse import urlsplit

    from django.db import connection

    server = urlsplit(base_database_url())
    port = free_port()
    ini = (DEPLOY / "pgbouncer" / "pgbouncer.ini").read_text()
    for key, value in {
        "listen_port": str(port),
        "unix_socket_dir": str(pgbouncer_dir),
        "pidfile": f"{pgbouncer_dir}/pgbouncer.pid",
        "logfile": f"{pgbouncer_dir}/pgbouncer.log",
        "auth_file": f"{pgbouncer_dir}/userlist.txt",
    }.items():
        ini, count = re.subn(rf"^{key} = .*$", f"{key} = {value}", ini, flags=re.MULTILINE)
        assert count == 1, key
    database = connection.settings_dict["NAME"]
    ini, count = re.subn(
        r"^mediation = .*$",
        f"mediation = host={server.hostname} port={server.port} dbname={database}",
        ini,
        flags=re.MULTILINE,
    )
    assert count == 1
    (pgbouncer_dir / "pgbouncer.ini").write_text(ini)
    user = server.username or "postgres"
    (pgbouncer_dir / "userlist.txt").write_text(f'"{user}" "pooled-secret"\n')
    command = ["pgbouncer", str(pgbouncer_dir / "pgbouncer.ini")]
    if (
        shutil.which("runuser")
        and subprocess.run(["id", "-u"], capture_output=True, text=True).stdout.strip() == "0"
    ):
        # PgBouncer refuses to run as root; the Debian package runs it as postgres.
        shutil.chown(pgbouncer_dir, "postgres")
        for path in pgbouncer_dir.iterdir():
            shutil.chown(path, "postgres")
        command = ["runuser", "-u", "postgres", "--", *command]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        while "process up" not in (log := _read(pgbouncer_dir / "pgbouncer.log")):
            assert process.poll() is None, log + (process.stdout.read() if process.stdout else "")
            assert time.monotonic() < deadline, log
            time.sleep(0.2)
        assert "WARNING" not in log and "ERROR" not in log, log
        pooled = f"postgres://{user}:pooled-secret@127.0.0.1:{port}"
        config = subprocess.run(
            ["psql", "-X", "-A", "-t", "-c", "SHOW CONFIG", f"{pooled}/pgbouncer"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert "pool_mode|transaction|" in config
        env_file = write_env_file(
            pgbouncer_dir / "mediation.env", DATABASE_URL=f"{pooled}/mediation"
        )
        result = run(DEPLOY / "bin" / "mediation-manage", "migrate", "--check", env_file=env_file)
        assert result.returncode == 0, result.stderr
        assert "login attempt: db=mediation" in _read(pgbouncer_dir / "pgbouncer.log")
    finally:
        process.terminate()
        process.wait(timeout=30)


def _read(path: Path) -> str:
    return path.read_text() if path.exists() else ""


def test_gunicorn_s_master_imports_the_pdf_renderer_before_it_forks() -> None:
    """``when_ready`` runs in the master before the workers are forked: WeasyPrint is imported
    there, so each worker starts with it (a fresh process, where nothing imported it before)."""
    script = (
        "import runpy, sys, django\n"
        "django.setup()\n"
        "assert 'weasyprint' not in sys.modules\n"
        "runpy.run_path('deploy/gunicorn.conf.py')['when_ready'](None)\n"
        "print('weasyprint' in sys.modules)\n"
    )
    result = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "python"), "-c", script],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"
