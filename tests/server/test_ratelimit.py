"""Brute-force protection on the password grant."""

from __future__ import annotations

import httpx

from mock_server import VirtualClock
from tests.server.helpers import login, password_request


async def test_failures_lock_the_user_and_retry_after_is_honoured(
    client: httpx.AsyncClient, clock: VirtualClock
) -> None:
    for _ in range(5):
        await login(client, password="wrong", expect=400)
    locked = await password_request(client)
    assert locked.status_code == 429
    assert locked.json()["error"] == "slow_down"
    wait = int(locked.headers["retry-after"])
    assert 1 <= wait <= 60
    clock.advance(wait - 1)
    await login(client, expect=429)  # the right password is still refused
    clock.advance(1)
    await login(client)  # and accepted once the window has passed
    # Another user is not affected by alice's lock.


async def test_lock_is_per_user(client: httpx.AsyncClient) -> None:
    for _ in range(5):
        await login(client, password="wrong", expect=400)
    await login(client, "alice", expect=429)
    await login(client, "bob")


async def test_unknown_users_are_throttled_like_real_ones(client: httpx.AsyncClient) -> None:
    for _ in range(5):
        body = await login(client, "nobody", password="wrong", expect=400)
        assert body["reason"] == "invalid_credentials"
    assert (await login(client, "nobody", password="wrong", expect=429))["reason"] == "rate_limited"


async def test_address_limit_stops_spraying_across_users(client: httpx.AsyncClient) -> None:
    for i in range(20):
        await login(client, f"user{i}", password="wrong", expect=400)
    await login(client, "bob", expect=429)
