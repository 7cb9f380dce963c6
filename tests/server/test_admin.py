"""The admin API: key enforcement, settings, sessions, forced expiry, users, clock, events."""

from __future__ import annotations

import httpx
import pytest

from mock_server import VirtualClock
from tests.server.helpers import ADMIN, login, me, refresh


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Admin-Key": "wrong"},
        {"Authorization": "Bearer wrong"},
        {"Authorization": "Basic dGVzdC1hZG1pbi1rZXk6"},
    ],
)
async def test_admin_api_needs_the_admin_key(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    for method, path in [
        ("GET", "/admin/state"),
        ("POST", "/admin/keys/rotate"),
        ("PATCH", "/admin/settings"),
        ("GET", "/admin/events"),
    ]:
        response = await client.request(method, path, headers=headers, json={})
        assert response.status_code == 401, (method, path)
        assert response.json()["error"] == "admin_key_required"


async def test_a_device_token_never_opens_the_admin_api(client: httpx.AsyncClient) -> None:
    tokens = await login(client)
    for token in (tokens["access_token"], tokens["refresh_token"]):
        response = await client.get("/admin/state", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401
    introspect = await client.post(
        "/oauth/introspect",
        data={"token": tokens["access_token"]},
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
    )
    assert introspect.status_code == 401


async def test_state_shows_settings_keys_users_and_sessions(
    client: httpx.AsyncClient, clock: VirtualClock
) -> None:
    await login(client)
    state = (await client.get("/admin/state", headers=ADMIN)).json()
    assert state["settings"]["login_policy"] == "multi"
    assert "admin_key" not in state["settings"]
    assert state["users"] == ["alice", "bob"]
    assert len(state["keys"]) == 1
    assert state["sessions"][0]["device_id"] == "phone"
    assert state["clock"] == {"now": clock.now(), "virtual": True, "rate": 0.0}


async def test_settings_are_validated(client: httpx.AsyncClient) -> None:
    for body in (
        {"access_ttl": 0},
        {"verify_mode": "sometimes"},
        {"colour": "red"},
        {"algorithm": "none"},
        {"leeway": "lots"},
    ):
        response = await client.patch("/admin/settings", json=body, headers=ADMIN)
        assert response.status_code == 400, body
        assert response.json()["error"] == "invalid_request"
    changed = await client.patch(
        "/admin/settings", json={"access_ttl": 10, "refresh_ttl": 60}, headers=ADMIN
    )
    assert changed.json()["access_ttl"] == 10
    tokens = await login(client)
    assert tokens["expires_in"] == 10
    assert tokens["refresh_expires_in"] == 60


async def test_force_expire_one_device(client: httpx.AsyncClient) -> None:
    phone = await login(client, device_id="phone")
    pc = await login(client, device_id="pc", device_type="pc")
    response = await client.post("/admin/force-expire", json={"device_id": "phone"}, headers=ADMIN)
    assert len(response.json()["revoked"]) == 1
    assert (await refresh(client, phone["refresh_token"], expect=400))["reason"] == "forced"
    assert (await refresh(client, pc["refresh_token"]))["access_token"]


async def test_force_expire_needs_exactly_one_target(client: httpx.AsyncClient) -> None:
    for body in ({}, {"user": "alice", "sid": "x"}):
        response = await client.post("/admin/force-expire", json=body, headers=ADMIN)
        assert response.status_code == 400
    missing = await client.post("/admin/force-expire", json={"user": "zed"}, headers=ADMIN)
    assert missing.status_code == 404


async def test_revoke_one_session_by_sid(client: httpx.AsyncClient) -> None:
    tokens = await login(client)
    sid = (await client.get("/admin/sessions", headers=ADMIN)).json()["sessions"][0]["sid"]
    response = await client.delete(f"/admin/sessions/{sid}", headers=ADMIN)
    assert response.status_code == 200
    assert response.json()["state"] == "revoked"
    assert response.json()["reason"] == "forced"
    again = await client.delete(f"/admin/sessions/{sid}", headers=ADMIN)
    assert again.status_code == 409
    assert (await client.delete("/admin/sessions/nope", headers=ADMIN)).status_code == 404
    assert (await refresh(client, tokens["refresh_token"], expect=400))["reason"] == "forced"


async def test_users_can_be_added_and_deleted(client: httpx.AsyncClient) -> None:
    created = await client.put(
        "/admin/users/carol",
        json={"password": "carol-pass", "display_name": "Carol"},
        headers=ADMIN,
    )
    assert created.status_code == 200
    tokens = await login(client, "carol")
    assert (await me(client, tokens["access_token"])).json()["display_name"] == "Carol"
    deleted = await client.delete("/admin/users/carol", headers=ADMIN)
    assert deleted.status_code == 200
    gone = await me(client, tokens["access_token"])
    assert gone.status_code == 401
    assert gone.json()["reason"] == "unknown_subject"
    bad = await client.put("/admin/users/bad name", json={"password": "x"}, headers=ADMIN)
    assert bad.status_code == 400


async def test_virtual_clock_advances_through_the_api(
    client: httpx.AsyncClient, clock: VirtualClock
) -> None:
    tokens = await login(client)
    start = clock.now()
    response = await client.post("/admin/clock/advance", json={"seconds": 40}, headers=ADMIN)
    assert response.json()["now"] == start + 40
    assert clock.now() == start + 40
    assert (await me(client, tokens["access_token"])).status_code == 401
    bad = await client.post("/admin/clock/advance", json={"seconds": -1}, headers=ADMIN)
    assert bad.status_code == 400
    rate = await client.put("/admin/clock", json={"rate": 5}, headers=ADMIN)
    assert rate.json()["rate"] == 5


async def test_real_clock_cannot_be_advanced(settings) -> None:  # type: ignore[no-untyped-def]
    from mock_server import create_app

    app = create_app(settings)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as c:
        response = await c.post("/admin/clock/advance", json={"seconds": 5}, headers=ADMIN)
    assert response.status_code == 409
    assert response.json()["reason"] == "clock_not_virtual"


async def test_event_history_as_server_sent_events(client: httpx.AsyncClient) -> None:
    tokens = await login(client)
    await refresh(client, tokens["refresh_token"])
    response = await client.get("/admin/events?follow=false", headers=ADMIN)
    assert response.headers["content-type"].startswith("text/event-stream")
    kinds = [
        line.split(": ", 1)[1] for line in response.text.splitlines() if line.startswith("event:")
    ]
    assert kinds[-2:] == ["login", "refresh"]
    assert tokens["refresh_token"] not in response.text
    assert tokens["access_token"] not in response.text
    last = int([line for line in response.text.splitlines() if line.startswith("id:")][-1][4:])
    later = await client.get(f"/admin/events?follow=false&after={last - 1}", headers=ADMIN)
    assert later.text.count("event:") == 1
