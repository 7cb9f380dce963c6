"""The bundled mock server, started inside the lab's own process.

This module and the CLI are the only places in ``client`` that import
``mock_server``: they launch it. Everything else reaches it over HTTP — here,
httpx's in-process ASGI transport (scenarios: fast, no sockets) or a real
uvicorn on loopback (the desktop app).
"""

from __future__ import annotations

import secrets
from typing import Any

import httpx

from mock_server import ServerThread, Settings, VirtualClock, create_app

SCENARIO_ISSUER = "http://scenario.lab"


class InProcessServer:
    """A fresh mock server on a virtual clock, reached through ASGI transports."""

    def __init__(self, **settings: Any) -> None:
        self.admin_key = secrets.token_urlsafe(16)
        self.clock = VirtualClock()
        self.url = SCENARIO_ISSUER
        self.app = create_app(
            Settings(
                issuer=self.url,
                password_profile="fast",  # noqa: S106 - a hashing profile, not a password
                admin_key=self.admin_key,
                **settings,
            ),
            clock=self.clock,
        )

    def transport(self) -> httpx.AsyncBaseTransport:
        return httpx.ASGITransport(app=self.app)


def start_loopback_server(
    settings: dict[str, Any] | None = None,
    *,
    virtual: bool = True,
    rate: float = 1.0,
    port: int = 0,
    db: str = ":memory:",
) -> ServerThread:
    """A mock server on a free loopback port (uvicorn on its own thread), for the GUI."""
    from mock_server import Store, SystemClock

    clock = VirtualClock(rate=rate) if virtual else SystemClock()
    return ServerThread(
        Settings(**(settings or {})), clock=clock, store=Store(db), port=port
    ).start()
