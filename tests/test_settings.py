"""Settings come from the environment; production refuses to start without its secrets."""

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SECRETS = {
    "SECRET_KEY": "k8#vT2qL9zR4wX7mN1pB6yH3jF5sD0gA-u_cE8iO2tY4rW6eQ9",
    "FIELD_ENCRYPTION_KEY": "k1:" + base64.urlsafe_b64encode(b"0" * 32).decode(),
    "FIELD_HASH_KEY": "a-hash-key-for-this-test",
}


def run_django(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", *SECRETS}}
    clean.update(DJANGO_SETTINGS_MODULE="mediation.settings", **env)
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("missing", sorted(SECRETS))
def test_production_refuses_to_start_without_each_secret(missing: str) -> None:
    env = {k: v for k, v in SECRETS.items() if k != missing}
    result = run_django("print('started')", DEBUG="0", **env)
    assert result.returncode != 0
    assert f"{missing} must be set when DEBUG is off" in result.stderr
    assert "started" not in result.stdout


def test_production_starts_with_its_secrets_and_passes_the_deploy_check() -> None:
    result = run_django(
        "from django.core.management import call_command; call_command('check', deploy=True)",
        DEBUG="0",
        ALLOWED_HOSTS="mediation.example",
        **SECRETS,
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout + result.stderr


def test_debug_is_off_unless_the_environment_turns_it_on() -> None:
    """A deployment that forgets DEBUG runs as production: it refuses to start without secrets."""
    refused = run_django("print('started')")
    assert refused.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in refused.stderr
    assert "started" not in refused.stdout
    started = run_django("from django.conf import settings as s; print(s.DEBUG)", **SECRETS)
    assert started.returncode == 0, started.stderr
    assert started.stdout.split() == ["False"]


def test_email_goes_out_by_smtp_unless_the_environment_says_otherwise() -> None:
    code = (
        "from django.conf import settings as s; "
        "print(s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_USE_TLS, s.EMAIL_FILE_PATH)"
    )
    default = run_django(code, **SECRETS)
    assert default.returncode == 0, default.stderr
    assert default.stdout.split() == [
        "django.core.mail.backends.smtp.EmailBackend",
        "localhost",
        "25",
        "False",
        str(ROOT / "var" / "sent-mail"),
    ]
    configured = run_django(
        code,
        **SECRETS,
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH="/srv/mail",
        EMAIL_HOST="smtp.city.example",
        EMAIL_PORT="587",
        EMAIL_USE_TLS="true",
    )
    assert configured.returncode == 0, configured.stderr
    assert configured.stdout.split() == [
        "django.core.mail.backends.filebased.EmailBackend",
        "smtp.city.example",
        "587",
        "True",
        "/srv/mail",
    ]
    both = run_django(code, **SECRETS, EMAIL_USE_TLS="true", EMAIL_USE_SSL="true")
    assert both.returncode != 0
    assert "EMAIL_USE_TLS and EMAIL_USE_SSL exclude each other" in both.stderr


def test_development_defaults_need_only_debug_on() -> None:
    result = run_django(
        "from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.TIME_ZONE, s.USE_TZ, s.LANGUAGE_CODE, "
        "s.CELERY_TASK_ALWAYS_EAGER)",
        DATABASE_URL="",
        DEBUG="1",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.sqlite3",
        "Asia/Shanghai",
        "True",
        "zh-hans",
        "True",
    ]


def test_a_broker_url_sends_tasks_to_named_queues() -> None:
    result = run_django(
        "from mediation.celery import app; "
        "print(app.conf.task_always_eager, sorted(q.name for q in app.conf.task_queues))",
        CELERY_BROKER_URL="redis://127.0.0.1:1/0",
        DEBUG="1",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False ['default', 'notifications', 'report_emails', 'reports']"


DEV_DEFAULTS = {
    "SECRET_KEY": "dev-only-insecure-secret-key-do-not-use-in-production-0123456789",
    "FIELD_ENCRYPTION_KEY": "dev1:ZGV2LW9ubHktZmllbGQta2V5LWZvci1sYXB0b3BzISE=",
    "FIELD_HASH_KEY": "dev-only-field-hash-key",
}


@pytest.mark.parametrize("name", sorted(DEV_DEFAULTS))
def test_production_refuses_each_development_secret(name: str) -> None:
    env = {**SECRETS, name: DEV_DEFAULTS[name]}
    result = run_django("print('started')", DEBUG="0", ALLOWED_HOSTS="mediation.example", **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"{name} is the public development default" in result.stderr
    assert "started" not in result.stdout


def test_production_refuses_the_development_key_anywhere_in_the_key_list() -> None:
    """A rotation that kept the development key as an old, decrypt-only key is refused too."""
    keys = SECRETS["FIELD_ENCRYPTION_KEY"] + "," + DEV_DEFAULTS["FIELD_ENCRYPTION_KEY"]
    env = {**SECRETS, "FIELD_ENCRYPTION_KEY": keys}
    result = run_django("print('started')", DEBUG="0", **env)
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEY is the public development default" in result.stderr


def test_the_development_key_material_under_another_id_is_refused_too() -> None:
    renamed = "prod:" + DEV_DEFAULTS["FIELD_ENCRYPTION_KEY"].split(":", 1)[1]
    result = run_django(
        "print('started')", DEBUG="0", **{**SECRETS, "FIELD_ENCRYPTION_KEY": renamed}
    )
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEY is the public development default" in result.stderr


def test_development_accepts_its_own_defaults_when_given_explicitly() -> None:
    result = run_django("print('started')", DEBUG="1", **DEV_DEFAULTS)
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


def test_sessions_and_login_limits_come_from_the_environment() -> None:
    code = (
        "from django.conf import settings as s; "
        "print(s.SESSION_IDLE_MINUTES, s.SESSION_EXPIRE_AT_BROWSER_CLOSE, s.AXES_FAILURE_LIMIT, "
        "s.AXES_ADDRESS_FAILURE_LIMIT, s.AXES_IPWARE_PROXY_COUNT, "
        "','.join(s.AXES_IPWARE_META_PRECEDENCE_ORDER))"
    )
    defaults = run_django(code, DEBUG="1")
    assert defaults.returncode == 0, defaults.stderr
    assert defaults.stdout.split() == ["30", "True", "5", "30", "None", "REMOTE_ADDR"]
    configured = run_django(
        code,
        DEBUG="1",
        SESSION_IDLE_MINUTES="10",
        SESSION_EXPIRE_AT_BROWSER_CLOSE="false",
        AXES_FAILURE_LIMIT="4",
        AXES_ADDRESS_FAILURE_LIMIT="50",
        AXES_IPWARE_PROXY_COUNT="0",
    )
    assert configured.returncode == 0, configured.stderr
    assert configured.stdout.split() == [
        "10",
        "False",
        "4",
        "50",
        "0",
        "HTTP_X_FORWARDED_FOR,REMOTE_ADDR",
    ]


def test_beat_sends_the_heartbeats_every_heartbeat_interval() -> None:
    """A minute in service; make deploy-check shortens it to see its workers within seconds."""
    code = (
        "from mediation.celery import app; s = app.conf.beat_schedule; "
        "print(','.join(sorted({str(e['schedule']) for n, e in s.items() "
        "if n.startswith('heartbeat-')})), s['send-notification-emails']['schedule'])"
    )
    default = run_django(code, DEBUG="1")
    assert default.returncode == 0, default.stderr
    assert default.stdout.split() == ["0:01:00", "0:01:00"]
    shortened = run_django(code, DEBUG="1", HEARTBEAT_INTERVAL_SECONDS="2")
    assert shortened.returncode == 0, shortened.stderr
    # Every queue's heartbeat, and nothing else.
    assert shortened.stdout.split() == ["0:00:02", "0:01:00"]
    # Not as long as /readyz's limit: every heartbeat would be found stale.
    refused = run_django("print('started')", DEBUG="1", HEARTBEAT_INTERVAL_SECONDS="180")
    assert refused.returncode != 0
    assert "HEARTBEAT_INTERVAL_SECONDS must be at least 1 and below" in refused.stderr


def test_collectstatic_writes_where_static_root_says(tmp_path: Path) -> None:
    code = "from django.conf import settings as s; print(s.STATIC_ROOT)"
    default = run_django(code, DEBUG="1")
    assert default.returncode == 0, default.stderr
    assert default.stdout.strip() == str(ROOT / "staticfiles")
    configured = run_django(code, DEBUG="1", STATIC_ROOT=str(tmp_path / "static"))
    assert configured.returncode == 0, configured.stderr
    assert configured.stdout.strip() == str(tmp_path / "static")


def test_tasks_run_in_process_print_nothing_on_success(tmp_path: Path) -> None:
    """make run has no broker: tasks run in the request. Their "succeeded in" lines, and kombu's
    "No hostname was supplied" for the broker that is not there, only scrolled the console."""
    # Sending no e-mails reads no table: an empty SQLite database of its own will do.
    code = "from cases.tasks import send_notification_emails; send_notification_emails.delay([])"
    quiet = run_django(
        code,
        DEBUG="1",
        LOG_REQUESTS="false",
        CELERY_BROKER_URL="",
        DATABASE_URL=f"sqlite:///{tmp_path / 'empty.sqlite3'}",
    )
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stderr == ""
