"""Single flight: many concurrent calls on a stale token cause exactly one refresh."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
import respx

from client import Device, DeviceConfig, DeviceRegistry, Lab, MemoryTokenStore
from mock_server import ServerThread, VirtualClock
from tests.client.conftest import SERVER, token_body

CHALLENGE = {"WWW-Authenticate": 'Bearer error="invalid_token"'}


async def test_a_hundred_calls_on_an_expired_token_make_one_refresh(
    clock: VirtualClock, respx_mock: respx.MockRouter
) -> None:
    config = DeviceConfig("phone", "mobile", "Phone", "alice", SERVER, refresh_margin=0)
    device = Device(config, store=MemoryTokenStore(), clock=clock, auto_reconnect=False)
    token = respx_mock.post(f"{SERVER}/oauth/token")
    token.return_value = httpx.Response(200, json=token_body(clock.now()))
    await device.login("alice-pass")
    stale = device.tokens
    assert stale is not None

    async def refreshed(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0)  # let the other callers pile up on the lock
        return httpx.Response(200, json=token_body(clock.now()))

    token.reset()
    token.side_effect = refreshed

    def api(request: httpx.Request) -> httpx.Response:
        if request.headers["authorization"] == f"Bearer {stale.access_token}":
            return httpx.Response(401, headers=CHALLENGE, json={"error": "invalid_token"})
        return httpx.Response(200, json={"user": "alice"})

    respx_mock.get(f"{SERVER}/api/me").mock(side_effect=api)
    clock.advance(31)
    results = await device.call_many(100)
    assert sum(r.ok for r in results) == 100
    assert token.call_count == 1
    assert "grant_type=refresh_token" in token.calls[0].request.content.decode()
    assert device.refresh_count == 1
    await device.close()


@pytest.mark.live
@pytest.mark.parametrize("trigger", ["401", "proactive"])
async def test_single_flight_over_a_real_loopback_socket(
    live_server: ServerThread, clock: VirtualClock, tmp_path: Path, trigger: str
) -> None:
    """Sixty calls on an expired token over a real uvicorn server and httpx's own
    socket transport: they meet while the refresh is in flight on the network,
    and exactly one refresh request reaches the server."""
    transport_made: list[httpx.AsyncHTTPTransport] = []

    def transport() -> httpx.AsyncHTTPTransport:
        made = httpx.AsyncHTTPTransport(limits=httpx.Limits(max_connections=100))
        transport_made.append(made)
        return made

    lab = Lab(
        live_server.url,
        store=MemoryTokenStore(),
        clock=clock,
        registry=DeviceRegistry(tmp_path / "devices.json"),
        transport=transport(),
        auto_reconnect=False,
    )
    try:
        await _sixty_calls_on_an_expired_token(lab, live_server, clock, trigger, transport_made)
    finally:
        await lab.close()


async def _sixty_calls_on_an_expired_token(
    lab: Lab,
    live_server: ServerThread,
    clock: VirtualClock,
    trigger: str,
    transport_made: list[httpx.AsyncHTTPTransport],
) -> None:
    margin = 0 if trigger == "401" else 5
    phone = await lab.add_device("phone", "mobile", user="alice", refresh_margin=margin)
    await phone.login("alice-pass")
    assert transport_made, "the device must use the real socket transport"
    first_event = max((e.id for e in live_server.service.bus.since(0)), default=0)
    clock.advance(40)  # the access token is expired (past the 5 s leeway too)
    results = await phone.call_many(60)
    assert [r.status for r in results] == [200] * 60
    kinds = [e.type for e in live_server.service.bus.since(first_event)]
    # One refresh request: no second rotation, and no retry inside the grace either.
    assert kinds.count("refresh") == 1, kinds
    assert "refresh_retry" not in kinds
    assert phone.refresh_count == 1
    if trigger == "401":
        assert kinds.count("token_rejected") >= 1  # the calls really met the 401
    else:
        assert "token_rejected" not in kinds
