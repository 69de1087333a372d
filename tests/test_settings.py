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


def test_development_defaults_need_no_environment() -> None:
    result = run_django(
        "from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.TIME_ZONE, s.USE_TZ, s.LANGUAGE_CODE, "
        "s.CELERY_TASK_ALWAYS_EAGER)",
        DATABASE_URL="",
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
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False ['default', 'notifications', 'reports']"
