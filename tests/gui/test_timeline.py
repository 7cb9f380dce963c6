"""The timeline's painting: names never painted over, the axis and legend fixed
while the lanes scroll (issue 12)."""

from __future__ import annotations

from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from client.gui import theme
from client.gui.timeline import Marker, Segment, TimelineModel, TimelinePanel, TimelineView

NOW = 200.0


def _panel(qtbot: QtBot, lanes: int, height: int) -> tuple[TimelinePanel, TimelineView]:
    model = TimelineModel()
    model.set_devices([(f"d{i}", f"Device {i}") for i in range(lanes)])
    model.origin = 0.0
    for i in range(lanes):
        lane = model.lanes[f"d{i}"]
        lane.segments.append(Segment("access", 0.0, NOW))  # began long before the view
        lane.markers.append(Marker(NOW - 20, "refresh", f"refresh of device {i}"))
    view = TimelineView(model, lambda: NOW)
    panel = TimelinePanel(view)
    qtbot.addWidget(panel)
    panel.resize(900, height)
    panel.show()
    qtbot.waitExposed(panel)
    view.set_offset(view.offset)
    return panel, view


def _count(image: QImage, colour: object, xs: range, ys: range) -> int:
    return sum(image.pixelColor(x, y) == colour for y in ys for x in xs)


def test_bars_that_began_before_the_view_do_not_cover_the_names(qtbot: QtBot) -> None:
    _, view = _panel(qtbot, 1, 200)
    image = view.grab().toImage()
    top = int(view.lane_top(0))
    bar_rows = range(top + 8, top + 18)
    assert _count(image, theme.ACCESS, range(view.LABEL_WIDTH + 2, view.width() - 20), bar_rows)
    assert _count(image, theme.ACCESS, range(0, view.LABEL_WIDTH), bar_rows) == 0


def test_the_axis_and_legend_stay_while_many_lanes_scroll(qtbot: QtBot) -> None:
    panel, view = _panel(qtbot, 6, 220)
    assert view.max_offset() > 0 and panel.bar.isVisible()
    footer = view.lanes_bottom()

    def parts() -> tuple[QImage, QImage]:
        image = view.grab().toImage()
        return image.copy(0, footer, view.width(), view.FOOTER), image.copy(
            0, 0, view.width(), footer
        )

    axis_top, lanes_top = parts()
    panel.bar.setValue(panel.bar.maximum())
    assert view.offset == view.max_offset()
    axis_scrolled, lanes_scrolled = parts()
    assert axis_scrolled == axis_top  # the axis labels and the legend did not move
    assert lanes_scrolled != lanes_top
    # The last lane is in view now, and its marker answers the mouse where it is drawn.
    last = view.lane_top(5)
    assert 0 <= last < footer
    start, end = view._range()
    marker = view.marker_at(view._x(NOW - 20, start, end), last + 13)
    assert marker is not None and marker.text == "refresh of device 5"
    # Nothing below the lanes' area answers as a lane.
    assert view.marker_at(view._x(NOW - 20, start, end), footer + 5) is None


def test_the_scroll_bar_hides_when_the_lanes_fit(qtbot: QtBot) -> None:
    panel, view = _panel(qtbot, 2, 300)
    assert view.max_offset() == 0 and not panel.bar.isVisible()


def test_events_that_come_before_their_lane_are_drawn_once_it_exists() -> None:
    """A scenario's devices sign in before the window's first view of its lab."""
    from client.events import ThiefTried, TokensIssued, TokenStolen
    from client.gui.timeline import THIEF

    model = TimelineModel()
    model.add_device_event(TokensIssued("phone", 1.0, "login", "fp", "rfp", 31.0, 181.0, "s"))
    model.add_device_event(TokenStolen("phone", 2.0, "fp", 31.0, False))
    model.add_device_event(ThiefTried("phone", 3.0, "bearer", "/api/me", 200))
    model.add_device_event(TokensIssued("gone", 1.0, "login", "fp", "rfp", 31.0, 181.0, "s"))
    assert model.lanes == {}
    model.set_devices([("phone", "Phone"), ("pc", "PC")])
    assert list(model.lanes) == ["phone", THIEF + "phone", "pc"]
    assert [s.kind for s in model.lanes["phone"].segments] == ["access", "refresh"]
    assert [m.kind for m in model.lanes[THIEF + "phone"].markers] == ["stolen", "thief_in"]
    model.set_devices([("phone", "Phone"), ("pc", "PC")])  # each early event once
    assert len(model.lanes["phone"].segments) == 2
    assert "gone" not in model.lanes
