"""Look and feel: Fusion with a light or dark palette that follows the system,
the lab's style sheet, and the colours that carry meaning (states, tokens)."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication

from client.paths import asset
from contract import DEVICE_TYPE_INFO

STATE_COLORS = {
    "active": "#16a34a",
    "refreshing": "#2563eb",
    "signing_in": "#2563eb",
    "offline": "#d97706",
    "signed_out": "#6b7280",
    "expired": "#6b7280",
    "revoked": "#b91c1c",
}
ACCESS = QColor("#16a34a")
ACCESS_NEAR = QColor("#f59e0b")
REFRESH = QColor("#3b82f6")
EXPIRED = QColor("#dc2626")
REVOKED = QColor("#dc2626")


def is_dark() -> bool:
    """Is the palette in use dark (whether the system or the user chose it)?"""
    window = QGuiApplication.palette().window().color()
    return window.lightness() < 128


# Text colours that keep WCAG's 4.5:1 against the palette's base and button colours.
_TEXT = {
    False: {"danger": "#b91c1c", "active": "#15803d", "revoked": "#b91c1c"},
    True: {"danger": "#fca5a5", "active": "#4ade80", "revoked": "#fca5a5"},
}


def text_color(role: str) -> QColor:
    """``danger``, ``active`` or ``revoked`` text, readable on the current palette."""
    return QColor(_TEXT[is_dark()][role])


def apply_theme(app: QApplication, scheme: str = "system") -> None:
    """Fusion, with a palette for the colour scheme (``system`` follows the
    desktop's, also when it changes; ``light`` or ``dark`` hold), and the lab's
    style sheet."""
    app.setStyle("Fusion")

    def use(dark: bool) -> None:
        app.setPalette(_palette(dark))
        sheet = asset("style.qss").read_text(encoding="utf-8")
        danger = _TEXT[dark]["danger"]
        app.setStyleSheet(sheet + f"\nQPushButton#danger {{ color: {danger}; }}\n")

    if scheme != "system":
        use(scheme == "dark")
        return
    use(is_dark())
    QGuiApplication.styleHints().colorSchemeChanged.connect(
        lambda chosen: use(chosen == Qt.ColorScheme.Dark)
    )


def _palette(dark: bool) -> QPalette:
    palette = QPalette()
    if dark:
        colors = {
            QPalette.ColorRole.Window: "#1f2227",
            QPalette.ColorRole.Base: "#2a2e35",
            QPalette.ColorRole.AlternateBase: "#30353d",
            QPalette.ColorRole.Text: "#e5e7eb",
            QPalette.ColorRole.WindowText: "#e5e7eb",
            QPalette.ColorRole.Button: "#343a42",
            QPalette.ColorRole.ButtonText: "#e5e7eb",
            QPalette.ColorRole.Highlight: "#2f6fd6",
            QPalette.ColorRole.HighlightedText: "#ffffff",
            QPalette.ColorRole.ToolTipBase: "#2a2e35",
            QPalette.ColorRole.ToolTipText: "#e5e7eb",
            QPalette.ColorRole.PlaceholderText: "#9ca3af",
            QPalette.ColorRole.Mid: "#4b5563",
        }
    else:
        colors = {
            QPalette.ColorRole.Window: "#f3f4f6",
            QPalette.ColorRole.Base: "#ffffff",
            QPalette.ColorRole.AlternateBase: "#f7f8fa",
            QPalette.ColorRole.Text: "#111827",
            QPalette.ColorRole.WindowText: "#111827",
            QPalette.ColorRole.Button: "#f9fafb",
            QPalette.ColorRole.ButtonText: "#111827",
            QPalette.ColorRole.Highlight: "#2f6fd6",
            QPalette.ColorRole.HighlightedText: "#ffffff",
            QPalette.ColorRole.ToolTipBase: "#ffffff",
            QPalette.ColorRole.ToolTipText: "#111827",
            QPalette.ColorRole.PlaceholderText: "#6b7280",
            QPalette.ColorRole.Mid: "#d1d5db",
        }
    for role, value in colors.items():
        palette.setColor(role, QColor(value))
    return palette


ICON_INK = "#4b5563"  # the stroke colour the SVGs are drawn in


def device_icon(device_type: str, size: int = 40, ratio: float | None = None) -> QPixmap:
    """The device's line icon, inked for the current palette (light ink on dark),
    drawn from its SVG at the screen's pixel ratio (``ratio``; the application's
    by default), so it is sharp at 2× rather than a small bitmap scaled up."""
    info = DEVICE_TYPE_INFO.get(device_type, DEVICE_TYPE_INFO["web"])
    svg = asset("icons", info.icon).read_text(encoding="utf-8")
    if is_dark():
        svg = svg.replace(ICON_INK, "#cbd5e1")
    if ratio is None:
        app = QGuiApplication.instance()
        ratio = app.devicePixelRatio() if isinstance(app, QGuiApplication) else 1.0
    pixels = round(size * ratio)
    image = QImage(pixels, pixels, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    QSvgRenderer(QByteArray(svg.encode())).render(painter, QRectF(0, 0, pixels, pixels))
    painter.end()
    pixmap = QPixmap.fromImage(image)
    pixmap.setDevicePixelRatio(ratio)
    return pixmap


def format_clock(seconds: float) -> str:
    """``2:31`` for long spans, ``12 s`` for short ones, ``expired`` below zero."""
    if seconds <= 0:
        return "expired"
    if seconds < 100:
        return f"{seconds:.0f} s"
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}:{secs:02d}"


def format_t(seconds: float, decimals: int = 0) -> str:
    """A time on the window's one time origin: ``T+01:05`` (``T−00:03`` before it)."""
    sign = "+" if seconds >= 0 else "−"
    value = abs(seconds)
    minutes = int(value) // 60
    rest = value - minutes * 60
    width = 3 + decimals if decimals else 2
    return f"T{sign}{minutes:02d}:{rest:0{width}.{decimals}f}"
