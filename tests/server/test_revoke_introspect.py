"""RFC 7009 revocation, RFC 7662 introspection, and a user's own sessions."""

from __future__ import annotations

import httpx

from tests.server.helpers import ADMIN, login, me, refresh


async def introspect(client: httpx.AsyncClient, token: str) -> dict:  # type: ignore[type-arg]
    response = await client.post("/oauth/introspect", data={"token": token}, headers=ADMIN)
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]


async def test_introspection_reports_active_tokens(client: httpx.AsyncClient) -> None:
    tokens = await login(client)
    access = await introspect(client, tokens["access_token"])
    assert access["active"] is True
    assert access["token_type"] == "access_token"
    assert access["username"] == "alice"
    assert access["device_id"] == "phone"
    rt = await introspect(client, tokens["refresh_token"])
    assert rt["active"] is True
    assert rt["token_type"] == "refresh_token"
    assert await introspect(client, "not-a-token") == {"active": False}


async def test_a_rotated_refresh_token_is_not_active(client: httpx.AsyncClient) -> None:
    tokens = await login(client)
    await refresh(client, tokens["refresh_token"])
    assert (await introspect(client, tokens["refresh_token"]))["active"] is False


async def test_revocation_with_the_refresh_token_logs_out(client: httpx.AsyncClient) -> None:
    tokens = await login(client)
    response = await client.post(
        "/oauth/revoke", data={"token": tokens["refresh_token"], "client_id": "jwt-device-lab"}
    )
    assert response.status_code == 200
    assert (await refresh(client, tokens["refresh_token"], expect=400))["reason"] == "logout"
    assert (await introspect(client, tokens["access_token"]))["active"] is False


async def test_revocation_with_the_access_token_ends_the_session(client: httpx.AsyncClient) -> None:
    tokens = await login(client)
    await client.post("/oauth/revoke", data={"token": tokens["access_token"]})
    assert (await refresh(client, tokens["refresh_token"], expect=400))["reason"] == "logout"


async def test_revoking_garbage_is_not_an_error(client: httpx.AsyncClient) -> None:
    response = await client.post("/oauth/revoke", data={"token": "garbage"})
    assert response.status_code == 200
    missing = await client.post("/oauth/revoke", data={})
    assert missing.status_code == 400
    assert missing.json()["error"] == "invalid_request"


async def test_users_see_and_end_only_their_own_sessions(client: httpx.AsyncClient) -> None:
    phone = await login(client, device_id="phone")
    pc = await login(client, device_id="pc", device_type="pc")
    bob = await login(client, "bob", device_id="bob-phone")
    headers = {"Authorization": f"Bearer {pc['access_token']}"}
    listed = (await client.get("/api/sessions", headers=headers)).json()["sessions"]
    assert [(s["device_id"], s["current"]) for s in listed] == [("phone", False), ("pc", True)]
    bob_sid = (
        await client.get(
            "/api/sessions", headers={"Authorization": f"Bearer {bob['access_token']}"}
        )
    ).json()["sessions"][0]["sid"]
    assert (await client.delete(f"/api/sessions/{bob_sid}", headers=headers)).status_code == 404
    ended = await client.delete(f"/api/sessions/{listed[0]['sid']}", headers=headers)
    assert ended.status_code == 200
    assert (await refresh(client, phone["refresh_token"], expect=400))["reason"] == "logout"
    assert (await refresh(client, bob["refresh_token"]))["access_token"]


async def test_logout_others_keeps_the_current_device(client: httpx.AsyncClient) -> None:
    phone = await login(client, device_id="phone")
    tablet = await login(client, device_id="tablet", device_type="tablet")
    pc = await login(client, device_id="pc", device_type="pc")
    response = await client.post(
        "/api/sessions/logout-others", headers={"Authorization": f"Bearer {pc['access_token']}"}
    )
    assert len(response.json()["revoked"]) == 2
    for other in (phone, tablet):
        over = await refresh(client, other["refresh_token"], expect=400)
        assert over["reason"] == "logout"
        assert over["revoked_by"]["device_id"] == "pc"
    assert (await me(client, pc["access_token"])).status_code == 200
