"""The client's values: what a device is, what a call returned, what a device
looks like at one instant, and what the whole lab looks like.

All are frozen: the engine thread builds them and hands them to whoever shows
them (the window, the CLI, a test) without sharing a live object.

Times: ``at`` fields are on the *lab clock* — the clock the lab shares with
the server (the wall clock, or the server's virtual clock). Token expiries are
the server's ``exp`` claims, on the same clock. A device whose own clock is
skewed sees ``at + clock_offset``: that is what it decides by, and what its
countdowns show (``DeviceSnapshot.device_now``).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from client import messages as say
from client.state import DeviceState
from contract import APP_NAME, DEVICE_TYPES, FLOWS

CLIENT_ID = APP_NAME  # the lab's registered OAuth client
_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


@dataclass(frozen=True, slots=True)
class DeviceConfig:
    """What defines a device (no secrets): persisted so a restart restores it."""

    id: str
    type: str
    name: str
    user: str
    server: str
    clock_offset: float = 0.0
    refresh_margin: float = 5.0  # seconds before exp to refresh; 0 = wait for the 401
    client_id: str = CLIENT_ID
    # How it signs in: "password" (legacy), "code" (a browser, PKCE) or "device" (a TV).
    flow: str = "password"
    # The scope it asks for in browser and device sign-ins ("": the server's default;
    # an OpenID Provider wants "openid offline_access" for a refresh token).
    scope: str = ""
    # Sign in with DPoP (RFC 9449): tokens bound to a key this device keeps.
    dpop: bool = False
    dpop_alg: str = "ES256"  # or "Ed25519"
    # Hear at once that its session ended (GET /api/notifications) — or, as the
    # seed's devices did, only when a call or refresh is refused.
    listen: bool = True

    def __post_init__(self) -> None:
        if not _ID.match(self.id):
            raise ValueError(say.bad_device_id(self.id))
        if self.type not in DEVICE_TYPES:
            raise ValueError(say.bad_device_type(self.type, DEVICE_TYPES))
        if not self.user:
            raise ValueError(say.NO_USER)
        if not self.server.startswith(("http://", "https://")):
            raise ValueError(say.bad_server_url(self.server))
        if self.refresh_margin < 0:
            raise ValueError(say.NEGATIVE_MARGIN)
        if self.flow not in FLOWS:
            raise ValueError(say.bad_flow(self.flow, FLOWS))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DeviceConfig:
        known = {f: data[f] for f in cls.__dataclass_fields__ if f in data}
        try:
            return cls(**known)
        except TypeError as exc:
            raise ValueError(say.incomplete_device(exc)) from exc


@dataclass(frozen=True, slots=True)
class CallResult:
    """The outcome of one API call, after any refresh and retry."""

    method: str
    path: str
    status: int | None
    ok: bool
    body: Any = None
    error: str | None = None
    retried: bool = False
    at: float = 0.0  # lab clock, when the answer came


@dataclass(frozen=True, slots=True)
class DeviceSnapshot:
    """A device at one instant, for display. Times are on the lab clock."""

    config: DeviceConfig
    state: DeviceState
    reason: str | None
    message: str | None
    at: float  # lab clock: when this snapshot was taken
    clock_offset: float  # the device's skew now (it may differ from config's initial one)
    access_exp: float | None
    refresh_exp: float | None
    obtained_at: float | None
    session_start: float | None
    access_fp: str
    refresh_fp: str
    sid: str | None
    refresh_count: int
    last_call: CallResult | None
    # The server's details of how the session ended (who, when), if it said: the
    # window words them on its own clock (``messages.sign_out_message``).
    end_detail: dict[str, Any] | None = None
    # A device sign-in waiting for approval elsewhere: its user code and where to
    # enter it (``DeviceAuthorization.shown``), never the device code.
    pending: dict[str, Any] | None = None
    # The thumbprint of the key its tokens are bound to (DPoP), if they are.
    dpop_jkt: str | None = None
    # Its notification stream is open: it will hear at once that its session ended.
    listening: bool = False

    @property
    def device_now(self) -> float:
        """The device's own clock at ``at``: what its countdowns are measured on."""
        return self.at + self.clock_offset


@dataclass(frozen=True, slots=True)
class LabView:
    """The whole lab at one instant: the engine sends this to the window."""

    at: float  # lab clock
    devices: tuple[DeviceSnapshot, ...]
    store: str  # where tokens are kept, for the status bar
    scenario: str | None = None  # the scenario whose devices are shown, if any

    def get(self, device_id: str) -> DeviceSnapshot | None:
        return next((d for d in self.devices if d.config.id == device_id), None)
