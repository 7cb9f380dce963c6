"""Playing scenarios: one fresh environment (server) and one ``Play`` per scenario.

The runner advances the server's virtual clock (through the admin API) and the
devices' clock together, step by step, so minutes of token time pass in
milliseconds; or, with ``realtime``, it also waits the real time between steps
(divided by ``speed``). Each step's expectations are checked right after it;
a failed one is recorded and the scenario goes on.

The parts: ``environment.py`` (where the server is), ``play.py`` (one
scenario's state and time), ``actions.py`` (what each step kind does and each
expectation reads), ``results.py`` (verdicts and stale-token windows).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from client.lab import Lab
from client.scenarios.environment import (
    ServerEnvironment,
    in_process_environment,
    loopback_environment,
)
from client.scenarios.errors import ScenarioError
from client.scenarios.model import Scenario
from client.scenarios.play import Play
from client.scenarios.results import ScenarioResult, StepResult

StepCallback = Callable[[StepResult], None]
# The scenario server's /admin/state and its events since the last call.
ServerCallback = Callable[[dict[str, Any], list[dict[str, Any]]], None]


class ScenarioRunner:
    """Plays scenarios; one fresh environment (server) per scenario."""

    def __init__(
        self,
        environment: Callable[[], ServerEnvironment] = in_process_environment,
        *,
        realtime: bool = False,
        speed: float = 1.0,
        on_step: StepCallback | None = None,
        on_lab: Callable[[Lab], None] | None = None,
        on_server: ServerCallback | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        tick: float = 0.1,
    ) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self._environment = environment
        self.realtime = realtime
        self.speed = speed
        self.on_step = on_step
        self.on_lab = on_lab
        self.on_server = on_server
        self.stop_requested = False
        self.sleep = sleep
        self.tick = tick

    def stop(self) -> None:
        """End the playing scenario before its next tick (from any thread): its
        result says ``stopped``, and its lab and server are closed as usual."""
        self.stop_requested = True

    async def run(self, scenario: Scenario) -> ScenarioResult:
        result = ScenarioResult(scenario)
        started = time.perf_counter()
        if scenario.apis and self._environment is in_process_environment:
            # Resource servers of their own need real sockets: the back-channel pushes.
            env: ServerEnvironment = await asyncio.to_thread(loopback_environment)
        else:
            env = self._environment()
        try:
            play = Play(scenario, env, self)
            try:
                await play.setup()
                for step in scenario.steps:
                    if not await play.advance_to(step.at):
                        result.stopped = True
                        break
                    step_result = await play.perform(step)
                    result.steps.append(step_result)
                    if self.on_step:
                        self.on_step(step_result)
                    await play.report_server()
                result.windows = await play.stale_windows()
                result.api_windows = await play.api_windows()
            finally:
                await play.lab.close()
        except ScenarioError as exc:
            result.error = str(exc)
        finally:
            await env.close()
            result.wall_seconds = time.perf_counter() - started
        return result
