"""Where a scenario's server is: a fresh in-process one, or an external one.

The server is steered through its admin API only (settings, virtual clock,
force-expire, events), so the same play runs against ``jwt-lab serve
--virtual-clock`` on another machine. ``NetworkSwitch`` is how a scenario
takes the network down under the devices.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, Protocol

import httpx

from client.admin import AdminClient
from client.errors import ServerUnreachable
from client.scenarios.errors import ScenarioError


class ServerEnvironment(Protocol):
    """Where the scenario's server is, and how to reach and steer it."""

    url: str
    network_delay: float  # how long a pushed notice may take to arrive (0: in process)

    def transport(self) -> httpx.AsyncBaseTransport: ...
    async def admin(self, method: str, path: str, json: Any = None) -> httpx.Response: ...
    async def advance(self, seconds: float) -> None: ...
    async def now(self) -> float: ...
    async def start_api(self, api_id: str, verify_mode: str, introspect_cache: float) -> str: ...
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

    def __init__(
        self,
        url: str,
        admin_key: str,
        transport: Callable[[], httpx.AsyncBaseTransport],
        network_delay: float = 0.0,
        *,
        apis: Callable[[str, str, float], str] | None = None,
        on_close: Callable[[], None] | None = None,
    ):
        self.url = url.rstrip("/")
        self.network_delay = network_delay
        self._apis = apis
        self._on_close = on_close
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

    async def start_api(self, api_id: str, verify_mode: str, introspect_cache: float) -> str:
        """Start a resource server of its own beside the server; its URL."""
        if self._apis is None:
            raise ScenarioError(
                "[[apis]] start resource servers beside the bundled server; "
                f"the server at {self.url} is not one the scenario can start them for"
            )
        return await asyncio.to_thread(self._apis, api_id, verify_mode, introspect_cache)

    async def close(self) -> None:
        await self._admin.aclose()
        if self._on_close is not None:
            await asyncio.to_thread(self._on_close)


def in_process_environment() -> HttpEnvironment:
    """A fresh in-process mock server (ASGI transport, virtual clock)."""
    from client.embedded import InProcessServer

    server = InProcessServer()
    return HttpEnvironment(server.url, server.admin_key, server.transport)


def loopback_environment() -> HttpEnvironment:
    """A fresh bundled server on loopback (uvicorn, virtual clock), able to start
    resource servers of its own beside it: for scenarios with ``[[apis]]``."""
    from client.embedded import LoopbackServer

    server = LoopbackServer()
    return HttpEnvironment(
        server.url,
        server.admin_key,
        server.transport,
        network_delay=0.05,
        apis=server.start_api,
        on_close=server.stop,
    )


def external_environment(url: str, admin_key: str) -> Callable[[], HttpEnvironment]:
    return lambda: HttpEnvironment(url, admin_key, httpx.AsyncHTTPTransport, network_delay=0.1)
