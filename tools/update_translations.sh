#!/usr/bin/env bash
# Collect the marked sentences into the catalogue and compile it for Qt.
#   tools/update_translations.sh          after changing a tr("…") sentence
# The .ts is the translators' source (Qt Linguist edits it); the .qm is what
# the window loads; tests/test_translations.py checks both are current.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${VENV:-.venv}/bin
for lang in ko; do
    "$BIN/pyside6-lupdate" $(git ls-files 'client/*.py' 'client/**/*.py' contract/__init__.py | sort -u) \
        -ts "client/assets/i18n/jwt_lab_${lang}.ts" -no-obsolete -locations none \
        -target-language "${lang}"
    "$BIN/pyside6-lrelease" "client/assets/i18n/jwt_lab_${lang}.ts" \
        -qm "client/assets/i18n/jwt_lab_${lang}.qm"
done
