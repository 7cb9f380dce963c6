"""The trade-off chart of bench/revocation.py, painted by Qt."""

from __future__ import annotations

from PySide6.QtGui import QColor, QImage

from client.gui.charts import MODE_COLORS, trade_off_chart


def _row(api: str, mode: str, cost: float, window_ms: float) -> dict[str, object]:
    return {
        "api": api,
        "mode": mode,
        "cpu_us_per_request_api": cost,
        "cpu_us_per_request_auth": 0.0,
        "red_window_load_p99_ms": window_ms,
    }


def test_one_point_per_mode_in_its_colour_on_log_axes(qapp: object) -> None:
    rows = [
        _row("stateless", "stateless", 300, 300_000),
        _row("denylist", "denylist", 320, 8),
        _row("stateful", "stateful", 900, 3),
    ]
    image = QImage.fromData(trade_off_chart(rows), "PNG")
    assert (image.width(), image.height()) == (900, 560)
    colours = {image.pixelColor(x, y).name() for x in range(0, 900, 2) for y in range(0, 560, 2)}
    for mode in ("stateless", "denylist", "stateful"):
        assert QColor(MODE_COLORS[mode]).name() in colours, mode
    assert QColor(MODE_COLORS["introspect"]).name() not in colours  # no such point
