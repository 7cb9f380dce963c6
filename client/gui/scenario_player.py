"""``ScenarioPlayer``: plays a scenario in the window, in real time.

The runner builds a lab of its own on the engine thread; the window shows
that lab's devices while it plays (``DeviceCommands.show_lab``) and keeps them
afterwards until the user goes back to their own. The server's clock is frozen
through the admin API while the runner drives it, and set back afterwards.

Signals:
    step(object)      a StepResult of the playing scenario
    finished(object)  its ScenarioResult
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from client.admin import AdminClient
from client.gui.devices import DeviceCommands
from client.gui.dispatch import Dispatcher
from client.lab import Lab
from client.scenarios import ScenarioError, ScenarioRunner, load_scenario
from client.scenarios.environment import external_environment


class ScenarioPlayer(QObject):
    step = Signal(object)
    finished = Signal(object)

    def __init__(
        self,
        dispatch: Dispatcher,
        devices: DeviceCommands,
        admin: AdminClient,
        admin_key: str,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.dispatch = dispatch
        self.devices = devices
        self.admin = admin
        self.admin_key = admin_key
        self.running = False

    def play(self, path: Path, speed: float) -> None:
        if self.running:
            self.dispatch.failed.emit("A scenario is already playing")
            return
        try:
            scenario = load_scenario(path)
        except ScenarioError as exc:
            self.dispatch.failed.emit(str(exc))
            return
        self.devices.stop_auto_calls()
        self.running = True

        def on_lab(lab: Lab) -> None:  # engine thread
            self.devices.show_lab(lab, scenario.name)

        runner = ScenarioRunner(
            external_environment(self.admin.url, self.admin_key),
            realtime=True,
            speed=speed,
            on_step=lambda step: self.dispatch.to_gui(self.step.emit, step),
            on_lab=on_lab,
        )

        async def play() -> Any:
            clock = await self.admin.clock()
            previous = clock["rate"] if clock["virtual"] else None
            if previous is not None:
                await self.admin.set_clock_rate(0)  # the runner drives the clock
            try:
                return await runner.run(scenario)
            finally:
                if previous is not None:
                    await self.admin.set_clock_rate(previous)

        def done(result: Any) -> None:
            self.running = False
            self.finished.emit(result)

        def failed(_: BaseException) -> None:
            self.running = False

        self.dispatch.submit(play(), f"Playing {scenario.name}", done, failed)

    def back_to_own_devices(self) -> None:
        if self.running or self.devices.scenario is None:
            return
        self.devices.show_lab(self.devices.own_lab, None)
