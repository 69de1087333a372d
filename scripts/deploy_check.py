"""The Python half of ``make deploy-check`` (scripts/deploy_check.sh runs it, with the project's
virtualenv, outside Django): it renders deploy/'s own files for a throwaway stack, then talks to
that stack as a client would, through nginx.

    deploy_check.py render    write, from deploy/'s files, pgbouncer.ini and nginx's site (only
                              paths and ports substituted: every placeholder must be found, so a
                              change in deploy/ that this check does not follow fails it), nginx's
                              main configuration, and the environment file (the template with the
                              values of render_env_file) into DC_DIR
    deploy_check.py http      the checks through nginx (HTTPS on DC_HTTPS_PORT, its certificate
                              trusted as the only authority); prints what was seen as JSON

Both read the stack's addresses from DC_* environment variables set by deploy_check.sh. A check
that fails raises ``Failed`` with what was expected and what came.
"""

import http.client
import json
import os
import re
import secrets
import socket
import ssl
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cases.queues import QUEUES  # noqa: E402 (plain names; no Django needed)

DEPLOY = ROOT / "deploy"
SITE = DEPLOY / "nginx" / "mediation.conf"
# The demo city's logins (generate_city), their passwords replaced by deploy_check.sh.
CITY, STREET = "WH", "JA01"
USERS = ("director", "director_street", "intake", "mediator")


class Failed(Exception):
    pass


def check(condition: object, message: str) -> None:
    if not condition:
        raise Failed(message)


