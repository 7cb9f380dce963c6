"""Translations in the window: ``tr("…")`` marks a sentence for ``pyside6-lupdate``
and looks it up in the catalogue Qt has loaded (``client/assets/i18n``).

Placeholders are ``{name}`` and are filled after translation:
``tr("Revoked at {at}").format(at=…)`` — the translator may move them.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QTranslator
from PySide6.QtGui import QFontDatabase, QGuiApplication

from client import i18n
from client.paths import asset

FONT_FAMILY = "JWT Lab Gothic"  # the bundled Hangul subset (assets/fonts, SIL OFL)
_installed: list[QTranslator] = []


def tr(text: str) -> str:
    """``text`` in the window's language (the source English if it has none)."""
    return QCoreApplication.translate("", text)


def QT_TR_NOOP(text: str) -> str:
    """Mark ``text`` for the catalogue where it is not translated yet (a table's
    values); ``tr`` translates it where it is shown."""
    return text


def install_language(app: QCoreApplication, lang: str) -> None:
    """Speak ``lang`` from now on: the core's sentences, the window's (our
    compiled catalogue) and Qt's own (its standard buttons and dialogs)."""
    i18n.set_language(lang)
    for translator in _installed:
        app.removeTranslator(translator)
    _installed.clear()
    if lang == "en":
        return
    ours = QTranslator(app)
    if not ours.load(str(asset("i18n", f"jwt_lab_{lang}.qm"))):
        raise FileNotFoundError(asset("i18n", f"jwt_lab_{lang}.qm"))
    qt = QTranslator(app)
    for translator in (ours, qt):
        if translator is qt and not qt.load(
            f"qtbase_{lang}", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
        ):
            continue  # Qt's own catalogue is optional: its buttons stay English
        app.installTranslator(translator)
        _installed.append(translator)


def install_font(app: QGuiApplication) -> None:
    """Add the bundled Hangul font behind the system's: Korean renders on a machine
    without a CJK font instead of as empty boxes."""
    if FONT_FAMILY not in QFontDatabase.families():
        QFontDatabase.addApplicationFont(str(asset("fonts", "JWTLabGothic.ttf")))
    font = app.font()
    families = font.families() or [font.family()]
    if FONT_FAMILY not in families:
        font.setFamilies([*families, FONT_FAMILY])
        app.setFont(font)
