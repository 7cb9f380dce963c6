"""The timeline: one lane per device, each token's lifetime as a bar, events as markers.

``TimelineModel`` is plain Python: it turns device and server events into
lanes, segments, markers and the red "revoked but still accepted" windows.
``TimelineView`` paints the model, scrolling with time; hovering a marker
shows what happened. Its lanes scroll vertically (``TimelinePanel`` adds the
scroll bar) under a time axis and a legend that stay put, and nothing is
painted over the lane names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPolygonF,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QHBoxLayout, QScrollBar, QToolTip, QWidget

from client.events import (
    ApiTried,
    DeviceCodeShown,
    DeviceEvent,
    SignedOut,
    StateChanged,
    ThiefTried,
    TokensIssued,
    TokenStolen,
    Unauthorized,
)
from client.gui import theme
from client.gui.event_log import describe, describe_server
from client.gui.i18n import tr

MARKER_COLORS = {
    "login": QColor("#16a34a"),
    "refresh": QColor("#2563eb"),
    "restored": QColor("#7c3aed"),
    "401": QColor("#f59e0b"),
    "signed_out": QColor("#dc2626"),
    "told": QColor("#dc2626"),  # signed out by the server's push, before any call
    "revoked": QColor("#dc2626"),
    "reuse": QColor("#dc2626"),
    "offline": QColor("#d97706"),
    "stolen": QColor("#991b1b"),
    "thief_in": QColor("#dc2626"),
    "thief_refused": QColor("#64748b"),
    "api_refused": QColor("#64748b"),  # an API of its own refuses the revoked token at last
}
STOLEN = QColor(153, 27, 27, 110)  # a stolen token's lifetime, on the thief's lane
THIEF = "thief:"  # the lane of the thief of a device's token: "thief:<device id>"
API = "api:"  # an API of its own, under a device: "api:<device id>:<api name>"


@dataclass(slots=True)
class Segment:
    kind: str  # "access", "refresh", or "stolen" (on a thief's lane)
    start: float
    end: float


@dataclass(slots=True)
class Marker:
    at: float
    kind: str
    text: str


@dataclass(slots=True)
class Window:
    """A revoked session's access token, still accepted (stateless)."""

    start: float
    end: float
    reason: str


@dataclass(slots=True)
class Lane:
    device_id: str
    name: str
    segments: list[Segment] = field(default_factory=list)
    markers: list[Marker] = field(default_factory=list)
    windows: dict[str, Window] = field(default_factory=dict)  # by sid