def env(name: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        raise Failed(f"{name} is not set (deploy_check.sh sets it)")
    return value


def server_name() -> str:
    """The host the site serves (its ``server_name``): the check sends it as the Host."""
    match = re.search(r"^\s*server_name\s+([^;\s]+);", SITE.read_text(), re.MULTILINE)
    check(match, f"no server_name in {SITE}")
    assert match is not None
    return match.group(1)


def sticky_seconds() -> int:
    """REPLICA_STICKY_SECONDS: the template's default, which the rendered file keeps."""
    text = (DEPLOY / "mediation.env.example").read_text(encoding="utf-8")
    match = re.search(r"^#REPLICA_STICKY_SECONDS=(\d+)$", text, re.MULTILINE)
    check(match, "deploy/mediation.env.example: no default REPLICA_STICKY_SECONDS line")
    assert match is not None
    return int(match.group(1))


# --- render ---------------------------------------------------------------------------------


def substitute(text: str, replacements: dict[str, str], source: Path) -> str:
    for old, new in replacements.items():
        check(old in text, f"{source.relative_to(ROOT)}: '{old}' not found (deploy/ changed?)")
        text = text.replace(old, new)
    return text


def render_env_file(directory: Path) -> None:
    """deploy/mediation.env.example filled in: generated keys, this stack's addresses and paths,
    e-mail to files, fewer processes for a small machine, and HEARTBEAT_INTERVAL_SECONDS shortened
    so that beat's heartbeats come within seconds."""
    template = DEPLOY / "mediation.env.example"
    password = env("DC_DB_PASSWORD")
    redis = f"redis://127.0.0.1:{env('DC_REDIS_PORT')}"
    values = {
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "FIELD_ENCRYPTION_KEY": "k1:" + Fernet.generate_key().decode(),
        "FIELD_HASH_KEY": secrets.token_urlsafe(32),
        # The application through PgBouncer, as the template has it; the replica directly.
        "DATABASE_URL": f"postgres://mediation:{password}@127.0.0.1:{env('DC_BOUNCER_PORT')}/mediation",
        "DB_PREPARED_STATEMENTS": "false",
        "DATABASE_REPLICA_URL": (
            f"postgres://mediation:{password}@127.0.0.1:{env('DC_REPLICA_PORT')}/mediation"
        ),
        "CELERY_BROKER_URL": f"{redis}/0",
        "CACHE_URL": f"{redis}/1",
        # No mail relay here: each e-mail is written to a file instead.
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(directory / "sent-mail"),
        "STATIC_ROOT": str(directory / "static"),
        "GUNICORN_BIND": f"127.0.0.1:{env('DC_WEB_PORT')}",
        "GUNICORN_WORKERS": "2",
        "CELERY_CONCURRENCY": "1",
        "MEDIATION_STATE_DIR": str(directory / "state"),
        "BACKUP_DIR": str(directory / "backups"),
        # backup.sh and restore.sh reach PostgreSQL itself, as a role that may create databases.
        "BACKUP_DATABASE_URL": f"postgres://postgres@127.0.0.1:{env('DC_PG_PORT')}/mediation",
        "METRICS_TOKEN": env("DC_METRICS_TOKEN"),
        "HEARTBEAT_INTERVAL_SECONDS": "2",
    }
    text = template.read_text(encoding="utf-8")
    for key, value in values.items():
        text, count = re.subn(
            rf"^#?{re.escape(key)}=.*$", f"{key}='{value}'", text, flags=re.MULTILINE
        )
        check(count == 1, f"deploy/mediation.env.example: {count} lines for {key}, not one")
    path = directory / "mediation.env"
    path.touch(mode=0o600)
    path.write_text(text, encoding="utf-8")


def render_pgbouncer(directory: Path) -> None:
    """deploy/pgbouncer/pgbouncer.ini: its port, files and the primary's address changed."""
    source = DEPLOY / "pgbouncer" / "pgbouncer.ini"
    home = directory / "pgbouncer"
    text = source.read_text()
    for key, value in {
        "listen_port": env("DC_BOUNCER_PORT"),
        "unix_socket_dir": str(home),
        "pidfile": f"{home}/pgbouncer.pid",
        "logfile": f"{home}/pgbouncer.log",
        "auth_file": f"{home}/userlist.txt",
    }.items():
        text, count = re.subn(rf"^{key} = .*$", f"{key} = {value}", text, flags=re.MULTILINE)
        check(count == 1, f"deploy/pgbouncer/pgbouncer.ini: {count} lines set {key}, not one")
    primary = f"port={env('DC_PG_PORT')} dbname=mediation"
    text = substitute(text, {"port=5432 dbname=mediation": primary}, source)
    (home / "pgbouncer.ini").write_text(text)


def render_nginx(directory: Path) -> None:
    """The site as shipped, its placeholders pointed at this directory and these ports, and a main
    configuration of this check's own: nginx runs in the foreground, its pid, logs and temporary
    files in DC_DIR/nginx, its workers as www-data (when started as root)."""
    home = directory / "nginx"
    site = substitute(
        SITE.read_text(),
        {
            "/etc/mediation/tls/fullchain.pem": f"{home}/tls/cert.pem",
            "/etc/mediation/tls/privkey.pem": f"{home}/tls/key.pem",
            "/var/log/nginx/": f"{home}/logs/",
            "/srv/mediation/app/staticfiles/": f"{directory}/static/",
            "server 127.0.0.1:8000;": f"server 127.0.0.1:{env('DC_WEB_PORT')};",
            "listen 80;": f"listen 127.0.0.1:{env('DC_HTTP_PORT')};",
            "listen 443 ssl http2;": f"listen 127.0.0.1:{env('DC_HTTPS_PORT')} ssl http2;",
        },
        SITE,
    )
    site, count = re.subn(r"^\s*listen \[::\]:.*\n", "", site, flags=re.MULTILINE)
    check(count == 2, f"{SITE.relative_to(ROOT)}: {count} IPv6 listen lines, not two")
    (home / "site.conf").write_text(site)
    user = "user www-data www-data;\n" if os.geteuid() == 0 else ""
    temp = "\n".join(
        f"    {kind}_temp_path {home}/temp/{kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (home / "nginx.conf").write_text(
        f"# make deploy-check: nginx in the foreground, everything in {home}.\n"
        f"{user}daemon off;\nworker_processes 1;\npid {home}/nginx.pid;\n"
        f"error_log {home}/logs/error.log warn;\n"
        "events { worker_connections 256; }\n"
        "http {\n"
        "    include /etc/nginx/mime.types;\n"
        "    default_type application/octet-stream;\n"
        f"{temp}\n"
        f"    include {home}/site.conf;\n"
        "}\n"
    )


def render() -> dict[str, Any]:
    directory = Path(env("DC_DIR"))
    render_env_file(directory)
    render_pgbouncer(directory)
    render_nginx(directory)
    return {"host": server_name()}


# --- http -----------------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def header(self, name: str) -> str:
        return self.headers.get(name, "")

    def json(self) -> Any:
        return json.loads(self.body)

    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


@dataclass
class Browser:
    """HTTPS to nginx on 127.0.0.1 with the site's host name (SNI and Host), its certificate
    verified against the self-signed one; cookies kept like a browser's (Secure ones too)."""

    host: str
    port: int
    context: ssl.SSLContext
    cookies: dict[str, str] = field(default_factory=dict)
    secure_cookies: set[str] = field(default_factory=set)

    def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        token: str = "",
    ) -> Answer:
        connection = _Connection(self.host, self.port, self.context)
        sent = {"Host": self.host, "Accept-Language": "en", **(headers or {})}
        if token:
            sent["Authorization"] = f"Token {token}"
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            answer = Answer(response.status, response.headers, response.read())
        finally:
            connection.close()
        for line in answer.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(line)
            for name, morsel in cookie.items():
                self.cookies[name] = morsel.value
                if morsel["secure"]:
                    self.secure_cookies.add(name)
        return answer

    def get(self, path: str, **kwargs: Any) -> Answer:
        return self.request("GET", path, **kwargs)

    def post_json(self, path: str, data: Any, **kwargs: Any) -> Answer:
        headers = {"Content-Type": "application/json", **kwargs.pop("headers", {})}
        return self.request("POST", path, body=json.dumps(data).encode(), headers=headers, **kwargs)


