"""Faults the client must survive: a server that dies and comes back, a lost
refresh response, a server that never answers, a flaky network."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from client import Device, DeviceConfig, DeviceRegistry, DeviceState, Lab, MemoryTokenStore
from mock_server import VirtualClock
from mock_server.runner import bind_socket

pytestmark = pytest.mark.live


def free_port() -> int:
    sock = bind_socket("127.0.0.1", 0)
    port: int = sock.getsockname()[1]
    sock.close()
    return port


class ServerProcess:
    """``jwt-lab serve`` as a separate process, so it can really die."""

    def __init__(self, port: int, db: Path) -> None:
        self.port, self.db = port, db
        self.url = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen[str] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "client",
                "serve",
                "--port",
                str(self.port),
                "--db",
                str(self.db),
                "--admin-key",
                "k",
                "--log-level",
                "warning",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        assert self.process.stdout is not None
        assert self.process.stdout.readline().startswith("JWT Device Lab mock server on")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                continue
        raise RuntimeError("the server process did not come up")

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)
            if self.process.stdout:
                self.process.stdout.close()
            self.process = None


@pytest.fixture
def server_process(tmp_path: Path) -> Iterator[ServerProcess]:
    server = ServerProcess(free_port(), tmp_path / "server.sqlite3")
    server.start()
    yield server
    server.kill()


@pytest.fixture
async def real_lab(server_process: ServerProcess, tmp_path: Path) -> AsyncIterator[Lab]:
    lab = Lab(
        server_process.url,
        store=MemoryTokenStore(),
        registry=DeviceRegistry(tmp_path / "d.json"),
        auto_reconnect=False,
    )
    yield lab
    await lab.close()


async def test_the_server_dies_and_comes_back_on_the_same_database(
    server_process: ServerProcess, real_lab: Lab
) -> None:
    phone = await real_lab.add_device("phone", "mobile", user="alice")
    pc = await real_lab.add_device("pc", "pc", user="alice")
    await phone.login("alice-pass")
    await pc.login("alice-pass")
    tokens = {d.id: d.tokens for d in (phone, pc)}
    server_process.kill()
    for device in (phone, pc):
        result = await device.call()
        assert (result.ok, result.error) == (False, "unreachable")
        assert device.state == DeviceState.OFFLINE
        assert device.tokens == tokens[device.id]  # nothing lost
    server_process.start()  # same port, same SQLite file: same keys, same sessions
    for device in (phone, pc):
        assert (await device.call()).status == 200
        assert device.state == DeviceState.ACTIVE
    async with httpx.AsyncClient(headers={"X-Admin-Key": "k"}) as admin:
        sessions = (await admin.get(f"{server_process.url}/admin/sessions")).json()["sessions"]
    assert [s["state"] for s in sessions] == ["active", "active"]


class LoseRefreshResponses(httpx.AsyncBaseTransport):
    """Forwards every request, but drops the answer to the first N refreshes
    (the server rotated; the device never heard: "fail to save")."""

    def __init__(self, inner: httpx.AsyncBaseTransport, lose: int) -> None:
        self.inner, self.lose = inner, lose

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if b"grant_type=refresh_token" in request.content and self.lose > 0:
            self.lose -= 1
            await response.aread()
            raise httpx.ReadError("connection reset after the server answered", request=request)
        return response


async def test_a_lost_refresh_response_is_recovered_within_grace(app, clock: VirtualClock) -> None:  # type: ignore[no-untyped-def]
    transport = LoseRefreshResponses(httpx.ASGITransport(app=app), lose=1)
    config = DeviceConfig(
        "phone", "mobile", "Phone", "alice", "http://testserver", refresh_margin=0
    )
    phone = Device(
        config, store=MemoryTokenStore(), clock=clock, transport=transport, auto_reconnect=False
    )
    await phone.login("alice-pass")
    clock.advance(36)
    first = await phone.call()
    assert first.status == 401 and phone.state == DeviceState.OFFLINE  # the answer was lost
    clock.advance(1)  # inside the 2 s grace: the same successor pair, no reuse alarm
    second = await phone.call()
    assert second.status == 200 and second.retried
    assert phone.state == DeviceState.ACTIVE
    sessions = await app.state.service.sessions("alice")
    assert [s["state"] for s in sessions] == ["active"]
    await phone.close()


async def test_past_the_grace_a_lost_response_costs_the_session(app, clock: VirtualClock) -> None:  # type: ignore[no-untyped-def]
    transport = LoseRefreshResponses(httpx.ASGITransport(app=app), lose=1)
    config = DeviceConfig(
        "phone", "mobile", "Phone", "alice", "http://testserver", refresh_margin=0
    )
    phone = Device(
        config, store=MemoryTokenStore(), clock=clock, transport=transport, auto_reconnect=False
    )
    await phone.login("alice-pass")
    clock.advance(36)
    await phone.call()
    clock.advance(10)  # too late: indistinguishable from a stolen token being replayed
    await phone.call()
    assert (phone.state, phone.reason) == (DeviceState.SIGNED_OUT, "reuse_detected")
    await phone.close()


@pytest.fixture
async def silent_server() -> AsyncIterator[str]:
    """Accepts connections and never answers."""
    held: list[asyncio.StreamWriter] = []

    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    for writer in held:
        writer.close()
    server.close()
    await server.wait_closed()


async def test_a_server_that_never_answers_cannot_hang_a_device(
    silent_server: str, clock: VirtualClock
) -> None:
    config = DeviceConfig("phone", "mobile", "Phone", "alice", silent_server)
    phone = Device(config, store=MemoryTokenStore(), clock=clock, timeout=0.3, auto_reconnect=False)
    started = time.monotonic()
    with pytest.raises(Exception, match=r"cannot reach the server at .*: timed out"):
        await asyncio.wait_for(phone.login("alice-pass"), 5)
    assert time.monotonic() - started < 3  # bounded by the device's timeout
    assert phone.state == DeviceState.SIGNED_OUT
    assert "timed out" in (phone.message or "")
    await phone.close()


async def test_offline_devices_probe_back_with_exponential_backoff(
    app, clock: VirtualClock
) -> None:  # type: ignore[no-untyped-def]
    class Flaky(httpx.AsyncBaseTransport):
        def __init__(self) -> None:
            self.inner = httpx.ASGITransport(app=app)
            self.down = False

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            if self.down:
                raise httpx.ConnectError("refused", request=request)
            return await self.inner.handle_async_request(request)

    waits: list[float] = []
    transport = Flaky()
    back = asyncio.Event()

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 5:
            transport.down = False  # the server comes back after five probes
        await asyncio.sleep(0)

    # Not listening: the notification stream's own backoff would share ``sleep``.
    config = DeviceConfig("phone", "mobile", "Phone", "alice", "http://testserver", listen=False)
    phone = Device(config, store=MemoryTokenStore(), clock=clock, transport=transport, sleep=sleep)
    phone.subscribe(lambda e: back.set() if getattr(e, "new", None) == "active" and waits else None)
    await phone.login("alice-pass")
    transport.down = True
    await phone.call()
    assert phone.state == DeviceState.OFFLINE
    await asyncio.wait_for(back.wait(), 5)
    assert waits[:5] == [1.0, 2.0, 4.0, 8.0, 16.0]
    assert phone.state == DeviceState.ACTIVE
    await phone.close()


def test_the_log_guard_recognises_a_token() -> None:
    """The suite-wide guard (tests/conftest.py) would catch a logged token."""
    from tests.client.conftest import make_jwt
    from tests.conftest import JWT_PATTERN

    assert JWT_PATTERN.search(f"refreshing with {make_jwt(1e9)}")
    assert not JWT_PATTERN.search("refreshing with #1a2b3c4d")
