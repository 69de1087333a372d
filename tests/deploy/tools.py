"""What the deploy tests share: the Debian tools (installed the way ``make test`` installs its
own), free ports, and an environment file made from the template with generated keys."""

import ast
import os
import re
import secrets
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from cryptography.fernet import Fernet
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent.parent
DEPLOY = ROOT / "deploy"
TEMPLATE = DEPLOY / "mediation.env.example"
# The Debian packages these tests run (also in scripts/test.sh's list).
DEBIAN_TOOLS = ["nginx", "pgbouncer", "openssl", "systemd", "postgresql-client"]


def apt_ensure(*packages: str) -> None:
    subprocess.run(
        ["bash", "-c", 'source scripts/lib.sh && apt_ensure "$@"', "apt_ensure", *packages],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def settings_variables() -> set[str]:
    """Every environment variable ``mediation/settings.py`` reads: the first argument of each
    ``env(...)``/``env.<cast>(...)``/``os.environ.get(...)``/``os.getenv(...)`` call, and of each
    call to a function of the file that passes its first parameter to one of those."""
    tree = ast.parse((ROOT / "mediation" / "settings.py").read_text(encoding="utf-8"))

    def reads_env(call: ast.Call) -> bool:
        func = call.func
        if isinstance(func, ast.Name):
            return func.id in {"env", "getenv"}
        if isinstance(func, ast.Attribute):
            base = func.value
            if isinstance(base, ast.Name) and base.id == "env":
                return True
            if isinstance(base, ast.Attribute) and base.attr == "environ":
                return func.attr in {"get", "__getitem__"}
            return isinstance(base, ast.Name) and base.id == "os" and func.attr == "getenv"
        return False

    wrappers = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.args.args:
            first = node.args.args[0].arg
            for call in ast.walk(node):
                if (
                    isinstance(call, ast.Call)
                    and reads_env(call)
                    and call.args
                    and isinstance(call.args[0], ast.Name)
                    and call.args[0].id == first
                ):
                    wrappers.add(node.name)
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args:
            first_arg = node.args[0]
            wrapped = isinstance(node.func, ast.Name) and node.func.id in wrappers
            if (
                (reads_env(node) or wrapped)
                and isinstance(first_arg, ast.Constant)
                and isinstance(first_arg.value, str)
            ):
                names.add(first_arg.value)
        if (
            isinstance(node, ast.Subscript)
            and isinstance(node.value, ast.Attribute)
            and node.value.attr == "environ"
            and isinstance(node.slice, ast.Constant)
        ):
            names.add(str(node.slice.value))
    return names


def template_variables() -> dict[str, str]:
    """The template's variables, commented-out defaults included: name → value."""
    found = {}
    for line in TEMPLATE.read_text(encoding="utf-8").splitlines():
        match = re.fullmatch(r"#?([A-Z][A-Z0-9_]*)=(.*)", line)
        if match:
            found[match.group(1)] = match.group(2)
    return found


def base_database_url() -> str:
    """The suite's PostgreSQL (``make test`` exports DATABASE_URL; the settings read it)."""
    url: str = os.environ.get("DATABASE_URL") or settings.DATABASE_URL
    return url


def database_url(name: str) -> str:
    parts = urlsplit(base_database_url())
    return urlunsplit(parts._replace(path="/" + name))


def keys() -> dict[str, str]:
    return {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "FIELD_ENCRYPTION_KEY": "k1:" + Fernet.generate_key().decode(),
        "FIELD_HASH_KEY": secrets.token_urlsafe(32),
    }


def write_env_file(path: Path, **values: str) -> Path:
    """The template with the generated keys and ``values`` set (commented-out lines too)."""
    values = {**keys(), **values}
    lines = []
    for line in TEMPLATE.read_text(encoding="utf-8").splitlines():
        match = re.fullmatch(r"#?([A-Z][A-Z0-9_]*)=.*", line)
        if match and match.group(1) in values:
            line = f"{match.group(1)}={values.pop(match.group(1))}"
        lines.append(line)
    lines += [f"{name}={value}" for name, value in values.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def script_env(env_file: Path, **extra: str) -> dict[str, str]:
    """The calling environment minus the test suite's own database and broker, plus the file."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(MEDIATION_ENV_FILE=str(env_file), MEDIATION_VENV=sys.prefix, **extra)
    return env


def run(
    *command: str | Path, env_file: Path, timeout: int = 120, **extra: str
) -> subprocess.CompletedProcess[str]:
    """A script of deploy/ run the way its systemd unit runs it: with ``env_file``, from the code's
    directory, its output captured."""
    return subprocess.run(
        [str(part) for part in command],
        cwd=ROOT,
        env=script_env(env_file, **extra),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