class _Connection(http.client.HTTPSConnection):
    """To 127.0.0.1, the TLS handshake for ``name`` (SNI, and the certificate checked for it)."""

    def __init__(self, name: str, port: int, context: ssl.SSLContext) -> None:
        super().__init__("127.0.0.1", port, timeout=60)
        self.name, self.tls = name, context

    def connect(self) -> None:
        sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        self.sock = self.tls.wrap_socket(sock, server_hostname=self.name)


def expect(answer: Answer, status: int, what: str) -> Answer:
    check(
        answer.status == status,
        f"{what}: expected {status}, got {answer.status}: {answer.text()[:300]}",
    )
    return answer


def wait_for(what: str, seconds: float, attempt: Callable[[], Any]) -> tuple[Any, float]:
    """``attempt()`` until it returns something true; that, and the seconds it took."""
    started = time.monotonic()
    last = None
    while True:
        try:
            result = attempt()
            if result:
                return result, time.monotonic() - started
        except (OSError, http.client.HTTPException) as error:
            last = error
        if time.monotonic() - started > seconds:
            raise Failed(f"{what}: not within {seconds:.0f} s (last: {last})")
        time.sleep(0.3)


def login_page(browser: Browser) -> dict[str, Any]:
    """The login page over HTTPS (plain HTTP redirects there), its style sheet served by nginx."""
    plain = http.client.HTTPConnection("127.0.0.1", int(env("DC_HTTP_PORT")), timeout=30)
    plain.request("GET", "/login/", headers={"Host": browser.host})
    redirect = plain.getresponse()
    redirect.read()
    check(
        redirect.status == 301
        and redirect.getheader("Location") == f"https://{browser.host}/login/",
        f"plain HTTP: expected a 301 to HTTPS, got {redirect.status} {redirect.getheader('Location')}",
    )
    page = expect(browser.get("/login/"), 200, "GET /login/")
    html = page.text()
    check('name="csrfmiddlewaretoken"' in html and 'name="password"' in html, "no login form")
    check("csrftoken" in browser.secure_cookies, "the CSRF cookie is not marked Secure")
    check(page.header("Strict-Transport-Security"), "no Strict-Transport-Security header")
    check(re.fullmatch(r"[0-9a-f]{32}", page.header("X-Request-ID")), "no request id from nginx")
    # collectstatic's hashed name; nginx (not the application) answers it, gzip-compressed.
    match = re.search(r'href="(/static/vendor/pico\.min\.[0-9a-f]{12}\.css)"', html)
    check(match, "the page does not name the hashed style sheet (collectstatic's manifest)")
    assert match is not None
    css = expect(
        browser.get(match.group(1), headers={"Accept-Encoding": "gzip"}), 200, match.group(1)
    )
    check(css.header("Content-Encoding") == "gzip", "the style sheet is not sent gzip-compressed")
    check("max-age=2592000" in css.header("Cache-Control"), "nginx's expires 30d is missing")
    check(not css.header("X-Request-ID"), "the style sheet came from the application, not nginx")
    return {"stylesheet": match.group(1)}


