"""Single flight: many concurrent calls on a stale token cause exactly one refresh."""

from __future__ import annotations

import asyncio

import httpx
import respx

from client import Device, DeviceConfig, Lab, MemoryTokenStore
from mock_server import VirtualClock
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
    assert device.session.refresh_count == 1
    await device.close()


async def test_single_flight_against_the_real_server(lab: Lab, clock: VirtualClock, app) -> None:  # type: ignore[no-untyped-def]
    phone = await lab.add_device("phone", "mobile", user="alice", refresh_margin=0)
    await phone.login("alice-pass")
    clock.advance(40)
    results = await phone.call_many(100)
    assert [r.status for r in results] == [200] * 100
    sid = phone.tokens.sid if phone.tokens else None
    assert app.state.service.store.count_rotations(sid) == 1
    assert phone.session.refresh_count == 1
