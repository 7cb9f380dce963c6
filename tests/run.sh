#!/usr/bin/env bash
# Runs the whole suite: lint and type checks, then pytest.
#
# Later suites need a real Secret Service keyring. Where none is reachable and
# gnome-keyring is installed, the tests run inside a private D-Bus session with
# an unlocked gnome-keyring whose files live in a temporary HOME, so the
# developer's own keyring is never touched.
set -euo pipefail
cd "$(dirname "$0")/.."

ruff check client mock_server tests
mypy

export QT_QPA_PLATFORM=offscreen
if [ -z "${JWT_LAB_IN_KEYRING_SESSION:-}" ] && command -v dbus-run-session >/dev/null \
    && command -v gnome-keyring-daemon >/dev/null; then
  home=$(mktemp -d)
  trap 'rm -rf "$home"' EXIT
  export HOME="$home" XDG_DATA_HOME="$home/.local/share" XDG_CONFIG_HOME="$home/.config" \
    XDG_RUNTIME_DIR="$home/run" JWT_LAB_IN_KEYRING_SESSION=1
  mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
  exec dbus-run-session -- sh -c \
    'echo -n lab-test-pass | gnome-keyring-daemon --unlock --components=secrets >/dev/null; exec python -m pytest "$@"' \
    pytest "$@" 2> >(grep -v 'Failed to set fd limit' >&2)
fi
exec python -m pytest "$@"