class TimelineModel:
    """Lanes built from events; bounded, so a long session does not grow without end."""

    MAX_ITEMS = 400

    def __init__(self) -> None:
        self.lanes: dict[str, Lane] = {}
        self.origin: float | None = None
        self._revoked: dict[str, tuple[float, str, str]] = {}  # sid -> (at, reason, device)
        # Events of devices whose lane is not there yet (a scenario's devices sign
        # in before the window's first view of its lab): drawn once it is.
        self._early: list[DeviceEvent] = []
        self._api_closed: set[tuple[str, str]] = set()  # (API lane, sid): refused, done

    def set_devices(self, devices: list[tuple[str, str]]) -> None:
        """Keep lanes for these (id, name) pairs, in this order — each followed by
        the lane of its token's thief, if one stole it."""
        old = self.lanes
        self.lanes = {}
        for device_id, name in devices:
            lane = self.lanes[device_id] = old.get(device_id) or Lane(device_id, name)
            lane.name = name
            thief = old.get(THIEF + device_id)
            if thief is not None:
                thief.name = thief_name(name)
                self.lanes[thief.device_id] = thief
            for key, api_lane in old.items():
                if key.startswith(f"{API}{device_id}:"):
                    self.lanes[key] = api_lane
        early, self._early = self._early, []
        for event in early:
            if event.device_id in self.lanes:
                self.add_device_event(event)

    def _thief_lane(self, device_id: str) -> Lane | None:
        """The lane of the thief of ``device_id``'s token, made right after its own."""
        lane_id = THIEF + device_id
        if lane_id not in self.lanes:
            victim = self.lanes.get(device_id)
            if victim is None:
                return None
            lanes = {}
            for key, lane in self.lanes.items():
                lanes[key] = lane
                if key == device_id:
                    lanes[lane_id] = Lane(lane_id, thief_name(victim.name))
            self.lanes = lanes
        return self.lanes[lane_id]

    def _api_lane(self, device_id: str, api: str) -> Lane | None:
        """The lane of one API under the device's lanes (its own, its thief's, the
        APIs before it), made on its first try."""
        lane_id = f"{API}{device_id}:{api}"
        if lane_id not in self.lanes:
            if device_id not in self.lanes:
                return None
            mine = [k for k in self.lanes if k in (device_id, THIEF + device_id)]
            mine += [k for k in self.lanes if k.startswith(f"{API}{device_id}:")]
            lanes = {}
            for key, lane in self.lanes.items():
                lanes[key] = lane
                if key == mine[-1]:
                    lanes[lane_id] = Lane(lane_id, api_name(api))
            self.lanes = lanes
        return self.lanes[lane_id]

    def _add_api_event(self, event: ApiTried) -> None:
        lane = self._api_lane(event.device_id, event.api)
        if lane is None:
            return
        sid = event.sid or ""
        if (lane.device_id, sid) in self._api_closed:
            return
        window = lane.windows.get(sid)
        if window is None:
            window = lane.windows[sid] = Window(event.revoked_at, event.at, "api")
        window.end = max(window.end, event.at)
        if event.refused:
            self._api_closed.add((lane.device_id, sid))
            self._mark(lane, event.at, "api_refused", describe(event))
        elif len(lane.windows) > self.MAX_ITEMS:
            del lane.windows[next(iter(lane.windows))]

    def has_apis(self) -> bool:
        return any(key.startswith(API) for key in self.lanes)

    def clear(self) -> None:
        self._api_closed.clear()
        self._early.clear()
        for lane in self.lanes.values():
            lane.segments.clear()
            lane.markers.clear()
            lane.windows.clear()
        self._revoked.clear()

    def _lane(self, device_id: str | None) -> Lane | None:
        return self.lanes.get(device_id or "")

    def _mark(self, lane: Lane, at: float, kind: str, text: str) -> None:
        if self.origin is None:
            self.origin = at
        lane.markers.append(Marker(at, kind, text))
        del lane.markers[: -self.MAX_ITEMS]

    def _cut(self, lane: Lane, at: float, kinds: tuple[str, ...]) -> None:
        for segment in lane.segments:
            if segment.kind in kinds and segment.end > at >= segment.start:
                segment.end = at

    def add_device_event(self, event: DeviceEvent) -> None:
        if event.device_id not in self.lanes:
            self._early.append(event)
            del self._early[: -self.MAX_ITEMS]
            return
        if isinstance(event, TokenStolen | ThiefTried):
            self._add_thief_event(event)
            return
        if isinstance(event, ApiTried):
            self._add_api_event(event)
            return
        lane = self._lane(event.device_id)
        if lane is None:
            return
        if isinstance(event, TokensIssued):
            self._cut(lane, event.at, ("access", "refresh"))
            lane.segments.append(Segment("access", event.at, event.access_exp))
            if event.refresh_exp is not None:
                lane.segments.append(Segment("refresh", event.at, event.refresh_exp))
            del lane.segments[: -self.MAX_ITEMS]
            self._mark(lane, event.at, event.how, f"{describe(event)} ({event.access_fp})")
        elif isinstance(event, Unauthorized):
            self._mark(lane, event.at, "401", describe(event))
        elif isinstance(event, SignedOut):
            self._cut(lane, event.at, ("access", "refresh"))
            self._mark(lane, event.at, "told" if event.pushed else "signed_out", describe(event))
        elif isinstance(event, DeviceCodeShown):
            self._mark(lane, event.at, "device_code", describe(event))
        elif isinstance(event, StateChanged) and event.new == "offline":
            self._mark(lane, event.at, "offline", describe(event))

    def _add_thief_event(self, event: TokenStolen | ThiefTried) -> None:
        lane = self._thief_lane(event.device_id)
        if lane is None:
            return
        if isinstance(event, TokenStolen):
            self._cut(lane, event.at, ("stolen",))
            lane.segments.append(Segment("stolen", event.at, event.access_exp))
            del lane.segments[: -self.MAX_ITEMS]
            self._mark(lane, event.at, "stolen", describe(event))
        else:
            kind = "thief_in" if event.got_in else "thief_refused"
            self._mark(lane, event.at, kind, describe(event))

    def has_told(self) -> bool:
        return any(m.kind == "told" for lane in self.lanes.values() for m in lane.markers)

    def has_thieves(self) -> bool:
        return any(key.startswith(THIEF) for key in self.lanes)

    def add_server_event(self, event: dict[str, Any]) -> None:
        kind = event.get("type")
        lane = self._lane(event.get("device_id"))
        if kind == "session_revoked" and lane is not None:
            self._revoked[event["sid"]] = (event["at"], event.get("reason", ""), lane.device_id)
            self._mark(lane, event["at"], "revoked", describe_server(event))
        elif kind == "reuse_detected" and lane is not None:
            self._mark(lane, event["at"], "reuse", describe_server(event))
        elif kind == "revoked_token_accepted":
            revoked = self._revoked.get(event.get("sid", ""))
            if revoked is None:
                return
            at, reason, device_id = revoked
            target = self.lanes.get(device_id)
            if target is None:
                return
            window = target.windows.get(event["sid"])
            end = max(event.get("access_exp", event["at"]), event["at"])
            if window is None:
                target.windows[event["sid"]] = Window(at, end, reason)
            else:
                window.end = max(window.end, end)

    def markers_near(self, device_id: str, at: float, tolerance: float) -> list[Marker]:
        lane = self.lanes.get(device_id)
        if lane is None:
            return []
        return [m for m in lane.markers if abs(m.at - at) <= tolerance]


