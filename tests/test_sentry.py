"""Error reporting (issue 18, ``mediation.sentry``): off unless ``SENTRY_DSN`` is set; when set,
Django's and Celery's errors are reported with every phone and ID number masked, and without
request bodies, query strings, cookies or local variables.

Each case runs in a process of its own (sentry-sdk's integrations patch Django and Celery for the
life of a process); the DSN names a closed loopback port and the events are recorded, not sent.
"""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from mediation.sentry import before_send

ROOT = Path(__file__).resolve().parent.parent
PHONE = "13911112222"
ID_NUMBER = "420102199003071234"

PROBE = """
import json, django, sentry_sdk
django.setup()
client = sentry_sdk.get_client()
print(json.dumps({
    "active": client.is_active(),
    "send_default_pii": client.options.get("send_default_pii"),
    "integrations": sorted(client.integrations),
}))
"""

CAPTURE = f"""
import json, django, sentry_sdk
from sentry_sdk.transport import Transport
django.setup()

class Recorder(Transport):
    events = []
    def capture_envelope(self, envelope):
        for item in envelope.items:
            if item.type == "event":
                self.events.append(item.payload.json)

sentry_sdk.get_client().transport = Recorder()

def register(party_name):
    raise ValueError("intake failed for {PHONE} / {ID_NUMBER}")

try:
    register("张三")
except ValueError:
    sentry_sdk.capture_exception()
print(json.dumps(Recorder.events, ensure_ascii=False))
"""


def run(code: str, **environment: str) -> str:
    env = {key: value for key, value in os.environ.items() if not key.startswith("SENTRY_")}
    env.update(DJANGO_SETTINGS_MODULE="mediation.settings", DEBUG="true", **environment)
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_without_a_dsn_nothing_is_initialised() -> None:
    probe = json.loads(run(PROBE))

    assert probe["active"] is False
    assert probe["integrations"] == []


def test_a_dsn_initialises_django_and_celery_without_personal_data() -> None:
    probe = json.loads(run(PROBE, SENTRY_DSN="http://public@127.0.0.1:9/1"))

    assert probe["active"] is True
    assert probe["send_default_pii"] is False
    assert {"django", "celery"} <= set(probe["integrations"])


def test_a_reported_error_has_its_numbers_masked_and_no_local_variables() -> None:
    [event] = json.loads(run(CAPTURE, SENTRY_DSN="http://public@127.0.0.1:9/1"))

    text = json.dumps(event, ensure_ascii=False)
    assert "139****2222" in text and "420***********1234" in text
    for leak in (PHONE, ID_NUMBER, "张三"):
        assert leak not in text
    [exception] = event["exception"]["values"]
    assert all("vars" not in frame for frame in exception["stacktrace"]["frames"])


def test_a_request_keeps_no_body_query_or_cookies() -> None:
    event: dict[str, Any] = {
        "message": f"search {PHONE}",
        "request": {
            "url": f"https://tiaojie.example/cases/?q={PHONE}",
            "query_string": f"q={PHONE}",
            "data": {"name": "张三", "phone": PHONE},
            "cookies": {"sessionid": "abc"},
            "headers": {"Referer": f"https://tiaojie.example/?q={ID_NUMBER}"},
            "method": "GET",
        },
    }

    sent = before_send(event, {})

    assert sent["message"] == "search 139****2222"
    assert sent["request"] == {
        "url": "https://tiaojie.example/cases/",
        "headers": {"Referer": "https://tiaojie.example/?q=420***********1234"},
        "method": "GET",
    }
