"""What devices report, as typed events.

The GUI, the scenario runner and the CLI subscribe to the same stream. Every
event names its device and carries ``at`` — the shared (unskewed) clock time
it happened — so lanes of different devices line up on one timeline. Events
never carry tokens, only fingerprints.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DeviceEvent:
    device_id: str
    at: float
    kind: ClassVar[str] = "event"


@dataclass(frozen=True, slots=True)
class StateChanged(DeviceEvent):
    old: str
    new: str
    reason: str | None = None
    message: str | None = None
    kind: ClassVar[str] = "state"


@dataclass(frozen=True, slots=True)
class TokensIssued(DeviceEvent):
    """New tokens: ``how`` is ``login``, ``refresh`` or ``restored`` (from the store)."""

    how: str
    access_fp: str
    refresh_fp: str
    access_exp: float
    refresh_exp: float | None
    sid: str | None
    cause: str | None = None  # of a refresh: "proactive" or "401"; "+grace" if it came again
    refresh_id: str | None = None  # the server's name for the refresh token (its family)
    kind: ClassVar[str] = "tokens"


@dataclass(frozen=True, slots=True)
class RequestSent(DeviceEvent):
    method: str
    path: str
    kind: ClassVar[str] = "request"


@dataclass(frozen=True, slots=True)
class ResponseReceived(DeviceEvent):
    """The final answer to an API call, after any refresh and retry."""

    method: str
    path: str
    status: int | None
    retried: bool = False
    error: str | None = None
    kind: ClassVar[str] = "response"


@dataclass(frozen=True, slots=True)
class Unauthorized(DeviceEvent):
    """A 401 ``invalid_token`` met on an API call (before any refresh)."""

    path: str
    reason: str | None
    kind: ClassVar[str] = "401"


@dataclass(frozen=True, slots=True)
class RefreshFailed(DeviceEvent):
    error: str
    message: str
    kind: ClassVar[str] = "refresh_failed"


@dataclass(frozen=True, slots=True)
class SignedOut(DeviceEvent):
    reason: str
    message: str
    detail: dict[str, Any] = field(default_factory=dict)
    pushed: bool = False  # told by the server's notification stream, before any call
    kind: ClassVar[str] = "signed_out"


@dataclass(frozen=True, slots=True)
class DeviceCodeShown(DeviceEvent):
    """A TV shows a user code to approve on another device (RFC 8628)."""

    user_code: str
    verification_uri: str
    verification_uri_complete: str | None
    expires_at: float
    kind: ClassVar[str] = "device_code"


@dataclass(frozen=True, slots=True)
class TokenStolen(DeviceEvent):
    """A thief copied the device's access token — and, for a DPoP-bound one, the
    last proof the device sent, as a man in the middle would (client/attack.py)."""

    access_fp: str
    access_exp: float
    bound: bool  # DPoP-bound (cnf.jkt): worth nothing without the device's key
    kind: ClassVar[str] = "stolen"


@dataclass(frozen=True, slots=True)
class ThiefTried(DeviceEvent):
    """The thief of the device's token tried it on the API: ``how`` (``bearer``,
    ``own_key``: a proof of the thief's own key, ``copied_proof``: the device's
    proof sent again) and the answer — 200, or the refusal's reason."""

    how: str
    path: str
    status: int | None
    reason: str | None = None
    kind: ClassVar[str] = "thief"

    @property
    def got_in(self) -> bool:
        return self.status == 200


@dataclass(frozen=True, slots=True)
class ApiTried(DeviceEvent):
    """The lab tried a signed-out device's last access token on a resource server
    of its own: how long each API still takes a revoked token (its red window)."""

    api: str
    status: int | None  # None: the API did not answer
    reason: str | None
    sid: str | None
    revoked_at: float
    kind: ClassVar[str] = "api_tried"

    @property
    def accepted(self) -> bool:
        return self.status == 200

    @property
    def refused(self) -> bool:
        """The API's verdict: the token is no good (a 5xx or 429 says nothing of it)."""
        return self.status in (401, 403)


@dataclass(frozen=True, slots=True)
class Notice(DeviceEvent):
    """Something the user should read: a storage fallback, a refused login, …"""

    level: str
    message: str
    kind: ClassVar[str] = "notice"


Listener = Callable[["DeviceEvent"], None]


class EventHub:
    """Subscribers to a stream of device events (a device's, or a whole lab's).

    A subscriber that raises is logged and skipped: a broken listener must not
    break the device that reports to it.
    """

    def __init__(self) -> None:
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` with every event; returns a function that unsubscribes."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def emit(self, event: DeviceEvent) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:
                log.exception("an event listener failed")
