"""The bundled mock auth server: an OAuth 2.0 token service that issues JWTs.

Build one with ``create_app(settings, clock=…, store=…)``; run one on a
loopback port with ``ServerThread``, or from the shell with ``jwt-lab serve``.

The public names load lazily (PEP 562), so ``import mock_server.clock`` does not
pull in FastAPI: the desktop lab shows its window while the server starts.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mock_server.app import create_app
    from mock_server.backends import open_store
    from mock_server.clock import Clock, SystemClock, VirtualClock
    from mock_server.runner import ServerThread
    from mock_server.settings import Settings, VerifyMode
    from mock_server.store import SqliteStore, Store

_EXPORTS = {
    "create_app": "mock_server.app",
    "Clock": "mock_server.clock",
    "SystemClock": "mock_server.clock",
    "VirtualClock": "mock_server.clock",
    "ServerThread": "mock_server.runner",
    "Settings": "mock_server.settings",
    "VerifyMode": "mock_server.settings",
    "Store": "mock_server.store",
    "SqliteStore": "mock_server.store",
    "open_store": "mock_server.backends",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'mock_server' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


__all__ = [
    "Clock",
    "ServerThread",
    "Settings",
    "SqliteStore",
    "Store",
    "SystemClock",
    "VerifyMode",
    "VirtualClock",
    "create_app",
    "open_store",
]
