# Shared helpers for the scripts in this folder. Source it; it is not meant to be run.
# shellcheck shell=bash

# Repository root (this file lives in scripts/).
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# The project virtualenv, and the uv pinned for installing the lock into it.
UV_VERSION="0.13.9"
VENV="$ROOT/.venv"

section() {
    printf '\n\033[1m==== %s ====\033[0m\n' "$*" >&2
}

info() {
    printf '  %s\n' "$*" >&2
}

die() {
    printf 'error: %s\n' "$*" >&2
    exit 1
}

# A TCP port on 127.0.0.1 that nothing listens on right now.
free_port() {
    python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# Run a command as root: directly when we are root, through sudo otherwise.
as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        die "need root (or sudo) to run: $*"
    fi
}

deb_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'
}

# Install the given Debian packages that are missing; 'apt-get update' only when something is.
apt_ensure() {
    local missing=() pkg
    for pkg in "$@"; do
        deb_installed "$pkg" || missing+=("$pkg")
    done
    if [ "${#missing[@]}" -eq 0 ]; then
        info "present: $*"
        return 0
    fi
    info "installing: ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
}

# What WeasyPrint needs from Debian to write PDFs with Chinese text (agreements, reports).
PDF_PACKAGES=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk)

# apt_ensure when we can become root without a password; otherwise say what is missing and go on.
apt_offer() {
    local missing=() pkg
    for pkg in "$@"; do
        deb_installed "$pkg" || missing+=("$pkg")
    done
    [ "${#missing[@]}" -eq 0 ] && return 0
    if [ "$(id -u)" -eq 0 ] || sudo -n true 2>/dev/null; then
        apt_ensure "${missing[@]}" || info "could not install ${missing[*]}; carrying on"
    else
        info "not installed: ${missing[*]} (sudo apt-get install ${missing[*]}); carrying on"
    fi
}
