"""Translations in the window: ``tr("…")`` marks a sentence for ``pyside6-lupdate``
and looks it up in the catalogue Qt has loaded (``client/assets/i18n``).

Placeholders are ``{name}`` and are filled after translation:
``tr("Revoked at {at}").format(at=…)`` — the translator may move them.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QTranslator
from PySide6.QtGui import QFontDatabase, QGuiApplication

from client import i18n
from client.i18n import QT_TR_NOOP as QT_TR_NOOP  # re-exported for the widgets
from client.paths import asset

FONT_FAMILY = "JWT Lab Gothic"  # the bundled Hangul subset (assets/fonts, SIL OFL)
_installed: list[QTranslator] = []

# A session's end in one or two words (the console's table, the cards).
REASON_WORDS = {
    "superseded": QT_TR_NOOP("superseded"),
    "logout": QT_TR_NOOP("logout"),
    "forced": QT_TR_NOOP("forced"),
    "reuse_detected": QT_TR_NOOP("reuse detected"),
    "refresh_expired": QT_TR_NOOP("refresh expired"),
    "key_retired": QT_TR_NOOP("key retired"),
    "keyring_error": QT_TR_NOOP("keyring error"),
}


def reason_word(code: str) -> str:
    return tr(REASON_WORDS.get(code, code))


def tr(text: str) -> str:
    """``text`` in the window's language (the source English if it has none)."""
    return QCoreApplication.translate("", text)


def install_language(app: QCoreApplication, lang: str) -> None:
    """Speak ``lang`` from now on: the core's sentences, the window's (our
    compiled catalogue) and Qt's own (its standard buttons and dialogs)."""
    i18n.set_language(lang)
    for translator in _installed:
        app.removeTranslator(translator)
        translator.deleteLater()
    _installed.clear()
    if lang == "en":
        return
    ours = QTranslator(app)
    if not ours.load(str(asset("i18n", f"jwt_lab_{lang}.qm"))):
        ours.deleteLater()
        raise FileNotFoundError(asset("i18n", f"jwt_lab_{lang}.qm"))
    app.installTranslator(ours)
    _installed.append(ours)
    qt = QTranslator(app)
    where = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if qt.load(f"qtbase_{lang}", where):
        app.installTranslator(qt)
        _installed.append(qt)
    else:
        qt.deleteLater()  # Qt's own catalogue is optional: its buttons stay English


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
