"""Playing a scenario: devices act on a virtual clock shared with the server.

The runner advances the server's virtual clock (through the admin API) and the
devices' clock together, step by step, so minutes of token time pass in
milliseconds; or, with ``realtime``, it also waits the real time between steps
(divided by ``speed``). Each step's expectations are checked right after it;
a failed one is recorded and the scenario goes on.

The server is either a fresh in-process one per scenario (the default) or an
external one started with ``jwt-lab serve --virtual-clock``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from client.admin import AdminClient, parse_sse
from client.clock import ManualClock
from client.device import Device
from client.errors import ClientError, LoginRefused, ServerUnreachable
from client.lab import Lab
from client.registry import MemoryRegistry
from client.scenarios.model import Scenario, ScenarioError, Step
from client.scenarios.results import Check, ScenarioResult, StepResult, stale_windows
from client.store import MemoryTokenStore

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


class ServerEnvironment(Protocol):
    """Where the scenario's server is, and how to reach and steer it."""

    url: str

    def transport(self) -> httpx.AsyncBaseTransport: ...
    async def admin(self, method: str, path: str, json: Any = None) -> httpx.Response: ...
    async def advance(self, seconds: float) -> None: ...
    async def now(self) -> float: ...
    async def close(self) -> None: ...


class NetworkSwitch(httpx.AsyncBaseTransport):
    """A transport that fails like a dead network while ``up`` is False."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.up = True

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not self.up:
            raise httpx.ConnectError("the server is down (scenario)", request=request)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


class HttpEnvironment:
    """A server reached over a transport, steered through its admin API."""

    def __init__(self, url: str, admin_key: str, transport: Callable[[], httpx.AsyncBaseTransport]):
        self.url = url.rstrip("/")
        self._transport = transport
        self._admin = AdminClient(self.url, admin_key, transport(), timeout=30)

    def transport(self) -> httpx.AsyncBaseTransport:
        return self._transport()

    async def admin(self, method: str, path: str, json: Any = None) -> httpx.Response:
        try:
            response = await self._admin.request(method, path, json)
        except ServerUnreachable as exc:
            raise ScenarioError(str(exc)) from exc
        if response.status_code == 401:
            raise ScenarioError(f"the server at {self.url} refused the admin key")
        return response

    async def now(self) -> float:
        clock = (await self.admin("GET", "/admin/clock")).json()
        if not clock.get("virtual"):
            raise ScenarioError(
                f"the server at {self.url} runs on the real clock; start it with "
                "`jwt-lab serve --virtual-clock` to play scenarios against it"
            )
        return float(clock["now"])

    async def advance(self, seconds: float) -> None:
        response = await self.admin("POST", "/admin/clock/advance", {"seconds": seconds})
        if response.status_code != 200:
            raise ScenarioError(f"the server would not advance its clock: {response.text}")

    async def close(self) -> None:
        await self._admin.aclose()


def in_process_environment() -> HttpEnvironment:
    """A fresh in-process mock server (ASGI transport, virtual clock)."""
    from client.embedded import InProcessServer

    server = InProcessServer()
    return HttpEnvironment(server.url, server.admin_key, server.transport)


def external_environment(url: str, admin_key: str) -> Callable[[], HttpEnvironment]:
    return lambda: HttpEnvironment(url, admin_key, httpx.AsyncHTTPTransport)


@dataclass(slots=True)
class _Outcome:
    text: str
    ok: bool = True
    attacker_ok: bool | None = None


StepCallback = Callable[[StepResult], None]


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
        self._sleep = sleep
        self.tick = tick

    async def run(self, scenario: Scenario) -> ScenarioResult:
        result = ScenarioResult(scenario)
        started = time.perf_counter()
        env = self._environment()
        try:
            play = _Play(scenario, env, self)
            await play.setup()
            try:
                for step in scenario.steps:
                    await play.advance_to(step.at)
                    step_result = await play.perform(step)
                    result.steps.append(step_result)
                    if self.on_step:
                        self.on_step(step_result)
                result.windows = await play.stale_windows()
            finally:
                await play.lab.close()
        except ScenarioError as exc:
            result.error = str(exc)
        finally:
            await env.close()
            result.wall_seconds = time.perf_counter() - started
        return result


class _Play:
    """The state of one scenario being played."""

    def __init__(self, scenario: Scenario, env: ServerEnvironment, runner: ScenarioRunner) -> None:
        self.scenario = scenario
        self.env = env
        self.runner = runner
        self.switches: list[NetworkSwitch] = []
        self.attackers: dict[str, str | None] = {}
        self.last_attacker_ok: bool | None = None
        self.refresh_base: dict[str, int] = {}
        self.elapsed = 0.0
        self.clock = ManualClock(0)
        self.lab = Lab(
            env.url,
            store=MemoryTokenStore(),
            clock=self.clock,
            registry=MemoryRegistry(),
            transport_factory=self._transport,
            auto_reconnect=False,
        )

    def _transport(self) -> httpx.AsyncBaseTransport:
        switch = NetworkSwitch(self.env.transport())
        switch.up = all(s.up for s in self.switches)
        self.switches.append(switch)
        return switch

    async def setup(self) -> None:
        self.clock = ManualClock(await self.env.now())
        self.lab.clock = self.clock
        settings = {**DEFAULT_SERVER, **self.scenario.server}
        response = await self.env.admin("PATCH", "/admin/settings", settings)
        if response.status_code != 200:
            raise ScenarioError(f"the server refused the [server] settings: {_error(response)}")
        for user in sorted({d.user for d in self.scenario.devices}):
            # A shared external server may still hold sessions of an earlier run.
            await self.env.admin("POST", "/admin/force-expire", {"user": user})
        self.start = self.clock.now()
        self.first_event = await self._last_event_id()
        for spec in self.scenario.devices:
            await self.lab.add_device(
                spec.id,
                spec.type,
                user=spec.user,
                name=spec.name,
                clock_offset=spec.clock_offset,
                refresh_margin=spec.refresh_margin,
            )
        if self.runner.on_lab:
            self.runner.on_lab(self.lab)

    async def _last_event_id(self) -> int:
        response = await self.env.admin("GET", "/admin/state")
        return int(response.json().get("last_event_id", 0)) if response.status_code == 200 else 0

    async def advance_to(self, at: float) -> None:
        """Move scenario time to ``at``: at once, or — in real time — in small
        ticks, so a watching GUI sees the clock flow rather than jump."""
        runner = self.runner
        while self.elapsed < at:
            delta = at - self.elapsed
            if runner.realtime:
                delta = min(delta, runner.tick * runner.speed)
                await runner._sleep(delta / runner.speed)
            await self.env.advance(delta)
            self.clock.advance(delta)
            self.elapsed = at if at - self.elapsed - delta < 1e-9 else self.elapsed + delta

    async def perform(self, step: Step) -> StepResult:
        device = self.lab.get(step.device) if step.device else None
        try:
            outcome = await self._act(step, device)
        except ClientError as exc:
            outcome = _Outcome(f"error: {exc}", ok=False)
        device = self.lab.get(step.device) if step.device else None  # restart replaces it
        checks = tuple(
            [
                Check(key, expected, await self._actual(key, step, device, outcome))
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

    async def _act(self, step: Step, device: Device | None) -> _Outcome:
        p = step.params
        match step.action:
            case "login":
                assert device is not None
                password = p.get("password", f"{device.config.user}-pass")
                try:
                    await device.login(password)
                except LoginRefused as exc:
                    return _Outcome(f"refused ({exc.reason})", ok=False)
                return _Outcome("signed in")
            case "call":
                assert device is not None
                path, n = p.get("path", "/api/me"), p.get("n", 1)
                results = [await device.call(path)] if n == 1 else await device.call_many(n, path)
                statuses = [
                    str(r.status) if r.status is not None else (r.error or "?") for r in results
                ]
                text = ", ".join(
                    f"{s} ×{statuses.count(s)}" if n > 1 else s for s in dict.fromkeys(statuses)
                )
                if any(r.retried for r in results):
                    text += " (after refresh)"
                return _Outcome(text, ok=all(r.ok for r in results))
            case "logout":
                assert device is not None
                await device.logout()
                return _Outcome("signed out")
            case "logout_others":
                assert device is not None
                result = await device.logout_others()
                ended = len(result.body.get("revoked", [])) if isinstance(result.body, dict) else 0
                return _Outcome(
                    f"{ended} other session(s) ended"
                    if result.ok
                    else f"failed ({result.status or result.error})",
                    ok=result.ok,
                )
            case "restart":
                ids = [step.device] if step.device else list(self.lab.devices)
                for device_id in ids:
                    old = self.lab.get(device_id)
                    self.refresh_base[device_id] = (
                        self.refresh_base.get(device_id, 0) + old.refresh_count
                    )
                    await self.lab.restart_device(device_id)
                return _Outcome("restarted from the token store")
            case "steal_refresh":
                assert device is not None
                stolen = device.tokens.refresh_token if device.tokens else None
                self.attackers[p["as"]] = stolen
                return _Outcome(
                    f"{p['as']} copied the refresh token" if stolen else "nothing to steal",
                    ok=stolen is not None,
                )
            case "replay_refresh":
                return await self._replay(p["as"])
            case "force_expire":
                body = {"user": p["user"]} if "user" in p else {"device_id": step.device}
                response = await self.env.admin("POST", "/admin/force-expire", body)
                if response.status_code != 200:
                    return _Outcome(f"refused: {_error(response)}", ok=False)
                return _Outcome(f"{len(response.json()['revoked'])} session(s) revoked")
            case "set_server":
                response = await self.env.admin("PATCH", "/admin/settings", p)
                if response.status_code != 200:
                    raise ScenarioError(
                        f"{step.describe()}: the server refused: {_error(response)}"
                    )
                return _Outcome(", ".join(f"{k}={v}" for k, v in p.items()))
            case "rotate_key" | "retire_key":
                verb = step.action.split("_")[0]
                response = await self.env.admin("POST", f"/admin/keys/{verb}")
                if response.status_code != 200:
                    return _Outcome(f"refused: {_error(response)}", ok=False)
                return _Outcome(f"key {response.json()['kid'][:8]}… {verb}d")
            case "set_clock_offset":
                assert device is not None
                device.set_clock_offset(float(p["seconds"]))
                return _Outcome(f"clock {p['seconds']:+g} s")
            case "server_down" | "server_up":
                up = step.action == "server_up"
                for switch in self.switches:
                    switch.up = up
                return _Outcome("server reachable" if up else "server unreachable")
        raise ScenarioError(f"{step.describe()}: unknown action")  # unreachable: validated

    async def _replay(self, name: str) -> _Outcome:
        stolen = self.attackers.get(name)
        if stolen is None:
            self.last_attacker_ok = False
            return _Outcome(f"{name} has no token to replay", ok=False, attacker_ok=False)
        async with httpx.AsyncClient(base_url=self.env.url, transport=self._transport()) as http:
            try:
                response = await http.post(
                    "/oauth/token", data={"grant_type": "refresh_token", "refresh_token": stolen}
                )
            except httpx.TransportError:
                self.last_attacker_ok = False
                return _Outcome(f"{name}: server unreachable", ok=False, attacker_ok=False)
        self.last_attacker_ok = response.status_code == 200
        if self.last_attacker_ok:
            self.attackers[name] = response.json().get("refresh_token", stolen)
            return _Outcome(f"{name} got fresh tokens", attacker_ok=True)
        return _Outcome(f"{name} refused ({_error(response)})", attacker_ok=False)

    async def _actual(self, key: str, step: Step, device: Device | None, outcome: _Outcome) -> Any:
        if key == "state":
            return str(device.state) if device else None
        if key == "reason":
            return device.reason if device else None
        if key == "status":
            return device.last_call.status if device and device.last_call else None
        if key == "ok":
            return outcome.ok
        if key == "refreshes":
            assert device is not None
            return self.refresh_base.get(device.id, 0) + device.refresh_count
        if key == "attacker_ok":
            return outcome.attacker_ok if outcome.attacker_ok is not None else self.last_attacker_ok
        if key == "active_sessions":
            user = (device.config.user if device else step.params.get("user")) or (
                self.scenario.devices[0].user
            )
            sessions = (await self.env.admin("GET", f"/admin/sessions?user={user}")).json()
            return sum(1 for s in sessions["sessions"] if s["state"] == "active")
        raise ScenarioError(f"{step.describe()}: unknown expectation {key!r}")

    async def stale_windows(self) -> list[dict[str, Any]]:
        """How long each revoked session's access token was still accepted (stateless)."""
        response = await self.env.admin(
            "GET", f"/admin/events?follow=false&after={self.first_event}"
        )
        return stale_windows(parse_sse(response), self.start)


def _error(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    if isinstance(body, dict):
        return str(body.get("reason") or body.get("error_description") or body.get("error"))
    return f"HTTP {response.status_code}"
