#!/usr/bin/env bash
# Runs a command inside a private D-Bus session with an unlocked gnome-keyring
# whose files live in a temporary HOME, so the real Secret Service is exercised
# without touching the developer's own keyring. Where gnome-keyring is not
# installed (or we are already inside such a session), runs the command as is.
#
#   tests/keyring-session.sh python -m pytest ...
set -euo pipefail

if [ -z "${JWT_LAB_IN_KEYRING_SESSION:-}" ] && command -v dbus-run-session >/dev/null \
    && command -v gnome-keyring-daemon >/dev/null; then
  home=$(mktemp -d)
  trap 'rm -rf "$home"' EXIT
  export HOME="$home" XDG_DATA_HOME="$home/.local/share" XDG_CONFIG_HOME="$home/.config" \
    XDG_RUNTIME_DIR="$home/run" JWT_LAB_IN_KEYRING_SESSION=1
  mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
  # Not exec: the trap must remove the temporary HOME afterwards.
  dbus-run-session -- sh -c \
    'echo -n lab-test-pass | gnome-keyring-daemon --unlock --components=secrets >/dev/null; exec "$@"' \
    keyring-session "$@" 2> >(grep -v 'Failed to set fd limit' >&2)
  exit $?
fi
exec "$@"
