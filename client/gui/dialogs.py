"""Small dialogs: sign in, add a device, inspect a token."""

from __future__ import annotations

import html
import json
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from client.gui.i18n import QT_TR_NOOP, tr
from client.inspect import (
    TIME_CLAIMS,
    FamilyMember,
    TokenReport,
    human_time,
    inspect_token,
    relative,
    token_family,
)
from client.messages import wall_time
from contract import API_VERIFY_MODE_HELP, API_VERIFY_MODES, DEVICE_TYPES, resource_server_id_ok

TYPE_NAMES = {
    "mobile": QT_TR_NOOP("Phone"),
    "pc": QT_TR_NOOP("PC"),
    "tablet": QT_TR_NOOP("Tablet"),
    "web": QT_TR_NOOP("Browser"),
    "tv": QT_TR_NOOP("TV"),
}


FLOW_NAMES = {
    "code": QT_TR_NOOP("Browser — code + PKCE (how apps sign in today)"),
    "device": QT_TR_NOOP("Device code — approve on another device (TVs)"),
    "password": QT_TR_NOOP("Password — legacy, removed in OAuth 2.1"),
}


class LoginDialog(QDialog):
    """Sign a device in: how (the browser with PKCE for phones and PCs, a device code
    for a TV, the legacy password grant), as the device's user. For the password
    grant the password is prefilled with the demo one."""

    def __init__(
        self,
        device_name: str,
        user: str,
        parent: QWidget | None = None,
        *,
        device_type: str = "mobile",
        dpop: bool = False,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Sign in — {device}").format(device=device_name))
        self.flow = QComboBox()
        for flow, name in FLOW_NAMES.items():
            self.flow.addItem(tr(name), flow)
        self.flow.setCurrentIndex(self.flow.findData("device" if device_type == "tv" else "code"))
        self.user = QLineEdit(user)
        self.user.setReadOnly(True)
        self.password = QLineEdit(f"{user}-pass")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.explain = QLabel()
        self.explain.setWordWrap(True)
        self.explain.setObjectName("subtitle")
        hint = QLabel(tr("Demo users: alice / alice-pass, bob / bob-pass"))
        hint.setObjectName("subtitle")
        form = QFormLayout()
        form.addRow(tr("Sign in with"), self.flow)
        form.addRow(tr("User"), self.user)
        form.addRow(tr("Password"), self.password)
        self.dpop = QCheckBox(tr("Bind the tokens to a key this device keeps (DPoP)"))
        self.dpop.setChecked(dpop)
        self.dpop.setToolTip(
            tr(
                "RFC 9449: every request carries a proof signed with the device's key, "
                "kept in the OS keyring; a stolen token is useless without it"
            )
        )
        form.addRow(self.dpop)
        form.addRow(self.explain)
        self.flow.currentIndexChanged.connect(self._flow_changed)
        self._flow_changed()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(tr("Sign in"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(buttons)

    def chosen_flow(self) -> str:
        return str(self.flow.currentData())

    def _flow_changed(self) -> None:
        flow = self.chosen_flow()
        self.password.setEnabled(flow == "password")
        self.explain.setText(
            {
                "code": tr(
                    "The server's sign-in page opens in your browser; it comes back to the "
                    "lab with a one-time code that only this device can exchange (PKCE)."
                ),
                "device": tr(
                    "The device shows a code; approve it on another device with "
                    "“Approve TV sign-in”, or at the address it shows."
                ),
                "password": tr(
                    "The device sends the password itself: the legacy grant that OAuth 2.1 "
                    "removes. Still here to compare."
                ),
            }[flow]
        )


class ApproveDialog(QDialog):
    """Approve (or deny) a TV's sign-in from another device, as its user."""

    def __init__(
        self, tv_name: str, user_code: str, user: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Approve TV sign-in — {device}").format(device=tv_name))
        self.denied = False
        text = QLabel(
            tr("{device} shows the code {code}. Approve it as {user}?").format(
                device=tv_name, code=user_code, user=user
            )
        )
        text.setWordWrap(True)
        text.setTextFormat(Qt.TextFormat.PlainText)
        self.password = QLineEdit(f"{user}-pass")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        form = QFormLayout()
        form.addRow(tr("Password"), self.password)
        buttons = QDialogButtonBox()
        approve = buttons.addButton(tr("Approve"), QDialogButtonBox.ButtonRole.AcceptRole)
        deny = buttons.addButton(tr("Deny"), QDialogButtonBox.ButtonRole.DestructiveRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        approve.clicked.connect(self.accept)
        deny.clicked.connect(self._deny)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def _deny(self) -> None:
        self.denied = True
        self.accept()


class AddDeviceDialog(QDialog):
    """Type, name, user and clock offset of a new device."""

    def __init__(
        self, device_type: str, existing: set[str], users: list[str], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Add a device"))
        self.existing = existing
        self.type = QComboBox()
        for kind in DEVICE_TYPES:
            self.type.addItem(tr(TYPE_NAMES[kind]), kind)
        self.type.setCurrentIndex(DEVICE_TYPES.index(device_type))
        self.name = QLineEdit()
        self.user = QComboBox()
        self.user.setEditable(True)
        self.user.addItems(users or ["alice", "bob"])
        self.offset = QDoubleSpinBox()
        self.offset.setRange(-3600, 3600)
        self.offset.setSuffix(" s")
        self.offset.setToolTip(tr("Simulate a device whose clock runs ahead (+) or behind (−)"))
        self.margin = QDoubleSpinBox()
        self.margin.setRange(0, 600)
        self.margin.setValue(5)
        self.margin.setSuffix(" s")
        self.margin.setToolTip(
            tr("Refresh this long before the access token expires; 0 waits for the 401")
        )
        self.error = QLabel()
        self.error.setObjectName("subtitle")
        self.error.hide()
        form = QFormLayout()
        form.addRow(tr("Type"), self.type)
        form.addRow(tr("Name"), self.name)
        form.addRow(tr("User"), self.user)
        form.addRow(tr("Clock offset"), self.offset)
        form.addRow(tr("Refresh margin"), self.margin)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._validate)
        buttons.rejected.connect(self.reject)
        self.type.currentIndexChanged.connect(self._suggest_name)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self._suggest_name()

    def _suggest_name(self) -> None:
        kind = self.type.currentData()
        n = 1
        while f"{kind}-{n}" in self.existing:
            n += 1
        self.name.setText(f"{tr(TYPE_NAMES[kind])} {n}")
        self._id = f"{kind}-{n}"

    def device_id(self) -> str:
        return self._id

    def values(self) -> dict[str, Any]:
        return {
            "device_id": self._id,
            "device_type": self.type.currentData(),
            "name": self.name.text().strip() or self._id,
            "user": self.user.currentText().strip(),
            "clock_offset": self.offset.value(),
            "refresh_margin": self.margin.value(),
        }

    def _validate(self) -> None:
        if not self.user.currentText().strip():
            self.error.setText(tr("A device needs a user"))
            self.error.show()
            return
        self.accept()


class AddApiDialog(QDialog):
    """A resource server of its own: its name, how it verifies, its cache."""

    def __init__(self, existing: set[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Add a resource server"))
        self.existing = existing
        self.name = QLineEdit(
            next(f"api-{i}" for i in range(1, 1000) if f"api-{i}" not in existing)
        )
        self.mode = QComboBox()
        for mode in API_VERIFY_MODES:
            self.mode.addItem(mode)
            self.mode.setItemData(
                self.mode.count() - 1, tr(API_VERIFY_MODE_HELP[mode]), Qt.ItemDataRole.ToolTipRole
            )
        self.mode.setCurrentText("denylist")
        self.help = QLabel()
        self.help.setObjectName("subtitle")
        self.help.setWordWrap(True)
        self.cache = QDoubleSpinBox()
        self.cache.setRange(0, 3600)
        self.cache.setSuffix(" s")
        self.cache.setToolTip(tr("How long an introspection answer is reused (0: ask every time)"))
        self.error = QLabel()
        self.error.setObjectName("subtitle")
        self.error.hide()
        form = QFormLayout()
        form.addRow(tr("Name"), self.name)
        form.addRow(tr("Verify mode"), self.mode)
        form.addRow("", self.help)
        form.addRow(tr("Introspection cache"), self.cache)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._validate)
        buttons.rejected.connect(self.reject)
        self.mode.currentTextChanged.connect(self._mode_changed)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self._mode_changed(self.mode.currentText())

    def _mode_changed(self, mode: str) -> None:
        self.help.setText(tr(API_VERIFY_MODE_HELP[mode]))
        self.cache.setEnabled(mode == "introspect")

    def values(self) -> dict[str, Any]:
        mode = self.mode.currentText()
        return {
            "rs_id": self.name.text().strip(),
            "verify_mode": mode,
            "introspect_cache": self.cache.value() if mode == "introspect" else 0.0,
        }

    def _validate(self) -> None:
        name = self.name.text().strip()
        problem = None
        if not resource_server_id_ok(name):
            problem = tr("A name is 1-64 letters, digits and . _ -")
        elif name in self.existing:
            problem = tr("There is already a resource server {name!r}").format(name=name)
        if problem:
            self.error.setText(problem)
            self.error.show()
            return
        self.accept()


def _lifetime(exp: object, now: float) -> str:
    if not isinstance(exp, int | float):
        return tr("<b>Lifetime:</b> no exp claim")
    left = float(exp) - now
    if left <= 0:
        return tr("<b>Lifetime:</b> expired {when}").format(when=relative(left))
    return tr("<b>Lifetime:</b> valid, expires {when}").format(when=relative(left))


# The window asks the device's server for its keys; only a finished scenario's is gone.
UNCHECKED = QT_TR_NOOP("not checked: the server that signed it is gone (its scenario has ended)")
TOKEN_KINDS = (  # the tabs
    QT_TR_NOOP("access token"),
    QT_TR_NOOP("refresh token"),
    QT_TR_NOOP("last DPoP proof"),
)


class TokenInspector(QDialog):
    """Decoded header and claims with human times, signature status, and — on
    request only — the token itself, with a copy button."""

    def __init__(
        self,
        title: str,
        tokens: dict[str, str],
        jwks: dict[str, Any] | None,
        now: float,
        parent: QWidget | None = None,
        clock: Callable[[], float] | None = None,
        family: tuple[dict[str, Any] | None, dict[str, str]] | None = None,
        at_format: Callable[[float], str] | None = None,
        unchecked: str | None = None,
    ) -> None:
        """``family``: the session's lineage as the server has it (None if it
        could not be read) and the device's record of why each token came."""
        super().__init__(parent)
        self.setWindowTitle(tr("Token inspector — {device}").format(device=title))
        # What ages while the dialog is open: each token's lifetime line and its times.
        self._live: list[tuple[TokenReport, QLabel, list[tuple[QTreeWidgetItem, float]]]] = []
        self._clock = clock
        self.resize(620, 520)
        self.tabs = QTabWidget()
        self.reports: dict[str, TokenReport] = {}
        for kind, token in tokens.items():
            try:
                report = inspect_token(token, now, jwks, unchecked=unchecked or tr(UNCHECKED))
            except ValueError as exc:
                self.tabs.addTab(QLabel(tr("Not a JWT: {error}").format(error=exc)), tr(kind))
                continue
            self.reports[kind] = report
            self.tabs.addTab(self._page(report, token), tr(kind))
        self.family: list[FamilyMember] = []
        self.family_end = ""
        if family is not None:
            self.tabs.addTab(self._family_page(*family, at_format or wall_time), tr("token family"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        if clock is not None:
            self._timer = QTimer(self)
            self._timer.setInterval(1000)
            self._timer.timeout.connect(self.tick)
            self._timer.start()
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout.addWidget(close)

    def tick(self) -> None:
        """Age the times shown by the device's clock (every second while open)."""
        if self._clock is None:
            return
        now = self._clock()
        for report, lifetime, times in self._live:
            lifetime.setText(_lifetime(report.claims.get("exp"), now))
            for item, value in times:
                item.setText(2, human_time(value, now))

    def _family_page(
        self, lineage: dict[str, Any] | None, causes: dict[str, str], at: Callable[[float], str]
    ) -> QWidget:
        """The session as a lineage: each refresh token → its successor, why it
        came, and which rule ended the family."""
        page = QWidget()
        layout = QVBoxLayout(page)
        if lineage is None:
            layout.addWidget(QLabel(tr("The server's record of this session could not be read.")))
            layout.addStretch(1)
            return page
        self.family, self.family_end = token_family(lineage, causes, at)
        intro = QLabel(
            tr(
                "Session {sid}… of {user} on {device}, signed in at {at}: {n} refresh token(s). "
                "Each refresh retires the token it used and issues its successor."
            ).format(
                sid=lineage["sid"][:8],
                user=lineage["user"],
                device=lineage["device_name"],
                at=at(lineage["created_at"]),
                n=len(self.family),
            )
        )
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.PlainText)  # names come from users and servers
        tree = QTreeWidget()
        tree.setRootIsDecorated(False)
        tree.setHeaderLabels(["#", tr("refresh token"), tr("issued"), tr("why"), tr("then")])
        for member in self.family:
            QTreeWidgetItem(
                tree, [str(member.index), member.id, member.issued, member.cause, member.then]
            )
        for column in range(4):
            tree.resizeColumnToContents(column)
        layout.addWidget(intro)
        layout.addWidget(tree, 1)
        if self.family_end:
            end = QLabel(tr("<b>Ended:</b> {end}").format(end=html.escape(self.family_end)))
            end.setObjectName("familyEnd")
            end.setWordWrap(True)
            layout.addWidget(end)
        return page

    def _page(self, report: TokenReport, token: str) -> QWidget:
        page = QWidget()
        tree = QTreeWidget()
        tree.setHeaderLabels(["", "value", "meaning"])
        tree.setColumnWidth(0, 110)
        tree.setColumnWidth(1, 230)
        header = QTreeWidgetItem(tree, ["header"])
        for key, value in report.header.items():
            QTreeWidgetItem(header, [key, json.dumps(value), ""])
        claims = QTreeWidgetItem(tree, ["claims"])
        times: list[tuple[QTreeWidgetItem, float]] = []
        for key, value in report.claims.items():
            meaning = human_time(float(value), report.now) if key in TIME_CLAIMS else ""
            item = QTreeWidgetItem(claims, [key, json.dumps(value), meaning])
            if key in TIME_CLAIMS:
                times.append((item, float(value)))
        tree.expandAll()
        lifetime = QLabel(_lifetime(report.claims.get("exp"), report.now))
        self._live.append((report, lifetime, times))
        signature = QLabel(
            tr("<b>Signature:</b> {status}").format(status=html.escape(report.signature))
        )
        signature.setWordWrap(True)
        notes = QLabel("<br>".join(report.notes))
        notes.setWordWrap(True)
        raw = QPlainTextEdit(token)
        raw.setReadOnly(True)
        raw.setMaximumHeight(90)
        raw.hide()
        show = QCheckBox(tr("Show the token itself"))
        show.toggled.connect(raw.setVisible)
        copy = QPushButton(tr("Copy token"))
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(token))
        row = QHBoxLayout()
        row.addWidget(show)
        row.addStretch(1)
        row.addWidget(copy)
        layout = QVBoxLayout(page)
        layout.addWidget(tree, 1)
        layout.addWidget(lifetime)
        layout.addWidget(signature)
        if report.notes:
            layout.addWidget(notes)
        layout.addLayout(row)
        layout.addWidget(raw)
        page.setProperty("generated_at", time.time())
        return page
