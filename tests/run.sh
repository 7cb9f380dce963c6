#!/usr/bin/env bash
# Runs the whole suite: lint and type checks, then pytest.
#
# Later suites need a real Secret Service keyring: pytest runs inside a private
# D-Bus session with an unlocked gnome-keyring (tests/keyring-session.sh), so
# the developer's own keyring is never touched.
set -euo pipefail
cd "$(dirname "$0")/.."

ruff check client mock_server tests mutation
mypy

export QT_QPA_PLATFORM=offscreen
exec tests/keyring-session.sh python -m pytest "$@"
