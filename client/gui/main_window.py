"""``MainWindow``: device cards, the server console, the timeline and the event log.

It owns no I/O and reads no engine object: every action goes through
``LabBridge``'s parts, and what it shows arrives as values — ``LabView``s it
asks for every 100 ms, device events, and the server's events and state.
Every "T+" on screen (the clock, the timeline, the event log) counts from one
origin on the lab clock: the window's first view.

A scenario plays in a lab of its own on a server of its own (``ScenarioPlayer``):
while its devices are shown, the timeline and the event log show its
``History`` — on its own T+0 — and the user's history goes on being recorded
out of sight; "Back to my devices" shows it again, as it was.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QPoint, Qt, QTimer, Slot
from PySide6.QtGui import QCloseEvent, QGuiApplication, QResizeEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QTabWidget,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from client import messages as say
from client.events import DeviceEvent, TokenStolen
from client.gui import theme
from client.gui.bridge import LabBridge
from client.gui.device_card import DeviceCard
from client.gui.devices import Inspection
from client.gui.dialogs import (
    AddApiDialog,
    AddDeviceDialog,
    ApproveDialog,
    LoginDialog,
    TokenInspector,
)
from client.gui.event_log import EventLog, EventModel
from client.gui.exports import (
    REPORT_FORMATS,
    TIMELINE_FORMATS,
    event_log_jsonl,
    scenario_report,
    widget_png,
    widget_svg,
    write_file,
)
from client.gui.i18n import tr
from client.gui.menus import build_menu_bar, card_menu, session_menu
from client.gui.server_console import ServerConsole
from client.gui.timeline import TimelineModel, TimelinePanel, TimelineView
from client.i18n import language
from client.paths import installed_version
from client.scenarios.errors import ScenarioError
from client.scenarios.model import Scenario, builtin_scenarios, load_scenario
from client.scenarios.results import ScenarioResult, StepResult
from client.values import LabView

TICK_MS = 100
SPEEDS = (0, 1, 5, 10)  # 0: the clock stands still


def play_tip() -> str:
    return tr(
        "Play the scenario in a lab of its own, on a server of its own: "
        "your devices, sessions and settings are not touched"
    )


class ReflowScroll(QScrollArea):
    """The cards' scroll area: calls ``on_resize`` when its width changes, to reflow."""

    def __init__(self, on_resize: Callable[[], None]) -> None:
        super().__init__()
        self._on_resize = on_resize

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self._on_resize()


class ElidedLabel(QLabel):
    """One line that fits its width: elided with "…", the whole text on hover."""

    def __init__(self) -> None:
        super().__init__()
        self.full_text = ""
        self.setTextFormat(Qt.TextFormat.PlainText)  # messages carry servers' words
        self.setMinimumWidth(120)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def set_full_text(self, text: str) -> None:
        self.full_text = text
        self.setToolTip(text)
        self._fit()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        self.setText(
            self.fontMetrics().elidedText(self.full_text, Qt.TextElideMode.ElideRight, self.width())
        )


@dataclass(frozen=True, slots=True)
class History:
    """What the window shows of one lab's past: its timeline and its event log."""

    timeline: TimelineModel
    log: EventModel

    @property
    def origin(self) -> float | None:
        return self.timeline.origin


