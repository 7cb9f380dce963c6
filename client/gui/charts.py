"""Charts the lab draws for its reports (``bench/revocation.py``): Qt paints
them to PNG, so the pictures look like the window and need no plotting library."""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QGuiApplication, QImage, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QApplication

MODE_COLORS = {
    "stateless": "#2563eb",
    "introspect": "#d97706",
    "denylist": "#16a34a",
    "stateful": "#dc2626",
}


def _app() -> QGuiApplication:
    """The running application, or — in a script such as a benchmark — one made
    offscreen (a widgets one, as the window and pytest-qt expect)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QGuiApplication.instance()
    return app if isinstance(app, QGuiApplication) else QApplication([])


def trade_off_chart(rows: Sequence[dict[str, Any]], width: int = 900, height: int = 560) -> bytes:
    """Red window (p99 under load) against CPU per request, one point per API, as PNG.

    Both axes are logarithmic: the windows run from milliseconds to the token's
    lifetime, the costs from tens to thousands of microseconds."""
    _app()
    image = QImage(width, height, QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    left, top, right, bottom = 90.0, 60.0, width - 40.0, height - 70.0
    points = [
        (
            str(row["api"]),
            str(row["mode"]),
            max(1.0, float(row["cpu_us_per_request_api"]) + float(row["cpu_us_per_request_auth"])),
            max(0.1, float(row["red_window_load_p99_ms"])),
        )
        for row in rows
    ]
    x_lo = 10 ** math.floor(math.log10(min(p[2] for p in points)))
    x_hi = 10 ** math.ceil(math.log10(max(p[2] for p in points) * 1.2))
    y_lo = 10 ** math.floor(math.log10(min(p[3] for p in points)))
    y_hi = 10 ** math.ceil(math.log10(max(p[3] for p in points) * 1.2))

    def x_of(value: float) -> float:
        span = math.log10(x_hi) - math.log10(x_lo)
        return left + (math.log10(value) - math.log10(x_lo)) / span * (right - left)

    def y_of(value: float) -> float:
        span = math.log10(y_hi) - math.log10(y_lo)
        return bottom - (math.log10(value) - math.log10(y_lo)) / span * (bottom - top)

    title = QFont()
    title.setPointSize(13)
    title.setBold(True)
    painter.setFont(title)
    painter.setPen(QColor("#111827"))
    painter.drawText(
        QRectF(left, 14, right - left, 26),
        Qt.AlignmentFlag.AlignLeft,
        "How long a revoked token still works, against what each check costs",
    )
    small = QFont()
    small.setPointSize(9)
    painter.setFont(small)
    grid = QPen(QColor("#e5e7eb"), 1)
    muted = QColor("#6b7280")
    exponent = int(math.log10(x_lo))
    while 10**exponent <= x_hi:
        x = x_of(10**exponent)
        painter.setPen(grid)
        painter.drawLine(QPointF(x, top), QPointF(x, bottom))
        painter.setPen(muted)
        painter.drawText(
            QRectF(x - 40, bottom + 6, 80, 16),
            Qt.AlignmentFlag.AlignHCenter,
            _us(10**exponent, "g"),
        )
        exponent += 1
    exponent = int(math.log10(y_lo))
    while 10**exponent <= y_hi:
        y = y_of(10**exponent)
        painter.setPen(grid)
        painter.drawLine(QPointF(left, y), QPointF(right, y))
        painter.setPen(muted)
        painter.drawText(
            QRectF(4, y - 8, left - 10, 16), Qt.AlignmentFlag.AlignRight, _ms(10**exponent, "g")
        )
        exponent += 1
    painter.setPen(QPen(QColor("#9ca3af"), 1))
    painter.drawRect(QRectF(left, top, right - left, bottom - top))
    painter.setPen(QColor("#374151"))
    painter.drawText(
        QRectF(left, bottom + 28, right - left, 18),
        Qt.AlignmentFlag.AlignHCenter,
        "CPU per valid request: the API's own + the auth server's (µs, log scale)",
    )
    painter.save()
    painter.translate(18, (top + bottom) / 2)
    painter.rotate(-90)
    painter.drawText(
        QRectF(-180, -10, 360, 18),
        Qt.AlignmentFlag.AlignHCenter,
        "red window after a forced expiry, p99 under load (log)",
    )
    painter.restore()
    label_font = QFont()
    label_font.setPointSize(10)
    label_font.setBold(True)
    painter.setFont(label_font)
    taken: list[QRectF] = []
    for api, mode, cost, window in sorted(points, key=lambda p: -p[3]):
        color = QColor(MODE_COLORS.get(mode, "#6b7280"))
        x, y = x_of(cost), y_of(window)
        painter.setPen(QPen(QColor("white"), 1.5))
        painter.setBrush(color)
        painter.drawEllipse(QPointF(x, y), 7, 7)
        painter.setPen(color)
        text = f"{api}  ({_ms(window)}, {_us(cost)})"
        width_ = painter.fontMetrics().horizontalAdvance(text) + 4
        left_side = x + 11 + width_ > right
        anchor = QRectF(x - 11 - width_ if left_side else x + 11, y - 9, width_, 18)
        while any(anchor.intersects(other) for other in taken):
            anchor.translate(0, 16)  # below a label already there
        taken.append(anchor)
        painter.drawText(anchor, Qt.AlignmentFlag.AlignLeft, text)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    QPixmap.fromImage(image).save(buffer, "PNG")
    buffer.close()
    return bytes(data.data())


def _us(value: float, spec: str = ".3g") -> str:
    return f"{value / 1000:{spec}} ms" if value >= 1000 else f"{value:{spec}} µs"


def _ms(value: float, spec: str = ".3g") -> str:
    return f"{value / 1000:{spec}} s" if value >= 1000 else f"{value:{spec}} ms"
