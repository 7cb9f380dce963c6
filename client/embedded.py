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


class EmbeddedServer:
    """A handle on the bundled server running on loopback: its address, admin key
    and clock (a virtual one whose speed the lab controls)."""

    def __init__(self, thread: ServerThread, clock: VirtualClock) -> None:
        self._thread = thread
        self.url = thread.url
        self.admin_key = thread.admin_key
        self.clock = clock

    def stop(self) -> None:
        self._thread.stop()


def start_embedded_server(
    *,
    port: int = 8765,
    db: str = ":memory:",
    rate: float = 1.0,
    settings: dict[str, Any] | None = None,
) -> EmbeddedServer:
    """Start the bundled server on ``port`` (any free port if that one is taken),
    uvicorn on its own thread, with a virtual clock flowing at ``rate``."""
    from mock_server import Store

    clock = VirtualClock(rate=rate)
    try:
        thread = ServerThread(Settings(**(settings or {})), clock=clock, store=Store(db), port=port)
    except OSError:
        thread = ServerThread(Settings(**(settings or {})), clock=clock, store=Store(db), port=0)
    return EmbeddedServer(thread.start(), clock)