class MainWindow(QMainWindow):
    """The lab's one window."""

    def __init__(self, bridge: LabBridge, *, server_url: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.bridge = bridge
        self.server_url = server_url
        self.cards: dict[str, DeviceCard] = {}
        self._columns = 0  # of the card grid, as last laid out
        self._own_at = 0.0  # the user's lab clock as of its latest view
        self._own_store = ""  # where the user's tokens are, as of its latest view
        self.dialog: Any = None  # the open dialog, if any (tests reach it here)
        self.view: LabView | None = None  # the latest, from the engine
        # The server's sessions by sid (with its verify mode), rebuilt per state read:
        # the cards read it ten times a second.
        self.server_sessions: dict[str, dict[str, Any]] = {}
        self.scenario_sessions: dict[str, dict[str, Any]] = {}  # the same, of its server
        self.scenario_state: dict[str, Any] = {}
        self.origin: float | None = None  # T+0 of the shown lab, on its clock
        self.setWindowTitle(tr("JWT Device Lab"))
        self.resize(1280, 800)

        self.timeline_model = TimelineModel()  # the shown one
        self.timeline = TimelineView(self.timeline_model, self.now)
        self.event_log = EventLog()
        self.own = self.history = History(self.timeline_model, self.event_log.model)
        self.scenario_history: History | None = None
        self.console = ServerConsole(server_url, bridge.embedded)

        central = QWidget()
        root = QVBoxLayout(central)
        root.setContentsMargins(10, 8, 10, 6)
        root.setSpacing(8)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self._toolbar())
        root.addWidget(self._keyring_banner())
        root.addWidget(self._server_banner())
        root.addWidget(self._scenario_banner())

        self.card_grid = QGridLayout()
        self.card_grid.setSpacing(10)
        self.card_grid.setAlignment(Qt.AlignmentFlag.AlignTop)
        cards_host = QWidget()
        cards_host.setLayout(self.card_grid)
        self.cards_scroll = scroll = ReflowScroll(self._reflow)
        # One column of cards always fits beside the console: no sideways scrolling.
        scroll.setMinimumWidth(
            DeviceCard.MIN_WIDTH + scroll.verticalScrollBar().sizeHint().width() + 4
        )
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(cards_host)

        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(scroll)
        top.addWidget(self.console)
        top.setStretchFactor(0, 3)
        top.setStretchFactor(1, 2)
        top.setSizes([870, 410])

        self.tabs = QTabWidget()
        self.timeline_panel = TimelinePanel(self.timeline)
        self.tabs.addTab(self.timeline_panel, tr("Timeline"))
        self.tabs.addTab(self.event_log, tr("Event log"))
        bottom = QFrame()
        bottom.setObjectName("bottomPanel")
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(8, 6, 8, 6)
        bottom_layout.addWidget(self.tabs)

        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(bottom)
        split.setSizes([470, 260])
        self.split = split
        root.addWidget(split, 1)
        self.setCentralWidget(central)
        self._status_bar()

        server, devices, player = bridge.server, bridge.devices, bridge.player
        self.console.settings_changed.connect(lambda c: server.update_settings(**c))
        self.console.revoke_session.connect(self.confirm_revoke)
        self.console.force_expire_user.connect(self.confirm_force_expire)
        self.console.rotate_key.connect(server.rotate_key)
        self.console.session_menu_requested.connect(
            lambda sid, user, at: session_menu(self, sid, user).popup(at)
        )
        self.console.retire_key.connect(server.retire_key)
        self.console.add_api_requested.connect(self.add_api)

        # The bridge outlives a window (a language switch builds a new one): each
        # link is kept so that ``detach`` can cut it.
        self._links: list[tuple[Any, Callable[..., Any]]] = [
            (devices.view, self.on_view),
            (devices.device_event, self.on_device_event),
            (devices.scenario_event, self.on_scenario_event),
            (devices.devices_changed, self.on_devices_changed),
            (devices.inspect_ready, self.on_inspect_ready),
            (server.server_events, self.on_server_events),
            (server.server_state, self.on_server_state),
            (server.connection, self.on_connection),
            (bridge.dispatch.failed, self.on_failed),
            (bridge.dispatch.info, self.on_info),
            (player.started, self.on_scenario_started),
            (player.server, self.on_scenario_server),
            (player.step, self.on_scenario_step),
            (player.finished, self.on_scenario_finished),
        ]
        for signal, slot in self._links:
            signal.connect(slot)

        self.current_device: str | None = None  # what the Device menu acts on
        self.connection_status = ""  # the event stream's, as last said
        self.on_language: Callable[[str], None] | None = None  # set by the app
        self.last_result: ScenarioResult | None = None  # the player's, for its report
        self.menu_actions = build_menu_bar(self)
        self.menu_actions["export_report"].setEnabled(False)

        self.ticker = QTimer(self)
        self.ticker.setInterval(TICK_MS)
        self.ticker.timeout.connect(self.tick)
        self.ticker.start()
        self.on_devices_changed()

    # building ----------------------------------------------------------------

    def _toolbar(self) -> QToolBar:
        """Three groups in a tool bar: in a narrow window the groups that do not fit
        move behind its » button instead of keeping the window wide."""
        bar = QToolBar(tr("Lab"))
        bar.setObjectName("labToolBar")
        bar.setMovable(False)
        bar.setFloatable(False)
        bar.toggleViewAction().setEnabled(False)  # no way to lose it from a context menu

        def group() -> tuple[QWidget, QHBoxLayout]:
            box = QWidget()
            layout = QHBoxLayout(box)
            layout.setContentsMargins(4, 0, 4, 0)
            layout.setSpacing(6)
            return box, layout

        devices, layout = group()
        self.add_buttons: dict[str, QPushButton] = {}
        for kind, text in (
            ("mobile", tr("+ Phone")),
            ("pc", tr("+ PC")),
            ("tablet", tr("+ Tablet")),
            ("tv", tr("+ TV")),
        ):
            button = QPushButton(text)
            button.clicked.connect(lambda _=False, k=kind: self.add_device(k))
            layout.addWidget(button)
            self.add_buttons[kind] = button
        bar.addWidget(devices)
        bar.addSeparator()
        player, layout = group()
        layout.addWidget(QLabel(tr("Scenario")))
        self.scenario_combo = QComboBox()
        self.scenario_combo.setMinimumWidth(200)
        for path in builtin_scenarios():
            try:
                scenario = load_scenario(path)
            except ScenarioError:
                continue
            self.scenario_combo.addItem(scenario.name, str(path))
            self.scenario_combo.setItemData(
                self.scenario_combo.count() - 1,
                scenario.title_in(language()),
                Qt.ItemDataRole.ToolTipRole,
            )
        layout.addWidget(self.scenario_combo)
        open_file = QToolButton()
        open_file.setText(tr("Open…"))
        open_file.clicked.connect(self.open_scenario_file)
        layout.addWidget(open_file)
        self.play = QPushButton(tr("▶ Play"))
        self.play.setToolTip(play_tip())
        self.play.clicked.connect(self.play_or_stop)
        stop_width = self.play.fontMetrics().horizontalAdvance(tr("■ Stop")) + 24
        self.play.setMinimumWidth(max(self.play.sizeHint().width(), stop_width))  # no jump
        layout.addWidget(self.play)
        self.back = QPushButton(tr("Back to my devices"))
        self.back.clicked.connect(self.back_to_own_devices)
        self.back.hide()
        layout.addWidget(self.back)
        bar.addWidget(player)
        bar.addSeparator()
        clock, layout = group()
        layout.addWidget(QLabel(tr("Clock speed")))
        self.speed_group = QButtonGroup(self)
        self.speed_buttons: dict[int, QPushButton] = {}
        for speed in SPEEDS:
            button = QPushButton(f"{speed}×")  # 0×: the clock stands still
            if not speed:
                button.setToolTip(tr("Stop the clock: tokens neither age nor expire"))
            button.setCheckable(True)
            button.setFixedWidth(44)
            self.speed_group.addButton(button, speed)
            self.speed_buttons[speed] = button
            layout.addWidget(button)
        # None is checked until the server says how fast its clock runs.
        self.speed_group.idClicked.connect(self.set_speed)
        if not self.bridge.embedded:
            for button in self.speed_buttons.values():
                button.setToolTip(tr("The clock of an external server is its own"))
        bar.addWidget(clock)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        bar.addWidget(spacer)
        self.clock_label = QLabel("T+00:00")
        self.clock_label.setObjectName("clockLabel")
        self.clock_label.setContentsMargins(8, 0, 8, 0)
        bar.addWidget(self.clock_label)
        return bar

    def _keyring_banner(self) -> QWidget:
        self.keyring_banner = QFrame()
        self.keyring_banner.setObjectName("keyringBanner")
        layout = QHBoxLayout(self.keyring_banner)
        self.keyring_text = QLabel()
        self.keyring_text.setWordWrap(True)
        self.use_memory = QPushButton(tr("Continue with memory-only tokens"))
        self.use_memory.clicked.connect(self.bridge.devices.use_memory_store)
        self.retry_keyring = QPushButton(tr("Retry keyring"))
        self.retry_keyring.clicked.connect(self.bridge.devices.retry_keyring)
        layout.addWidget(self.keyring_text, 1)
        layout.addWidget(self.use_memory)
        layout.addWidget(self.retry_keyring)
        self._update_keyring_banner()
        return self.keyring_banner

    def _update_keyring_banner(self) -> None:
        devices = self.bridge.devices
        problem, opening = devices.store_problem, devices.opening
        if opening:
            text = tr(
                "<b>Opening the OS keyring…</b> If your desktop asks to unlock it, answer "
                "there; the devices appear once it opens — or continue without it."
            )
        else:
            text = tr(
                "<b>The OS keyring is unavailable.</b> {problem} "
                "Devices cannot keep tokens until you choose."
            ).format(problem=html.escape(problem or ""))
        if self.keyring_text.text() != text:
            self.keyring_text.setText(text)
        self.retry_keyring.setVisible(not opening)
        self.keyring_banner.setVisible(bool(problem) or opening)

    def _server_banner(self) -> QWidget:
        """One persistent line while the server cannot be followed (not a row per retry)."""
        self.server_banner = QFrame()
        self.server_banner.setObjectName("serverBanner")
        layout = QHBoxLayout(self.server_banner)
        layout.setContentsMargins(10, 6, 10, 6)
        self.server_text = QLabel()
        self.server_text.setWordWrap(True)
        layout.addWidget(self.server_text, 1)
        self.server_banner.hide()
        return self.server_banner

    def on_connection(self, status: str) -> None:
        self.connection_status = status
        if status == "following":
            self.server_banner.hide()
            return
        self.server_text.setText(
            tr(
                "<b>The server cannot be followed.</b> {status}. "
                "Retrying with a growing pause; the settings shown are the last ones read."
            ).format(status=html.escape(status))
        )
        self.server_banner.show()

    def _scenario_banner(self) -> QWidget:
        self.scenario_banner = QFrame()
        self.scenario_banner.setObjectName("scenarioBanner")
        layout = QVBoxLayout(self.scenario_banner)
        layout.setContentsMargins(10, 6, 10, 6)
        self.scenario_title = QLabel()
        self.scenario_title.setObjectName("sectionTitle")
        self.scenario_text = QLabel()
        self.scenario_text.setWordWrap(True)
        for label in (self.scenario_title, self.scenario_text):  # a file's words, not HTML
            label.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.scenario_title)
        layout.addWidget(self.scenario_text)
        self.scenario_banner.hide()
        return self.scenario_banner

    def _status_bar(self) -> None:
        status = self.statusBar()
        # Messages have the room the permanent labels leave, elided (whole on hover),
        # rather than Qt's own message, which the labels overlap and cut.
        self.message = ElidedLabel()
        status.addWidget(self.message, 1)
        self._message_timer = QTimer(self)
        self._message_timer.setSingleShot(True)
        self._message_timer.timeout.connect(lambda: self.message.set_full_text(""))
        self.store_label = QLabel()
        key = self.bridge.admin_key
        self.admin_label = QToolButton()
        self.admin_label.setText(tr("Copy admin key"))
        self.admin_label.setToolTip(
            tr("The admin key ({key}), for curl, the CLI or another console").format(
                key=f"{key[:4]}…{key[-2:]}"
            )
        )
        self.admin_label.setAutoRaise(True)
        self.admin_label.clicked.connect(lambda: QGuiApplication.clipboard().setText(key))
        self.counts_label = QLabel()
        # The console's title names the server's URL; here, which kind, the URL on hover.
        if self.bridge.embedded:
            self.server_label = QLabel(tr("embedded server"))
            tip = tr("The embedded server at {url} (runs inside this app)")
        else:
            self.server_label = QLabel(tr("external server"))
            tip = tr("The external server at {url}")
        self.server_label.setToolTip(tip.format(url=self.server_url))
        for widget in (self.store_label, self.admin_label, self.counts_label, self.server_label):
            status.addPermanentWidget(widget)
        self._update_store_label()

    def detach(self) -> None:
        """Stop listening to the bridge (this window is being replaced)."""
        self.ticker.stop()
        for signal, slot in self._links:
            signal.disconnect(slot)
        self._links = []

    def keep(self, old: MainWindow, server_state: dict[str, Any]) -> None:
        """Take over from the window this one replaces: the user's history, the
        server as last read, the played scenario's result, the current device,
        the open tab and the connection's state go on where they were."""
        history = old.own
        self.last_result = old.last_result
        self.menu_actions["export_report"].setEnabled(old.last_result is not None)
        self.current_device = old.current_device
        self.tabs.setCurrentIndex(old.tabs.currentIndex())
        if old.connection_status not in ("", "following"):
            self.on_connection(old.connection_status)
        self.own = self.history = history
        self.timeline_model = self.timeline.model = history.timeline
        self.event_log.show_model(history.log)
        if history.origin is not None:
            self.set_origin(history.origin)
        if server_state:
            self.on_server_state(server_state)

    @Slot(str)
    def on_info(self, text: str) -> None:
        self.show_message(text, 6000)

    def switch_language(self, lang: str) -> None:
        """The View ▸ Language menu: the app rebuilds the window in ``lang``."""
        if self.bridge.player.running:
            self.show_message(tr("Stop the scenario first: the window is rebuilt"), 6000)
            self.menu_actions[f"lang_{language()}"].setChecked(True)  # the menu tells the truth
            return
        if self.on_language is not None:
            self.on_language(lang)

    def show_message(self, text: str, ms: int) -> None:
        """A passing message in the status bar, for ``ms`` milliseconds."""
        self.message.set_full_text(text)
        self._message_timer.start(ms)

    def _update_store_label(self) -> None:
        if self.bridge.devices.store_problem:
            where = tr("keyring unavailable")
        else:
            where = self._own_store or "…"  # the user's tokens, also while a scenario shows
        # The memory store's why ("lost when the app exits") is for the tooltip.
        short = tr("memory only") if where == say.MEMORY_STORE else where
        text = tr("Tokens: {where} ·").format(where=short)
        if self.store_label.text() != text:
            self.store_label.setText(text)
            self.store_label.setToolTip(tr("Tokens: {where}").format(where=where))

    def now(self) -> float:
        """The lab clock as of the latest view (what every display is drawn at)."""
        return self.view.at if self.view is not None else 0.0

    # confirmations: the three commands that end something for good ---------------------

    def _confirm(self, title: str, text: str, action: str) -> bool:
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, parent=self)
        go = box.addButton(action, QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        return box.clickedButton() is go

    def confirm_force_expire(self, user: str) -> None:
        if self._confirm(
            tr("Force-expire sessions"),
            tr(
                "End every session of {user} now? Their devices are signed out at their next "
                "refresh (at once under stateful checks)."
            ).format(user=user),
            tr("Force-expire"),
        ):
            self.bridge.server.force_expire_user(user)

    def confirm_revoke(self, sid: str) -> None:
        if self._confirm(
            tr("Revoke the session"),
            tr("End this session now? Its device is signed out."),
            tr("Revoke"),
        ):
            self.bridge.server.revoke_session(sid)

    def confirm_remove(self, device_id: str) -> None:
        card = self.cards.get(device_id)
        name = card.name.text() if card is not None else device_id
        if self._confirm(
            tr("Remove the device"),
            tr("Remove {name}? It is signed out and its tokens are deleted.").format(name=name),
            tr("Remove"),
        ):
            self.bridge.devices.remove_device(device_id)

    def format_time(self, at: float) -> str:
        """A time on the shown lab's clock as the window writes it: T+ from its origin."""
        if self.origin is None:
            return say.wall_time(at)
        return theme.format_t(at - self.origin)

    def _device_clock(self, device_now: float) -> Callable[[], float]:
        """The device's clock, running on from ``device_now`` at the lab clock's pace."""
        opened = self.now()
        return lambda: device_now + self.now() - opened

    def set_origin(self, origin: float) -> None:
        """T+0 of the shown lab for the clock label, the timeline and the event log
        alike, and for the console, which shows the shown lab's server."""
        self.origin = origin
        self.history.timeline.origin = origin
        self.history.log.set_origin(origin)
        self.console.set_origin(origin)

    # reactions -------------------------------------------------------------------

    @Slot()
    def on_devices_changed(self) -> None:
        """Devices were added or removed, or another lab is shown: ask for a view."""
        self.bridge.devices.request_view()

    @Slot(object)
    def on_view(self, view: LabView) -> None:
        """Show the lab as the engine saw it: cards, lanes, banners, the clock."""
        previous = self.view
        self.view = view
        if view.scenario is None:
            self._own_at, self._own_store = view.at, view.store
        swapped = self._show_history(view)
        if self.origin is None:
            self.set_origin(view.at)
        ids = [d.config.id for d in view.devices]
        if previous is None or swapped or [d.config.id for d in previous.devices] != ids:
            self._sync_cards(view, rebuild=swapped)
        sessions = self.scenario_sessions if view.scenario is not None else self.server_sessions
        for snapshot in view.devices:
            self.cards[snapshot.config.id].update_snapshot(
                snapshot,
                self.bridge.devices.auto_call_interval(snapshot.config.id),
                sessions.get(snapshot.sid) if snapshot.sid else None,
            )
        self._update_approvals(view)
        self._update_keyring_banner()
        self._update_store_label()
        self.back.setVisible(view.scenario is not None and not self.bridge.player.running)
        for button in self.add_buttons.values():
            button.setEnabled(view.scenario is None)
        self.menu_actions["new_device"].setEnabled(view.scenario is None)
        origin = self.origin if self.origin is not None else view.at
        self.clock_label.setText(theme.format_t(max(0.0, view.at - origin)))
        self.timeline.update()

    def set_current_device(self, device_id: str | None) -> None:
        self.current_device = device_id
        for card_id, card in self.cards.items():
            card.set_current(card_id == device_id)

    def _card_menu(self, card: DeviceCard, pos: QPoint) -> None:
        self.set_current_device(card.device_id)
        card_menu(self, card.device_id).popup(card.mapToGlobal(pos))

    def on_current(self, command: Callable[[str], object]) -> None:
        """Run a device command on the current device, if the user's own is shown
        (a scenario's devices only answer to Inspect)."""
        device_id = self.current_device
        if device_id is None or device_id not in self.cards:
            self.show_message(tr("No device to act on: add one first"), 5000)
            return
        if self.cards[device_id].read_only and command != self.bridge.devices.inspect:
            self.show_message(tr("The scenario drives its devices; you can inspect them"), 5000)
            return
        command(device_id)

    def _reflow(self) -> None:
        """As many columns of cards as the width holds (one in a narrow window)."""
        width = self.cards_scroll.viewport().width()
        spacing = self.card_grid.horizontalSpacing()
        columns = max(1, min(3, (width + spacing) // (DeviceCard.MIN_WIDTH + spacing)))
        ids = [d.config.id for d in self.view.devices] if self.view else list(self.cards)
        order = [self.cards[i] for i in ids if i in self.cards]
        items = (self.card_grid.itemAt(i) for i in range(self.card_grid.count()))
        placed = [item.widget() for item in items if item is not None]
        if columns == self._columns and placed == order:
            return
        self._columns = columns
        for card in order:
            self.card_grid.removeWidget(card)
        for index, card in enumerate(order):
            self.card_grid.addWidget(card, index // columns, index % columns)

    def _show_history(self, view: LabView) -> bool:
        """Show the history of the lab the view is of (the user's, or the scenario's);
        True if that is another lab than the one shown so far."""
        wanted = self.own if view.scenario is None else self.scenario_history or self.own
        if wanted is self.history:
            return False
        self.history = wanted
        self.timeline_model = self.timeline.model = wanted.timeline
        self.timeline.set_offset(0)
        self.event_log.show_model(wanted.log)
        self.origin = wanted.origin
        if wanted is self.own:
            self.console.show_server(None)
            if self.bridge.server.last_state:
                self.console.update_state(self.bridge.server.last_state)
        else:
            self.console.show_server(
                tr("Server · the scenario's own ({name})").format(name=view.scenario)
            )
            if self.scenario_state:
                self.console.update_state(self.scenario_state)
        if self.origin is not None:
            self.console.set_origin(self.origin)
        self.timeline.update()
        return True

    def _sync_cards(self, view: LabView, *, rebuild: bool = False) -> None:
        """Cards for the view's devices; ``rebuild`` when another lab is shown (a
        scenario's "phone" is not the user's "phone")."""
        ids = [d.config.id for d in view.devices]
        for device_id in list(self.cards):
            if rebuild or device_id not in ids:
                card = self.cards.pop(device_id)
                self.card_grid.removeWidget(card)
                card.deleteLater()
        devices = self.bridge.devices
        for snapshot in view.devices:
            if snapshot.config.id not in self.cards:
                # A scenario's devices are the scenario's to drive: look, don't touch.
                card = DeviceCard(snapshot, read_only=view.scenario is not None)
                card.format_time = self.format_time
                card.sign_in_requested.connect(self.sign_in)
                card.call_requested.connect(devices.call)
                card.sign_out_requested.connect(devices.logout)
                card.logout_others_requested.connect(devices.logout_others)
                card.inspect_requested.connect(devices.inspect)
                card.remove_requested.connect(self.confirm_remove)
                card.auto_call_changed.connect(devices.set_auto_call)
                card.selected.connect(self.set_current_device)
                card.approve_requested.connect(self.approve_tv)
                card.cancel_requested.connect(devices.cancel_device_flow)
                card.steal_requested.connect(devices.steal)
                card.listen_changed.connect(devices.set_listen)
                card.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
                card.customContextMenuRequested.connect(lambda pos, c=card: self._card_menu(c, pos))
                self.cards[snapshot.config.id] = card
        self._columns = 0
        self._reflow()
        if self.current_device not in self.cards:
            self.current_device = ids[0] if ids else None
        self.set_current_device(self.current_device)
        self.timeline_model.set_devices([(d.config.id, d.config.name) for d in view.devices])
        self.timeline.set_offset(self.timeline.offset)  # more lanes may need scrolling

    @Slot(object)
    def on_device_event(self, event: DeviceEvent) -> None:
        """An event of the user's lab: into its history, shown or not."""
        self.own.timeline.add_device_event(event)
        self.event_log.add_device_event(event, self.own.log)
        if isinstance(event, TokenStolen):  # a thief's lane may have been added
            self.timeline.set_offset(self.timeline.offset)

    @Slot(list)
    def on_server_events(self, events: list[dict[str, Any]]) -> None:
        for event in events:
            self.own.timeline.add_server_event(event)
            self.console.note_server_event(event)
        self.event_log.add_server_events(events, self.own.log)

    @Slot(object)
    def on_scenario_event(self, event: DeviceEvent) -> None:
        if self.scenario_history is not None:
            self.scenario_history.timeline.add_device_event(event)
            self.event_log.add_device_event(event, self.scenario_history.log)
            if isinstance(event, TokenStolen):
                self.timeline.set_offset(self.timeline.offset)

    @Slot(object, object)
    def on_scenario_server(self, state: dict[str, Any], events: list[dict[str, Any]]) -> None:
        """The scenario server's state (for the console and the cards) and new events."""
        self.scenario_state = state
        if self.scenario_history is not None and self.history is self.scenario_history:
            self.console.update_state(state)
        self.scenario_sessions = {s["sid"]: s for s in state.get("sessions", [])}
        mode = state.get("settings", {}).get("verify_mode")
        for session in self.scenario_sessions.values():
            session["verify_mode"] = mode
        if self.scenario_history is not None:
            for event in events:
                self.scenario_history.timeline.add_server_event(event)
            self.event_log.add_server_events(events, self.scenario_history.log)

    @Slot(dict)
    def on_server_state(self, state: dict[str, Any]) -> None:
        if self.history is self.own:  # else the console shows the scenario's server
            self.console.update_state(state)
        mode = state.get("settings", {}).get("verify_mode")
        self.server_sessions = {
            s["sid"]: {**s, "verify_mode": mode} for s in state.get("sessions", [])
        }
        active = sum(1 for s in state.get("sessions", []) if s["state"] == "active")
        devices = tr("1 device") if len(self.cards) == 1 else tr("{n} devices")
        sessions = tr("1 active session") if active == 1 else tr("{n} active sessions")
        self.counts_label.setText(
            f"· {devices.format(n=len(self.cards))} · {sessions.format(n=active)} ·"
        )
        rate = state.get("clock", {}).get("rate")
        if rate is not None and not self.bridge.player.running:
            self._show_speed(rate)

    @Slot(str)
    def on_failed(self, message: str) -> None:
        """A failed command: said in the status bar and noted in the user's own log
        (at the user's lab clock), never in a scenario's history."""
        self.show_message(f"⚠ {message}", 10000)
        self.event_log.add_note(self._own_at, "lab", "error", message, self.own.log)

    @Slot()
    def tick(self) -> None:
        """Ask the engine for a fresh view (100 ms); it repaints when it comes."""
        self.bridge.devices.request_view()

    # commands ----------------------------------------------------------------------

    def add_device(self, device_type: str) -> None:
        users = self.bridge.server.last_state.get("users", ["alice", "bob"])
        taken = {d.config.id for d in self.view.devices} if self.view else set()
        dialog = AddDeviceDialog(device_type, taken, users, self)
        dialog.accepted.connect(lambda: self.bridge.devices.add_device(**dialog.values()))
        self._open(dialog)

    def add_api(self) -> None:
        """Start a resource server of its own (the console's Add…)."""
        servers = self.bridge.server.last_state.get("resource_servers", [])
        dialog = AddApiDialog({str(rs.get("id")) for rs in servers}, self)
        dialog.accepted.connect(lambda: self.bridge.server.add_resource_server(**dialog.values()))
        self._open(dialog)

    def sign_in(self, device_id: str) -> None:
        snapshot = self.view.get(device_id) if self.view else None
        if snapshot is None:
            return
        dialog = LoginDialog(
            snapshot.config.name,
            snapshot.config.user,
            self,
            device_type=snapshot.config.type,
            dpop=snapshot.config.dpop,
        )
        dialog.accepted.connect(
            lambda: self.bridge.devices.login(
                device_id, dialog.password.text(), dialog.chosen_flow(), dialog.dpop.isChecked()
            )
        )
        self._open(dialog)

    def approve_tv(self, approver_id: str, tv_id: str) -> None:
        """Approve a TV's sign-in on another device of its user: the code, the password."""
        tv = self.view.get(tv_id) if self.view else None
        approver = self.view.get(approver_id) if self.view else None
        if tv is None or approver is None or tv.pending is None:
            return
        dialog = ApproveDialog(tv.config.name, tv.pending["user_code"], approver.config.user, self)
        dialog.accepted.connect(
            lambda: self.bridge.devices.approve(
                tv_id, approver_id, dialog.password.text(), dialog.denied
            )
        )
        self._open(dialog)

    def _update_approvals(self, view: LabView) -> None:
        """Each device may approve the TVs of its user that wait for approval."""
        waiting: dict[str, list[tuple[str, str]]] = {}
        for snapshot in view.devices:
            if snapshot.pending is not None:
                waiting.setdefault(snapshot.config.user, []).append(
                    (snapshot.config.id, snapshot.config.name)
                )
        for snapshot in view.devices:
            card = self.cards.get(snapshot.config.id)
            if card is not None:
                card.set_approvals(
                    [tv for tv in waiting.get(snapshot.config.user, []) if tv[0] != card.device_id]
                )

    def _open(self, dialog: Any) -> None:
        self.dialog = dialog
        dialog.finished.connect(lambda _: setattr(self, "dialog", None))
        dialog.open()

    @Slot(object)
    def on_inspect_ready(self, found: Inspection) -> None:
        self._open(
            TokenInspector(
                found.device_name,
                found.tokens,
                found.jwks,
                found.device_now,
                self,
                clock=self._device_clock(found.device_now),
                family=(found.lineage, found.causes or {})
                if self.history is self.own  # a scenario's server cannot be asked
                else None,
                at_format=self.format_time,
                unchecked=found.keys_problem,
            )
        )

    def _show_speed(self, rate: float) -> None:
        """Highlight the server's clock rate; none of the buttons if it has no button."""
        if rate in SPEEDS:
            if self.speed_group.checkedId() != rate:
                self.speed_buttons[int(rate)].setChecked(True)
        elif (lit := self.speed_group.checkedButton()) is not None:
            self.speed_group.setExclusive(False)
            lit.setChecked(False)
            self.speed_group.setExclusive(True)

    def choose_speed(self, speed: int) -> None:
        """The Clock menu: as if its button were clicked."""
        self.speed_buttons[speed].setChecked(True)
        self.set_speed(speed)

    def find_in_log(self) -> None:
        self.tabs.setCurrentIndex(1)
        self.event_log.search.setFocus()
        self.event_log.search.selectAll()

    def show_about(self) -> None:
        QMessageBox.about(
            self,
            tr("About JWT Device Lab"),
            tr(
                "<b>JWT Device Lab</b> {version}<br>Devices that sign in to a bundled OAuth 2.0 "
                "server, so that JWT's trade-offs can be seen, tested and measured."
            ).format(version=installed_version()),
        )

    # exports: bytes made here, written on the engine thread ----------------------------

    def _save_path(self, title: str, filters: str, suggested: str) -> Path | None:
        path, _ = QFileDialog.getSaveFileName(self, title, suggested, filters)
        return Path(path) if path else None

    def _write(self, path: Path, data: bytes, what: str) -> None:
        self.bridge.dispatch.submit(
            write_file(path, data),
            what,
            lambda saved: self.show_message(tr("Saved {path}").format(path=saved), 8000),
            wait_for_server=False,
        )

    def export_event_log(self, path: Path | None = None) -> None:
        """The shown event log, one JSON object per line (for a bug report)."""
        path = path or self._save_path(
            tr("Export the event log"), "JSON Lines (*.jsonl)", "jwt-lab-events.jsonl"
        )
        if path is not None:
            data = event_log_jsonl(self.event_log.model.rows, self.event_log.model.origin)
            self._write(path, data, tr("Exporting the event log"))

    def export_timeline(self, fmt: str, path: Path | None = None) -> None:
        """The timeline as it is drawn now: PNG, or SVG (text stays text, for a slide)."""
        path = path or self._save_path(
            tr("Export the timeline"), tr(TIMELINE_FORMATS[fmt]), f"jwt-lab-timeline.{fmt}"
        )
        if path is None:
            return
        if fmt == "svg":
            data = widget_svg(self.timeline, tr("JWT Device Lab timeline"))
        else:
            data = widget_png(self.timeline)
        self._write(path, data, tr("Exporting the timeline"))

    def export_report(self, path: Path | None = None) -> None:
        """The last played scenario's report: JSON, JUnit XML or text, by suffix."""
        result = self.last_result
        if result is None:
            self.show_message(tr("Play a scenario first: its report is exported"), 5000)
            return
        path = path or self._save_path(
            tr("Export the scenario report"),
            ";;".join(tr(f) for f in REPORT_FORMATS.values()),
            f"{result.scenario.name}.json",
        )
        if path is None:
            return
        fmt = path.suffix.lstrip(".").lower()
        data = scenario_report(result, fmt if fmt in REPORT_FORMATS else "txt")
        self._write(path, data, tr("Exporting the scenario report"))

    def set_speed(self, speed: int) -> None:
        if not self.bridge.embedded:
            self.on_failed(tr("The clock speed is set on the external server itself"))
            return
        self.bridge.server.set_clock_rate(float(speed))

    def open_scenario_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, tr("Open a scenario"), "", tr("Scenarios (*.toml)")
        )
        if path:
            self.play_scenario(Path(path))

    def play_or_stop(self) -> None:
        if self.bridge.player.running:
            self.bridge.player.stop()
        else:
            self.play_scenario(Path(self.scenario_combo.currentData()))

    def play_scenario(self, path: Path) -> None:
        speed = float(self.speed_group.checkedId() if self.speed_group.checkedId() > 0 else 1)
        self.bridge.player.play(path, speed)  # ``started`` follows, or ``failed``

    @Slot(object)
    def on_scenario_started(self, scenario: Scenario) -> None:
        """A fresh history for the scenario; the user's stays as it is."""
        self.scenario_history = History(TimelineModel(), EventModel())
        self.scenario_sessions = {}
        self.scenario_state = {}
        self.scenario_checks: list[bool] = []
        self.scenario_title.setText(f"▶ {scenario.title_in(language())}")
        self.scenario_text.setText(
            tr(
                "{description} — playing in a lab of its own on a server of its own; "
                "your devices, sessions and settings are untouched."
            ).format(description=scenario.description_in(language()))
        )
        self.scenario_banner.show()
        self.play.setText(tr("■ Stop"))
        self.play.setToolTip(tr("Stop the scenario (its lab is kept for you to look at)"))
        self.back.hide()

    @Slot(object)
    def on_scenario_step(self, result: StepResult) -> None:
        log = self.scenario_history.log if self.scenario_history else self.own.log
        for check in result.checks:
            self.scenario_checks.append(check.passed)
            mark = "✓" if check.passed else "✗"
            text = (
                f"{mark} {check.key} = {check.expected}"
                if check.passed
                else tr("{mark} {key}: expected {expected}, got {actual}").format(
                    mark=mark, key=check.key, expected=check.expected, actual=check.actual
                )
            )
            self.event_log.add_note(
                self.now(),
                result.step.device or "scenario",
                "expectation",
                f"{result.step.action}: {text}",
                log,
            )
        held = sum(self.scenario_checks)
        self.scenario_text.setText(
            tr("step {index}: {device} {action} → {outcome} · {held}/{n} expectations held").format(
                index=result.step.index,
                device=result.step.device or "",
                action=result.step.action,
                outcome=result.outcome,
                held=held,
                n=len(self.scenario_checks),
            )
        )

    @Slot(object)
    def on_scenario_finished(self, result: ScenarioResult) -> None:
        self.last_result = result
        self.menu_actions["export_report"].setEnabled(True)
        self.play.setText(tr("▶ Play"))
        self.play.setToolTip(play_tip())
        self.back.setVisible(self.view is not None and self.view.scenario is not None)
        checks = result.checks
        held = sum(c.passed for c in checks)
        if result.stopped:
            verdict = tr("stopped after step {n} of {total}").format(
                n=len(result.steps), total=len(result.scenario.steps)
            )
        else:
            verdict = tr("passed") if result.passed else tr("FAILED")
        mark = "■" if result.stopped else ("✓" if result.passed else "✗")
        self.scenario_title.setText(f"{mark} {result.scenario.title_in(language())}")
        windows = "; ".join(
            tr("{device} still accepted for {s} s after revocation").format(
                device=w["device"], s=f"{w['window']:g}"
            )
            for w in result.windows
        )
        error = f" — {result.error}" if result.error else ""
        text = tr("{verdict}: {held}/{n} expectations held").format(
            verdict=verdict, held=held, n=len(checks)
        )
        self.scenario_text.setText(
            text
            + error
            + (tr(" · stateless window: {windows}").format(windows=windows) if windows else "")
        )

    def back_to_own_devices(self) -> None:
        self.bridge.player.back_to_own_devices()
        self.scenario_banner.hide()
        self.back.hide()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.ticker.stop()
        super().closeEvent(event)
