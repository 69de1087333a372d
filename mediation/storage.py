"""Where attachments are kept: ``STORAGES["attachments"]`` from the environment (docs/deploy.md).

- ``ATTACHMENT_STORAGE=filesystem`` (the default): files under ``ATTACHMENT_ROOT`` (default
  ``$MEDIATION_STATE_DIR/attachments``, else ``<code>/var/attachments``), a private directory that
  neither nginx nor WhiteNoise serves: there is no URL for it (``base_url`` is ``None``).
- ``ATTACHMENT_STORAGE=s3``: an S3-compatible object store through django-storages
  (``AWS_STORAGE_BUCKET_NAME``, ``AWS_S3_ENDPOINT_URL`` for a store other than Amazon's,
  ``AWS_S3_REGION_NAME``, ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``), objects private
  (``default_acl`` ``private``, signed URLs only). The application still streams every download
  itself, through the scoped view, so no address of the store is ever given out.
"""

from pathlib import Path
from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured

FILESYSTEM = "filesystem"
S3 = "s3"


def attachment_storage(env: environ.Env, base_dir: Path) -> dict[str, Any]:
    """The ``STORAGES`` entry for attachments, read from ``env``."""
    kind = env.str("ATTACHMENT_STORAGE", default=FILESYSTEM).strip().lower()
    if kind == FILESYSTEM:
        state = env.str("MEDIATION_STATE_DIR", default="")
        default_root = Path(state) / "attachments" if state else base_dir / "var" / "attachments"
        root = env.str("ATTACHMENT_ROOT", default="") or str(default_root)
        return {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            # No base_url: these files have no public address.
            "OPTIONS": {"location": root, "base_url": None, "file_permissions_mode": 0o640},
        }
    if kind == S3:
        bucket = env.str("AWS_STORAGE_BUCKET_NAME", default="")
        if not bucket:
            raise ImproperlyConfigured(
                "ATTACHMENT_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME (and the store's keys)."
            )
        options: dict[str, Any] = {
            "bucket_name": bucket,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
            "location": env.str("AWS_LOCATION", default=""),
        }
        for option, name in (
            ("endpoint_url", "AWS_S3_ENDPOINT_URL"),
            ("region_name", "AWS_S3_REGION_NAME"),
            ("access_key", "AWS_ACCESS_KEY_ID"),
            ("secret_key", "AWS_SECRET_ACCESS_KEY"),
        ):
            value = env.str(name, default="")
            if value:
                options[option] = value
        return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}
    raise ImproperlyConfigured(
        f"ATTACHMENT_STORAGE must be {FILESYSTEM!r} or {S3!r}, not {kind!r}."
    )
