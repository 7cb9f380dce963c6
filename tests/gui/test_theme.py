"""The style sheet, rendered: a disabled button must not look like an enabled one."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication, QPushButton
from pytestqt.qtbot import QtBot

from client.gui.theme import _TEXT, _palette, apply_theme


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


def _luminance(colour: QColor) -> float:
    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    return (
        0.2126 * channel(colour.redF())
        + 0.7152 * channel(colour.greenF())
        + (0.0722 * channel(colour.blueF()))
    )


def contrast(a: QColor, b: QColor) -> float:
    """WCAG 2.x contrast ratio."""
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_warning_and_state_colours_are_readable_in_both_palettes(dark: bool) -> None:
    palette = _palette(dark)
    base, button = palette.base().color(), palette.button().color()
    texts = _TEXT[dark]
    assert contrast(QColor(texts["danger"]), button) >= 4.5
    for state in ("active", "revoked"):
        assert contrast(QColor(texts[state]), base) >= 4.5, state


def test_device_icons_are_drawn_at_the_screens_pixel_ratio(qtbot: QtBot) -> None:
    """At 2× the icon has twice the pixels, drawn from the SVG: its strokes have
    crisp inner pixels, not the soft edge of a small bitmap scaled up."""
    from client.gui.theme import device_icon

    sharp = device_icon("mobile", 40, ratio=2.0)
    assert (sharp.width(), sharp.height()) == (80, 80)
    assert sharp.devicePixelRatio() == 2.0
    assert sharp.deviceIndependentSize().width() == 40  # laid out at 40 points
    image = sharp.toImage()
    opaque = sum(image.pixelColor(x, y).alpha() == 255 for y in range(80) for x in range(80))
    # The phone's outline at 2.5/48 of 80 px is ~4 px wide: solid inside, not a blur.
    assert opaque > 300, opaque
