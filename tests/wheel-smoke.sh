#!/usr/bin/env bash
# The package as a user gets it: build the wheel, install it (not editable)
# into a fresh virtualenv outside the checkout, and run it from there — every
# built-in scenario must pass and the window must render offscreen. This is
# what `pipx install .` gives; an install missing its data files fails here.
#
#   tests/wheel-smoke.sh            (needs python3 with venv; run by .ci/run)
set -euo pipefail
cd "$(dirname "$0")/.."
# Build with the project's venv (make test made it, with pip); the install
# itself goes into a venv of its own.
if [ -z "${PYTHON:-}" ]; then
  if [ -x .venv/bin/python ]; then PYTHON=$PWD/.venv/bin/python; else PYTHON=python3; fi
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Nothing of the user's: a private HOME, so no devices.json or database is touched.
export HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config" XDG_DATA_HOME="$work/home/.local/share"
mkdir -p "$HOME"

"$PYTHON" -m pip wheel --quiet --no-deps --wheel-dir "$work/dist" .
wheel=$(ls "$work"/dist/jwt_device_lab-*.whl)
echo "built $(basename "$wheel")"
"$PYTHON" - "$wheel" <<'PY' || { echo "the wheel lacks the shipped files" >&2; exit 1; }
import sys, zipfile
names = set(zipfile.ZipFile(sys.argv[1]).namelist())
for needed in ("client/assets/style.qss", "client/assets/icons/pc.svg",
               "client/assets/scenarios/04a-dual-login.toml",
               "client/assets/i18n/jwt_lab_ko.qm", "client/assets/i18n/jwt_lab_ko.ts",
               "client/assets/fonts/JWTLabGothic.ttf", "client/assets/fonts/OFL.txt"):
    assert needed in names, needed
PY

"$PYTHON" -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet "$wheel"

# From outside the checkout, so nothing can be imported from the source tree.
cd "$work"
"$work/venv/bin/jwt-lab" scenario list
"$work/venv/bin/jwt-lab" scenario run --all --quiet
QT_QPA_PLATFORM=offscreen "$work/venv/bin/jwt-lab" gui --demo --screenshot "$work/window.png"
# And in Korean, from the installed catalogue and font.
QT_QPA_PLATFORM=offscreen "$work/venv/bin/jwt-lab" gui --demo --lang ko --screenshot "$work/ko.png"
[ "$(stat -c %s "$work/ko.png")" -gt 20000 ] || { echo "the Korean screenshot is too small" >&2; exit 1; }
size=$(stat -c %s "$work/window.png")
[ "$size" -gt 20000 ] || { echo "the screenshot is suspiciously small ($size bytes)" >&2; exit 1; }
echo "wheel smoke test passed: scenarios and an offscreen window ($size-byte PNG) from the installed wheel"
