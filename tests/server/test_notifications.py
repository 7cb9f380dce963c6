"""A device hears at once that its session ended (issue 15): ``GET
/api/notifications`` on a real uvicorn server — one ``signed_out`` event with
the reason and the device that caused it, then the stream closes."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from httpx_sse import aconnect_sse

from contract import NOTIFICATIONS_PATH, SIGNED_OUT_NOTIFICATION
from mock_server import ServerThread, Settings, VirtualClock
from mock_server.service import AuthService, DeviceInfo
from tests.conftest import ADMIN_KEY
from tests.server.helpers import ADMIN, login

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def server() -> AsyncIterator[ServerThread]:
    with ServerThread(
        Settings(password_profile="fast", admin_key=ADMIN_KEY), clock=VirtualClock()
    ) as running:
        yield running


@pytest.fixture
async def http(server: ServerThread) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as client:
        await client.patch(
            "/admin/settings",
            json={"login_policy": "multi", "verify_mode": "stateless"},
            headers=ADMIN,
        )
        yield client


async def _listen(
    http: httpx.AsyncClient, token: str, started: asyncio.Event
) -> list[tuple[str, dict[str, Any]]]:
    """Every event of one stream, until the server closes it."""
    events = []
    headers = {"Authorization": f"Bearer {token}"}
    async with aconnect_sse(http, "GET", NOTIFICATIONS_PATH, headers=headers) as source:
        assert source.response.status_code == 200
        started.set()
        async for sse in source.aiter_sse():
            if not sse.data:  # the retry hint
                continue
            events.append((sse.event, json.loads(sse.data)))
    return events


async def test_a_login_elsewhere_is_told_to_the_phone_at_once_with_who_caused_it(
    http: httpx.AsyncClient,
) -> None:
    await http.patch("/admin/settings", json={"login_policy": "single"}, headers=ADMIN)
    phone = await login(http, "bob", device_id="n-phone", device_name="Bob's phone")
    started = asyncio.Event()
    listening = asyncio.create_task(_listen(http, phone["access_token"], started))
    await asyncio.wait_for(started.wait(), 5)
    await login(http, "bob", device_id="n-pc", device_type="pc", device_name="Office PC")
    events = await asyncio.wait_for(listening, 2)  # told, and the stream closed
    assert [kind for kind, _ in events] == [SIGNED_OUT_NOTIFICATION]
    notice = events[0][1]
    assert notice["reason"] == "superseded"
    assert notice["revoked_by"]["device_name"] == "Office PC"
    assert notice["revoked_by"]["device_type"] == "pc"
    assert isinstance(notice["revoked_at"], float | int)


async def test_only_the_devices_own_session_is_told(http: httpx.AsyncClient) -> None:
    mine = await login(http, "alice", device_id="n-mine")
    other = await login(http, "alice", device_id="n-other")
    started = asyncio.Event()
    listening = asyncio.create_task(_listen(http, mine["access_token"], started))
    await asyncio.wait_for(started.wait(), 5)
    for session in (other, mine):
        sid = _sid(session)
        answer = await http.delete(f"/admin/sessions/{sid}", headers=ADMIN)
        assert answer.status_code == 200, answer.text
    events = await asyncio.wait_for(listening, 2)
    assert len(events) == 1
    assert events[0][1]["sid"] == _sid(mine)
    assert events[0][1]["reason"] == "forced"


async def test_a_session_already_over_is_told_as_the_stream_opens(
    http: httpx.AsyncClient,
) -> None:
    """Stateless: the access token still verifies, but the session is gone."""
    session = await login(http, "alice", device_id="n-late")
    await http.delete(f"/admin/sessions/{_sid(session)}", headers=ADMIN)
    events = await asyncio.wait_for(_listen(http, session["access_token"], asyncio.Event()), 2)
    assert [(kind, notice["reason"]) for kind, notice in events] == [
        (SIGNED_OUT_NOTIFICATION, "forced")
    ]


async def test_the_stream_needs_a_valid_access_token(http: httpx.AsyncClient) -> None:
    answer = await http.get(NOTIFICATIONS_PATH)
    assert answer.status_code == 401
    assert answer.json()["error"] == "missing_token"
    answer = await http.get(NOTIFICATIONS_PATH, headers={"Authorization": "Bearer x.y.z"})
    assert answer.status_code == 401
    assert answer.json()["reason"] == "malformed"
    # Stateful: a revoked session's token opens nothing — its refresh tells why.
    await http.patch("/admin/settings", json={"verify_mode": "stateful"}, headers=ADMIN)
    session = await login(http, "alice", device_id="n-stateful")
    await http.delete(f"/admin/sessions/{_sid(session)}", headers=ADMIN)
    answer = await http.get(
        NOTIFICATIONS_PATH, headers={"Authorization": f"Bearer {session['access_token']}"}
    )
    assert answer.status_code == 401
    assert answer.json()["reason"] == "forced"


async def test_a_listener_that_leaves_is_forgotten(
    server: ServerThread, http: httpx.AsyncClient
) -> None:
    session = await login(http, "alice", device_id="n-leaves")
    headers = {"Authorization": f"Bearer {session['access_token']}"}
    watchers = server.service.watchers
    before = len(watchers)
    async with aconnect_sse(http, "GET", NOTIFICATIONS_PATH, headers=headers) as source:
        assert source.response.status_code == 200
        await _until(lambda: len(watchers) == before + 1)
    await _until(lambda: len(watchers) == before)


async def test_a_stream_lives_no_longer_than_its_token(
    http: httpx.AsyncClient, server: ServerThread, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Checked at each keep-alive (shortened here): past the token's exp the stream
    ends without a word, and the device listens anew with a fresh token."""
    from mock_server.routes import api

    monkeypatch.setattr(api, "NOTIFICATIONS_HEARTBEAT", 0.05)
    session = await login(http, "alice", device_id="n-expiring")
    listening = asyncio.create_task(_listen(http, session["access_token"], asyncio.Event()))
    await _until(lambda: server.service.watchers.count(_sid(session)) == 1)
    assert not listening.done()
    server.service.clock.advance(60)  # type: ignore[attr-defined]
    assert await asyncio.wait_for(listening, 5) == []


