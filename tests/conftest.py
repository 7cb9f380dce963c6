"""Fixtures shared by every suite: a virtual clock, fast settings, servers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from fastapi import FastAPI

from mock_server import ServerThread, Settings, VirtualClock, create_app

ADMIN_KEY = "test-admin-key"
BASE_URL = "http://testserver"


@pytest.fixture
def clock() -> VirtualClock:
    """Frozen at the current whole second: real enough for third-party JWT
    libraries' own iat checks, and moved only by the test."""
    return VirtualClock()


@pytest.fixture
def settings() -> Settings:
    return Settings(issuer=BASE_URL, password_profile="fast", admin_key=ADMIN_KEY)


@pytest.fixture
def app(settings: Settings, clock: VirtualClock) -> FastAPI:
    return create_app(settings, clock=clock)


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
