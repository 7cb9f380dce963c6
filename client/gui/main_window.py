"""``MainWindow``: device cards, the server console, the timeline and the event log.

It owns no I/O: every action goes through ``LabBridge``; a 100 ms timer
repaints countdowns from device snapshots (plain reads, no waiting).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtGui import QCloseEvent, QGuiApplication
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from client.events import DeviceEvent
from client.gui.bridge import LabBridge
from client.gui.device_card import DeviceCard
from client.gui.dialogs import AddDeviceDialog, LoginDialog, TokenInspector
from client.gui.event_log import EventLog
from client.gui.server_console import ServerConsole
from client.gui.timeline import TimelineModel, TimelineView
from client.scenarios.model import ScenarioError, builtin_scenarios, load_scenario

TICK_MS = 100
SPEEDS = (1, 5, 10)


class MainWindow(QMainWindow):
    """The lab's one window."""

    def __init__(self, bridge: LabBridge, *, server_url: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.bridge = bridge
        self.server_url = server_url
        self.cards: dict[str, DeviceCard] = {}
        self.dialog: Any = None  # the open dialog, if any (tests reach it here)
        self.started_at = bridge.now()
        self.setWindowTitle("JWT Device Lab")
        self.resize(1280, 800)

        self.timeline_model = TimelineModel()
        self.timeline = TimelineView(self.timeline_model, bridge.now)
        self.event_log = EventLog()
        self.console = ServerConsole(server_url, bridge.embedded)

        central = QWidget()
        root = QVBoxLayout(central)
        root.setContentsMargins(10, 8, 10, 6)
        root.setSpacing(8)
        root.addWidget(self._toolbar())
        root.addWidget(self._keyring_banner())
        root.addWidget(self._scenario_banner())

        self.card_grid = QGridLayout()
        self.card_grid.setSpacing(10)
        self.card_grid.setAlignment(Qt.AlignmentFlag.AlignTop)
        cards_host = QWidget()
        cards_host.setLayout(self.card_grid)
        scroll = QScrollArea()
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
        timeline_scroll = QScrollArea()
        timeline_scroll.setWidgetResizable(True)
        timeline_scroll.setFrameShape(QFrame.Shape.NoFrame)
        timeline_scroll.setWidget(self.timeline)
        self.tabs.addTab(timeline_scroll, "Timeline")
        self.tabs.addTab(self.event_log, "Event log")
        bottom = QFrame()
        bottom.setObjectName("bottomPanel")
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(8, 6, 8, 6)
        bottom_layout.addWidget(self.tabs)

        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(bottom)
        split.setSizes([470, 260])
        root.addWidget(split, 1)
        self.setCentralWidget(central)
        self._status_bar()

        self.console.settings_changed.connect(lambda c: bridge.update_settings(**c))
        self.console.revoke_session.connect(bridge.revoke_session)
        self.console.force_expire_user.connect(bridge.force_expire_user)
        self.console.rotate_key.connect(bridge.rotate_key)
        self.console.retire_key.connect(bridge.retire_key)

        bridge.device_event.connect(self.on_device_event)
        bridge.server_events.connect(self.on_server_events)
        bridge.server_state.connect(self.on_server_state)
        bridge.devices_changed.connect(self.on_devices_changed)
        bridge.failed.connect(self.on_failed)
        bridge.info.connect(lambda text: self.statusBar().showMessage(text, 6000))
        bridge.jwks_ready.connect(self.on_jwks_ready)
        bridge.scenario_step.connect(self.on_scenario_step)
        bridge.scenario_finished.connect(self.on_scenario_finished)

        self.ticker = QTimer(self)
        self.ticker.setInterval(TICK_MS)
        self.ticker.timeout.connect(self.tick)
        self.ticker.start()
        self.on_devices_changed()

    # building ----------------------------------------------------------------

    def _toolbar(self) -> QWidget:
        bar = QFrame()
        layout = QHBoxLayout(bar)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        self.add_buttons: dict[str, QPushButton] = {}
        for kind, text in (("mobile", "+ Phone"), ("pc", "+ PC"), ("tablet", "+ Tablet")):
            button = QPushButton(text)
            button.clicked.connect(lambda _=False, k=kind: self.add_device(k))
            layout.addWidget(button)
            self.add_buttons[kind] = button
        layout.addSpacing(18)
        layout.addWidget(QLabel("Scenario"))
        self.scenario_combo = QComboBox()
        self.scenario_combo.setMinimumWidth(260)
        for path in builtin_scenarios():
            try:
                scenario = load_scenario(path)
            except ScenarioError:
                continue
            self.scenario_combo.addItem(scenario.name, str(path))
            self.scenario_combo.setItemData(
                self.scenario_combo.count() - 1, scenario.title, Qt.ItemDataRole.ToolTipRole
            )
        layout.addWidget(self.scenario_combo)
        open_file = QToolButton()
        open_file.setText("Open…")
        open_file.clicked.connect(self.open_scenario_file)
        layout.addWidget(open_file)
        self.play = QPushButton("▶ Play")
        self.play.clicked.connect(
            lambda: self.play_scenario(Path(self.scenario_combo.currentData()))
        )
        layout.addWidget(self.play)
        self.back = QPushButton("Back to my devices")
        self.back.clicked.connect(self.bridge.back_to_own_devices)
        self.back.hide()
        layout.addWidget(self.back)
        layout.addSpacing(18)
        layout.addWidget(QLabel("Clock speed"))
        self.speed_group = QButtonGroup(self)
        self.speed_buttons: dict[int, QPushButton] = {}
        for speed in SPEEDS:
            button = QPushButton(f"{speed}×")
            button.setCheckable(True)
            button.setFixedWidth(44)
            self.speed_group.addButton(button, speed)
            self.speed_buttons[speed] = button
            layout.addWidget(button)
        self.speed_buttons[1].setChecked(True)
        self.speed_group.idClicked.connect(self.set_speed)
        if not self.bridge.embedded:
            for button in self.speed_buttons.values():
                button.setToolTip("The clock of an external server is its own")
        layout.addStretch(1)
        self.clock_label = QLabel("T+00:00")
        self.clock_label.setObjectName("clockLabel")
        layout.addWidget(self.clock_label)
        return bar

    def _keyring_banner(self) -> QWidget:
        self.keyring_banner = QFrame()
        self.keyring_banner.setObjectName("keyringBanner")
        layout = QHBoxLayout(self.keyring_banner)
        self.keyring_text = QLabel()
        self.keyring_text.setWordWrap(True)
        use_memory = QPushButton("Continue with memory-only tokens")
        use_memory.clicked.connect(self.bridge.use_memory_store)
        retry = QPushButton("Retry keyring")
        retry.clicked.connect(self.bridge.retry_keyring)
        layout.addWidget(self.keyring_text, 1)
        layout.addWidget(use_memory)
        layout.addWidget(retry)
        self.keyring_banner.setVisible(bool(self.bridge.store_problem))
        self.keyring_text.setText(
            f"<b>The OS keyring is unavailable.</b> {self.bridge.store_problem or ''} "
            "Devices cannot keep tokens until you choose."
        )
        return self.keyring_banner

    def _scenario_banner(self) -> QWidget:
        self.scenario_banner = QFrame()
        self.scenario_banner.setObjectName("scenarioBanner")
        layout = QVBoxLayout(self.scenario_banner)
        layout.setContentsMargins(10, 6, 10, 6)
        self.scenario_title = QLabel()
        self.scenario_title.setObjectName("sectionTitle")
        self.scenario_text = QLabel()
        self.scenario_text.setWordWrap(True)
        layout.addWidget(self.scenario_title)
        layout.addWidget(self.scenario_text)
        self.scenario_banner.hide()
        return self.scenario_banner

    def _status_bar(self) -> None:
        status = self.statusBar()
        self.store_label = QLabel()
        self.admin_label = QLabel(
            f"Admin key {self.bridge.admin_key[:4]}…{self.bridge.admin_key[-2:]}"
        )
        copy = QToolButton()
        copy.setText("copy")
        copy.setToolTip("Copy the admin key")
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.bridge.admin_key))
        self.counts_label = QLabel()
        where = "embedded on" if self.bridge.embedded else "external at"
        self.server_label = QLabel(f"server {where} {self.server_url}")
        for widget in (
            self.store_label,
            self.admin_label,
            copy,
            self.counts_label,
            self.server_label,
        ):
            status.addPermanentWidget(widget)
        self._update_store_label()

    def _update_store_label(self) -> None:
        self.store_label.setText(f"Tokens: {self.bridge.store_name()} ·")

    # reactions -------------------------------------------------------------------

    @Slot()
    def on_devices_changed(self) -> None:
        devices = self.bridge.devices()
        ids = [d.id for d in devices]
        for device_id in list(self.cards):
            if device_id not in ids:
                card = self.cards.pop(device_id)
                self.card_grid.removeWidget(card)
                card.deleteLater()
        for device in devices:
            if device.id not in self.cards:
                card = DeviceCard(device.snapshot())
                card.sign_in_requested.connect(self.sign_in)
                card.call_requested.connect(self.bridge.call)
                card.sign_out_requested.connect(self.bridge.logout)
                card.logout_others_requested.connect(self.bridge.logout_others)
                card.inspect_requested.connect(self.bridge.fetch_jwks)
                card.remove_requested.connect(self.bridge.remove_device)
                card.auto_call_changed.connect(self.bridge.set_auto_call)
                self.cards[device.id] = card
        for index, device_id in enumerate(ids):
            self.card_grid.addWidget(self.cards[device_id], index // 2, index % 2)
        self.timeline_model.set_devices([(d.id, d.config.name) for d in devices])
        # Every lane gets its height; the tab scrolls when there are many devices.
        self.timeline.setMinimumHeight(60 + TimelineView.LANE_HEIGHT * max(1, len(devices)))
        self.keyring_banner.setVisible(bool(self.bridge.store_problem))
        self._update_store_label()
        scenario = self.bridge.lab is not self.bridge.own_lab
        self.back.setVisible(scenario and not self.bridge.scenario_running)
        self.tick()

    @Slot(object)
    def on_device_event(self, event: DeviceEvent) -> None:
        self.timeline_model.add_device_event(event)
        self.event_log.add_device_event(event)

    @Slot(list)
    def on_server_events(self, events: list[dict[str, Any]]) -> None:
        for event in events:
            self.timeline_model.add_server_event(event)
        self.event_log.add_server_events(events)

    @Slot(dict)
    def on_server_state(self, state: dict[str, Any]) -> None:
        self.console.update_state(state)
        active = sum(1 for s in state.get("sessions", []) if s["state"] == "active")
        self.counts_label.setText(f"· {len(self.cards)} devices · {active} active sessions ·")
        rate = state.get("clock", {}).get("rate")
        if (
            rate in SPEEDS
            and self.speed_group.checkedId() != rate
            and not self.bridge.scenario_running
        ):
            self.speed_buttons[int(rate)].setChecked(True)

    @Slot(str)
    def on_failed(self, message: str) -> None:
        self.statusBar().showMessage(f"⚠ {message}", 10000)
        self.event_log.add_note(self.bridge.now(), "lab", "error", message)

    @Slot()
    def tick(self) -> None:
        """Repaint countdowns and the timeline (100 ms)."""
        for snapshot in self.bridge.snapshots():
            card = self.cards.get(snapshot.config.id)
            if card is not None:
                card.update_snapshot(
                    snapshot, snapshot.now, self.bridge.auto_call_interval(snapshot.config.id)
                )
        elapsed = max(0.0, self.bridge.now() - self.started_at)
        self.clock_label.setText(f"T+{int(elapsed) // 60:02d}:{int(elapsed) % 60:02d}")
        self.timeline.update()

    # commands ----------------------------------------------------------------------

    def add_device(self, device_type: str) -> None:
        users = self.bridge.last_state.get("users", ["alice", "bob"])
        dialog = AddDeviceDialog(device_type, set(self.bridge.lab.devices), users, self)
        dialog.accepted.connect(lambda: self.bridge.add_device(**dialog.values()))
        self._open(dialog)

    def sign_in(self, device_id: str) -> None:
        device = self.bridge.lab.get(device_id)
        dialog = LoginDialog(device.config.name, device.config.user, self)
        dialog.accepted.connect(lambda: self.bridge.login(device_id, dialog.password.text()))
        self._open(dialog)

    def _open(self, dialog: Any) -> None:
        self.dialog = dialog
        dialog.finished.connect(lambda _: setattr(self, "dialog", None))
        dialog.open()

    @Slot(object, object)
    def on_jwks_ready(self, device_id: str, jwks: dict[str, Any]) -> None:
        device = self.bridge.lab.devices.get(device_id)
        if device is None or device.tokens is None:
            return
        tokens = {"access token": device.tokens.access_token}
        if device.tokens.refresh_token:
            tokens["refresh token"] = device.tokens.refresh_token
        self._open(TokenInspector(device.config.name, tokens, jwks, device.clock.now(), self))

    def set_speed(self, speed: int) -> None:
        if not self.bridge.embedded:
            self.on_failed("The clock speed is set on the external server itself")
            return
        self.bridge.set_clock_rate(float(speed))

    def open_scenario_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a scenario", "", "Scenarios (*.toml)")
        if path:
            self.play_scenario(Path(path))

    def play_scenario(self, path: Path) -> None:
        try:
            scenario = load_scenario(path)
        except ScenarioError as exc:
            self.on_failed(str(exc))
            return
        speed = float(self.speed_group.checkedId() if self.speed_group.checkedId() > 0 else 1)
        self.timeline_model.clear()
        self.event_log.add_note(
            self.bridge.now(), "scenario", "scenario", f"playing {scenario.name} at {speed:g}×"
        )
        self.scenario_title.setText(f"▶ {scenario.title}")
        self.scenario_text.setText(scenario.description)
        self.scenario_banner.show()
        self.play.setEnabled(False)
        self.back.hide()
        self.scenario_checks: list[bool] = []
        self.bridge.play_scenario(path, speed)

    @Slot(object)
    def on_scenario_step(self, result: Any) -> None:
        for check in result.checks:
            self.scenario_checks.append(check.passed)
            mark = "✓" if check.passed else "✗"
            text = (
                f"{mark} {check.key} = {check.expected}"
                if check.passed
                else (f"{mark} {check.key}: expected {check.expected}, got {check.actual}")
            )
            self.event_log.add_note(
                self.bridge.now(),
                result.step.device or "scenario",
                "expectation",
                f"{result.step.action}: {text}",
            )
        held = sum(self.scenario_checks)
        self.scenario_text.setText(
            f"step {result.step.index}: {result.step.device or ''} "
            f"{result.step.action} → {result.outcome} · "
            f"{held}/{len(self.scenario_checks)} expectations held"
        )

    @Slot(object)
    def on_scenario_finished(self, result: Any) -> None:
        self.play.setEnabled(True)
        self.back.setVisible(self.bridge.lab is not self.bridge.own_lab)
        checks = result.checks
        held = sum(c.passed for c in checks)
        verdict = "passed" if result.passed else "FAILED"
        self.scenario_title.setText(f"{'✓' if result.passed else '✗'} {result.scenario.title}")
        windows = "; ".join(
            f"{w['device']} still accepted for {w['window']:g} s after revocation"
            for w in result.windows
        )
        error = f" — {result.error}" if result.error else ""
        self.scenario_text.setText(
            f"{verdict}: {held}/{len(checks)} expectations held{error}"
            + (f" · stateless window: {windows}" if windows else "")
        )

    def closeEvent(self, event: QCloseEvent) -> None:
        self.ticker.stop()
        super().closeEvent(event)