async def test_a_session_opens_a_few_streams_not_any_number(
    http: httpx.AsyncClient, server: ServerThread
) -> None:
    """A copied access token cannot open streams without end."""
    from mock_server.routes.api import MAX_STREAMS_PER_SESSION

    session = await login(http, "alice", device_id="n-many")
    sid = _sid(session)
    streams = [
        asyncio.create_task(_listen(http, session["access_token"], asyncio.Event()))
        for _ in range(MAX_STREAMS_PER_SESSION)
    ]
    await _until(lambda: server.service.watchers.count(sid) == MAX_STREAMS_PER_SESSION)
    refused = await http.get(
        NOTIFICATIONS_PATH, headers={"Authorization": f"Bearer {session['access_token']}"}
    )
    assert refused.status_code == 429
    assert refused.json()["reason"] == "too_many_streams"
    assert refused.headers["retry-after"]
    await http.delete(f"/admin/sessions/{sid}", headers=ADMIN)
    told = await asyncio.wait_for(asyncio.gather(*streams), 5)
    assert all(events[0][1]["sid"] == sid for events in told)


async def test_a_sign_in_that_fails_after_its_revocations_announces_nothing(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under 'single' a sign-in revokes the other sessions, then issues tokens, in
    one transaction: if issuing fails, the revocation is rolled back — and the
    phone, listening, is told nothing (the news goes out only after the commit)."""
    service: AuthService = app.state.service
    await service.update_settings(login_policy="single")
    user = await service.check_password("alice", "alice-pass", "127.0.0.1")
    phone = await service.start_session(
        user, "jwt-device-lab", DeviceInfo("phone", "mobile", "Phone"), None
    )
    listening = asyncio.create_task(anext(service.follow_session(phone.sid)))
    while service.watchers.count(phone.sid) == 0:  # noqa: ASYNC110 - one loop, a few turns
        await asyncio.sleep(0)
    before = service.bus.last_id()

    async def broken(*args: Any) -> None:
        raise RuntimeError("the signing key went away mid-sign-in")

    monkeypatch.setattr(service, "_issue", broken)
    with pytest.raises(RuntimeError, match="mid-sign-in"):
        await service.start_session(user, "jwt-device-lab", DeviceInfo("pc", "pc", "PC"), None)
    for _ in range(20):
        await asyncio.sleep(0)
    assert not listening.done()
    assert [s["state"] for s in await service.sessions("alice")] == ["active"]
    assert [e.type for e in service.bus.since(before)] == []
    listening.cancel()


def _sid(tokens: dict[str, Any]) -> str:
    from tests.server.helpers import claims

    return str(claims(tokens["access_token"])["sid"])


async def _until(check: Any, seconds: float = 5.0) -> None:
    """Poll a count kept on the server's thread (nothing there to await)."""
    async with asyncio.timeout(seconds):
        while not check():  # noqa: ASYNC110 - state of another thread
            await asyncio.sleep(0.01)
