"""Translations in the window: ``tr("…")`` marks a sentence for ``pyside6-lupdate``
and looks it up in the catalogue Qt has loaded (``client/assets/i18n``).

Placeholders are ``{name}`` and are filled after translation:
``tr("Revoked at {at}").format(at=…)`` — the translator may move them.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication


def tr(text: str) -> str:
    """``text`` in the window's language (the source English if it has none)."""
    return QCoreApplication.translate("", text)


def QT_TR_NOOP(text: str) -> str:
    """Mark ``text`` for the catalogue where it is not translated yet (a table's
    values); ``tr`` translates it where it is shown."""
    return text
