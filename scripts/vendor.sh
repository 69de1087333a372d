#!/usr/bin/env bash
# Refresh the vendored front-end files in cases/static/vendor/ from npm (build time only; the files
# are committed, so nothing is fetched at run time: many government networks are closed).
#
#   scripts/vendor.sh
#
# Versions are pinned here; change one, run this, commit the result.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

HTMX_VERSION="2.0.11"
PICO_VERSION="2.1.1"

OUT="$ROOT/cases/static/vendor"
work="$(mktemp -d -t mediation-vendor.XXXXXX)"
trap 'rm -rf -- "$work"' EXIT

cd "$work"
npm init -y >/dev/null
npm install --no-audit --no-fund --silent "htmx.org@$HTMX_VERSION" "@picocss/pico@$PICO_VERSION"

mkdir -p "$OUT"
cp node_modules/htmx.org/dist/htmx.min.js "$OUT/htmx.min.js"
cp node_modules/@picocss/pico/css/pico.min.css "$OUT/pico.min.css"
cp node_modules/htmx.org/LICENSE "$OUT/htmx.LICENSE"
cp node_modules/@picocss/pico/LICENSE.md "$OUT/pico.LICENSE.md"
printf 'htmx.org %s\n@picocss/pico %s\n' "$HTMX_VERSION" "$PICO_VERSION" >"$OUT/VERSIONS"
info "vendored into $OUT: $(tr '\n' ' ' <"$OUT/VERSIONS")"
