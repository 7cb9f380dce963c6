"""The lab's HTTP: how its clients are built, and the one place network failures are named.

Every ``httpx.AsyncClient`` of the engine is a ``LabClient`` from
``http_client``. Whatever fails on the network — connecting, sending, or
reading the body, streamed or not — surfaces as ``ServerUnreachable`` (with
``kind``: ``timeout``, ``connect`` or ``network``) and never as an ``httpx``
exception: the rest of the client catches ``ClientError`` subclasses only.

A lab's devices share one client (one connection pool). It keeps no cookies,
so devices cannot share state through it: each sends its own token.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any

import httpx

from client import messages as say
from client.errors import ServerUnreachable
from client.tls import shared_ssl_context
from contract import NOTIFICATIONS_HEARTBEAT

DEFAULT_TIMEOUT = 10.0
# An idle pooled connection is dropped before the server would drop it: uvicorn
# closes one after 5 s, and httpx's own default is the same 5 s, so a request
# could pick a connection at the very moment the server closes it — an
# occasional "connection failed" under load (bench/scale_out.py's device run
# met one in 70,000).
KEEPALIVE_EXPIRY = 4.0


def unreachable(exc: httpx.TransportError, server: str) -> ServerUnreachable:
    """The client's error for a network failure on the way to ``server``."""
    detail = str(exc).strip()
    if isinstance(exc, httpx.TimeoutException):
        kind, what = "timeout", "timed out"
    elif isinstance(exc, httpx.ConnectError):
        # Refused, no such host, a TLS certificate that does not verify: the cause says which.
        kind, what = "connect", f"could not connect ({detail})" if detail else "could not connect"
    else:
        name = type(exc).__name__
        kind, what = "network", f"the connection failed ({name}: {detail})" if detail else name
    return ServerUnreachable(say.unreachable(server, what), kind)


class _Body(httpx.AsyncByteStream):
    """A streamed response body whose read errors are translated as well."""

    def __init__(self, inner: httpx.AsyncByteStream, server: str) -> None:
        self._inner = inner
        self._server = server

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._inner:
                yield chunk
        except httpx.TransportError as exc:
            raise unreachable(exc, self._server) from exc

    async def aclose(self) -> None:
        await self._inner.aclose()


class LabClient(httpx.AsyncClient):
    """An ``AsyncClient`` that raises ``ServerUnreachable`` instead of transport errors.

    Every request goes through ``send`` (``get``, ``post``, ``stream`` and auth
    flows included), so this is the one place they are translated.
    """

    def __init__(self, server: str, **options: Any) -> None:
        super().__init__(base_url=server, **options)
        self.server = server

    async def send(self, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        try:
            response = await super().send(request, **kwargs)
        except httpx.TransportError as exc:
            raise unreachable(exc, self.server) from exc
        if kwargs.get("stream") and isinstance(response.stream, httpx.AsyncByteStream):
            response.stream = _Body(response.stream, self.server)
        return response


def _no_cookies() -> CookieJar:
    return CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))


def http_client(
    server: str,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    headers: dict[str, str] | None = None,
    streams: bool = False,
) -> LabClient:
    """A client for ``server`` (proxies from the environment apply, as in any httpx client).

    ``streams``: for long-lived event streams, one connection each — no limit on
    how many are open (they would starve a shared pool of 100), and a read
    timeout that waits for the server's keep-alives rather than an answer."""
    return LabClient(
        server.rstrip("/"),
        transport=transport,
        timeout=httpx.Timeout(timeout, read=3 * NOTIFICATIONS_HEARTBEAT)
        if streams
        else httpx.Timeout(timeout),
        limits=httpx.Limits(max_connections=None, max_keepalive_connections=0)
        if streams
        else httpx.Limits(
            max_connections=100, max_keepalive_connections=20, keepalive_expiry=KEEPALIVE_EXPIRY
        ),
        headers=headers,
        cookies=_no_cookies(),
        verify=shared_ssl_context(),
    )
