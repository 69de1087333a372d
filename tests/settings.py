"""The test run's settings (pyproject's ``DJANGO_SETTINGS_MODULE`` for pytest, and mypy's plugin):
the product's own, ``mediation/settings.py``, with ``DEBUG`` as the environment says (off unless
set, as in production). So that a bare ``pytest`` needs no environment, this run gets secrets of
its own, generated afresh unless the environment gives them (``make test`` does); the processes the
tests start (a Celery worker, a killed API worker) inherit them and so read the same data.

Two things the run has no production counterpart for: the test client and the live server speak
plain HTTP (TLS ends at the proxy, as for gunicorn), and nobody ran ``collectstatic``, so pages
name the apps' static files as they are.
"""

import base64
import os
import secrets
import tempfile

for name, value in {
    "SECRET_KEY": secrets.token_urlsafe(50),
    "FIELD_ENCRYPTION_KEY": "test:" + base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
    "FIELD_HASH_KEY": secrets.token_urlsafe(32),
}.items():
    os.environ.setdefault(name, value)

from mediation.settings import *  # noqa: E402, F403
from mediation.settings import STORAGES  # noqa: E402

SECURE_SSL_REDIRECT = False
SMS_BACKEND = "cases.sms.backends.LocmemBackend"  # text messages kept in cases.sms.outbox
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Every answer under /api/v1/ checked against the OpenAPI schema (tests/contract.py); outermost, so
# it sees the answer as the client gets it.
MIDDLEWARE = ["tests.contract.SchemaContractMiddleware", *MIDDLEWARE]  # noqa: F405

# Attachments go to a temporary directory of this run, never into the code's var/ (tests that
# look at the files point the storage at their own tmp_path).
STORAGES["attachments"] = {
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {
        # A worker the tests start is pointed at its test's directory (TEST_ATTACHMENT_ROOT).
        "location": os.environ.get("TEST_ATTACHMENT_ROOT")
        or tempfile.mkdtemp(prefix="mediation-test-attachments-"),
        "base_url": None,
    },
}
