"""Races over a real loopback server: concurrent refreshes, refresh vs. revocation,
concurrent logins under 'single'."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from mock_server import ServerThread, VirtualClock

pytestmark = pytest.mark.live


def password_form(device_id: str = "phone", device_type: str = "mobile") -> dict[str, str]:
    return {
        "grant_type": "password",
        "username": "alice",
        "password": "alice-pass",
        "client_id": "jwt-device-lab",
        "device_id": device_id,
        "device_type": device_type,
    }


def refresh_form(token: str) -> dict[str, str]:
    return {"grant_type": "refresh_token", "refresh_token": token, "client_id": "jwt-device-lab"}


@pytest.fixture
async def http(live_server: ServerThread) -> Any:
    limits = httpx.Limits(max_connections=64)
    async with httpx.AsyncClient(base_url=live_server.url, limits=limits, timeout=30) as client:
        client.headers["X-Admin-Key"] = live_server.admin_key  # only the admin calls use it
        yield client


async def test_fifty_concurrent_refreshes_one_rotation_and_the_session_lives_on(
    http: httpx.AsyncClient, live_server: ServerThread, clock: VirtualClock
) -> None:
    tokens = (await http.post("/oauth/token", data=password_form())).json()
    answers = await asyncio.gather(
        *(http.post("/oauth/token", data=refresh_form(tokens["refresh_token"])) for _ in range(50))
    )
    assert {a.status_code for a in answers} == {200}
    assert len({a.json()["refresh_token"] for a in answers}) == 1  # the same successor pair
    assert len({a.json()["access_token"] for a in answers}) == 1
    sid = (live_server.call(live_server.service.sessions, "alice"))[0]["sid"]
    assert live_server.call(live_server.service.store.count_rotations, sid) == 1
    successor = answers[0].json()
    clock.advance(1)  # a late retry inside the grace interval still gets the same pair
    late = await http.post("/oauth/token", data=refresh_form(tokens["refresh_token"]))
    assert late.json()["refresh_token"] == successor["refresh_token"]
    # The legitimate device keeps its session: the successor works and rotates on.
    me = await http.get("/api/me", headers={"Authorization": f"Bearer {successor['access_token']}"})
    assert me.status_code == 200
    onward = await http.post("/oauth/token", data=refresh_form(successor["refresh_token"]))
    assert onward.status_code == 200
    assert (live_server.call(live_server.service.sessions, "alice"))[0]["state"] == "active"


@pytest.mark.parametrize("ending", ["logout", "forced"])
async def test_a_refresh_racing_a_revocation_never_outlives_it(
    http: httpx.AsyncClient, live_server: ServerThread, ending: str
) -> None:
    live_server.call(live_server.service.update_settings, verify_mode="stateful")
    for round_ in range(15):
        tokens = (await http.post("/oauth/token", data=password_form(f"d{round_}"))).json()
        sid = (live_server.call(live_server.service.sessions, "alice"))[-1]["sid"]
        end = (
            http.post("/oauth/revoke", data={"token": tokens["refresh_token"]})
            if ending == "logout"
            else http.delete(f"/admin/sessions/{sid}")
        )
        refreshed, ended = await asyncio.gather(
            http.post("/oauth/token", data=refresh_form(tokens["refresh_token"])), end
        )
        assert ended.status_code == 200
        session = next(
            s for s in live_server.call(live_server.service.sessions, "alice") if s["sid"] == sid
        )
        assert session["state"] == "revoked" and session["reason"] == ending
        if refreshed.status_code == 200:  # it won the race: its tokens died with the session
            new = refreshed.json()
            me = await http.get(
                "/api/me",
                headers={"Authorization": f"Bearer {new['access_token']}", "X-Admin-Key": ""},
            )
            assert me.status_code == 401 and me.json()["reason"] == ending
            again = await http.post("/oauth/token", data=refresh_form(new["refresh_token"]))
            assert again.status_code == 400 and again.json()["reason"] == ending
        else:
            assert refreshed.json()["reason"] == ending


async def test_racing_logins_under_single_leave_exactly_one_session(
    http: httpx.AsyncClient, live_server: ServerThread
) -> None:
    live_server.call(live_server.service.update_settings, login_policy="single")
    for round_ in range(10):
        answers = await asyncio.gather(
            http.post("/oauth/token", data=password_form(f"phone-{round_}")),
            http.post("/oauth/token", data=password_form(f"pc-{round_}", "pc")),
            http.post("/oauth/token", data=password_form(f"tab-{round_}", "tablet")),
        )
        assert {a.status_code for a in answers} == {200}
        active = [
            s
            for s in live_server.call(live_server.service.sessions, "alice")
            if s["state"] == "active"
        ]
        assert len(active) == 1
