"""The lab's HTTP: how its clients are built, and the one place network failures are named.

Every ``httpx.AsyncClient`` of the client package comes from ``http_client``.
Its transport is wrapped so that a network failure — while connecting,
sending, or reading the body, streamed or not — surfaces as
``ServerUnreachable`` (with ``kind``: ``timeout``, ``refused`` or ``network``)
and never as an ``httpx`` exception: the rest of the client catches
``ClientError`` subclasses only.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx

from client import messages as say
from client.errors import ServerUnreachable
from client.tls import shared_ssl_context

DEFAULT_TIMEOUT = 10.0


def unreachable(exc: httpx.TransportError, server: str) -> ServerUnreachable:
    """The client's error for a network failure on the way to ``server``."""
    if isinstance(exc, httpx.TimeoutException):
        kind, what = "timeout", "timed out"
    elif isinstance(exc, httpx.ConnectError):
        kind, what = "refused", "connection refused"
    else:
        kind, what = "network", f"the connection failed ({type(exc).__name__})"
    return ServerUnreachable(say.unreachable(server, what), kind)


class _Body(httpx.AsyncByteStream):
    """A response body whose read errors are translated as well."""

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


class TranslatingTransport(httpx.AsyncBaseTransport):
    """Wraps a transport: ``httpx.TransportError`` in, ``ServerUnreachable`` out."""

    def __init__(self, inner: httpx.AsyncBaseTransport, server: str) -> None:
        self.inner = inner
        self.server = server

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            response = await self.inner.handle_async_request(request)
        except httpx.TransportError as exc:
            raise unreachable(exc, self.server) from exc
        stream = response.stream
        if isinstance(stream, httpx.AsyncByteStream):
            response.stream = _Body(stream, self.server)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


def http_client(
    base_url: str,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    headers: dict[str, str] | None = None,
    **options: Any,
) -> httpx.AsyncClient:
    """An ``AsyncClient`` for ``base_url`` whose network failures are ``ServerUnreachable``."""
    base_url = base_url.rstrip("/")
    inner = transport or httpx.AsyncHTTPTransport(verify=shared_ssl_context())
    return httpx.AsyncClient(
        base_url=base_url,
        transport=TranslatingTransport(inner, base_url),
        timeout=httpx.Timeout(timeout),
        headers=headers,
        **options,
    )
