"""``LabBridge``: the one door between the window and the engine.

It only assembles the parts, each with one job:

- ``dispatch`` (``Dispatcher``): commands to the engine thread, results back
  to the GUI thread, ``failed``/``info`` messages;
- ``devices`` (``DeviceCommands``): device commands, and ``LabView`` values
  for the window (it never reads a ``Lab`` or a ``Device``);
- ``server`` (``ServerMonitor``): the server followed through its event
  stream, and the admin commands;
- ``player`` (``ScenarioPlayer``): scenarios played in the window.
"""

from __future__ import annotations

import concurrent.futures
import contextlib

from PySide6.QtCore import QObject

from client.admin import AdminClient
from client.engine import Engine
from client.gui.devices import DeviceCommands
from client.gui.dispatch import Dispatcher
from client.gui.scenario_player import ScenarioPlayer
from client.gui.server_monitor import ServerMonitor
from client.lab import Lab


class LabBridge(QObject):
    def __init__(
        self,
        engine: Engine,
        lab: Lab,
        admin: AdminClient,
        *,
        admin_key: str,
        embedded: bool,
        store_problem: str | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.engine = engine
        self.admin = admin
        self.admin_key = admin_key
        self.embedded = embedded
        self.dispatch = Dispatcher(engine, self)
        self.devices = DeviceCommands(self.dispatch, lab, store_problem, self, admin)
        self.server = ServerMonitor(
            self.dispatch,
            admin,
            embedded=embedded,
            lab_clock=lab.clock,
            on_apis=lab.set_apis,
            parent=self,
        )
        self.player = ScenarioPlayer(self.dispatch, self.devices, self)

    def start(self) -> None:
        """The server serves: follow it (commands waiting for it proceed)."""
        self.dispatch.server_ready.set()
        self.server.start()
        self.devices.request_view()

    def shutdown(self, timeout: float = 5.0) -> None:
        """Stop following the server and auto-calls, close every device and the admin client."""
        self.server.stop()
        self.player.stop()
        self.devices.stop_auto_calls()
        self.dispatch.closed = True

        async def close() -> None:
            await self.devices.close()
            await self.admin.aclose()

        with contextlib.suppress(concurrent.futures.TimeoutError, RuntimeError):
            self.engine.run(close(), timeout)
