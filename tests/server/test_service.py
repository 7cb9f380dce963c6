"""The token service's guarantees, called directly: concurrency, rotation, reuse.

Sixteen coroutines at once on one loop: every await is a point where another
may run, so a decision that read before an await and wrote after it would
fork. (Several processes on one Redis: tests/server/test_redis_processes.py.)
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI

from mock_server import Settings, VirtualClock
from mock_server.errors import InvalidGrant, InvalidToken
from mock_server.service import AuthService, DeviceInfo, TokenResponse
from tests.conftest import STORES, app_on_each_store


@pytest.fixture(params=STORES)
async def app(
    request: pytest.FixtureRequest, settings: Settings, clock: VirtualClock
) -> AsyncIterator[FastAPI]:
    """Each test on SQLite, then on a real redis-server."""
    async for app in app_on_each_store(request, settings, clock):
        yield app


CONCURRENT = 16


async def sign_in(service: AuthService, device_id: str = "phone") -> TokenResponse:
    user = await service.check_password("alice", "alice-pass", "127.0.0.1")
    return await service.start_session(
        user, "jwt-device-lab", DeviceInfo(device_id, "mobile", device_id), None
    )


async def refresh_at_once(service: AuthService, token: str) -> list[TokenResponse]:
    return list(
        await asyncio.gather(*(service.refresh(token, None, None) for _ in range(CONCURRENT)))
    )


async def test_sixteen_refreshing_one_token_at_once_make_exactly_one_successor(
    app: FastAPI,
) -> None:
    service: AuthService = app.state.service
    issued = await sign_in(service)
    token = issued.refresh_token
    for round_ in range(1, 6):
        answers = await refresh_at_once(service, token)
        # Everyone got the one successor pair (the rest within the reuse grace).
        assert len({a.refresh_token for a in answers}) == 1, f"round {round_}: forked"
        assert len({a.access_token for a in answers}) == 1
        assert await service.store.count_rotations(issued.sid) == round_
        token = answers[0].refresh_token
    (session,) = await service.sessions("alice")
    assert (session["state"], session["refresh_count"]) == ("active", 5)


async def test_sixteen_logging_in_at_once_under_single_leave_one_session(app: FastAPI) -> None:
    service: AuthService = app.state.service
    await service.update_settings(login_policy="single")
    user = await service.check_password("alice", "alice-pass", "127.0.0.1")
    device = [DeviceInfo(f"d{i}", "pc", "PC") for i in range(CONCURRENT)]
    await asyncio.gather(*(service.start_session(user, "jwt-device-lab", d, None) for d in device))
    active = [s for s in await service.sessions("alice") if s["state"] == "active"]
    assert len(active) == 1


async def test_reuse_after_the_grace_revokes_the_whole_session(app: FastAPI) -> None:
    """Reuse detection at the service itself, independent of the HTTP tests: a
    retired refresh token presented after the grace ends every token of the
    session — the thief's and the owner's."""
    service: AuthService = app.state.service
    await service.update_settings(verify_mode="stateful")
    clock = service.clock
    first = await sign_in(service)
    second = await service.refresh(first.refresh_token, None, None)
    third = await service.refresh(second.refresh_token, None, None)
    clock.advance(service.settings.reuse_grace + 1)  # type: ignore[attr-defined]
    with pytest.raises(InvalidGrant) as replay:
        await service.refresh(first.refresh_token, None, None)
    assert replay.value.reason == "reuse_detected"
    (session,) = await service.sessions("alice")
    assert (session["state"], session["reason"]) == ("revoked", "reuse_detected")
    # Every member of the family is dead: the newest refresh token, the access tokens.
    for token in (second.refresh_token, third.refresh_token):
        with pytest.raises(InvalidGrant) as later:
            await service.refresh(token, None, None)
        assert later.value.reason == "reuse_detected"
    for access in (second.access_token, third.access_token):
        with pytest.raises(InvalidToken) as refused:
            await service.verify_access(access)
        assert refused.value.reason == "reuse_detected"
    assert await service.introspect(third.refresh_token) == {"active": False}
    assert await service.introspect(third.access_token) == {"active": False}
    # The user's other sessions are not the family: they live on.
    other = await sign_in(service, "pc")
    assert (await service.verify_access(other.access_token)).claims["device_id"] == "pc"


async def test_a_retry_within_the_grace_is_not_reuse(app: FastAPI) -> None:
    service: AuthService = app.state.service
    first = await sign_in(service)
    second = await service.refresh(first.refresh_token, None, None)
    service.clock.advance(service.settings.reuse_grace)  # type: ignore[attr-defined]
    assert await service.refresh(first.refresh_token, None, None) == second
    (session,) = await service.sessions("alice")
    assert session["state"] == "active"


async def test_grace_entries_go_once_their_time_is_up(app: FastAPI) -> None:
    """A refresh costs the same however many came before it: the reuse-grace
    answers are dropped as their time runs out, not kept (nor all re-read)."""
    service: AuthService = app.state.service
    clock = service.clock
    grace = service.settings.reuse_grace
    tokens = await sign_in(service)
    for _ in range(50):
        tokens = await service.refresh(tokens.refresh_token, None, None)
        clock.advance(grace + 1)  # type: ignore[attr-defined]
    store = service.store
    if store.shared:  # Redis: each entry expires by itself, a minute after its grace
        client = store._r  # type: ignore[attr-defined]
        keys = [k async for k in client.scan_iter(match="*grace:*")]
        assert len(keys) == 50
        lives = [await client.pttl(k) for k in keys]
        assert all(0 < ms <= (grace + 60) * 1000 for ms in lives), lives
        return
    grace_table = store._grace  # type: ignore[attr-defined]
    assert len(grace_table) == 1  # the latest only (swept at the next refresh)
    for _ in range(20):
        tokens = await service.refresh(tokens.refresh_token, None, None)  # no time passes
    assert len(grace_table) == 20  # these twenty, all within their grace
