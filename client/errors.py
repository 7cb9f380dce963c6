"""The client's errors: what a caller — the GUI, the scenario runner, the CLI — can act on.

    ClientError                   root
    ├── SessionEnded              the server says the session is over (``reason``)
    ├── LoginRefused              the password grant was refused (bad password, policy, …)
    ├── RateLimited               too many failed logins; ``retry_after`` seconds
    ├── NotSignedIn               a call needs tokens and the device has none
    ├── ServerUnreachable         the network failed (connect, timeout, reset)
    ├── ServerFailure             the server answered 5xx, or with something unreadable
    └── TokenStoreError           the token store failed
        ├── KeyringUnavailable    no keyring, a locked one, or one that errors
        └── TokenStoreCorrupted   an entry exists but is not what we wrote

Library errors (httpx in ``client/http.py``, keyring, PyJWT) are turned into
these at the boundary and chained (``raise … from exc``). Messages never
contain a token: at most its fingerprint.
"""

from __future__ import annotations

from typing import Any


class ClientError(Exception):
    """Root of every error the client raises."""


class SessionEnded(ClientError):
    """The server ended the session; ``reason`` says why (``superseded``, ``forced``, …)."""

    def __init__(self, reason: str, message: str, detail: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.detail = detail or {}


class LoginRefused(ClientError):
    """The server refused the login; ``reason`` is ``invalid_credentials``, ``rejected``, …"""

    def __init__(self, reason: str, message: str, detail: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.detail = detail or {}


class RateLimited(LoginRefused):
    """Too many failed logins: try again in ``retry_after`` seconds."""

    def __init__(self, retry_after: float, message: str) -> None:
        super().__init__("rate_limited", message, {"retry_after": retry_after})
        self.retry_after = retry_after


class NotSignedIn(ClientError):
    """The device has no tokens: sign in first."""


class ServerUnreachable(ClientError):
    """The server could not be reached; ``kind`` is ``refused``, ``timeout`` or ``network``.

    Raised by the clients of ``client.http`` for every network failure.
    """

    def __init__(self, message: str, kind: str = "network") -> None:
        super().__init__(message)
        self.kind = kind


class ServerFailure(ClientError):
    """The server answered with a 5xx or a response the client cannot read."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class TokenStoreError(ClientError):
    """The token store failed."""


class KeyringUnavailable(TokenStoreError):
    """The OS keyring is missing, locked or failing."""


class TokenStoreCorrupted(TokenStoreError):
    """A stored token entry is damaged or not one of ours."""
