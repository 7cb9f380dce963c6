"""``create_app``: one call builds an independent mock auth server.

    >>> from mock_server import create_app, Settings, VirtualClock
    >>> app = create_app(Settings(access_ttl=10), clock=VirtualClock())

No module-level state: tests build as many servers as they like, each with its
own clock, store and keys.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from mock_server import http
from mock_server.backchannel import BackchannelSender, check_resource_server
from mock_server.clock import Clock, SystemClock
from mock_server.events import EventBus
from mock_server.routes import admin, api, authorize, classic, discovery, oauth, resource
from mock_server.service import AuthService, check_user
from mock_server.settings import Settings
from mock_server.store import SqliteStore, Store


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    store: Store | None = None,
    seed_demo_users: bool = True,
    resource_servers: Sequence[tuple[str, str, str | None]] = (),
    users: Mapping[str, tuple[str, str | None]] | None = None,
) -> FastAPI:
    """Build the server.

    ``settings`` default to the README's demo values; an empty ``admin_key`` is
    replaced by a random one (read it back from ``app.state.service.settings``).
    ``clock`` defaults to the wall clock and ``store`` to an in-memory SQLite.
    The store is opened, the demo users seeded and ``users`` (name → password,
    display name) and ``resource_servers`` saved when the app starts (its
    lifespan), on the loop that serves it.
    """
    settings = settings or Settings()
    if not settings.admin_key:
        settings = settings.replace(admin_key=secrets.token_urlsafe(24))
    clock = clock or SystemClock()
    store = store or SqliteStore(":memory:")
    bus = EventBus(clock)
    service = AuthService(settings, clock, store, bus)
    for rs_id, secret, uri in resource_servers:  # refused now, not at start
        check_resource_server(rs_id, secret, uri)
    for name, (password, _) in (users or {}).items():
        check_user(name, password)

    async def prepare() -> None:
        await service.start()
        if seed_demo_users:
            await service.seed_demo_users()
        for name, (password, display) in (users or {}).items():
            await service.put_user(name, password, display)
        for rs_id, secret, uri in resource_servers:  # --resource-server ID:SECRET[:URI]
            await service.resource_servers.save(rs_id, secret, uri)

    startup = _Once(prepare)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.loop = asyncio.get_running_loop()
        await startup()
        bus.publish("server_started", issuer=settings.issuer)
        sender = BackchannelSender(service)
        sender.start()  # also delivers what a previous run left queued
        yield
        await sender.stop()
        await service.stop()
        bus.close()
        service.watchers.close()
        await store.close()

    app = FastAPI(
        title="JWT Device Lab — mock auth server",
        description=(
            "An OAuth 2.0 token service for the lab's devices: password and refresh-token "
            "grants with rotation and reuse detection, login policies, stateless or stateful "
            "verification, forced expiry, key rotation and a live event stream."
        ),
        version="0.1.0",
        lifespan=lifespan,
        **http.app_options(),
    )
    app.state.service = service
    # An app served without its lifespan (httpx.ASGITransport, in process) is
    # made ready by its first request; ``await app.state.startup()`` does it now.
    app.state.startup = startup
    app.add_middleware(_ReadyFirst, startup=startup)
    app.add_middleware(http.BodyLimitMiddleware, limit=settings.max_body_bytes)
    # The resource API first: routers are matched in order, and API calls are
    # the hot path (bench/api_throughput.py).
    routers = (
        api.router,
        discovery.router,
        oauth.router,
        authorize.router,
        admin.router,
        resource.router,
    )
    for router in (*routers, classic.router):
        app.include_router(router)
    _hot_paths_first(app)
    return app


class _Once:
    """A start-up coroutine run once, however many callers ask at the same time."""

    def __init__(self, fn: Callable[[], Awaitable[None]]) -> None:
        self._fn = fn
        self._task: asyncio.Task[None] | None = None
        self.done = False

    async def __call__(self) -> None:
        if self.done:
            return
        task = self._task
        if (
            task is None
            or task.get_loop() is not asyncio.get_running_loop()
            or (task.done() and task.exception() is not None)  # failed: try again
        ):
            self._task = task = asyncio.ensure_future(self._fn())
        await asyncio.shield(task)
        self.done = True


class _ReadyFirst:
    """ASGI middleware: the app's start-up has run before its first request."""

    def __init__(self, app: ASGIApp, startup: _Once) -> None:
        self.app = app
        self.startup = startup

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.startup.done and scope["type"] != "lifespan":
            await self.startup()
        await self.app(scope, receive, send)


async def _healthz(request: Request) -> PlainTextResponse:
    return PlainTextResponse("ok")


async def _introspect(request: Request) -> Response:
    await oauth._introspector(request)
    return await oauth.introspect(request)


def _hot_paths_first(app: FastAPI) -> None:
    """The endpoints every device and resource server calls, as plain Starlette
    routes ahead of FastAPI's router: they take no FastAPI dependencies, and
    FastAPI's route matching and dependency solving cost more than the request
    itself (bench/api_throughput.py). Their FastAPI routes stay for the OpenAPI
    schema; errors still go through the app's exception handlers."""
    hot = [
        Route("/api/me", api.me, methods=["GET"]),
        Route("/healthz", _healthz, methods=["GET"]),
        Route("/oauth/token", oauth.token, methods=["POST"]),
        Route("/oauth/introspect", _introspect, methods=["POST"]),
        # The seed's other answer, measured against the JWT on equal terms.
        Route("/classic/me", classic.me, methods=["GET"]),
    ]
    app.router.routes[0:0] = hot
