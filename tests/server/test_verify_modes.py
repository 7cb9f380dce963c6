"""Stateless vs stateful verification: the window a revoked token stays usable."""

from __future__ import annotations

import httpx
import pytest

from mock_server import VirtualClock
from tests.server.helpers import ADMIN, login, me, password_request


async def set_mode(client: httpx.AsyncClient, mode: str) -> None:
    response = await client.patch("/admin/settings", json={"verify_mode": mode}, headers=ADMIN)
    assert response.status_code == 200


async def test_stateless_accepts_a_revoked_sessions_token_until_exp(
    client: httpx.AsyncClient, clock: VirtualClock
) -> None:
    await set_mode(client, "stateless")
    tokens = await login(client)
    await client.post("/admin/force-expire", json={"user": "alice"}, headers=ADMIN)
    clock.advance(20)
    still = await me(client, tokens["access_token"])
    assert still.status_code == 200  # the weakness the lab exists to show
    events = (await client.get("/admin/events?follow=false", headers=ADMIN)).text
    assert "event: revoked_token_accepted" in events
    clock.advance(16)  # past exp (30 s) and leeway (5 s)
    expired = await me(client, tokens["access_token"])
    assert expired.status_code == 401
    assert expired.json()["reason"] == "expired"


async def test_stateful_rejects_a_revoked_sessions_token_at_once(
    client: httpx.AsyncClient,
) -> None:
    await set_mode(client, "stateful")
    tokens = await login(client)
    assert (await me(client, tokens["access_token"])).status_code == 200
    await client.post("/admin/force-expire", json={"user": "alice"}, headers=ADMIN)
    refused = await me(client, tokens["access_token"])
    assert refused.status_code == 401
    assert refused.json() | {"error_description": ""} == {
        "error": "invalid_token",
        "error_description": "",
        "reason": "forced",
        "revoked_at": refused.json()["revoked_at"],
    }
    challenge = refused.headers["www-authenticate"]
    assert challenge.startswith("Bearer ")
    assert 'error="invalid_token"' in challenge


@pytest.mark.parametrize("mode", ["stateless", "stateful"])
async def test_expired_access_token_is_refused_in_both_modes(
    client: httpx.AsyncClient, clock: VirtualClock, mode: str
) -> None:
    await set_mode(client, mode)
    tokens = await login(client)
    clock.advance(30 + 5)  # exactly exp + leeway: still accepted
    assert (await me(client, tokens["access_token"])).status_code == 200
    clock.advance(1)
    refused = await me(client, tokens["access_token"])
    assert refused.status_code == 401
    assert refused.json()["reason"] == "expired"


async def test_switching_to_stateful_closes_the_window_live(client: httpx.AsyncClient) -> None:
    await set_mode(client, "stateless")
    phone = await login(client)
    await client.patch("/admin/settings", json={"login_policy": "single"}, headers=ADMIN)
    await login(client, device_id="pc", device_type="pc")
    assert (await me(client, phone["access_token"])).status_code == 200
    await set_mode(client, "stateful")
    refused = await me(client, phone["access_token"])
    assert refused.status_code == 401
    assert refused.json()["reason"] == "superseded"


async def test_missing_bearer_token_gets_a_bare_challenge(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/me")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="jwt-device-lab"'
    assert response.json()["error"] == "missing_token"


async def test_refresh_token_is_not_an_access_token(client: httpx.AsyncClient) -> None:
    tokens = await login(client)
    refused = await me(client, tokens["refresh_token"])
    assert refused.status_code == 401
    assert refused.json()["reason"] == "wrong_token_type"


async def test_access_token_is_not_a_refresh_token(client: httpx.AsyncClient) -> None:
    tokens = await login(client)
    response = await client.post(
        "/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": tokens["access_token"]},
    )
    assert response.status_code == 400
    assert response.json()["reason"] == "wrong_token_type"


async def test_scope_limits_resources(client: httpx.AsyncClient) -> None:
    response = await password_request(client, scope="profile")
    token = response.json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert (await client.get("/api/me", headers=headers)).status_code == 200
    forbidden = await client.get("/api/messages", headers=headers)
    assert forbidden.status_code == 403
    assert forbidden.json()["error"] == "insufficient_scope"