def web_login(browser: Browser, username: str, password: str) -> None:
    """The login form as a browser sends it: the CSRF token, the Referer of an HTTPS page."""
    page = expect(browser.get("/login/"), 200, "GET /login/")
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text())
    check(match, "no CSRF token in the login form")
    assert match is not None
    form = urlencode(
        {"username": username, "password": password, "csrfmiddlewaretoken": match.group(1)}
    )
    answer = browser.request(
        "POST",
        "/login/",
        body=form.encode(),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": f"https://{browser.host}/login/",
        },
    )
    expect(answer, 302, f"POST /login/ as {username}")
    check("sessionid" in browser.secure_cookies, "no Secure session cookie after logging in")


def case_walk(browser: Browser, tokens: dict[str, str]) -> dict[str, Any]:
    """An intake with two parties, then accept, assign and resolve (with an agreement)."""
    api = "/api/v1"
    centres = expect(
        browser.get(f"{api}/centres/?q={STREET}", token=tokens["intake"]), 200, "centres"
    ).json()["results"]
    centre = next(c["id"] for c in centres if c["code"] == STREET)
    categories = expect(
        browser.get(f"{api}/categories/?page_size=200", token=tokens["intake"]), 200, "categories"
    ).json()["results"]
    category = next(c["id"] for c in categories if c["code"] == "noise")
    body = {
        "centre": centre,
        "channel": "walk_in",
        "category": category,
        "summary": "楼上装修噪音扰民",
        "facts": "每晚十点后仍在施工，已持续两周。",
        "parties": [
            {"role": "applicant", "name": "张三", "phone": "13812345678"},
            {"role": "respondent", "name": "李四", "phone": "13900139000"},
        ],
    }
    key = str(uuid.uuid4())
    created = expect(
        browser.post_json(
            f"{api}/cases/", body, token=tokens["intake"], headers={"Idempotency-Key": key}
        ),
        201,
        "intake (POST /cases/)",
    )
    case = created.json()
    check(case["status"] == "registered", f"intake: status {case['status']}")
    phones = sorted(p["phone"] for p in case["parties"])
    check(phones == ["138****5678", "139****9000"], f"intake: parties {phones}")
    again = browser.post_json(
        f"{api}/cases/", body, token=tokens["intake"], headers={"Idempotency-Key": key}
    )
    check(again.json().get("id") == case["id"], "the repeated intake made another case")

    def transition(name: str, user: str, data: dict[str, Any], etag: str) -> Answer:
        return expect(
            browser.post_json(
                f"{api}/cases/{case['id']}/transitions/{name}/",
                data,
                token=tokens[user],
                headers={"If-Match": etag},
            ),
            200,
            f"transition {name}",
        )

    accepted = transition("accept", "director_street", {}, created.header("ETag"))
    check(accepted.json()["status"] == "accepted", "accept: not accepted")
    me = expect(browser.get(f"{api}/me/", token=tokens["mediator"]), 200, "me").json()
    mediators = expect(
        browser.get(
            f"{api}/mediators/?centre={centre}&page_size=200", token=tokens["director_street"]
        ),
        200,
        "mediators",
    ).json()["results"]
    lead = next(m["id"] for m in mediators if m["name"] == me["last_name"] + me["first_name"])
    assigned = transition(
        "assign",
        "director_street",
        {"lead_mediator": lead, "co_mediators": []},
        accepted.header("ETag"),
    )
    resolved = transition(
        "resolve",
        "mediator",
        {
            "agreement": {
                "terms": "乙方晚十点后不再施工，并赔偿甲方损失500元。",
                "amount_agreed": "500.00",
                "performance_deadline": "2030-12-31",
            }
        },
        assigned.header("ETag"),
    )
    check(resolved.json()["status"] == "resolved", "resolve: not resolved")
    return {"case": case["id"], "number": case["number"]}


def agreement_pdf(browser: Browser, case: int, password: str) -> int:
    web_login(browser, "mediator", password)
    pdf = expect(browser.get(f"/cases/{case}/agreement.pdf"), 200, "the agreement PDF")
    check(pdf.header("Content-Type") == "application/pdf", "the agreement is not a PDF")
    check(pdf.body.startswith(b"%PDF-"), "the agreement PDF is not a PDF file")
    return len(pdf.body)


