"""``EventLog``: every device and server event, filterable by source and kind."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from client.events import (
    ApiTried,
    DeviceCodeShown,
    DeviceEvent,
    Notice,
    RefreshFailed,
    RequestSent,
    ResponseReceived,
    SignedOut,
    StateChanged,
    ThiefTried,
    TokensIssued,
    TokenStolen,
    Unauthorized,
)
from client.gui.i18n import QT_TR_NOOP, tr
from client.gui.theme import format_t

ALL = QT_TR_NOOP("All")  # the filters' first entry: no filter
HEADERS = (
    QT_TR_NOOP("time"),
    QT_TR_NOOP("source"),
    QT_TR_NOOP("kind"),
    QT_TR_NOOP("what happened"),
)
_ModelIndex = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True, slots=True)
class Row:
    at: float
    source: str
    kind: str
    text: str  # one sentence a user reads
    details: dict[str, Any] | None = None  # the event's fields, shown on selection


STATE_WORDS = {
    "signed_out": QT_TR_NOOP("signed out"),
    "signing_in": QT_TR_NOOP("signing in"),
    "active": QT_TR_NOOP("active"),
    "refreshing": QT_TR_NOOP("refreshing"),
    "offline": QT_TR_NOOP("offline"),
}
SIGN_INS = {
    "": QT_TR_NOOP("Got its tokens at sign-in"),
    "password": QT_TR_NOOP("Signed in with the password grant (legacy)"),
    "code": QT_TR_NOOP("Signed in through the browser (code + PKCE)"),
    "device": QT_TR_NOOP("Signed in: approved on another device (device grant)"),
}
CAUSES = {
    "proactive": QT_TR_NOOP("before the access token expired"),
    "401": QT_TR_NOOP("after the API refused the access token (401)"),
    "grace": QT_TR_NOOP("again within the reuse grace period"),
}


def _state(word: str) -> str:
    return tr(STATE_WORDS.get(word, word))


def describe(event: DeviceEvent) -> str:
    """A device event as one sentence (fingerprints only, never tokens)."""
    if isinstance(event, StateChanged):
        if event.new == "signed_out":
            return event.message or tr("Signed out")
        if event.new == "active" and event.old == "signing_in":
            return tr("Signed in")
        if event.new == "offline":
            return tr("Offline: the server cannot be reached; it will retry")
        if event.new == "refreshing":
            return tr("Refreshing its tokens")
        return tr("Now {state} (was {old})").format(state=_state(event.new), old=_state(event.old))
    if isinstance(event, TokensIssued):
        if event.how == "login":
            return tr(SIGN_INS.get(event.cause or "", SIGN_INS[""]))
        if event.how == "restored":
            return tr("Took its tokens back from the store")
        base, _, grace = (event.cause or "").partition("+")
        why = tr(CAUSES.get(base, "")) if base in CAUSES else ""
        text = tr("Refreshed its tokens {why}").format(why=why).strip()
        return text + (tr(" (the same pair came again within the grace period)") if grace else "")
    if isinstance(event, DeviceCodeShown):
        return tr("Shows code {code}: approve it at {uri}").format(
            code=event.user_code, uri=event.verification_uri
        )
    if isinstance(event, RequestSent):
        return tr("Calls {method} {path}").format(method=event.method, path=event.path)
    if isinstance(event, ResponseReceived):
        if event.status is None:
            return tr("{method} {path} failed: {error}").format(
                method=event.method, path=event.path, error=event.error or tr("no answer")
            )
        text = tr("{method} {path} answered {status}").format(
            method=event.method, path=event.path, status=event.status
        )
        return text + (tr(" after a refresh and a retry") if event.retried else "")
    if isinstance(event, Unauthorized):
        return tr("The API refused the access token on {path} (401: {reason})").format(
            path=event.path, reason=event.reason or "invalid_token"
        )
    if isinstance(event, TokenStolen):
        if event.bound:
            return tr(
                "A thief copied its access token ({fp}) and its last DPoP proof: the token "
                "is bound to this device's key"
            ).format(fp=event.access_fp)
        return tr("A thief copied its access token ({fp}): a bearer token").format(
            fp=event.access_fp
        )
    if isinstance(event, ThiefTried):
        how = tr(THIEF_TRIES.get(event.how, event.how))
        if event.got_in:
            return tr("The thief got in with the stolen token ({how}): 200").format(how=how)
        return tr("The thief was refused ({how}): {reason}").format(
            how=how, reason=event.reason or tr("no answer")
        )
    if isinstance(event, ApiTried):
        after = f"{max(0.0, event.at - event.revoked_at):.1f}"
        if event.accepted:
            return tr(
                "API {api} still takes the revoked token (200), {after} s after the revocation"
            ).format(api=event.api, after=after)
        if event.status is None:
            return tr("API {api} does not answer").format(api=event.api)
        if not event.refused:
            return tr("API {api} answered {status}").format(api=event.api, status=event.status)
        return tr(
            "API {api} refuses the revoked token ({reason}), {after} s after the revocation"
        ).format(api=event.api, reason=event.reason or event.status, after=after)
    if isinstance(event, SignedOut) and event.pushed:
        return tr("Told at once by the server (no call needed): {message}").format(
            message=event.message
        )
    if isinstance(event, RefreshFailed | SignedOut | Notice):
        return event.message
    return event.kind


THIEF_TRIES = {
    "bearer": QT_TR_NOOP("as a bearer token"),
    "own_key": QT_TR_NOOP("with a proof of its own key"),
    "copied_proof": QT_TR_NOOP("with the copied proof"),
}


def device_details(event: DeviceEvent) -> dict[str, Any]:
    fields = {k: v for k, v in asdict(event).items() if v not in (None, "", {}, [])}
    fields.pop("device_id", None)
    return fields


def _who(event: dict[str, Any]) -> str:
    return str(event.get("device_name") or event.get("device_id") or event.get("user") or "?")


def describe_server(event: dict[str, Any]) -> str:
    """A server event as one sentence; its fields are the details."""
    kind = event.get("type")
    user, who = event.get("user", "?"), _who(event)
    match kind:
        case "login":
            text = tr("{user} signed in on {device}").format(user=user, device=who)
            superseded = event.get("superseded") or []
            if superseded:
                text += tr(", ending {n} other session(s) ({policy})").format(
                    n=len(superseded), policy=event.get("policy")
                )
            return text
        case "refresh":
            return tr("{device} refreshed its tokens (the old refresh token is retired)").format(
                device=who
            )
        case "refresh_retry":
            return tr(
                "{device} presented a just-retired refresh token within the grace period: "
                "it got the same new pair"
            ).format(device=who)
        case "reuse_detected":
            return tr(
                "A refresh token of {device} retired {ago} s ago was presented again: "
                "possible theft, the whole session is revoked"
            ).format(device=who, ago=event.get("rotated_ago"))
        case "session_revoked":
            return tr("The session of {device} ended: {reason}").format(
                device=who, reason=reason_text(str(event.get("reason")))
            )
        case "force_expire":
            return tr("An administrator forced {n} session(s) to expire").format(
                n=len(event.get("sids") or [])
            )
        case "token_rejected":
            return tr("The API refused a token: {reason}").format(reason=event.get("reason"))
        case "revoked_token_accepted":
            return tr(
                "The API accepted the access token of a revoked session "
                "(stateless: it cannot know) — {device}"
            ).format(device=who)
        case "login_failed":
            return tr("{user}: wrong username or password").format(user=user)
        case "login_throttled":
            return tr("{user}: too many sign-ins, wait {s} s").format(
                user=user, s=event.get("retry_after")
            )
        case "login_rejected":
            return tr("{user}'s sign-in on {device} was refused ({policy})").format(
                user=user, device=who, policy=event.get("policy")
            )
        case "key_rotated":
            return tr("New signing key {kid}… ({alg})").format(
                kid=str(event.get("kid"))[:8], alg=event.get("alg")
            )
        case "key_retired":
            return tr("Signing key {kid}… retired").format(kid=str(event.get("kid"))[:8])
        case "settings_changed":
            changes = event.get("changes") or {}
            return tr("Settings changed: {changes}").format(
                changes=", ".join(f"{k}: {v}" for k, v in changes.items())
            )
        case "clock_advanced":
            return tr("The clock moved {s} s forward").format(s=event.get("seconds"))
        case "clock_rate":
            return tr("The clock now runs at {rate}×").format(rate=event.get("rate"))
        case "server_started":
            return tr("The server started ({issuer})").format(issuer=event.get("issuer"))
        case "user_saved":
            return tr("User {user} saved").format(user=user)
        case "user_deleted":
            return tr("User {user} deleted").format(user=user)
    return str(kind)


def reason_text(reason: str) -> str:
    return tr(REASONS.get(reason, reason))


REASONS = {
    "superseded": QT_TR_NOOP("a newer sign-in replaced it"),
    "logout": QT_TR_NOOP("signed out"),
    "forced": QT_TR_NOOP("an administrator ended it"),
    "reuse_detected": QT_TR_NOOP("a refresh token was used twice"),
    "refresh_expired": QT_TR_NOOP("it expired"),
    "key_retired": QT_TR_NOOP("its signing key was retired"),
    "keyring_error": QT_TR_NOOP("its tokens could not be kept"),
}


TIME_FIELDS = ("at", "access_exp", "refresh_exp", "revoked_at", "signed_in_at")


def format_details(details: dict[str, Any], origin: float | None) -> str:
    """An event's fields, one per line; times on the window's T+ as well."""
    lines = []
    for key, value in details.items():
        shown = json.dumps(value, ensure_ascii=False, default=str)
        if key in TIME_FIELDS and isinstance(value, int | float) and origin is not None:
            shown = f"{format_t(value - origin, 1)}  ({shown})"
        lines.append(f"{key}: {shown}")
    return "\n".join(lines)


def server_details(event: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in event.items() if k not in ("type", "at") and v not in (None, [], {})}


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
            return tr(HEADERS[section])
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
    """The table of events, with source and kind filters, a find box, and the
    selected event's details below it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._api_answers: dict[tuple[str, str, str | None], int | None] = {}
        self.model = EventModel()
        self.source = QComboBox()
        self.kind = QComboBox()
        for combo in (self.source, self.kind):
            combo.addItem(tr(ALL))
            combo.setMinimumWidth(120)
            combo.currentTextChanged.connect(self._apply_filter)
        self.search = QLineEdit()
        self.search.setPlaceholderText(tr("Find in the log (Ctrl+F)"))
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._apply_filter)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.verticalHeader().hide()
        self.view.setAlternatingRowColors(True)
        self.view.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setMaximumHeight(110)
        self.details.setObjectName("eventDetails")
        self.details.hide()
        self._watch_selection()
        filters = QHBoxLayout()
        filters.addWidget(QLabel(tr("Source")))
        filters.addWidget(self.source)
        filters.addWidget(QLabel(tr("Kind")))
        filters.addWidget(self.kind)
        filters.addWidget(self.search, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(filters)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.details)

    def _watch_selection(self) -> None:
        selection = self.view.selectionModel()
        if selection is not None:
            selection.selectionChanged.connect(self._show_details)

    def _show_details(self) -> None:
        rows = {index.row() for index in self.view.selectionModel().selectedRows()}
        row = self.model.rows[rows.pop()] if len(rows) == 1 else None
        if row is None or not row.details:
            self.details.hide()
            return
        self.details.setPlainText(format_details(row.details, self.model.origin))
        self.details.show()

    # Rows go to ``into`` (a lab's log, shown or not), or to the shown one.

    def add_device_event(self, event: DeviceEvent, into: EventModel | None = None) -> None:
        if isinstance(event, ApiTried):
            # The lab tries every half second: the log keeps the first answer and each change.
            key = (event.device_id, event.api, event.sid)
            if self._api_answers.get(key) == event.status:
                return
            self._api_answers[key] = event.status
        row = Row(event.at, event.device_id, event.kind, describe(event), device_details(event))
        self._add([row], into)

    def add_server_events(
        self, events: list[dict[str, Any]], into: EventModel | None = None
    ) -> None:
        self._add(
            [
                Row(e["at"], "server", e["type"], describe_server(e), server_details(e))
                for e in events
            ],
            into,
        )

    def add_note(
        self, at: float, source: str, kind: str, text: str, into: EventModel | None = None
    ) -> None:
        self._add([Row(at, source, kind, text)], into)

    def show_model(self, model: EventModel) -> None:
        """Show another lab's log; the filters offer its sources and kinds."""
        self.model = model
        self.view.setModel(model)
        self._watch_selection()
        self.details.hide()
        self.view.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        for combo, values in (
            (self.source, {row.source for row in model.rows}),
            (self.kind, {row.kind for row in model.rows}),
        ):
            chosen = combo.currentText() if combo.currentIndex() > 0 else None
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(tr(ALL))
            combo.addItems(sorted(values))
            combo.setCurrentIndex(combo.findText(chosen) if chosen in values else 0)
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
                if combo.findText(value) < 1:  # entry 0 is "All", whatever its words
                    combo.addItem(value)
        for i in range(max(0, first - (len(self.model.rows) - len(rows))), self.model.rowCount()):
            self.view.setRowHidden(i, not self._visible(self.model.rows[i]))
        if self.view.isVisible():
            self.view.scrollToBottom()

    def _visible(self, row: Row) -> bool:
        source = self.source.currentText() if self.source.currentIndex() > 0 else None
        kind = self.kind.currentText() if self.kind.currentIndex() > 0 else None
        wanted = self.search.text().strip().casefold()
        return (
            (source is None or row.source == source)
            and (kind is None or row.kind == kind)
            and (not wanted or wanted in f"{row.source} {row.kind} {row.text}".casefold())
        )

    def _apply_filter(self) -> None:
        for i, row in enumerate(self.model.rows):
            self.view.setRowHidden(i, not self._visible(row))

    def visible_rows(self) -> list[Row]:
        return [row for i, row in enumerate(self.model.rows) if not self.view.isRowHidden(i)]

    def clear(self) -> None:
        self.model.clear()
