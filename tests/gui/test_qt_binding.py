"""The Qt binding itself must not corrupt the interpreter.

PySide6 6.12.0 drops a reference to ``None`` on every call of a Qt method that
returns nothing (``setText``, ``QPainter.drawRect``, …). On Python 3.11, where
``None`` is not immortal, the lab crashed ("deallocating None") after a few
thousand calls — a minute of the window ticking. pyproject.toml excludes that
release; this test fails for any release with the same bug.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QRectF
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot


def test_void_qt_calls_keep_the_reference_count_of_none(qtbot: QtBot) -> None:
    label = QLabel()
    qtbot.addWidget(label)
    image = QImage(20, 20, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    rect = QRectF(0, 0, 10, 10)
    before = sys.getrefcount(None)
    for _ in range(200):
        label.setText("x")
        painter.drawRect(rect)
    after = sys.getrefcount(None)
    painter.end()
    # A few references may come and go elsewhere; 400 lost ones are the bug.
    assert after - before > -50, f"None lost {before - after} references in 400 Qt calls"