def api_name(api: str) -> str:
    """The lane of an API of its own, under the device whose token it was given."""
    return tr("↳ API {name}").format(name=api)


def thief_name(device_name: str) -> str:
    """The lane name of a device's thief: short, as it sits right under the device's."""
    return tr("↳ its thief")


class TimelineView(QWidget):
    """Paints a ``TimelineModel`` over the last ``span`` seconds, ending a little after now."""

    LANE_HEIGHT = 56
    LABEL_WIDTH = 120
    TOP = 12  # above the first lane
    FOOTER = 40  # the axis labels and the legend, below the lanes

    scrolled = Signal()  # the lanes' height or the shown part changed

    def __init__(self, model: TimelineModel, now: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.now = now  # a callable: the displayed clock
        self.span = 90.0
        self.offset = 0  # pixels of lanes scrolled out of view, above
        self.setMouseTracking(True)
        self.setMinimumHeight(150)

    def sizeHint(self) -> QSize:
        return QSize(900, self.TOP + self.FOOTER + self.LANE_HEIGHT * min(4, self.lane_count()))

    def lane_count(self) -> int:
        return max(1, len(self.model.lanes))

    def lanes_bottom(self) -> int:
        """Where the lanes' area ends (the axis labels and the legend are below)."""
        return self.height() - self.FOOTER

    def max_offset(self) -> int:
        content = self.TOP + self.LANE_HEIGHT * self.lane_count()
        return max(0, content - self.lanes_bottom())

    def set_offset(self, offset: int) -> None:
        offset = max(0, min(int(offset), self.max_offset()))
        if offset != self.offset:
            self.offset = offset
            self.update()
        self.scrolled.emit()

    def lane_top(self, index: int) -> float:
        return self.TOP + index * self.LANE_HEIGHT - self.offset

    def wheelEvent(self, event: QWheelEvent) -> None:
        if self.max_offset():
            self.set_offset(self.offset - event.angleDelta().y() // 4)
            event.accept()
        else:
            event.ignore()

    def resizeEvent(self, event: QResizeEvent) -> None:
        self.set_offset(self.offset)  # a taller view may need less scrolling
        super().resizeEvent(event)

    def _range(self) -> tuple[float, float]:
        now = self.now()
        origin = self.model.origin
        if origin is not None and now - origin < self.span * 0.85:
            start = origin - 3  # early on, fill from the left rather than scroll
            return start, start + self.span
        end = now + self.span * 0.12
        return end - self.span, end

    def _x(self, t: float, start: float, end: float) -> float:
        width = self.width() - self.LABEL_WIDTH - 16
        return self.LABEL_WIDTH + (t - start) / (end - start) * width

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        start, end = self._range()
        text = self.palette().text().color()
        muted = self.palette().placeholderText().color()
        grid = self.palette().mid().color()
        origin = self.model.origin if self.model.origin is not None else self.now()

        # time axis: a tick every 10 s of lab time
        painter.setPen(QPen(grid, 1))
        bottom = self.lanes_bottom()
        first = origin + (((start - origin) // 10) + 1) * 10
        t = first
        while t < end:
            x = self._x(t, start, end)
            painter.setPen(QPen(grid, 1, Qt.PenStyle.DotLine))
            painter.drawLine(QPointF(x, 8), QPointF(x, bottom))
            painter.setPen(muted)
            label = theme.format_t(t - origin)
            painter.drawText(
                QRectF(x - 40, bottom + 4, 80, 16), Qt.AlignmentFlag.AlignCenter, label
            )
            t += 10
        now_x = self._x(self.now(), start, end)
        painter.setPen(QPen(QColor("#6366f1"), 1.5))
        painter.drawLine(QPointF(now_x, 8), QPointF(now_x, bottom))

        self._legend(painter, muted)
        names = QRectF(0, 0, self.LABEL_WIDTH, bottom)
        plot = QRectF(self.LABEL_WIDTH, 0, self.width() - self.LABEL_WIDTH, bottom)
        for index, lane in enumerate(self.model.lanes.values()):
            top = self.lane_top(index)
            if top > bottom or top + self.LANE_HEIGHT < 0:
                continue  # only the lanes in view are painted
            painter.setClipRect(names)
            painter.setPen(
                theme.REVOKED
                if lane.device_id.startswith(THIEF)
                else (muted if lane.device_id.startswith(API) else text)
            )
            painter.drawText(
                QRectF(8, top, self.LABEL_WIDTH - 12, 26),
                Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                painter.fontMetrics().elidedText(
                    lane.name, Qt.TextElideMode.ElideRight, self.LABEL_WIDTH - 14
                ),
            )
            # Bars and markers stay right of the names, above the axis.
            painter.setClipRect(plot)
            painter.setPen(QPen(grid, 1))
            painter.drawLine(
                QPointF(self.LABEL_WIDTH, top + 40), QPointF(self.width() - 8, top + 40)
            )
            painter.setPen(Qt.PenStyle.NoPen)
            for segment in lane.segments:
                if segment.end < start or segment.start > end:
                    continue
                x0, x1 = self._x(segment.start, start, end), self._x(segment.end, start, end)
                # The cards' colours: access green, refresh blue; a stolen copy dark red.
                color = {"access": theme.ACCESS, "stolen": STOLEN}.get(
                    segment.kind, theme.REFRESH.lighter(140)
                )
                y, h = (top + 22, 5) if segment.kind == "refresh" else (top + 8, 10)
                painter.setBrush(color)
                painter.drawRoundedRect(QRectF(x0, y, max(1.5, x1 - x0 - 2), h), 3, 3)
            for window in lane.windows.values():
                x0, x1 = self._x(window.start, start, end), self._x(window.end, start, end)
                rect = QRectF(x0, top + 6, max(2.0, x1 - x0), 14)
                painter.setBrush(QColor(220, 38, 38, 60))
                painter.setPen(QPen(theme.REVOKED, 1))
                painter.drawRect(rect)
                painter.setBrush(QBrush(theme.REVOKED, Qt.BrushStyle.BDiagPattern))
                painter.drawRect(rect)
                painter.setPen(Qt.PenStyle.NoPen)
            for marker in lane.markers:
                if not start <= marker.at <= end:
                    continue
                self._draw_marker(painter, self._x(marker.at, start, end), top, marker)
        painter.setClipping(False)
        painter.end()

    def _legend(self, painter: QPainter, color: QColor) -> None:
        """What the bars and the markers mean, right-aligned along the bottom."""
        items: tuple[tuple[str, QColor, str], ...] = (
            ("bar", theme.ACCESS, tr("access token")),
            ("bar", theme.REFRESH.lighter(140), tr("refresh token")),
            ("stale", QColor(220, 38, 38, 60), tr("revoked but still accepted")),
            ("login", MARKER_COLORS["login"], tr("sign-in")),
            ("refresh", MARKER_COLORS["refresh"], tr("refresh")),
            ("401", MARKER_COLORS["401"], "401"),
            ("ended", MARKER_COLORS["revoked"], tr("session ended")),
        )
        if self.model.has_told():
            items += (("told", MARKER_COLORS["told"], tr("told by the server")),)
        if self.model.has_apis():
            items += (("thief_refused", MARKER_COLORS["api_refused"], tr("API refuses it")),)
        if self.model.has_thieves():
            items += (
                ("bar", STOLEN, tr("stolen token")),
                ("thief_in", MARKER_COLORS["thief_in"], tr("thief got in")),
                ("thief_refused", MARKER_COLORS["thief_refused"], tr("thief refused")),
            )
        x = self.width() - 16
        y = self.height() - 12.5  # the middle of the legend's line
        for shape, fill, label in reversed(items):
            width = painter.fontMetrics().horizontalAdvance(label)
            x -= width
            painter.setPen(color)
            painter.drawText(QRectF(x, self.height() - 20, width + 4, 16), label)
            x -= 16
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(fill)
            if shape in ("bar", "stale"):
                if shape == "stale":
                    painter.setPen(QPen(theme.REVOKED, 1))
                painter.drawRect(QRectF(x, y - 4.5, 12, 9))
            elif shape == "login":
                painter.drawPolygon(
                    QPolygonF(
                        [QPointF(x + 1, y - 4), QPointF(x + 11, y - 4), QPointF(x + 6, y + 3)]
                    )
                )
            elif shape == "refresh":
                painter.drawEllipse(QPointF(x + 6, y), 4, 4)
            elif shape == "thief_in":
                painter.drawPolygon(_diamond(x + 6, y, 5))
            elif shape == "told":
                painter.setPen(QPen(fill, 2))
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawEllipse(QPointF(x + 6, y), 4.5, 4.5)
                painter.setBrush(fill)
                painter.drawEllipse(QPointF(x + 6, y), 1.2, 1.2)
            elif shape in ("401", "thief_refused"):
                painter.setPen(QPen(fill, 2.2))
                painter.drawLine(QPointF(x + 2, y - 4), QPointF(x + 10, y + 4))
                painter.drawLine(QPointF(x + 2, y + 4), QPointF(x + 10, y - 4))
            else:
                painter.setPen(QPen(fill, 2))
                painter.drawLine(QPointF(x + 6, y - 6), QPointF(x + 6, y + 6))
            x -= 14
        painter.setPen(Qt.PenStyle.NoPen)

    def _draw_marker(self, painter: QPainter, x: float, top: float, marker: Marker) -> None:
        color = MARKER_COLORS.get(marker.kind, QColor("#6b7280"))
        painter.setBrush(color)
        painter.setPen(Qt.PenStyle.NoPen)
        if marker.kind == "thief_in":  # on the stolen bar: the thief got the user's data
            painter.setPen(QPen(QColor("white"), 1))
            painter.drawPolygon(_diamond(x, top + 13, 6))
            painter.setPen(Qt.PenStyle.NoPen)
        elif marker.kind in ("thief_refused", "api_refused"):
            painter.setPen(QPen(color, 2.4))
            painter.drawLine(QPointF(x - 4, top + 9), QPointF(x + 4, top + 17))
            painter.drawLine(QPointF(x - 4, top + 17), QPointF(x + 4, top + 9))
            painter.setPen(Qt.PenStyle.NoPen)
        elif marker.kind in ("login", "restored", "stolen"):
            painter.drawPolygon(
                QPolygonF([QPointF(x - 5, top - 2), QPointF(x + 5, top - 2), QPointF(x, top + 5)])
            )
        elif marker.kind in ("revoked", "signed_out", "reuse"):
            painter.setPen(QPen(color, 2))
            painter.drawLine(QPointF(x, top), QPointF(x, top + 34))
            painter.setPen(Qt.PenStyle.NoPen)
        elif marker.kind == "told":  # a ring on the line: the news came, no call needed
            painter.setPen(QPen(color, 2))
            painter.drawLine(QPointF(x, top + 10), QPointF(x, top + 34))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawEllipse(QPointF(x, top + 4), 5, 5)
            painter.setBrush(color)
            painter.drawEllipse(QPointF(x, top + 4), 1.5, 1.5)
            painter.setPen(Qt.PenStyle.NoPen)
        elif marker.kind == "401":
            painter.setPen(QPen(color, 2.2))
            painter.drawLine(QPointF(x - 4, top + 29), QPointF(x + 4, top + 37))
            painter.drawLine(QPointF(x - 4, top + 37), QPointF(x + 4, top + 29))
            painter.setPen(Qt.PenStyle.NoPen)
        else:
            painter.drawEllipse(QPointF(x, top + 13), 4, 4)

    def marker_at(self, x: float, y: float) -> Marker | None:
        index = int((y + self.offset - self.TOP) // self.LANE_HEIGHT)
        lanes = list(self.model.lanes.values())
        if not 0 <= index < len(lanes) or x < self.LABEL_WIDTH or y > self.lanes_bottom():
            return None
        start, end = self._range()
        t = start + (x - self.LABEL_WIDTH) / max(1, self.width() - self.LABEL_WIDTH - 16) * (
            end - start
        )
        tolerance = 6 / max(1, self.width() - self.LABEL_WIDTH) * (end - start)
        near = self.model.markers_near(lanes[index].device_id, t, tolerance)
        return min(near, key=lambda m: abs(m.at - t)) if near else None

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        marker = self.marker_at(event.position().x(), event.position().y())
        if marker is None:
            QToolTip.hideText()
            return
        origin = self.model.origin if self.model.origin is not None else marker.at
        QToolTip.showText(
            event.globalPosition().toPoint(),
            f"{theme.format_t(marker.at - origin, 1)} · {marker.text}",
            self,
        )


def _diamond(x: float, y: float, r: float) -> QPolygonF:
    return QPolygonF([QPointF(x, y - r), QPointF(x + r, y), QPointF(x, y + r), QPointF(x - r, y)])


class TimelinePanel(QWidget):
    """The timeline view and the scroll bar of its lanes (shown when they overflow)."""

    def __init__(self, view: TimelineView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = view
        self.bar = QScrollBar(Qt.Orientation.Vertical)
        self.bar.setSingleStep(TimelineView.LANE_HEIGHT // 2)
        self.bar.valueChanged.connect(view.set_offset)
        view.scrolled.connect(self.sync)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(view, 1)
        layout.addWidget(self.bar)
        self.sync()

    def sync(self) -> None:
        """Fit the bar to the lanes (after devices change, a resize or a wheel turn)."""
        top = self.view.max_offset()
        self.bar.blockSignals(True)
        self.bar.setRange(0, top)
        self.bar.setPageStep(max(1, self.view.lanes_bottom()))
        self.bar.setValue(self.view.offset)
        self.bar.blockSignals(False)
        self.bar.setVisible(top > 0)
