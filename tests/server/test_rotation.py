"""Refresh-token rotation, reuse detection, grace, expiry and serialization."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from mock_server import Settings, VirtualClock
from tests.conftest import STORES, app_on_each_store
from tests.server.helpers import ADMIN, login, me, refresh


@pytest.fixture(params=STORES)
async def app(
    request: pytest.FixtureRequest, settings: Settings, clock: VirtualClock
) -> AsyncIterator[FastAPI]:
    """Each test on SQLite, then on a real redis-server."""
    async for app in app_on_each_store(request, settings, clock):
        yield app


async def test_reuse_after_grace_revokes_the_whole_family(
    client: httpx.AsyncClient, clock: VirtualClock
) -> None:
    first = await login(client)
    second = await refresh(client, first["refresh_token"])
    clock.advance(3)  # past the 2 s grace
    replay = await refresh(client, first["refresh_token"], expect=400)
    assert replay["error"] == "invalid_grant"
    assert replay["reason"] == "reuse_detected"
    # The legitimate successor dies with the family.
    after = await refresh(client, second["refresh_token"], expect=400)
    assert after["reason"] == "reuse_detected"
    events = (await client.get("/admin/events?follow=false", headers=ADMIN)).text
    assert "event: reuse_detected" in events


async def test_retry_within_grace_returns_the_same_successor_pair(
    client: httpx.AsyncClient, clock: VirtualClock
) -> None:
    first = await login(client)
    second = await refresh(client, first["refresh_token"])
    clock.advance(1)
    retry = await refresh(client, first["refresh_token"])
    assert retry["refresh_token"] == second["refresh_token"]
    assert retry["access_token"] == second["access_token"]
    # No fork: the successor still works and is the only live token.
    third = await refresh(client, second["refresh_token"])
    assert (await me(client, third["access_token"])).status_code == 200


async def test_grace_never_reopens_a_revoked_family(client: httpx.AsyncClient) -> None:
    first = await login(client)
    second = await refresh(client, first["refresh_token"])
    revoked = await client.post("/admin/force-expire", json={"user": "alice"}, headers=ADMIN)
    assert revoked.status_code == 200
    retry = await refresh(client, first["refresh_token"], expect=400)
    assert retry["reason"] == "forced"
    assert (await refresh(client, second["refresh_token"], expect=400))["reason"] == "forced"


async def test_grace_does_not_hand_out_a_successor_that_was_already_rotated(
    client: httpx.AsyncClient,
) -> None:
    first = await login(client)
    second = await refresh(client, first["refresh_token"])
    await refresh(client, second["refresh_token"])
    # The first token comes back within its grace, but its successor is gone: reuse.
    replay = await refresh(client, first["refresh_token"], expect=400)
    assert replay["reason"] == "reuse_detected"


async def test_grace_zero_makes_any_replay_reuse(
    client: httpx.AsyncClient,
) -> None:
    await client.patch("/admin/settings", json={"reuse_grace": 0}, headers=ADMIN)
    first = await login(client)
    await refresh(client, first["refresh_token"])
    replay = await refresh(client, first["refresh_token"], expect=400)
    assert replay["reason"] == "reuse_detected"


async def test_refresh_token_expiry_ends_the_session(
    client: httpx.AsyncClient, clock: VirtualClock
) -> None:
    tokens = await login(client)
    clock.advance(180 + 5 + 1)  # refresh TTL plus leeway
    over = await refresh(client, tokens["refresh_token"], expect=400)
    assert over["error"] == "invalid_grant"
    assert over["reason"] == "refresh_expired"
    # A new login works.
    again = await login(client)
    assert (await me(client, again["access_token"])).status_code == 200


async def test_an_expired_refresh_token_of_a_revoked_session_names_the_revocation(
    client: httpx.AsyncClient, clock: VirtualClock
) -> None:
    phone = await login(client, device_id="phone")
    await client.patch("/admin/settings", json={"login_policy": "single"}, headers=ADMIN)
    await login(client, device_id="laptop", device_type="pc")
    clock.advance(400)
    over = await refresh(client, phone["refresh_token"], expect=400)
    assert over["reason"] == "superseded"


async def test_fifty_concurrent_refreshes_rotate_exactly_once(
    client: httpx.AsyncClient, app
) -> None:  # type: ignore[no-untyped-def]
    tokens = await login(client)
    results = await asyncio.gather(*(refresh(client, tokens["refresh_token"]) for _ in range(50)))
    assert len({r["refresh_token"] for r in results}) == 1
    service = app.state.service
    sid = (await service.sessions("alice"))[0]["sid"]
    assert await service.store.count_rotations(sid) == 1
    assert (await me(client, results[0]["access_token"])).status_code == 200
