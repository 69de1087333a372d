"""Where attachments are kept and how large they may be (docs/deploy.md, "Attachments")."""

import re
from pathlib import Path
from typing import Any

import environ
import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from cases.services.attachments import MULTIPART_OVERHEAD
from mediation.storage import attachment_storage

NGINX = Path(settings.BASE_DIR) / "deploy" / "nginx" / "mediation.conf"
UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}


def env(**values: str) -> environ.Env:
    """An ``environ.Env`` reading only ``values`` (not the process's environment)."""
    reader = environ.Env()
    reader.ENVIRON = dict(values)
    return reader


def nginx_body_limit() -> int:
    found = re.findall(r"^\s*client_max_body_size\s+(\d+)([kmgKMG]?);", NGINX.read_text(), re.M)
    assert len(found) == 1, "one client_max_body_size in deploy/nginx/mediation.conf"
    number, unit = found[0]
    return int(number) * UNITS[unit.lower()]


def test_the_proxy_lets_through_the_largest_attachment_with_its_form() -> None:
    """Both limits move together: nginx must pass a file of ATTACHMENT_MAX_BYTES with the form
    around it (so the application answers, naming the field), and not much more."""
    limit = nginx_body_limit()
    largest = settings.ATTACHMENT_MAX_BYTES + MULTIPART_OVERHEAD
    assert limit >= largest
    assert limit >= settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    assert limit <= largest + 8 * 1024**2, "nginx lets far more through than the application takes"


def test_the_default_store_is_a_private_directory_with_no_address(tmp_path: Path) -> None:
    entry = attachment_storage(env(MEDIATION_STATE_DIR=str(tmp_path)), Path("/srv/app"))
    assert entry["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    assert entry["OPTIONS"]["location"] == str(tmp_path / "attachments")
    assert entry["OPTIONS"]["base_url"] is None
    fallback = attachment_storage(env(), Path("/srv/app"))
    assert fallback["OPTIONS"]["location"] == "/srv/app/var/attachments"
    assert not fallback["OPTIONS"]["location"].startswith(str(settings.STATIC_ROOT))


def test_s3_builds_a_private_object_store_without_the_network() -> None:
    entry = attachment_storage(
        env(
            ATTACHMENT_STORAGE="s3",
            AWS_STORAGE_BUCKET_NAME="mediation-files",
            AWS_S3_ENDPOINT_URL="https://oss.example.gov.cn",
            AWS_ACCESS_KEY_ID="id",
            AWS_SECRET_ACCESS_KEY="secret",
        ),
        Path("/srv/app"),
    )
    assert entry["BACKEND"] == "storages.backends.s3.S3Storage"
    storage: Any = import_string(entry["BACKEND"])(**entry["OPTIONS"])
    assert storage.bucket_name == "mediation-files"
    assert storage.endpoint_url == "https://oss.example.gov.cn"
    assert storage.default_acl == "private" and storage.querystring_auth is True
    assert storage.file_overwrite is False


def test_s3_without_a_bucket_or_an_unknown_store_is_refused() -> None:
    with pytest.raises(ImproperlyConfigured, match="AWS_STORAGE_BUCKET_NAME"):
        attachment_storage(env(ATTACHMENT_STORAGE="s3"), Path("/srv/app"))
    with pytest.raises(ImproperlyConfigured, match="ATTACHMENT_STORAGE"):
        attachment_storage(env(ATTACHMENT_STORAGE="ftp"), Path("/srv/app"))
