"""One scenario being played: its lab, its clock, and the state its steps share.

``Play`` sets the server up, moves the scenario's time (the server's virtual
clock and the devices' clock together), and performs each step through the
registry in ``actions.py``, then reads the step's expectations the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Any

import httpx

from client.admin import parse_sse
from client.attack import Thief, refusal
from client.clock import ManualClock
from client.device import Device
from client.errors import ClientError
from client.lab import Lab
from client.registry import MemoryRegistry
from client.scenarios.actions import (
    ACTIONS,
    EXPECTATIONS,
    Outcome,
    read_expectation,
    run_action,
)
from client.scenarios.environment import NetworkSwitch, ServerEnvironment
from client.scenarios.errors import ScenarioError
from client.scenarios.model import Scenario, Step
from client.scenarios.results import Check, StepResult, api_windows, stale_windows
from client.store import MemoryTokenStore

if TYPE_CHECKING:
    from client.scenarios.runner import ScenarioRunner

# A scenario's server unless its [server] table says otherwise: short lifetimes,
# so that expiry happens within a few steps.
DEFAULT_SERVER: dict[str, Any] = {
    "login_policy": "multi",
    "verify_mode": "stateless",
    "access_ttl": 30,
    "refresh_ttl": 180,
    "algorithm": "EdDSA",
    "leeway": 5,
    "reuse_grace": 2,
    "session_lifetime": "absolute",
}


class Play:
    """The state of one scenario being played."""

    def __init__(self, scenario: Scenario, env: ServerEnvironment, runner: ScenarioRunner) -> None:
        self.scenario = scenario
        self.env = env
        self.runner = runner
        self.switches: list[NetworkSwitch] = []
        self.attackers: dict[str, str | None] = {}
        self.callbacks: dict[str, str | None] = {}  # device id → its last sign-in callback URL
        self.stolen_access: dict[str, Thief] = {}  # attacker → the token (and proof) it holds
        self.last_attacker_ok: bool | None = None
        self.refresh_base: dict[str, int] = {}
        self.elapsed = 0.0
        self.seen = 0  # the last server event handed to ``runner.on_server``
        self.apis: dict[str, str] = {}  # [[apis]] name → its URL
        # Every try on an API of its own: {api, at, status, sid, who} — the red windows.
        self.api_attempts: list[dict[str, Any]] = []
        self.clock = ManualClock(0)
        self.lab = Lab(
            env.url,
            store=MemoryTokenStore(),
            clock=self.clock,
            registry=MemoryRegistry(),
            transport=self.transport(),
            auto_reconnect=False,
            auto_poll=False,  # TVs poll on scenario time (advance_to), not the wall clock
        )

    # --- what steps use ---------------------------------------------------------------

    def transport(self) -> httpx.AsyncBaseTransport:
        """A transport to the server that ``server_down`` can cut."""
        switch = NetworkSwitch(self.env.transport())
        switch.up = all(s.up for s in self.switches)
        self.switches.append(switch)
        return switch

    def set_network(self, *, up: bool) -> None:
        for switch in self.switches:
            switch.up = up

    async def restart(self, device_id: str) -> None:
        """Restart a device's app; its refresh count carries over for ``refreshes``."""
        old = self.lab.get(device_id)
        self.refresh_base[device_id] = self.refresh_base.get(device_id, 0) + old.refresh_count
        await self.lab.restart_device(device_id)

    def refreshes(self, device: Device) -> int:
        return self.refresh_base.get(device.id, 0) + device.refresh_count

    def attacker_result(self, outcome: Outcome, *, got_tokens: bool) -> Outcome:
        """Record whether an attacker's replay got tokens (``attacker_ok``)."""
        outcome.attacker_ok = self.last_attacker_ok = got_tokens
        return outcome

    # --- the play ---------------------------------------------------------------------

    async def setup(self) -> None:
        self.clock = ManualClock(await self.env.now())
        self.lab.clock = self.clock
        settings = {**DEFAULT_SERVER, **self.scenario.server}
        response = await self.env.admin("PATCH", "/admin/settings", settings)
        if response.status_code != 200:
            raise ScenarioError(f"the server refused the [server] settings: {refusal(response)}")
        for user in sorted({d.user for d in self.scenario.devices}):
            # A shared external server may still hold sessions of an earlier run.
            await self.env.admin("POST", "/admin/force-expire", {"user": user})
        for api in self.scenario.apis:
            self.apis[api.name] = await self.env.start_api(
                api.name, api.verify_mode, api.introspect_cache
            )
        self.start = self.clock.now()
        self.first_event = self.seen = await self._last_event_id()
        for spec in self.scenario.devices:
            await self.lab.add_device(
                spec.id,
                spec.type,
                user=spec.user,
                name=spec.name,
                clock_offset=spec.clock_offset,
                refresh_margin=spec.refresh_margin,
                listen=spec.listen,
            )
        if self.runner.on_lab:
            self.runner.on_lab(self.lab)
        await self.report_server()

    async def _last_event_id(self) -> int:
        response = await self.env.admin("GET", "/admin/state")
        return int(response.json().get("last_event_id", 0)) if response.status_code == 200 else 0

    async def advance_to(self, at: float) -> bool:
        """Move scenario time to ``at``: at once, or — in real time — in small
        ticks, so a watching GUI sees the clock flow rather than jump. False if
        the runner was told to stop on the way."""
        runner = self.runner
        while self.elapsed < at:
            if runner.stop_requested:
                return False
            delta = at - self.elapsed
            if runner.realtime:
                delta = min(delta, runner.tick * runner.speed)
                await runner.sleep(delta / runner.speed)
            await self.env.advance(delta)
            self.clock.advance(delta)
            self.elapsed = at if at - self.elapsed - delta < 1e-9 else self.elapsed + delta
            await self.lab.poll_device_flows()  # a waiting TV polls when its interval is up
            if runner.realtime:
                await self.report_server()
        return not runner.stop_requested

    async def report_server(self) -> None:
        """Hand the server's state and its new events to a watching window."""
        if self.runner.on_server is None:
            return
        state = (await self.env.admin("GET", "/admin/state")).json()
        response = await self.env.admin("GET", f"/admin/events?follow=false&after={self.seen}")
        events = parse_sse(response)
        if events:
            self.seen = max(int(e.get("id", 0)) for e in events)
        self.runner.on_server(state, events)

    async def perform(self, step: Step) -> StepResult:
        device = self.lab.get(step.device) if step.device else None
        try:
            outcome = await run_action(ACTIONS[step.action], self, step, device)
        except ClientError as exc:
            outcome = Outcome(f"error: {exc}", ok=False)
        await self.settle()
        device = self.lab.get(step.device) if step.device else None  # restart replaces it
        checks = tuple(
            [
                Check(
                    key,
                    expected,
                    await read_expectation(EXPECTATIONS[key], self, step, device, outcome),
                )
                for key, expected in step.expect.items()
            ]
        )
        return StepResult(
            step=step,
            outcome=outcome.text,
            ok=outcome.ok,
            state=str(device.state) if device else None,
            reason=device.reason if device else None,
            checks=checks,
            elapsed=self.elapsed,
        )

    async def settle(self) -> None:
        """Let news the server has already sent reach the devices (a pushed
        sign-out) before the step's expectations are read. In process the push
        takes no I/O — a few turns of the loop; over a network, a moment."""
        if self.apis:
            await self._backchannel_delivered()
        if not any(d.config.listen for d in self.lab.devices.values()):
            return
        for _ in range(100):
            await asyncio.sleep(0)
        if self.env.network_delay:
            await asyncio.sleep(self.env.network_delay)

    async def _backchannel_delivered(self) -> None:
        """Until the server has no logout token left to push: what a revocation
        means to a deny-list has then reached it (its answer is the acknowledgement).
        A resource server that does not answer is waited for 10 s at most."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(10):
                while True:
                    response = await self.env.admin("GET", "/admin/resource-servers")
                    servers = response.json().get("resource_servers", [])
                    if not any(rs.get("pending_deliveries") for rs in servers):
                        return
                    await asyncio.sleep(0.005)

    def record_api_try(self, api: str, who: str, status: int | None, sid: str | None) -> None:
        self.api_attempts.append(
            {"api": api, "at": self.elapsed, "status": status, "sid": sid, "who": who}
        )

    async def api_windows(self) -> list[dict[str, Any]]:
        """For each API of its own and each revoked session tried on it: how long
        after the revocation the session's token was still accepted there."""
        if not self.apis:
            return []
        response = await self.env.admin(
            "GET", f"/admin/events?follow=false&after={self.first_event}"
        )
        revoked = {e["sid"]: e for e in parse_sse(response) if e.get("type") == "session_revoked"}
        modes = {a.name: a for a in self.scenario.apis}
        return api_windows(self.api_attempts, revoked, self.start, modes)

    async def stale_windows(self) -> list[dict[str, Any]]:
        """How long each revoked session's access token was still accepted (stateless)."""
        response = await self.env.admin(
            "GET", f"/admin/events?follow=false&after={self.first_event}"
        )
        return stale_windows(parse_sse(response), self.start)