def report_from_replica(browser: Browser, token: str, sticky_until: float) -> dict[str, Any]:
    """The city's report for this month, read by its director; the replica's statement log
    (log_statement = all there, and only there) must show the report's counters read during it."""
    api = "/api/v1"
    centres = expect(browser.get(f"{api}/centres/?q={CITY}", token=token), 200, "centres").json()
    city = next(c["id"] for c in centres["results"] if c["code"] == CITY)
    time.sleep(max(0.0, sticky_until - time.monotonic()))
    log = Path(env("DC_REPLICA_LOG"))
    before = log.stat().st_size
    report = expect(
        browser.get(f"{api}/reports/monthly/?centre={city}", token=token), 200, "the report"
    ).json()
    with log.open("rb") as file:
        file.seek(before)
        during = file.read().decode("utf-8", "replace")
    reads = [line for line in during.splitlines() if 'FROM "cases_rollup"' in line]
    check(reads, "the report's reads did not reach the replica (no cases_rollup in its log)")
    received = report["figures"]["received"]
    check(received >= 1, f"the report from the replica misses this month's intake ({received})")
    return {"received": received, "replica_statements": len(reads)}


def readyz(browser: Browser) -> tuple[dict[str, str], float]:
    def ready() -> dict[str, str] | None:
        answer = browser.get("/readyz")
        body = answer.json()
        if answer.status == 200 and set(body["checks"].values()) == {"ok"}:
            return dict(body["checks"])
        return None

    checks, waited = wait_for("/readyz with every check ok", 90, ready)
    expected = {"database", "replica", "redis", "beat", *(f"worker:{q}" for q in QUEUES)}
    check(set(checks) == expected, f"/readyz checks {sorted(checks)}")
    return checks, waited


def metrics(browser: Browser) -> int:
    hidden = browser.get("/metrics")
    check(hidden.status == 404, f"/metrics without the token: {hidden.status}, not 404")
    answer = expect(
        browser.get("/metrics", headers={"Authorization": f"Bearer {env('DC_METRICS_TOKEN')}"}),
        200,
        "/metrics with METRICS_TOKEN",
    )
    text = answer.text()
    for name in (
        "django_http_requests_total_by_view_transport_method_total",
        "mediation_db_queries_per_request_count",
        *(f'mediation_celery_queue_length{{queue="{q}"}}' for q in QUEUES),
    ):
        check(name in text, f"/metrics lacks {name}")
    return sum(1 for line in text.splitlines() if line and not line.startswith("#"))


def http_checks() -> dict[str, Any]:
    context = ssl.create_default_context(cafile=env("DC_CERT"))
    host = server_name()
    browser = Browser(host, int(env("DC_HTTPS_PORT")), context)
    passwords = json.loads(Path(env("DC_PASSWORDS")).read_text())
    timings: dict[str, float] = {}
    started = time.monotonic()

    def lap(name: str) -> None:
        nonlocal started
        timings[name] = round(time.monotonic() - started, 1)
        started = time.monotonic()

    wait_for("gunicorn behind nginx (/healthz)", 90, lambda: browser.get("/healthz").status == 200)
    lap("healthz")
    seen: dict[str, Any] = {"login": login_page(browser), "timings": timings}
    lap("login page")

    tokens = {}
    for user in USERS:
        answer = browser.post_json(
            "/api/v1/auth/token/", {"username": user, "password": passwords[user]}
        )
        tokens[user] = expect(answer, 200, f"an API token for {user}").json()["token"]
    # Logging in wrote (the token): the director's reads stay on the primary for a moment.
    sticky_until = time.monotonic() + sticky_seconds() + 1
    lap("tokens")
    seen["walk"] = case_walk(Browser(host, browser.port, context), tokens)
    lap("intake and transitions")
    seen["pdf_bytes"] = agreement_pdf(
        Browser(host, browser.port, context), seen["walk"]["case"], passwords["mediator"]
    )
    lap("agreement PDF")
    seen["report"] = report_from_replica(browser, tokens["director"], sticky_until)
    lap("report")
    seen["readyz"], _ = readyz(browser)
    lap("readyz")
    seen["metrics_samples"] = metrics(browser)
    lap("metrics")
    return seen


def main() -> int:
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    actions = {"render": render, "http": http_checks}
    if command not in actions:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        print(json.dumps(actions[command](), ensure_ascii=False))
    except Failed as failure:
        print(f"deploy-check: {failure}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
