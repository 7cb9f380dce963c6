"""The classic server-side session baseline (for the cost comparison)."""

from __future__ import annotations

import httpx

from mock_server import VirtualClock


async def test_classic_session_round_trip(client: httpx.AsyncClient, clock: VirtualClock) -> None:
    login = await client.post(
        "/classic/login", data={"username": "alice", "password": "alice-pass"}
    )
    assert login.status_code == 200
    session_id = login.json()["session_id"]
    me = await client.get("/classic/me", headers={"Authorization": f"Session {session_id}"})
    assert me.json()["user"] == "alice"
    wrong = await client.get("/classic/me", headers={"Authorization": "Session nope"})
    assert (wrong.status_code, wrong.json()["reason"]) == (401, "unknown_session")
    bare = await client.get("/classic/me")
    assert bare.status_code == 401
    clock.advance(181)
    expired = await client.get("/classic/me", headers={"Authorization": f"Session {session_id}"})
    assert expired.status_code == 401


async def test_classic_login_refuses_bad_passwords(client: httpx.AsyncClient) -> None:
    response = await client.post("/classic/login", data={"username": "alice", "password": "x"})
    assert (response.status_code, response.json()["error"]) == (400, "invalid_grant")
