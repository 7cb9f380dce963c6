"""``DeviceCard``: one device at a glance — state, token countdowns, last call, actions.

Signals (each carries the device id):
    sign_in_requested, call_requested, sign_out_requested,
    logout_others_requested, inspect_requested, remove_requested,
    auto_call_changed(str, float)   seconds between automatic calls, 0 = off
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import segno
from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPaintEvent, QPixmap
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from client import messages as say
from client.gui import theme
from client.gui.i18n import QT_TR_NOOP, reason_word, tr
from client.inspect import relative
from client.values import DeviceSnapshot

AUTO_INTERVALS = (0, 2, 3, 5, 10)


class TokenBar(QWidget):
    """A bar that empties as a token's lifetime runs out.

    ``value()`` is the fraction left in thousandths (1000 = fresh, 0 = expired).
    The colour shifts to amber in the last third and to red once expired.
    """

    def __init__(self, color: QColor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._color = color
        self._fraction = 0.0
        self._expired = False
        self._present = False
        self.setMinimumHeight(12)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def sizeHint(self) -> QSize:
        return QSize(180, 12)

    def set_lifetime(self, issued: float | None, expires: float | None, now: float) -> None:
        if issued is None or expires is None:
            shown = (False, 0.0, False)
        else:
            total = max(expires - issued, 1e-6)
            shown = (True, min(1.0, max(0.0, (expires - now) / total)), now >= expires)
        # Repaint only when the bar moves by at least a pixel's worth (1/500).
        if (
            shown[0] != self._present
            or shown[2] != self._expired
            or abs(shown[1] - self._fraction) >= 0.002
        ):
            self._present, self._fraction, self._expired = shown
            self.update()

    def value(self) -> int:
        return round(self._fraction * 1000)

    def color(self) -> QColor:
        if self._expired:
            return theme.EXPIRED
        if self._color == theme.ACCESS and self._fraction < 1 / 3:
            return theme.ACCESS_NEAR
        if self._color == theme.REFRESH and self._fraction < 0.15:
            return theme.ACCESS_NEAR
        return self._color

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(self.rect()).adjusted(0.5, 1.5, -0.5, -1.5)
        track = self.palette().mid().color()
        track.setAlpha(90)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(track)
        painter.drawRoundedRect(rect, 4, 4)
        if self._present:
            if self._expired:
                painter.setBrush(theme.EXPIRED.lighter(170))
                painter.drawRoundedRect(rect, 4, 4)
            else:
                filled = QRectF(rect.x(), rect.y(), rect.width() * self._fraction, rect.height())
                painter.setBrush(self.color())
                painter.drawRoundedRect(filled, 4, 4)
        painter.end()


QR_SIZE = 104  # pixels: readable by a phone's camera from a screen


def qr_pixmap(text: str, size: int) -> QPixmap:
    """A QR code of ``text`` (segno), drawn crisp: whole pixels per module."""
    code = segno.make(text, error="m")
    matrix = [list(row) for row in code.matrix]
    modules = len(matrix) + 8  # the quiet zone: 4 modules each side
    scale = max(1, size // modules)
    image = QImage(modules * scale, modules * scale, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor("black"))
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                painter.drawRect((x + 4) * scale, (y + 4) * scale, scale, scale)
    painter.end()
    return QPixmap.fromImage(image).scaled(
        size, size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.FastTransformation
    )


BADGES = {
    "active": QT_TR_NOOP("ACTIVE"),
    "signed_out": QT_TR_NOOP("SIGNED OUT"),
    "signing_in": QT_TR_NOOP("SIGNING IN"),
    "refreshing": QT_TR_NOOP("REFRESHING"),
    "offline": QT_TR_NOOP("OFFLINE"),
    "revoked": QT_TR_NOOP("REVOKED"),
    "expired": QT_TR_NOOP("EXPIRED"),
    "waiting": QT_TR_NOOP("WAITING FOR APPROVAL"),
}
TYPE_WORDS = {
    "mobile": QT_TR_NOOP("mobile"),
    "pc": QT_TR_NOOP("pc"),
    "tablet": QT_TR_NOOP("tablet"),
    "web": QT_TR_NOOP("web"),
    "tv": QT_TR_NOOP("tv"),
}


def _revoked_but_accepted(
    snap: DeviceSnapshot, session: dict[str, Any], at_format: Callable[[float], str]
) -> str:
    """The stateless lesson, on the card: revoked on the server, still accepted here."""
    at = at_format(session["revoked_at"])
    why = f" ({reason_word(session['reason'])})" if session.get("reason") else ""
    if session.get("verify_mode") == "stateful":
        text = tr("Revoked at {at}{why} — refused from now on (stateful checks)")
        return text.format(at=at, why=why)
    left = (snap.access_exp or 0) - snap.at  # the server judges on its (the lab's) clock
    if left > 0:
        text = tr("Revoked at {at}{why} — still accepted (stateless) for {s} s")
        return text.format(at=at, why=why, s=f"{left:.0f}")
    text = tr("Revoked at {at}{why} — its access token has expired: the next call is refused")
    return text.format(at=at, why=why)


class DeviceCard(QFrame):
    sign_in_requested = Signal(str)
    call_requested = Signal(str)
    sign_out_requested = Signal(str)
    logout_others_requested = Signal(str)
    inspect_requested = Signal(str)
    remove_requested = Signal(str)
    auto_call_changed = Signal(str, float)
    selected = Signal(str)  # clicked: the menu's and the shortcuts' current device
    approve_requested = Signal(str, str)  # this device approves that TV's sign-in
    cancel_requested = Signal(str)  # a TV gives up waiting for approval
    steal_requested = Signal(str)  # a thief copies this device's access token
    listen_changed = Signal(str, bool)  # hear sign-outs at once (server push), or not
    MIN_WIDTH = 360  # the window lays out as many columns of cards as fit

    def __init__(
        self, snapshot: DeviceSnapshot, parent: QWidget | None = None, *, read_only: bool = False
    ) -> None:
        super().__init__(parent)
        self.device_id = snapshot.config.id
        # A scenario's device: it shows and can be inspected; the scenario drives it.
        self.read_only = read_only
        # How a time on the lab clock is written (the window's T+); the wall clock on hover.
        self.format_time: Callable[[float], str] = say.wall_time
        self.setObjectName("card")
        self.setMinimumWidth(self.MIN_WIDTH)
        config = snapshot.config

        self.icon = QLabel()
        self.icon.setPixmap(theme.device_icon(config.type))
        self.name = QLabel(config.name)
        self.name.setObjectName("deviceName")
        self.subtitle = QLabel()
        self.subtitle.setObjectName("subtitle")
        self.badge = QLabel()
        self.badge.setObjectName("badge")
        self.badge.setAlignment(Qt.AlignmentFlag.AlignCenter)

        header = QHBoxLayout()
        header.addWidget(self.icon)
        names = QVBoxLayout()
        names.setSpacing(0)
        names.addWidget(self.name)
        names.addWidget(self.subtitle)
        header.addLayout(names, 1)
        # Tokens bound to this device's key (DPoP): a stolen copy is worth nothing.
        self.key_badge = QLabel(tr("DPoP-bound"))
        self.key_badge.setObjectName("keyBadge")
        self.key_badge.hide()
        header.addWidget(self.key_badge, 0, Qt.AlignmentFlag.AlignTop)
        header.addWidget(self.badge, 0, Qt.AlignmentFlag.AlignTop)

        self.access_bar = TokenBar(theme.ACCESS)
        self.refresh_bar = TokenBar(theme.REFRESH)
        self.access_left = QLabel("—")
        self.refresh_left = QLabel("—")
        for label in (self.access_left, self.refresh_left):
            label.setMinimumWidth(52)
            label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.bars_box = QWidget()  # hidden while a TV shows its code: no tokens to show
        bars = QGridLayout(self.bars_box)
        bars.setContentsMargins(0, 0, 0, 0)
        bars.setHorizontalSpacing(10)
        bars.addWidget(QLabel(tr("Access token")), 0, 0)
        bars.addWidget(self.access_bar, 0, 1)
        bars.addWidget(self.access_left, 0, 2)
        bars.addWidget(QLabel(tr("Refresh token")), 1, 0)
        bars.addWidget(self.refresh_bar, 1, 1)
        bars.addWidget(self.refresh_left, 1, 2)

        self.reason = QLabel()
        self.reason.setWordWrap(True)
        self.reason.setTextFormat(Qt.TextFormat.PlainText)  # names come from users and servers
        self.reason_box = QFrame()
        self.reason_box.setObjectName("reasonBanner")
        reason_layout = QVBoxLayout(self.reason_box)
        reason_layout.setContentsMargins(8, 5, 8, 5)
        reason_layout.addWidget(self.reason)
        # Its place is kept while it is hidden: the buttons below do not jump when
        # a reason appears (one line; a longer one grows the card).
        policy = self.reason_box.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.reason_box.setSizePolicy(policy)
        self.reason_box.hide()
        # A TV waiting for approval: its user code, where to enter it, and a QR code
        # of the address with the code in it (RFC 8628 §3.3.1).
        self.pending_box = QFrame()
        self.pending_box.setObjectName("pendingBox")
        self.user_code = QLabel()
        self.user_code.setObjectName("userCode")
        self.user_code.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.verification = QLabel()
        self.verification.setWordWrap(True)
        self.verification.setTextFormat(Qt.TextFormat.PlainText)
        self.verification.setObjectName("subtitle")
        self.qr = QLabel()
        self.qr.setFixedSize(QR_SIZE, QR_SIZE)
        self.cancel_pending = QPushButton(tr("Cancel"))
        self.cancel_pending.clicked.connect(lambda: self.cancel_requested.emit(self.device_id))
        code_column = QVBoxLayout()
        code_column.addWidget(QLabel(tr("Enter this code on your phone or PC:")))
        code_column.addWidget(self.user_code)
        code_column.addWidget(self.verification)
        code_column.addWidget(self.cancel_pending, 0, Qt.AlignmentFlag.AlignLeft)
        code_column.addStretch(1)
        pending_layout = QHBoxLayout(self.pending_box)
        pending_layout.setContentsMargins(8, 6, 8, 6)
        pending_layout.addLayout(code_column, 1)
        pending_layout.addWidget(self.qr, 0, Qt.AlignmentFlag.AlignTop)
        self.pending_box.hide()
        self._shown_pending: str | None = None
        # Approving a TV from this device (the window says which TVs wait).
        self.approve = QPushButton(tr("Approve TV sign-in…"))
        self.approve.clicked.connect(self._approve_first)
        self.approve.hide()
        self.approvals: list[tuple[str, str]] = []  # (tv id, tv name)
        self.last_call = QLabel(tr("No request yet"))
        self.last_call.setObjectName("lastCall")
        self.last_call.setWordWrap(True)
        for label in (self.name, self.last_call):  # a user's name, a server's error
            label.setTextFormat(Qt.TextFormat.PlainText)

        self.sign_in = QPushButton(tr("Sign in"))
        self.call = QPushButton(tr("Call API"))
        self.auto = QToolButton()
        self.auto.setCheckable(True)
        self.auto.setText(tr("Auto"))
        self.auto.setToolTip(tr("Call the API automatically"))
        self.auto.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        auto_menu = QMenu(self.auto)
        for seconds in AUTO_INTERVALS:
            action = auto_menu.addAction(
                tr("Off") if seconds == 0 else tr("Every {s} s").format(s=seconds)
            )
            action.setData(seconds)
        auto_menu.triggered.connect(lambda action: self._set_auto(float(action.data())))
        self.auto.setMenu(auto_menu)
        self.sign_out = QPushButton(tr("Sign out"))
        self.inspect = QPushButton(tr("Inspect"))
        self.inspect.setToolTip(tr("Decode the tokens and check their signature"))
        self.more = QToolButton()
        self.more.setText("⋯")
        self.more.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        more_menu = QMenu(self.more)
        self.logout_others_action = more_menu.addAction(
            tr("Sign out other devices"), lambda: self.logout_others_requested.emit(self.device_id)
        )
        self.steal_action = more_menu.addAction(
            tr("Steal its access token"), lambda: self.steal_requested.emit(self.device_id)
        )
        self.steal_action.setToolTip(
            tr("A thief copies the access token (and the last DPoP proof) and tries it on the API")
        )
        self.listen_action = more_menu.addAction(tr("Hear sign-outs at once"))
        self.listen_action.setCheckable(True)
        self.listen_action.setToolTip(
            tr(
                "Keep GET /api/notifications open: the server tells this device the moment its "
                "session ends. Off: it learns only when a call or a refresh is refused, as the "
                "seed's devices did"
            )
        )
        self.listen_action.toggled.connect(
            lambda on: (
                self.listen_changed.emit(self.device_id, on) if on != self._shown_listen else None
            )
        )
        more_menu.addAction(tr("Remove device"), lambda: self.remove_requested.emit(self.device_id))
        self.more.setMenu(more_menu)

        self.sign_in.clicked.connect(lambda: self.sign_in_requested.emit(self.device_id))
        self.call.clicked.connect(lambda: self.call_requested.emit(self.device_id))
        self.sign_out.clicked.connect(lambda: self.sign_out_requested.emit(self.device_id))
        self.sign_in_again = more_menu.addAction(
            tr("Sign in again"), lambda: self.sign_in_requested.emit(self.device_id)
        )
        self.inspect.clicked.connect(lambda: self.inspect_requested.emit(self.device_id))

        buttons = QHBoxLayout()
        buttons.setSpacing(6)
        # Sign in and Sign out take turns in one slot of one width: the buttons after
        # them stay where the hand expects them.
        slot = max(self.sign_in.sizeHint().width(), self.sign_out.sizeHint().width())
        self.sign_in.setMinimumWidth(slot)
        self.sign_out.setMinimumWidth(slot)
        for button in (self.sign_in, self.sign_out, self.call, self.auto, self.inspect):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.more)
        if read_only:
            for widget in (self.sign_in, self.sign_out, self.call, self.auto, self.more):
                widget.hide()
            played = QLabel(tr("Played by the scenario"))
            played.setObjectName("subtitle")
            buttons.insertWidget(0, played)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 12)
        layout.setSpacing(8)
        layout.addLayout(header)
        layout.addWidget(self.bars_box)
        layout.addWidget(self.reason_box)
        layout.addWidget(self.pending_box)
        layout.addWidget(self.approve, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.last_call)
        layout.addLayout(buttons)
        self._shown_state: str | None = None
        self._shown_tokens: bool | None = None
        self._shown_listen: bool | None = None
        self.update_snapshot(snapshot, 0.0)

    def set_approvals(self, approvals: list[tuple[str, str]]) -> None:
        """The TVs this device may approve now (same user, waiting)."""
        if approvals == self.approvals:
            return
        self.approvals = approvals
        self.approve.setVisible(bool(approvals) and not self.read_only)
        if approvals:
            names = ", ".join(name for _, name in approvals)
            self.approve.setToolTip(tr("Waiting for approval: {names}").format(names=names))

    def _approve_first(self) -> None:
        if self.approvals:
            self.approve_requested.emit(self.device_id, self.approvals[0][0])

    def _show_pending(self, pending: dict[str, Any] | None, now: float) -> None:
        key = pending["user_code"] if pending else None
        if key != self._shown_pending:
            self._shown_pending = key
            if pending is not None:
                self.user_code.setText(pending["user_code"])
                link = pending.get("verification_uri_complete") or pending["verification_uri"]
                self.qr.setPixmap(qr_pixmap(link, QR_SIZE))
                self.qr.setToolTip(link)
            self.pending_box.setVisible(pending is not None)
            self.bars_box.setVisible(pending is None)
            # While the code shows, the reason's kept place goes to it.
            policy = self.reason_box.sizePolicy()
            policy.setRetainSizeWhenHidden(pending is None)
            self.reason_box.setSizePolicy(policy)
        if pending is not None:
            left = max(0.0, pending["expires_at"] - now)
            self._set(
                self.verification,
                tr("at {uri} · expires in {left}").format(
                    uri=pending["verification_uri"], left=theme.format_clock(left)
                ),
            )

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.selected.emit(self.device_id)
        super().mousePressEvent(event)

    def set_current(self, current: bool) -> None:
        """Outline the card the Device menu and its shortcuts act on."""
        if self.property("current") != current:
            self.setProperty("current", current)
            self.style().unpolish(self)
            self.style().polish(self)

    def _set_auto(self, seconds: float) -> None:
        self.set_auto_label(seconds)
        self.auto_call_changed.emit(self.device_id, float(seconds))

    def set_auto_label(self, seconds: float) -> None:
        self._set(self.auto, tr("Auto") if seconds == 0 else f"⟳ {seconds:g} s")
        if self.auto.isChecked() != (seconds > 0):
            self.auto.setChecked(seconds > 0)

    def _set(self, widget: QLabel | QPushButton | QToolButton, text: str) -> None:
        # 50 cards repaint ten times a second: touch a widget only when it changes.
        if widget.text() != text:
            widget.setText(text)

    def update_snapshot(
        self, snap: DeviceSnapshot, auto: float, server_session: dict[str, Any] | None = None
    ) -> None:
        """Show the device as the snapshot saw it. Countdowns are on the device's
        own clock (what it decides by); the last call's age is on the lab clock,
        like the call's time. ``server_session`` is the server's record of the
        device's session, when the window has read it: it tells what the device
        cannot know — that the session was revoked while its token still works."""
        config = snap.config
        now = snap.device_now
        state = str(snap.state)
        lesson = None
        wall = ""  # the reason's sentence on the wall clock, for its tooltip
        if state == "signing_in" and snap.pending:
            state = "waiting"  # a TV showing its code
        elif state == "active" and server_session and server_session.get("revoked_at"):
            state, lesson = "revoked", _revoked_but_accepted(snap, server_session, self.format_time)
            wall = _revoked_but_accepted(snap, server_session, say.wall_time)
        elif (
            state == "active"
            and snap.access_exp is not None
            and snap.refresh_exp is not None
            and max(snap.access_exp, snap.refresh_exp) <= now
        ):
            state = "expired"  # it will find out at its next call; the card says so now
        if state != self._shown_state:
            self._shown_state = state
            self.badge.setText(tr(BADGES.get(state, state.replace("_", " ").upper())))
            self.badge.setStyleSheet(f"background: {theme.STATE_COLORS.get(state, '#6b7280')};")
            self.setProperty("signedOut", state == "signed_out")
            for widget in (self, self.name):  # the name's colour depends on the card's state
                widget.style().unpolish(widget)
                widget.style().polish(widget)
        subtitle = tr("{type} · {user} · clock {offset} s").format(
            type=tr(TYPE_WORDS.get(config.type, config.type)),
            user=config.user,
            offset=f"{snap.clock_offset:+g}",
        )
        if snap.listening:
            subtitle += tr(" · listening")
        self._set(self.subtitle, subtitle)
        listening_tip = (
            tr("Listening: the server will tell it the moment its session ends")
            if snap.listening
            else ""
        )
        if self.subtitle.toolTip() != listening_tip:
            self.subtitle.setToolTip(listening_tip)
        if config.listen != self._shown_listen:
            self._shown_listen = config.listen
            self.listen_action.setChecked(config.listen)

        # The refresh bar spans the session, not just the latest rotated token.
        self.access_bar.set_lifetime(snap.obtained_at, snap.access_exp, now)
        self.refresh_bar.set_lifetime(snap.session_start, snap.refresh_exp, now)
        self._set(
            self.access_left, theme.format_clock(snap.access_exp - now) if snap.access_exp else "—"
        )
        self._set(
            self.refresh_left,
            theme.format_clock(snap.refresh_exp - now) if snap.refresh_exp else "—",
        )
        self._show_pending(snap.pending, now)
        if self.key_badge.isVisibleTo(self) != bool(snap.dpop_jkt):
            self.key_badge.setVisible(bool(snap.dpop_jkt))
        if snap.dpop_jkt:
            tip = tr("Tokens bound to this device's key {jkt} (DPoP, RFC 9449)").format(
                jkt=snap.dpop_jkt[:12] + "…"
            )
            if self.key_badge.toolTip() != tip:
                self.key_badge.setToolTip(tip)
        signed_out = state == "signed_out"
        message = snap.message if signed_out else lesson
        if signed_out and snap.reason and snap.end_detail is not None:
            # The server said when: on the window's clock, the wall clock on hover.
            message = say.sign_out_message(snap.reason, snap.end_detail, self.format_time)
            wall = say.sign_out_message(snap.reason, snap.end_detail)
        show_reason = bool(message)
        if show_reason:
            self._set(self.reason, message or "")
            if self.reason.toolTip() != wall:
                self.reason.setToolTip(wall)
        if self.reason_box.isVisibleTo(self) != show_reason:
            self.reason_box.setVisible(show_reason)

        call = snap.last_call
        if call is not None:
            outcome = str(call.status) if call.status is not None else (call.error or tr("failed"))
            if call.retried:
                outcome += tr(" (401 → refresh → retry)")
            elif call.error and call.status:
                outcome += f" ({call.error})"
            self._set(
                self.last_call,
                tr("Last: {method} {path} → {outcome} · {when}").format(
                    method=call.method,
                    path=call.path,
                    outcome=outcome,
                    when=relative(call.at - snap.at),
                ),
            )
        has_tokens = snap.access_exp is not None
        if has_tokens != self._shown_tokens or state == "signing_in":
            self._shown_tokens = has_tokens
            # One of Sign in / Sign out at a time keeps the card narrow and the next step obvious.
            self.sign_in.setVisible(not has_tokens and not self.read_only)
            self.sign_out.setVisible(has_tokens and not self.read_only)
            self.sign_in_again.setEnabled(has_tokens)
            self.call.setEnabled(has_tokens)
            self.inspect.setEnabled(has_tokens)
            self.logout_others_action.setEnabled(has_tokens)
            self.steal_action.setEnabled(has_tokens)
        if self.sign_in.isEnabled() != (state not in ("signing_in", "waiting")):
            self.sign_in.setEnabled(state not in ("signing_in", "waiting"))
        self.set_auto_label(auto)
