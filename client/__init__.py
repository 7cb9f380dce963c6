"""JWT Device Lab's client side: devices that are real OAuth 2.0 clients.

    from client import Lab
    lab = Lab("http://127.0.0.1:8765")
    phone = await lab.add_device("phone", "mobile", user="alice")
    await phone.login("alice-pass")
    await phone.call("/api/me")

Nothing here imports Qt (that is ``client.gui``) or the mock server's
internals: the client speaks HTTP to any server with the same standards.
"""

from __future__ import annotations

from client.auth import DeviceAuth
from client.clock import SkewedClock, WallClock
from client.device import Device
from client.engine import Engine
from client.errors import (
    ClientError,
    KeyringUnavailable,
    LoginRefused,
    NotSignedIn,
    RateLimited,
    ServerFailure,
    ServerUnreachable,
    SessionEnded,
    TokenStoreCorrupted,
    TokenStoreError,
)
from client.lab import Lab, open_token_store
from client.registry import DeviceRegistry
from client.state import DeviceState
from client.store import KeyringTokenStore, MemoryTokenStore, StoreKey, TokenStore
from client.tokens import TokenSet, fingerprint
from client.values import CallResult, DeviceConfig, DeviceSnapshot, LabView

__all__ = [
    "CallResult",
    "ClientError",
    "Device",
    "DeviceAuth",
    "DeviceConfig",
    "DeviceRegistry",
    "DeviceSnapshot",
    "DeviceState",
    "Engine",
    "KeyringTokenStore",
    "KeyringUnavailable",
    "Lab",
    "LabView",
    "LoginRefused",
    "MemoryTokenStore",
    "NotSignedIn",
    "RateLimited",
    "ServerFailure",
    "ServerUnreachable",
    "SessionEnded",
    "SkewedClock",
    "StoreKey",
    "TokenSet",
    "TokenStore",
    "TokenStoreCorrupted",
    "TokenStoreError",
    "WallClock",
    "fingerprint",
    "open_token_store",
]
