#!/usr/bin/env bash
# Create .venv if missing and install exactly what uv.lock says (dev group included).
# Fast when everything is already there: no reinstall, 'uv sync' is a no-op.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

if [ ! -x "$VENV/bin/python" ]; then
    python="$(command -v python3.11 || command -v python3 || true)"
    [ -n "$python" ] || die "python3 (3.11) is required"
    "$python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' \
        || die "$python is not Python 3.11 (pyproject.toml requires 3.11)"
    if ! "$python" -c 'import ensurepip, venv' 2>/dev/null; then
        # Debian ships venv/ensurepip separately from the interpreter.
        apt_ensure python3-venv
    fi
    info "creating .venv with $python"
    "$python" -m venv "$VENV"
fi

case "$("$VENV/bin/uv" --version 2>/dev/null || true)" in
    "uv $UV_VERSION" | "uv $UV_VERSION "*) ;;
    *)
        info "installing uv==$UV_VERSION into .venv"
        "$VENV/bin/pip" install --disable-pip-version-check -q "uv==$UV_VERSION"
        ;;
esac

UV_PROJECT_ENVIRONMENT="$VENV" UV_PYTHON_DOWNLOADS=never "$VENV/bin/uv" sync --frozen --quiet
