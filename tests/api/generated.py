"""The API's client as an integrator generates it: openapi-python-client (pinned in the dev group)
on the schema downloaded in English (``GET /api/schema/?format=json``), with the configuration
docs/api.md gives integrators (docs/openapi-python-client.yaml: the files' media types read as
bytes). Generated once per test session (the ``api`` fixture of tests/api/conftest.py) and
imported under a name of its own.

The clients reach the application in-process (``httpx.WSGITransport`` over Django's test handler),
so each request runs inside the test's transaction, and they raise on any status the schema does
not declare for the operation (``raise_on_unexpected_status``).
"""

import importlib
import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import yaml
from django.conf import settings
from django.test import Client as DjangoClient

from tests.api.support import wsgi_app

PACKAGE = "mediation_generated_client"

# The generator's configuration that docs/api.md gives integrators (the files' media types read as
# bytes), without its formatting hooks (they need ruff on PATH and only restyle the code).
GENERATOR_CONFIG = {
    **yaml.safe_load((settings.BASE_DIR / "docs" / "openapi-python-client.yaml").read_text()),
    "post_hooks": [],
}


@dataclass
class Api:
    """The generated package: ``api("cases_create", client=..., body=...)`` calls the operation
    of that id (its ``sync_detailed``: the parsed answer with its status and headers);
    ``api.model("Case")`` is one of its models."""

    package: ModuleType
    operations: dict[str, ModuleType]

    def __call__(self, operation_id: str, **arguments: Any) -> Any:
        return self.operations[operation_id].sync_detailed(**arguments)

    def model(self, name: str) -> Any:
        return getattr(self.package.models, name)

    def anonymous(self) -> Any:
        return self.package.Client(**self._connection())

    def signed_in(self, token: str) -> Any:
        # The server expects ``Authorization: Token <key>``; the generated client's default
        # prefix is ``Bearer``.
        return self.package.AuthenticatedClient(token=token, prefix="Token", **self._connection())

    @staticmethod
    def _connection() -> dict[str, Any]:
        return {
            "base_url": "http://testserver",
            "headers": {"Accept-Language": "en"},
            "raise_on_unexpected_status": True,
            "httpx_args": {"transport": httpx.WSGITransport(app=wsgi_app)},
        }


def generated_api(root: Path, django_db_blocker: Any) -> Iterator[Api]:
    """Generate the client into ``root`` and import it; forget it again when the caller is done."""
    with django_db_blocker.unblock():
        answer = DjangoClient().get(
            "/api/schema/", {"format": "json"}, headers={"Accept-Language": "en"}
        )
    assert answer.status_code == 200, answer.content[:300]
    (root / "schema.json").write_bytes(answer.content)
    (root / "config.json").write_text(json.dumps(GENERATOR_CONFIG))
    generator = Path(sys.executable).with_name("openapi-python-client")
    run = subprocess.run(
        [
            str(generator), "generate", "--path", str(root / "schema.json"),
            "--output-path", str(root / PACKAGE), "--meta", "none",
            "--config", str(root / "config.json"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    # Nothing left out: the generator warns of each operation or answer it could not use.
    assert run.returncode == 0 and "Warning" not in run.stdout + run.stderr, run.stdout + run.stderr
    sys.path.insert(0, str(root))
    try:
        package = importlib.import_module(PACKAGE)
        operations = {
            module.stem: importlib.import_module(
                f"{PACKAGE}.api.{module.parent.name}.{module.stem}"
            )
            for module in sorted((root / PACKAGE / "api").glob("*/*.py"))
            if module.stem != "__init__"
        }
        yield Api(package=package, operations=operations)
    finally:
        sys.path.remove(str(root))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]
