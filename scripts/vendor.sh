#!/usr/bin/env bash
# Refresh the vendored front-end files in cases/static/vendor/ from npm (build time only; the files
# are committed, so nothing is fetched at run time: many government networks are closed), and
# axe-core in tests/browser/vendor/ (the accessibility checks of the browser tests; never served).
#
#   scripts/vendor.sh
#
# Versions are pinned here; change one, run this, commit the result.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

HTMX_VERSION="2.0.11"
PICO_VERSION="2.1.1"
AXE_VERSION="4.14.1"

OUT="$ROOT/cases/static/vendor"
work="$(mktemp -d -t mediation-vendor.XXXXXX)"
trap 'rm -rf -- "$work"' EXIT

cd "$work"
npm init -y >/dev/null
npm install --no-audit --no-fund --silent "htmx.org@$HTMX_VERSION" "@picocss/pico@$PICO_VERSION" \
  "axe-core@$AXE_VERSION"

mkdir -p "$OUT"
cp node_modules/htmx.org/dist/htmx.min.js "$OUT/htmx.min.js"
cp node_modules/@picocss/pico/css/pico.min.css "$OUT/pico.min.css"
cp node_modules/htmx.org/LICENSE "$OUT/htmx.LICENSE"
cp node_modules/@picocss/pico/LICENSE.md "$OUT/pico.LICENSE.md"
printf 'htmx.org %s\n@picocss/pico %s\n' "$HTMX_VERSION" "$PICO_VERSION" >"$OUT/VERSIONS"
TESTS_OUT="$ROOT/tests/browser/vendor"
mkdir -p "$TESTS_OUT"
cp node_modules/axe-core/axe.min.js "$TESTS_OUT/axe.min.js"
cp node_modules/axe-core/LICENSE "$TESTS_OUT/axe-core.LICENSE"
printf 'axe-core %s\n' "$AXE_VERSION" >"$TESTS_OUT/VERSIONS"
info "vendored into $TESTS_OUT: $(tr '\n' ' ' <"$TESTS_OUT/VERSIONS")"
info "vendored into $OUT: $(tr '\n' ' ' <"$OUT/VERSIONS")"
