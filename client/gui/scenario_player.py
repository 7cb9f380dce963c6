"""``ScenarioPlayer``: plays a scenario in the window, in real time, in a lab of
its own on a server of its own.

The runner builds a fresh in-process mock server and a lab for the scenario on
the engine thread; the user's lab, server, settings and sessions are never
touched. The window shows the scenario's devices while it plays
(``DeviceCommands.show_lab``) and keeps them afterwards, read-only, until the
user goes back to their own. ``stop()`` ends a play before its next tick.

Signals:
    started(object)            the Scenario that begins to play
    step(object)               a StepResult of the playing scenario
    server(object, object)     the scenario server's /admin/state and new events
    finished(object)           its ScenarioResult (``stopped`` if the user stopped it)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from client.gui.devices import DeviceCommands
from client.gui.dispatch import Dispatcher
from client.gui.i18n import tr
from client.lab import Lab
from client.scenarios import ScenarioError, ScenarioRunner, load_scenario
from client.scenarios.environment import in_process_environment
from client.scenarios.results import ScenarioResult


class ScenarioPlayer(QObject):
    started = Signal(object)
    step = Signal(object)
    server = Signal(object, object)
    finished = Signal(object)

    def __init__(
        self,
        dispatch: Dispatcher,
        devices: DeviceCommands,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.dispatch = dispatch
        self.devices = devices
        self.running = False
        self._runner: ScenarioRunner | None = None

    def play(self, path: Path, speed: float) -> None:
        if self.running:
            self.dispatch.failed.emit(tr("A scenario is already playing"))
            return
        try:
            scenario = load_scenario(path)
        except ScenarioError as exc:
            self.dispatch.failed.emit(str(exc))
            return
        self.running = True

        def on_lab(lab: Lab) -> None:  # engine thread
            self.devices.show_lab(lab, scenario.name)

        def on_server(state: dict[str, Any], events: list[dict[str, Any]]) -> None:
            self.dispatch.to_gui(lambda _: self.server.emit(state, events), None)

        self._runner = runner = ScenarioRunner(
            in_process_environment,  # a server of its own: the user's is not touched
            realtime=True,
            speed=speed,
            on_step=lambda step: self.dispatch.to_gui(self.step.emit, step),
            on_lab=on_lab,
            on_server=on_server,
        )

        def done(result: ScenarioResult) -> None:
            self.running = False
            self._runner = None
            self.finished.emit(result)

        def failed(error: BaseException) -> None:  # already reported through ``failed``
            self.running = False
            self._runner = None
            self.finished.emit(ScenarioResult(scenario, error=str(error)))

        self.started.emit(scenario)
        # In-process: it needs nothing from the user's server.
        self.dispatch.submit(
            runner.run(scenario),
            tr("Playing {name}").format(name=scenario.name),
            done,
            failed,
            wait_for_server=False,
        )

    def stop(self) -> None:
        """Stop the playing scenario; ``finished`` follows with a stopped result."""
        if self._runner is not None:
            self._runner.stop()

    def back_to_own_devices(self) -> None:
        if self.running or self.devices.scenario is None:
            return
        self.devices.show_lab(self.devices.own_lab, None)
