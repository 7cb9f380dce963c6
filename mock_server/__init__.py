"""The bundled mock auth server: an OAuth 2.0 token service that issues JWTs.

Build one with ``create_app(settings, clock=…, store=…)``; run one on a
loopback port with ``ServerThread``, or from the shell with ``jwt-lab serve``.
"""

from __future__ import annotations

from mock_server.app import create_app
from mock_server.clock import Clock, SystemClock, VirtualClock
from mock_server.runner import ServerThread
from mock_server.settings import Settings, VerifyMode
from mock_server.store import Store

__all__ = [
    "Clock",
    "ServerThread",
    "Settings",
    "Store",
    "SystemClock",
    "VerifyMode",
    "VirtualClock",
    "create_app",
]
