"""``EventLog``: every device and server event, filterable by source and kind."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from client.events import (
    DeviceEvent,
    Notice,
    RefreshFailed,
    RequestSent,
    ResponseReceived,
    SignedOut,
    StateChanged,
    TokensIssued,
    Unauthorized,
)
from client.gui.theme import format_t

ALL = "All"
HEADERS = ("time", "source", "kind", "what happened")
_ModelIndex = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True, slots=True)
class Row:
    at: float
    source: str
    kind: str
    text: str


def describe(event: DeviceEvent) -> str:
    """A device event as one line of prose (fingerprints only, never tokens)."""
    if isinstance(event, StateChanged):
        extra = f" ({event.reason})" if event.reason else ""
        return f"{event.old} → {event.new}{extra}"
    if isinstance(event, TokensIssued):
        return f"tokens {event.how}: access {event.access_fp}, refresh {event.refresh_fp}"
    if isinstance(event, RequestSent):
        return f"{event.method} {event.path}"
    if isinstance(event, ResponseReceived):
        outcome = str(event.status) if event.status is not None else (event.error or "failed")
        return f"{event.method} {event.path} → {outcome}" + (
            " (after refresh)" if event.retried else ""
        )
    if isinstance(event, Unauthorized):
        return f"401 on {event.path}: {event.reason or 'invalid_token'}"
    if isinstance(event, RefreshFailed | SignedOut | Notice):
        return event.message
    return event.kind


def describe_server(event: dict[str, Any]) -> str:
    skip = {"id", "type", "at"}
    details = ", ".join(
        f"{k}={v}" for k, v in event.items() if k not in skip and v not in (None, [])
    )
    return details


class EventModel(QAbstractTableModel):
    MAX_ROWS = 5000

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[Row] = []
        self.origin: float | None = None

    def rowCount(self, parent: _ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return len(HEADERS)

    def data(self, index: _ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole or not index.isValid():
            return None
        row = self.rows[index.row()]
        if index.column() == 0:
            return format_t(row.at - (self.origin if self.origin is not None else row.at), 1)
        return (row.source, row.kind, row.text)[index.column() - 1]

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return HEADERS[section]
        return None

    def add(self, rows: list[Row]) -> None:
        if not rows:
            return
        if self.origin is None:
            self.origin = rows[0].at
        overflow = len(self.rows) + len(rows) - self.MAX_ROWS
        if overflow > 0:
            self.beginRemoveRows(QModelIndex(), 0, overflow - 1)
            del self.rows[:overflow]
            self.endRemoveRows()
        first = len(self.rows)
        self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
        self.rows.extend(rows)
        self.endInsertRows()

    def set_origin(self, origin: float) -> None:
        """Show every row's time relative to ``origin`` (the window's T+0)."""
        self.origin = origin
        if self.rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.rows) - 1, 0))

    def clear(self) -> None:
        self.beginResetModel()
        self.rows.clear()
        self.endResetModel()


class EventLog(QWidget):
    """The table of events, with source and kind filters."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = EventModel()
        self.source = QComboBox()
        self.kind = QComboBox()
        for combo in (self.source, self.kind):
            combo.addItem(ALL)
            combo.setMinimumWidth(140)
            combo.currentTextChanged.connect(self._apply_filter)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.verticalHeader().hide()
        self.view.setAlternatingRowColors(True)
        self.view.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        filters = QHBoxLayout()
        filters.addWidget(QLabel("Source"))
        filters.addWidget(self.source)
        filters.addWidget(QLabel("Kind"))
        filters.addWidget(self.kind)
        filters.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(filters)
        layout.addWidget(self.view)

    # Rows go to ``into`` (a lab's log, shown or not), or to the shown one.

    def add_device_event(self, event: DeviceEvent, into: EventModel | None = None) -> None:
        self._add([Row(event.at, event.device_id, event.kind, describe(event))], into)

    def add_server_events(
        self, events: list[dict[str, Any]], into: EventModel | None = None
    ) -> None:
        self._add([Row(e["at"], "server", e["type"], describe_server(e)) for e in events], into)

    def add_note(
        self, at: float, source: str, kind: str, text: str, into: EventModel | None = None
    ) -> None:
        self._add([Row(at, source, kind, text)], into)

    def show_model(self, model: EventModel) -> None:
        """Show another lab's log; the filters offer its sources and kinds."""
        self.model = model
        self.view.setModel(model)
        self.view.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        for combo, values in (
            (self.source, {row.source for row in model.rows}),
            (self.kind, {row.kind for row in model.rows}),
        ):
            chosen = combo.currentText()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(ALL)
            combo.addItems(sorted(values))
            combo.setCurrentText(chosen if chosen in values else ALL)
            combo.blockSignals(False)
        self._apply_filter()

    def _add(self, rows: list[Row], into: EventModel | None = None) -> None:
        if into is not None and into is not self.model:
            into.add(rows)  # out of sight: the filters and the view are not its
            return
        first = self.model.rowCount()
        self.model.add(rows)
        for row in rows:
            for combo, value in ((self.source, row.source), (self.kind, row.kind)):
                if combo.findText(value) < 0:
                    combo.addItem(value)
        for i in range(max(0, first - (len(self.model.rows) - len(rows))), self.model.rowCount()):
            self.view.setRowHidden(i, not self._visible(self.model.rows[i]))
        if self.view.isVisible():
            self.view.scrollToBottom()

    def _visible(self, row: Row) -> bool:
        source, kind = self.source.currentText(), self.kind.currentText()
        return (source == ALL or row.source == source) and (kind == ALL or row.kind == kind)

    def _apply_filter(self) -> None:
        for i, row in enumerate(self.model.rows):
            self.view.setRowHidden(i, not self._visible(row))

    def visible_rows(self) -> list[Row]:
        return [row for i, row in enumerate(self.model.rows) if not self.view.isRowHidden(i)]

    def clear(self) -> None:
        self.model.clear()
