"""``ServerConsole``: the server's settings, applied live, and its sessions.

Signals:
    settings_changed(dict)      one or more settings to PATCH
    revoke_session(str)         sid
    force_expire_user(str)      username
    rotate_key(), retire_key()
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from client.gui import theme
from client.gui.i18n import QT_TR_NOOP, reason_word, tr
from contract import LOGIN_POLICIES, SETTINGS_BY_NAME, policy_help

# The console's widgets come from the contract's settings schema; a server's
# own schema (GET /admin/state → schema) replaces it when it arrives.
POLICIES = SETTINGS_BY_NAME["login_policy"].choices
ALGORITHMS = SETTINGS_BY_NAME["algorithm"].choices
# The device's type and id are on the device cell's tooltip: the names get the room.
COLUMNS = ("user", "device", "created", "last refresh", "state", "reason")
HEADERS = (
    QT_TR_NOOP("user"),
    QT_TR_NOOP("device"),
    QT_TR_NOOP("created"),
    QT_TR_NOOP("refreshed"),
    QT_TR_NOOP("state"),
    QT_TR_NOOP("reason"),
)
COLUMN_TIMES = {2: "created_at", 3: "last_refresh_at"}
STATE_COLUMNS = (4, 5)
# The table's words for a session's state and end (the wire's codes on hover).
SESSION_STATES = {
    "active": QT_TR_NOOP("active"),
    "revoked": QT_TR_NOOP("revoked"),
    "expired": QT_TR_NOOP("expired"),
}


API_HEADERS = (
    QT_TR_NOOP("name"),
    QT_TR_NOOP("verify mode"),
    QT_TR_NOOP("deny-list"),
    QT_TR_NOOP("last logout token delivered"),
)


def _policy_help(policy: str) -> str:
    """The policy's meaning in the window's language (``max:3`` included)."""
    if policy.startswith("max:"):
        return tr(LOGIN_POLICIES["max:N"]).replace("N", policy[4:])
    return tr(policy_help(policy))


def _wall(value: float | None) -> str:
    return datetime.fromtimestamp(value).strftime("%Y-%m-%d %H:%M:%S") if value else ""


class ServerConsole(QFrame):
    settings_changed = Signal(dict)
    revoke_session = Signal(str)
    force_expire_user = Signal(str)
    rotate_key = Signal()
    session_menu_requested = Signal(str, str, QPoint)  # sid, user, where (global)
    retire_key = Signal()
    add_api_requested = Signal()  # start a resource server of its own

    def __init__(self, url: str, embedded: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("console")
        self._updating = False
        self.read_only = False  # a scenario's server: shown, set by the scenario alone
        self.own_title = (
            tr("Server · {url} (embedded)") if embedded else tr("Server · {url}")
        ).format(url=url)
        self.title = title = QLabel(self.own_title)
        title.setObjectName("consoleTitle")

        self.policy = QComboBox()
        for policy in POLICIES:
            self.policy.addItem(policy)
            self.policy.setItemData(
                self.policy.count() - 1, _policy_help(policy), Qt.ItemDataRole.ToolTipRole
            )
        self.policy.currentTextChanged.connect(lambda v: self._changed(login_policy=v))

        self.stateless = QPushButton(tr("stateless"))
        self.stateful = QPushButton(tr("stateful"))
        self.stateless.setToolTip(
            tr(
                "Signature and claims only: a revoked session's access token "
                "keeps working until it expires"
            )
        )
        self.stateful.setToolTip(
            tr("Also checks the session on every request: revocation is immediate")
        )
        self.mode_group = QButtonGroup(self)
        for button in (self.stateless, self.stateful):
            button.setCheckable(True)
            self.mode_group.addButton(button)
        self.stateless.setChecked(True)
        self.mode_group.buttonClicked.connect(lambda b: self._changed(verify_mode=b.text()))
        modes = QHBoxLayout()
        modes.setSpacing(0)
        modes.addWidget(self.stateless)
        modes.addWidget(self.stateful)
        modes.addStretch(1)

        self.access_ttl = self._spin("access_ttl")
        self.refresh_ttl = self._spin("refresh_ttl")
        self.leeway = self._spin("leeway")
        self.algorithm = QComboBox()
        self.algorithm.addItems(ALGORITHMS)
        self.algorithm.currentTextChanged.connect(lambda v: self._changed(algorithm=v))

        form = QGridLayout()
        form.setHorizontalSpacing(10)
        form.setVerticalSpacing(6)
        form.addWidget(QLabel(tr("Login policy")), 0, 0)
        form.addWidget(self.policy, 0, 1, 1, 3)
        form.addWidget(QLabel(tr("Verify mode")), 1, 0)
        form.addLayout(modes, 1, 1, 1, 3)
        form.addWidget(QLabel(tr("Access TTL")), 2, 0)
        form.addWidget(self.access_ttl, 2, 1)
        form.addWidget(QLabel(tr("Refresh TTL")), 2, 2)
        form.addWidget(self.refresh_ttl, 2, 3)
        form.addWidget(QLabel(tr("Leeway")), 3, 0)
        form.addWidget(self.leeway, 3, 1)
        form.addWidget(QLabel(tr("Algorithm")), 3, 2)
        form.addWidget(self.algorithm, 3, 3)

        self.rotate = QPushButton(tr("Rotate key"))
        self.rotate.setToolTip(
            tr("A new key signs from now on; tokens of the old key still verify")
        )
        self.rotate.clicked.connect(self.rotate_key)
        self.retire = QPushButton(tr("Retire old key"))
        self.retire.setToolTip(tr("The oldest key stops verifying: its tokens are refused at once"))
        self.retire.clicked.connect(self.retire_key)
        self.user = QComboBox()
        self.force = QPushButton(tr("Force-expire user"))
        self.force.setObjectName("danger")
        self.force.clicked.connect(lambda: self.force_expire_user.emit(self.user.currentText()))
        actions = QHBoxLayout()
        actions.addWidget(self.rotate)
        actions.addWidget(self.retire)
        actions.addStretch(1)
        actions.addWidget(self.user)
        actions.addWidget(self.force)

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels([tr(h) for h in HEADERS])
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.revoke = QPushButton(tr("Revoke selected session"))
        self.revoke.setObjectName("danger")
        self.revoke.setEnabled(False)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._session_menu)
        self.table.itemSelectionChanged.connect(
            lambda: self.revoke.setEnabled(not self.read_only and self._selected_sid() is not None)
        )
        self.revoke.clicked.connect(self._revoke_selected)
        self.keys = QLabel()
        self.keys.setObjectName("subtitle")

        sessions_title = QLabel(tr("Sessions"))
        sessions_title.setObjectName("sectionTitle")
        sessions_header = QHBoxLayout()
        sessions_header.addWidget(sessions_title)
        sessions_header.addStretch(1)
        sessions_header.addWidget(self.revoke)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 12)
        layout.setSpacing(8)
        layout.addWidget(title)
        layout.addLayout(form)
        layout.addLayout(actions)
        layout.addWidget(self.keys)
        layout.addLayout(sessions_header)
        layout.addWidget(self.table, 1)

        # Resource servers of their own (jwt-lab api): how each verifies, what it knows.
        apis_title = QLabel(tr("Resource servers"))
        apis_title.setObjectName("sectionTitle")
        self.add_api = QPushButton(tr("Add…"))
        self.add_api.setToolTip(
            tr(
                "Start an API of its own beside the bundled server, verifying tokens one of "
                "four ways: watch how long each still takes a revoked token"
            )
        )
        self._embedded = embedded
        self.add_api.setEnabled(embedded)
        if not embedded:
            self.add_api.setToolTip(
                tr("Run `jwt-lab api` and register it with --resource-server ID:SECRET:URI")
            )
        self.add_api.clicked.connect(self.add_api_requested)
        apis_header = QHBoxLayout()
        apis_header.addWidget(apis_title)
        apis_header.addStretch(1)
        apis_header.addWidget(self.add_api)
        self.apis = QTableWidget(0, len(API_HEADERS))
        self.apis.setHorizontalHeaderLabels([tr(h) for h in API_HEADERS])
        denylist_header = self.apis.horizontalHeaderItem(2)
        if denylist_header is not None:
            denylist_header.setToolTip(
                tr(
                    "Revoked sessions it holds now, each until the last token of its session "
                    "would have expired"
                )
            )
        self.apis.verticalHeader().hide()
        self.apis.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.apis.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.apis.setWordWrap(False)
        self.apis.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.apis.horizontalHeader().setStretchLastSection(True)
        self.apis.setMaximumHeight(110)
        self.apis_empty = QLabel(tr("None yet: add one to compare the four ways to verify"))
        self.apis_empty.setObjectName("subtitle")
        layout.addLayout(apis_header)
        layout.addWidget(self.apis_empty)
        layout.addWidget(self.apis)
        self.apis.hide()
        self._shown_apis: list[tuple[Any, ...]] = []
        # When each one last took a logout token, on the server's clock (its events'
        # ``at``; the admin list's times are the sender's wall clock).
        self._delivered: dict[str, float] = {}
        self._sids: list[str] = []
        self._shown_sessions: list[tuple[Any, ...]] = []
        self._origin: float | None = None
        self._show_unread()

    def _controls(self) -> tuple[QWidget, ...]:
        return (
            self.policy,
            self.stateless,
            self.stateful,
            self.access_ttl,
            self.refresh_ttl,
            self.leeway,
            self.algorithm,
            self.rotate,
            self.retire,
            self.user,
            self.force,
        )

    def _show_unread(self) -> None:
        """Nothing read from the server yet: show no values rather than made-up ones."""
        self._updating = True
        try:
            for spin in (self.access_ttl, self.refresh_ttl, self.leeway):
                spin.setSpecialValueText("—")  # shown at the minimum: no number at all
                spin.setValue(spin.minimum())
            self.policy.setCurrentIndex(-1)
            self.algorithm.setCurrentIndex(-1)
            self.mode_group.setExclusive(False)
            self.stateless.setChecked(False)
            self.stateful.setChecked(False)
            self.mode_group.setExclusive(True)
            self.keys.setText(tr("Settings not read from the server yet"))
            for control in self._controls():
                control.setEnabled(False)
        finally:
            self._updating = False

    def _spin(self, key: str) -> QSpinBox:
        spec = SETTINGS_BY_NAME[key]
        spin = QSpinBox()
        spin.setRange(spec.minimum or 0, spec.maximum or 0)
        spin.setSuffix(" s" if spec.unit == "s" else "")
        spin.setToolTip(tr(spec.help).replace("`", ""))
        spin.setKeyboardTracking(False)  # apply on Enter or focus-out, not per keystroke
        spin.valueChanged.connect(lambda v: self._changed(**{key: v}))
        return spin

    def _changed(self, **change: Any) -> None:
        if not self._updating:
            self.settings_changed.emit(change)

    def _selected_sid(self) -> str | None:
        rows = {index.row() for index in self.table.selectedIndexes()}
        if len(rows) != 1:
            return None
        row = rows.pop()
        return self._sids[row] if row < len(self._sids) else None

    def _session_menu(self, pos: QPoint) -> None:
        row = self.table.rowAt(pos.y())
        if 0 <= row < len(self._sids):
            user = self.table.item(row, 0)
            self.session_menu_requested.emit(
                self._sids[row],
                user.text() if user is not None else "",
                self.table.viewport().mapToGlobal(pos),
            )

    def _revoke_selected(self) -> None:
        sid = self._selected_sid()
        if sid is not None:
            self.revoke_session.emit(sid)

    def update_state(self, state: dict[str, Any]) -> None:
        """Show the server's state without echoing it back as changes."""
        self._updating = True
        try:
            for spin in (self.access_ttl, self.refresh_ttl, self.leeway):
                spin.setSpecialValueText("")  # a real value at the minimum is a number
            for control in self._controls():
                control.setEnabled(not self.read_only)
            self.apply_schema(state.get("schema", []))
            settings = state["settings"]
            if self.policy.findText(settings["login_policy"]) < 0:
                self.policy.addItem(settings["login_policy"])
            self.policy.setCurrentText(settings["login_policy"])
            (self.stateful if settings["verify_mode"] == "stateful" else self.stateless).setChecked(
                True
            )
            for spin, key in (
                (self.access_ttl, "access_ttl"),
                (self.refresh_ttl, "refresh_ttl"),
                (self.leeway, "leeway"),
            ):
                if not spin.hasFocus():
                    spin.setValue(int(settings[key]))
            self.algorithm.setCurrentText(settings["algorithm"])
            users = state.get("users", [])
            if [self.user.itemText(i) for i in range(self.user.count())] != users:
                current = self.user.currentText()
                self.user.clear()
                self.user.addItems(users)
                if current in users:
                    self.user.setCurrentText(current)
            active_keys = [k for k in state.get("keys", []) if k["state"] == "active"]
            self.keys.setText(
                tr("Signing keys: {n} active · {keys}").format(
                    n=len(active_keys),
                    keys=", ".join(f"{k['alg']} {k['kid'][:8]}…" for k in active_keys[-3:]),
                )
            )
            self._fill_sessions(state.get("sessions", []))
            # A scenario's server is shown without them: its own are the scenario's.
            self._fill_apis(state.get("resource_servers", []))
            self.add_api.setEnabled(self._embedded and not self.read_only)
        finally:
            self._updating = False

    def note_server_event(self, event: dict[str, Any]) -> None:
        if event.get("type") == "backchannel_delivered":
            self._delivered[str(event.get("resource_server"))] = float(event["at"])

    def _fill_apis(self, servers: list[dict[str, Any]]) -> None:
        rows = []
        for rs in servers:
            mode = rs.get("verify_mode") or "?"
            if rs.get("introspect_cache"):
                mode = f"{mode} ({rs['introspect_cache']:g} s)"
            if not rs.get("reachable"):
                mode = tr("{mode} — not answering").format(mode=mode)
            size = rs.get("denylist_size")
            delivered = self._delivered.get(str(rs.get("id")))
            pending = int(rs.get("pending_deliveries") or 0)
            delivery = self._t(delivered) if isinstance(delivered, int | float) else "—"
            if pending:
                delivery += tr(" · {n} waiting").format(n=pending)
            rows.append(
                (
                    str(rs.get("id")),
                    mode,
                    str(size) if rs.get("verify_mode") == "denylist" and size is not None else "—",
                    delivery,
                )
            )
        if rows == self._shown_apis:
            return
        self._shown_apis = rows
        self.apis.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                self.apis.setItem(r, c, QTableWidgetItem(text))
        self.apis.setVisible(bool(rows))
        self.apis_empty.setVisible(not rows)

    def apis_rows(self) -> list[dict[str, str]]:
        """What the resource-server table shows (for tests and screenshots)."""
        keys = ("name", "mode", "denylist", "delivery")
        return [dict(zip(keys, row, strict=True)) for row in self._shown_apis]

    def show_server(self, title: str | None) -> None:
        """Show a scenario's server (``title``), read-only, or the user's again (None).
        The next ``update_state`` fills it in."""
        self.read_only = title is not None
        self.title.setText(title or self.own_title)
        self._shown_sessions = []
        if self.read_only:
            self.revoke.setEnabled(False)
        for control in self._controls():
            control.setEnabled(not self.read_only)

    def apply_schema(self, schema: list[dict[str, Any]]) -> None:
        """Ranges and choices as the server declares them (it may not be ours)."""
        spins = {"access_ttl": self.access_ttl, "refresh_ttl": self.refresh_ttl}
        spins["leeway"] = self.leeway
        for entry in schema:
            spin = spins.get(entry.get("name", ""))
            bounds = (entry.get("minimum"), entry.get("maximum"))
            if (
                spin is not None
                and None not in bounds
                and (spin.minimum(), spin.maximum()) != bounds
            ):
                spin.setRange(int(entry["minimum"]), int(entry["maximum"]))
            if entry.get("name") == "algorithm" and entry.get("choices"):
                shown = [self.algorithm.itemText(i) for i in range(self.algorithm.count())]
                if shown != entry["choices"]:
                    self.algorithm.clear()
                    self.algorithm.addItems(entry["choices"])

    def set_origin(self, origin: float) -> None:
        """T+0 of the window: session times count from it, like the clock and the timeline."""
        self._origin = origin
        self._shown_sessions = []  # re-render the times

    def _t(self, value: float | None) -> str:
        if value is None:
            return "—"
        return theme.format_t(value - self._origin) if self._origin is not None else _wall(value)

    def _fill_sessions(self, sessions: list[dict[str, Any]]) -> None:
        recent = sorted(sessions, key=lambda s: s["created_at"], reverse=True)[:200]
        shown = [(s["sid"], s["state"], s["reason"], s["last_refresh_at"]) for s in recent]
        if shown == self._shown_sessions:
            return  # most state reads change no session
        self._shown_sessions = shown
        selected = self._selected_sid()
        self._sids = [s["sid"] for s in recent]
        self.table.setRowCount(len(recent))
        for row, session in enumerate(recent):
            values = (
                session["user"],
                session["device_name"],
                self._t(session["created_at"]),
                self._t(session["last_refresh_at"]),
                tr(SESSION_STATES.get(session["state"], session["state"])),
                reason_word(session["reason"]) if session["reason"] else "",
            )
            for column, value in enumerate(values):
                item = self.table.item(row, column)
                if item is None:
                    item = QTableWidgetItem()
                    self.table.setItem(row, column, item)
                item.setText(str(value))
                if column in COLUMN_TIMES:  # T+ like the rest of the window; wall time on hover
                    item.setToolTip(_wall(session[COLUMN_TIMES[column]]))
                elif column in STATE_COLUMNS:  # the wire's word, as the log has it
                    item.setToolTip(session["reason" if column == 5 else "state"] or "")
                elif column == 1:
                    item.setToolTip(
                        f"{session['device_name']} · {session['device_type']} · "
                        f"id {session['device_id']}"
                    )
                state = session["state"]
                color = theme.text_color(state) if state in ("active", "revoked") else None
                if column in STATE_COLUMNS and color:
                    item.setForeground(QColor(color))
                elif column in STATE_COLUMNS:
                    item.setForeground(self.palette().placeholderText())
                else:
                    item.setForeground(self.palette().text())
        if selected in self._sids:
            self.table.selectRow(self._sids.index(selected))

    def sessions_rows(self) -> list[dict[str, str]]:
        """The table's contents, for tests and accessibility."""
        rows = []
        for r in range(self.table.rowCount()):
            cells = [self.table.item(r, c) for c in range(len(COLUMNS))]
            rows.append({COLUMNS[c]: cell.text() if cell else "" for c, cell in enumerate(cells)})
        return rows
