"""The service's exact answers on paths the HTTP tests pass over: forged refresh
tokens, scope on refresh, the reuse grace's edge, the clock and event commands,
and the console's state."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import jwt
import pytest
from fastapi import FastAPI

import contract
from mock_server import Settings, VirtualClock, create_app
from mock_server.errors import (
    Conflict,
    InvalidGrant,
    InvalidRequest,
    InvalidScope,
    InvalidToken,
    RateLimited,
)
from mock_server.service import AuthService, DeviceInfo, TokenResponse
from mock_server.tokens import TokenRejected, VerifiedCache, VerifiedToken, encode
from tests.conftest import STORES, app_on_each_store


@pytest.fixture(params=STORES)
async def app(
    request: pytest.FixtureRequest, settings: Settings, clock: VirtualClock
) -> AsyncIterator[FastAPI]:
    """Each test on SQLite, then on a real redis-server."""
    async for app in app_on_each_store(request, settings, clock):
        yield app


def service_of(app: FastAPI) -> AuthService:
    service: AuthService = app.state.service
    return service


async def sign_in(
    service: AuthService, device_id: str, device_type: str = "mobile"
) -> TokenResponse:
    user = await service.check_password("alice", "alice-pass", "127.0.0.1")
    info = DeviceInfo(device_id, device_type, device_id)
    return await service.start_session(user, "jwt-device-lab", info, None)


def forged(service: AuthService, token: str, typ: str, **changes: Any) -> str:
    """``token`` with some claims changed, signed with the server's own key: what
    a leaked signing key would let an attacker make."""
    claims = {**jwt.decode(token, options={"verify_signature": False}), **changes}
    key = service.keys.current(service.settings.algorithm)
    assert key is not None
    return encode(claims, key, typ)


async def test_a_new_algorithm_publishes_its_key_before_any_token(app: FastAPI) -> None:
    service = service_of(app)
    assert service.settings.algorithm != "ES256"
    await service.update_settings(algorithm="ES256")
    assert "ES256" in {k["alg"] for k in service.jwks()["keys"]}


@pytest.mark.parametrize("forgery", ["unknown_jti", "another_sessions_sid"])
async def test_a_refresh_token_the_store_does_not_know_is_unknown_token(
    app: FastAPI, forgery: str
) -> None:
    service = service_of(app)
    phone, pc = await sign_in(service, "phone"), await sign_in(service, "pc", "pc")
    changes = {"jti": "never-issued"} if forgery == "unknown_jti" else {"sid": pc.sid}
    token = forged(service, phone.refresh_token, contract.REFRESH_TYP, **changes)
    with pytest.raises(InvalidGrant) as refused:
        await service.refresh(token, None, None)
    assert (refused.value.reason, refused.value.description) == (
        "unknown_token",
        "unknown refresh token",
    )


async def test_another_clients_refresh_is_refused_by_name(app: FastAPI) -> None:
    service = service_of(app)
    issued = await sign_in(service, "phone")
    with pytest.raises(InvalidGrant) as refused:
        await service.refresh(issued.refresh_token, "someone-else", None)
    assert refused.value.description == "this refresh token was issued to another client"


async def test_a_refresh_may_not_widen_the_scope(app: FastAPI) -> None:
    service = service_of(app)
    issued = await sign_in(service, "phone")
    with pytest.raises(InvalidScope, match="admin"):
        await service.refresh(issued.refresh_token, None, "profile admin")
    renewed = await service.refresh(issued.refresh_token, None, "profile")
    assert renewed.refresh_token != issued.refresh_token


async def test_a_retry_at_the_last_instant_of_the_grace_gets_the_same_successor(
    app: FastAPI, clock: VirtualClock
) -> None:
    service = service_of(app)
    grace = service.settings.reuse_grace
    assert grace > 0
    phone, pc = await sign_in(service, "phone"), await sign_in(service, "pc", "pc")
    successor = await service.refresh(phone.refresh_token, None, None)
    clock.advance(grace)
    await service.refresh(pc.refresh_token, None, None)  # another rotation tidies the grace table
    retried = await service.refresh(phone.refresh_token, None, None)
    assert retried.refresh_token == successor.refresh_token


async def test_an_expired_refresh_token_of_a_superseded_session_names_who_ended_it(
    app: FastAPI, clock: VirtualClock
) -> None:
    service = service_of(app)
    await service.update_settings(login_policy="single")
    phone = await sign_in(service, "phone")
    await sign_in(service, "office-pc", "pc")
    clock.advance(service.settings.refresh_ttl + 60)
    with pytest.raises(InvalidGrant) as refused:
        await service.refresh(phone.refresh_token, None, None)
    assert refused.value.reason == "superseded"
    assert refused.value.extra["revoked_by"]["device_id"] == "office-pc"


async def test_stateful_mode_refuses_a_token_of_an_unknown_session_and_says_so(
    app: FastAPI,
) -> None:
    service = service_of(app)
    await service.update_settings(verify_mode="stateful")
    issued = await sign_in(service, "phone")
    token = forged(service, issued.access_token, contract.ACCESS_TYP, sid="no-such-session")
    with pytest.raises(InvalidToken) as refused:
        await service.verify_access(token)
    assert (refused.value.reason, refused.value.description) == (
        "unknown_session",
        "the token's session is not active",
    )


class WallOnly:
    """A clock that says nothing about being virtual: the service must treat it as real."""

    def now(self) -> float:
        return time.time()


async def test_a_clock_that_does_not_say_it_is_virtual_cannot_be_moved() -> None:
    app = create_app(Settings(password_profile="fast", admin_key="k"), clock=WallOnly())  # type: ignore[arg-type]
    service = service_of(app)
    for command in (lambda: service.advance_clock(5), lambda: service.set_clock_rate(2)):
        with pytest.raises(Conflict) as refused:
            await command()
        assert refused.value.reason == "clock_not_virtual"
        assert refused.value.description == (
            "the server runs on the real clock (start it with --virtual-clock)"
        )


async def test_clock_commands_are_published_with_their_values(app: FastAPI) -> None:
    service = service_of(app)
    start = service.bus.last_id()
    await service.advance_clock(7.5)
    await service.set_clock_rate(2.0)
    events = [(e.type, e.data) for e in service.events_since(start)]
    assert events == [("clock_advanced", {"seconds": 7.5}), ("clock_rate", {"rate": 2.0})]


async def test_the_event_history_starts_at_the_first_event_and_a_quiet_stream_beats(
    app: FastAPI,
) -> None:
    service = service_of(app)
    first = service.events_since()[0]
    assert first.id == 1
    stream = service.follow_events(heartbeat=0.01)
    try:
        # Bounded: without its heartbeat a quiet stream would wait forever.
        seen = [
            await asyncio.wait_for(anext(stream), 5) for _ in range(len(service.events_since()) + 1)
        ]
    finally:
        await stream.aclose()  # type: ignore[attr-defined]
    assert seen[0] is not None and seen[0].id == 1  # from the beginning
    assert seen[-1] is None  # nothing new: a heartbeat


async def test_the_console_state_carries_the_schema_and_where_the_stream_stands(
    app: FastAPI,
) -> None:
    service = service_of(app)
    await sign_in(service, "phone")
    state = await service.admin_state()
    assert state["schema"] == contract.schema()
    assert state["last_event_id"] == service.bus.last_id() > 1


async def test_a_classic_session_id_carries_256_bits(app: FastAPI) -> None:
    session_id, ttl = await service_of(app).start_classic_session("alice")
    assert len(session_id) == 43  # 32 random bytes, base64url without padding
    assert ttl == service_of(app).settings.refresh_ttl


def test_the_verified_cache_keeps_exactly_its_size() -> None:
    cache = VerifiedCache(size=2)
    entry = VerifiedToken(header={}, claims={})
    for token in ("a", "b", "c"):
        cache.put(token, entry)
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (None, entry, entry)


def test_a_rejection_reads_as_its_description() -> None:
    assert str(TokenRejected("expired", "the token has expired")) == "the token has expired"


async def test_a_token_response_read_after_expiry_says_zero_not_negative(app: FastAPI) -> None:
    issued = await sign_in(service_of(app), "phone")
    late = issued.as_json(now=issued.refresh_exp + 100)
    assert (late["expires_in"], late["refresh_expires_in"]) == (0, 0)


async def test_users_and_their_refusals(app: FastAPI) -> None:
    service = service_of(app)
    names = {u["username"]: u["display_name"] for u in await service.users()}
    assert (names["alice"], names["bob"]) == ("Alice", "Bob")  # the demo users
    with pytest.raises(InvalidRequest) as bad_name:
        await service.put_user("no spaces allowed", "pw")
    assert bad_name.value.description == "a username holds 1-64 letters, digits and . _ @ -"
    with pytest.raises(InvalidRequest) as no_password:
        await service.put_user("carol", "")
    assert no_password.value.description == "a password cannot be empty"
    with pytest.raises(InvalidGrant) as wrong:
        await service.check_password("alice", "nope", "127.0.0.1")
    assert (wrong.value.reason, wrong.value.description) == (
        "invalid_credentials",
        "the username or password is wrong",
    )


async def test_a_throttled_login_reports_its_wait_to_a_tenth_of_a_second(
    app: FastAPI, clock: VirtualClock
) -> None:
    service = service_of(app)
    for _ in range(service.settings.login_max_failures):
        with pytest.raises(InvalidGrant):
            await service.check_password("alice", "nope", "127.0.0.1")
    clock.advance(0.123)
    start = service.bus.last_id()
    with pytest.raises(RateLimited) as throttled:
        await service.check_password("alice", "alice-pass", "127.0.0.1")
    (event,) = [e for e in service.events_since(start) if e.type == "login_throttled"]
    wait = event.data["retry_after"]  # 0.123 s into the wait: not a whole number
    assert wait == round(wait, 1) and wait != round(wait)
    assert 0 < throttled.value.retry_after - wait < 1  # the answer rounds up to whole seconds


async def test_the_reject_policy_names_every_device_in_the_way(app: FastAPI) -> None:
    service = service_of(app)
    await sign_in(service, "phone")
    await sign_in(service, "office-pc", "pc")
    await service.update_settings(login_policy="reject")
    with pytest.raises(InvalidGrant) as refused:
        await sign_in(service, "tablet", "tablet")
    assert refused.value.description == (
        "alice is already signed in on 'phone', 'office-pc'; "
        "the login policy 'reject' refuses a second session"
    )


async def test_a_token_of_a_deleted_user_is_refused_with_an_event(app: FastAPI) -> None:
    service = service_of(app)
    issued = await sign_in(service, "phone")
    assert (await service.verify_access(issued.access_token)).session.sid == issued.sid
    await service.delete_user("alice")
    start = service.bus.last_id()
    with pytest.raises(InvalidToken) as refused:
        await service.verify_access(issued.access_token)
    assert refused.value.description == "the token's user no longer exists"
    rejected = [e.data for e in service.events_since(start) if e.type == "token_rejected"]
    assert rejected == [{"reason": "unknown_subject", "sid": issued.sid}]


async def test_every_scope_that_is_not_granted_is_named(app: FastAPI) -> None:
    service = service_of(app)
    issued = await sign_in(service, "phone")
    with pytest.raises(InvalidScope) as refused:
        await service.refresh(issued.refresh_token, None, "profile admin root")
    assert refused.value.description == "unknown or not granted scope: admin root"


async def test_the_resource_api_verifies_a_token_once(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = service_of(app)
    issued = await sign_in(service, "phone")
    await service.verify_access(issued.access_token)

    def no_second_check(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the signature was checked again")

    monkeypatch.setattr(jwt, "decode", no_second_check)
    assert (await service.verify_access(issued.access_token)).claims["sid"] == issued.sid


async def test_the_granted_scope_is_the_requested_scopes_in_order_without_repeats(
    app: FastAPI,
) -> None:
    service = service_of(app)
    user = await service.check_password("alice", "alice-pass", "127.0.0.1")
    info = DeviceInfo("phone", "mobile", "phone")
    issued = await service.start_session(user, "jwt-device-lab", info, "messages profile messages")
    assert issued.scope == "messages profile"
