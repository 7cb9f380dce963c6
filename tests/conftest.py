"""Fixtures shared by every suite: a virtual clock, fast settings, servers."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from fastapi import FastAPI

from mock_server import ServerThread, Settings, VirtualClock, create_app, open_store
from tests.redis_server import RedisServer

ADMIN_KEY = "test-admin-key"
BASE_URL = "http://testserver"


# Two base64url JSON segments starting "{" ("eyJ") joined by a dot: a JWT.
JWT_PATTERN = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}")


@pytest.fixture(autouse=True)
def no_token_in_logs(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Across the whole suite: no log record, from our code or a library, holds a token."""
    caplog.set_level("INFO")
    yield
    for when in ("setup", "call", "teardown"):
        for record in caplog.get_records(when):  # type: ignore[arg-type]
            message = record.getMessage()
            assert not JWT_PATTERN.search(message), f"a token was logged: {message[:120]}"


@pytest.fixture
def clock() -> VirtualClock:
    """Frozen at the current whole second: real enough for third-party JWT
    libraries' own iat checks, and moved only by the test."""
    return VirtualClock()


@pytest.fixture
def settings() -> Settings:
    return Settings(issuer=BASE_URL, password_profile="fast", admin_key=ADMIN_KEY)


@pytest.fixture
async def app(settings: Settings, clock: VirtualClock) -> FastAPI:
    """A server, started (keys, demo users): its service may be called at once."""
    app = create_app(settings, clock=clock)
    await app.state.startup()
    return app


async def app_on_each_store(
    request: pytest.FixtureRequest, settings: Settings, clock: VirtualClock
) -> AsyncIterator[FastAPI]:
    """For a module's ``app`` fixture with ``params=STORES``: the same server on
    SQLite, then on a real redis-server (an empty database each time)."""
    spec = "sqlite::memory:" if request.param == "sqlite" else request.getfixturevalue("redis_url")
    app = create_app(settings, clock=clock, store=open_store(spec))
    await app.state.startup()
    yield app
    await app.state.service.stop()
    await app.state.service.store.close()


STORES = ["sqlite", "redis"]


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as c:
        yield c


@pytest.fixture
def live_server(settings: Settings, clock: VirtualClock) -> Iterator[ServerThread]:
    """The same server on a real loopback socket, served by uvicorn."""
    with ServerThread(settings, clock=clock) as server:
        yield server


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A real redis-server for the module's tests (its own port and directory)."""
    with RedisServer(tmp_path_factory.mktemp("redis")) as server:
        yield server


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """An empty database on the module's redis-server."""
    redis_server.flush()
    return redis_server.url
