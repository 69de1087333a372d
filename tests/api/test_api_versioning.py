"""The schema's release is the changelog's latest (docs/api-versioning.md): an integrator who reads
``info.version`` finds in docs/api-changelog.md what changed since the client was generated."""

import re
from pathlib import Path

from django.conf import settings
from django.test import Client

CHANGELOG = Path(settings.BASE_DIR) / "docs" / "api-changelog.md"
SEMVER = re.compile(r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)")


def releases() -> list[str]:
    return re.findall(r"^## (\S+)$", CHANGELOG.read_text(encoding="utf-8"), flags=re.MULTILINE)


def test_the_schemas_version_is_the_changelogs_latest_release() -> None:
    version = Client().get("/api/schema/", {"format": "json"}).json()["info"]["version"]
    assert SEMVER.fullmatch(version), version
    assert version.split(".")[0] == "1", "the major version is the one in the URL, /api/v1/"
    assert releases()[0] == version


def test_the_changelogs_releases_are_newest_first() -> None:
    found = releases()
    assert all(SEMVER.fullmatch(release) for release in found), found
    numbers = [tuple(int(part) for part in release.split(".")) for release in found]
    assert numbers == sorted(numbers, reverse=True) and len(set(numbers)) == len(numbers)
