"""``AdminClient``: the server's admin API, for the GUI's console and the scenario runner.

Plain HTTP with the admin key; every failure becomes a ``ClientError`` with a
message a user can read.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any
from urllib.parse import quote

import httpx
from httpx_sse import EventSource, SSEError, aconnect_sse

from client import messages as say
from client.errors import ClientError, ServerUnreachable
from client.http import http_client
from contract import BACKCHANNEL_PATH

HEALTH_KEYS = ("verify_mode", "introspect_cache", "denylist_size", "last_logout_at")


class AdminError(ClientError):
    """The admin API refused a request; ``status`` and the server's ``error`` code."""

    def __init__(self, message: str, status: int, error: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.error = error


class AdminClient:
    """The admin API of one server."""

    def __init__(
        self,
        url: str,
        admin_key: str,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.url = url.rstrip("/")
        self.http = http_client(
            self.url, transport=transport, headers={"X-Admin-Key": admin_key}, timeout=timeout
        )

    async def request(self, method: str, path: str, json: Any = None) -> httpx.Response:
        """The raw response (no status check); ``ServerUnreachable`` on network errors."""
        return await self.http.request(method, path, json=json)

    async def call(self, method: str, path: str, json: Any = None) -> Any:
        """The JSON answer of a successful request, else ``AdminError``."""
        response = await self.request(method, path, json)
        if response.status_code == 401:
            raise AdminError(say.ADMIN_KEY_REFUSED, 401, "admin_key_required")
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code >= 400:
            error = body.get("error") if isinstance(body, dict) else None
            text = body.get("error_description") if isinstance(body, dict) else None
            status = response.status_code
            raise AdminError(say.admin_refused(status, text), status, error)
        return body

    async def state(self) -> dict[str, Any]:
        result: dict[str, Any] = await self.call("GET", "/admin/state")
        return result

    async def resource_servers(self) -> list[dict[str, Any]]:
        """The server's resource servers of their own, each with what it says of
        itself (``GET {its base}/healthz``: its verify mode, deny-list size, last
        logout token; ``reachable`` False if it does not answer). The admin key is
        never sent to them."""
        body = await self.call("GET", "/admin/resource-servers")
        servers: list[dict[str, Any]] = list(body.get("resource_servers", []))
        async with http_client(self.url, timeout=2.0) as plain:  # no admin key here

            async def health(rs: dict[str, Any]) -> None:
                uri = rs.get("backchannel_uri") or ""
                rs["url"] = (
                    uri[: -len(BACKCHANNEL_PATH)] if uri.endswith(BACKCHANNEL_PATH) else None
                )
                rs["reachable"] = False
                if rs["url"] is None:
                    return
                try:
                    answer = await plain.get(f"{rs['url']}/healthz")
                    own = answer.json() if answer.status_code == 200 else None
                except (ClientError, ValueError):
                    return
                if isinstance(own, dict):
                    rs["reachable"] = True
                    for key in (
                        "verify_mode",
                        "introspect_cache",
                        "denylist_size",
                        "last_logout_at",
                    ):
                        rs[key] = own.get(key)

            await asyncio.gather(*(health(rs) for rs in servers))
        return servers

    async def update_settings(self, **changes: Any) -> dict[str, Any]:
        result: dict[str, Any] = await self.call("PATCH", "/admin/settings", changes)
        return result

    async def force_expire(self, **target: str) -> list[str]:
        body = await self.call("POST", "/admin/force-expire", target)
        return list(body["revoked"])

    async def revoke_session(self, sid: str) -> None:
        await self.call("DELETE", f"/admin/sessions/{quote(sid, safe='')}")

    async def lineage(self, sid: str) -> dict[str, Any]:
        """A session's token family (``GET /admin/sessions/{sid}/lineage``)."""
        result: dict[str, Any] = await self.call(
            "GET", f"/admin/sessions/{quote(sid, safe='')}/lineage"
        )
        return result

    async def rotate_key(self) -> dict[str, Any]:
        result: dict[str, Any] = await self.call("POST", "/admin/keys/rotate")
        return result

    async def retire_key(self) -> dict[str, Any]:
        result: dict[str, Any] = await self.call("POST", "/admin/keys/retire")
        return result

    async def clock(self) -> dict[str, Any]:
        result: dict[str, Any] = await self.call("GET", "/admin/clock")
        return result

    async def set_clock_rate(self, rate: float) -> dict[str, Any]:
        result: dict[str, Any] = await self.call("PUT", "/admin/clock", {"rate": rate})
        return result

    async def advance_clock(self, seconds: float) -> dict[str, Any]:
        result: dict[str, Any] = await self.call(
            "POST", "/admin/clock/advance", {"seconds": seconds}
        )
        return result

    async def follow_events(
        self, after: int = 0, on_open: Callable[[], None] | None = None
    ) -> AsyncIterator[dict[str, Any]]:
        """The server's events after ``after`` as they happen (``GET /admin/events``,
        server-sent events), until the stream ends. ``ServerUnreachable`` when the
        connection fails, ``AdminError`` when the server refuses."""
        url = f"/admin/events?after={after}"
        try:
            async with aconnect_sse(self.http, "GET", url, timeout=None) as source:
                if source.response.status_code == 401:
                    raise AdminError(say.ADMIN_KEY_REFUSED, 401, "admin_key_required")
                if source.response.status_code != 200:
                    status = source.response.status_code
                    raise AdminError(say.cannot_follow_events(status), status)
                if on_open is not None:
                    on_open()
                async for sse in source.aiter_sse():
                    if sse.data:
                        yield json.loads(sse.data)
        except SSEError as exc:  # network failures arrive as ServerUnreachable already
            raise ServerUnreachable(say.event_stream_broke(self.url, exc)) from exc

    async def jwks(self) -> dict[str, Any]:
        result: dict[str, Any] = await self.call("GET", "/.well-known/jwks.json")
        return result

    async def aclose(self) -> None:
        await self.http.aclose()


def parse_sse(response: httpx.Response) -> list[dict[str, Any]]:
    """The JSON ``data`` of every event in a whole server-sent-events body."""
    return [json.loads(sse.data) for sse in EventSource(response).iter_sse() if sse.data]
