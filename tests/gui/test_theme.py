"""The style sheet, rendered: a disabled button must not look like an enabled one."""

from __future__ import annotations

from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication, QPushButton
from pytestqt.qtbot import QtBot

from client.gui.theme import apply_theme


def _ink(image: QImage) -> QColor:
    """The darkest colour in the middle row band: the label's text."""
    darkest = QColor("white")
    for y in range(image.height() // 3, 2 * image.height() // 3):
        for x in range(image.width()):
            colour = image.pixelColor(x, y)
            if colour.lightness() < darkest.lightness():
                darkest = colour
    return darkest


def _border(image: QImage) -> QColor:
    return image.pixelColor(image.width() // 2, 0)


def test_disabled_buttons_look_disabled_and_buttons_have_a_frame(qtbot: QtBot) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    apply_theme(app)
    enabled, disabled = QPushButton("Sign in"), QPushButton("Sign in")
    disabled.setEnabled(False)
    for button in (enabled, disabled):
        qtbot.addWidget(button)
        button.resize(120, 32)
        button.show()
    on, off = enabled.grab().toImage(), disabled.grab().toImage()
    # The text of a disabled button is clearly lighter…
    assert _ink(off).lightness() - _ink(on).lightness() > 60
    # …and an enabled button has a visible frame against the window.
    window = app.palette().window().color()
    assert abs(_border(on).lightness() - window.lightness()) > 20
