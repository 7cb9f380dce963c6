"""The lab's languages: English (the source) and Korean.

Every sentence a user reads is marked ``tr("…")`` — in the core (this module's
``tr``) and in the window (``client.gui.i18n.tr``, Qt's). ``pyside6-lupdate``
collects them into ``client/assets/i18n/jwt_lab_ko.ts``, the translators'
source; ``pyside6-lrelease`` compiles it to ``jwt_lab_ko.qm``, which the
window's ``QTranslator`` loads. The core (the CLI, the devices' messages) reads
the same catalogue from the ``.ts`` (XML, standard library only), so a sentence
is translated once for both.

Placeholders are ``{name}``, filled after translation: the translator may move
them. The language comes from ``--lang``, else from the system locale.
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from collections.abc import Mapping

from client.paths import asset

LANGUAGES = ("en", "ko")
CATALOGUE = "jwt_lab_{lang}.ts"

_catalogue: dict[str, str] = {}
_language = "en"


def system_language(environ: Mapping[str, str] = os.environ) -> str:
    """``ko`` when the locale asks for Korean (LANGUAGE, LC_ALL, LC_MESSAGES, LANG
    — the first one set decides), else ``en``."""
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "")
        if value:
            first = value.split(":")[0].lower()
            return "ko" if first.startswith("ko") else "en"
    return "en"


def load_catalogue(lang: str) -> dict[str, str]:
    """Source → translation for ``lang`` (finished translations only)."""
    if lang == "en":
        return {}
    tree = ET.parse(asset("i18n", CATALOGUE.format(lang=lang)))  # noqa: S314 - our own file
    found: dict[str, str] = {}
    for message in tree.iter("message"):
        source = message.findtext("source")
        translation = message.find("translation")
        if (
            source is None
            or translation is None
            or translation.get("type")
            in (
                "unfinished",
                "obsolete",
                "vanished",
            )
        ):
            continue
        if translation.text:
            found[source] = translation.text
    return found


def set_language(lang: str) -> None:
    if lang not in LANGUAGES:
        raise ValueError(lang)  # the CLI offers LANGUAGES as its choices
    global _language, _catalogue
    _catalogue = load_catalogue(lang)
    _language = lang


def language() -> str:
    return _language


def tr(text: str) -> str:
    """``text`` in the chosen language (the English source if it has none)."""
    return _catalogue.get(text, text)


def QT_TR_NOOP(text: str) -> str:
    """Mark ``text`` for the catalogue; ``tr`` translates it where it is used."""
    return text
