"""The server's events are a contract: the window, the timeline and the scenario
runner read these fields. Each operation of the service publishes exactly these
events, with exactly these values (``id`` and ``at`` aside)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from fastapi import FastAPI

from mock_server import Settings, VirtualClock
from mock_server.errors import Conflict, InvalidGrant, InvalidRequest, NotFound, RateLimited
from mock_server.service import AuthService, DeviceInfo, TokenResponse
from mock_server.tokens import jti_hash
from tests.conftest import STORES, app_on_each_store
from tests.server.helpers import claims


@pytest.fixture(params=STORES)
async def app(
    request: pytest.FixtureRequest, settings: Settings, clock: VirtualClock
) -> AsyncIterator[FastAPI]:
    """Each test on SQLite, then on a real redis-server."""
    async for app in app_on_each_store(request, settings, clock):
        yield app


@pytest.fixture
def service(app: FastAPI) -> AuthService:
    svc: AuthService = app.state.service
    return svc


class Recorder:
    def __init__(self, service: AuthService) -> None:
        self.service = service
        self.mark = self._last()

    def _last(self) -> int:
        return max((e.id for e in self.service.bus.since(0)), default=0)

    def take(self) -> list[tuple[str, dict[str, Any]]]:
        events = self.service.bus.since(self.mark)
        self.mark = self._last()
        for event in events:
            assert event.at == self.service.clock.now()
        return [(e.type, dict(e.data)) for e in events]


async def sign_in(
    service: AuthService, device_id: str = "phone", device_type: str = "mobile", user: str = "alice"
) -> TokenResponse:
    account = await service.check_password(user, f"{user}-pass", "127.0.0.1")
    return await service.start_session(
        account, "jwt-device-lab", DeviceInfo(device_id, device_type, f"{device_id} name"), None
    )


async def test_login_and_the_sessions_it_supersedes(service: AuthService) -> None:
    await service.update_settings(login_policy="single")
    events = Recorder(service)
    phone = await sign_in(service)
    pc = await sign_in(service, "pc", "pc")
    assert events.take() == [
        (
            "login",
            {
                "user": "alice",
                "sid": phone.sid,
                "device_id": "phone",
                "device_type": "mobile",
                "device_name": "phone name",
                "access_exp": phone.access_exp,
                "refresh_exp": phone.refresh_exp,
                "policy": "single",
                "superseded": [],
            },
        ),
        (
            "session_revoked",
            {
                "user": "alice",
                "sid": phone.sid,
                "device_id": "phone",
                "device_name": "phone name",
                "reason": "superseded",
                "by": pc.sid,
            },
        ),
        (
            "login",
            {
                "user": "alice",
                "sid": pc.sid,
                "device_id": "pc",
                "device_type": "pc",
                "device_name": "pc name",
                "access_exp": pc.access_exp,
                "refresh_exp": pc.refresh_exp,
                "policy": "single",
                "superseded": [phone.sid],
            },
        ),
    ]
    now = service.clock.now()
    assert (phone.access_exp, phone.refresh_exp) == (int(now) + 30, int(now) + 180)


async def test_refresh_retry_and_reuse(service: AuthService, clock: VirtualClock) -> None:
    first = await sign_in(service)
    events = Recorder(service)
    second = await service.refresh(first.refresh_token, None, None)
    assert events.take() == [
        (
            "refresh",
            {
                "user": "alice",
                "sid": first.sid,
                "device_id": "phone",
                "access_exp": second.access_exp,
                "refresh_exp": second.refresh_exp,
                "rotated": jti_hash(claims(first.refresh_token)["jti"])[:10],
            },
        )
    ]
    clock.advance(1)
    assert await service.refresh(first.refresh_token, None, None) == second
    assert events.take() == [
        ("refresh_retry", {"user": "alice", "sid": first.sid, "device_id": "phone"})
    ]
    clock.advance(1.5004)
    with pytest.raises(InvalidGrant) as reuse:
        await service.refresh(first.refresh_token, None, None)
    assert reuse.value.reason == "reuse_detected"
    assert reuse.value.body()["revoked_at"] == clock.now()
    assert events.take() == [
        (
            "session_revoked",
            {
                "user": "alice",
                "sid": first.sid,
                "device_id": "phone",
                "device_name": "phone name",
                "reason": "reuse_detected",
                "by": None,
            },
        ),
        (
            "reuse_detected",
            {"user": "alice", "sid": first.sid, "device_id": "phone", "rotated_ago": 2.5},
        ),
    ]


async def test_a_grace_of_one_second_still_forgives_a_retry(
    service: AuthService, clock: VirtualClock
) -> None:
    await service.update_settings(reuse_grace=1)
    first = await sign_in(service)
    second = await service.refresh(first.refresh_token, None, None)
    clock.advance(1)
    assert await service.refresh(first.refresh_token, None, None) == second
    clock.advance(0.5)
    with pytest.raises(InvalidGrant, match="used twice"):
        await service.refresh(first.refresh_token, None, None)


async def test_refused_and_revoked_tokens_at_the_api(
    service: AuthService, clock: VirtualClock
) -> None:
    phone = await sign_in(service)
    await service.force_expire(sid=phone.sid)
    events = Recorder(service)
    await service.verify_access(phone.access_token)  # stateless: accepted, and said so
    assert events.take() == [
        (
            "revoked_token_accepted",
            {
                "sid": phone.sid,
                "user": "alice",
                "device_id": "phone",
                "reason": "forced",
                "access_exp": phone.access_exp,
            },
        )
    ]
    await service.update_settings(verify_mode="stateful")
    events.take()
    with pytest.raises(Exception, match="forced the session to expire"):
        await service.verify_access(phone.access_token)
    assert events.take() == [
        ("token_rejected", {"reason": "forced", "sid": phone.sid, "mode": "stateful"})
    ]
    clock.advance(60)
    with pytest.raises(Exception, match="expired"):
        await service.verify_access(phone.access_token)
    assert events.take() == [("token_rejected", {"reason": "expired", "sid": phone.sid})]
    with pytest.raises(Exception, match="three dot-separated parts"):
        await service.verify_access("garbage")
    assert events.take() == [("token_rejected", {"reason": "malformed", "sid": None})]


async def test_force_expire_by_user_device_and_sid(service: AuthService) -> None:
    phone = await sign_in(service)
    pc = await sign_in(service, "pc", "pc")
    tablet = await sign_in(service, "tab", "tablet")
    bob = await sign_in(service, "bobs", user="bob")
    events = Recorder(service)
    assert await service.force_expire(device_id="pc") == [pc.sid]
    assert await service.force_expire(sid=tablet.sid) == [tablet.sid]
    assert await service.force_expire(user="alice") == [phone.sid]
    assert await service.force_expire(user="alice") == []
    taken = events.take()
    assert [(t, d.get("sid"), d.get("reason")) for t, d in taken if t == "session_revoked"] == [
        ("session_revoked", pc.sid, "forced"),
        ("session_revoked", tablet.sid, "forced"),
        ("session_revoked", phone.sid, "forced"),
    ]
    assert [d for t, d in taken if t == "force_expire"] == [
        {"user": None, "sid": None, "device_id": "pc", "sids": [pc.sid]},
        {"user": None, "sid": tablet.sid, "device_id": None, "sids": [tablet.sid]},
        {"user": "alice", "sid": None, "device_id": None, "sids": [phone.sid]},
        {"user": "alice", "sid": None, "device_id": None, "sids": []},
    ]
    assert (await service.sessions("bob"))[0]["state"] == "active"
    with pytest.raises(NotFound, match="no user 'zed'"):
        await service.force_expire(user="zed")
    with pytest.raises(NotFound, match="no session 'nope'"):
        await service.force_expire(sid="nope")
    assert await service.force_expire(sid=bob.sid) == [bob.sid]
    assert await service.force_expire(sid=bob.sid) == []  # known but over: nothing to do
    for wrong in ({}, {"user": "alice", "sid": phone.sid}):
        with pytest.raises(InvalidRequest, match=r"^give exactly one of user, sid or device_id$"):
            await service.force_expire(**wrong)


async def test_revoke_one_session(service: AuthService) -> None:
    phone = await sign_in(service)
    pc = await sign_in(service, "pc", "pc")
    events = Recorder(service)
    view = await service.revoke_session(phone.sid, "forced", by=pc.sid)
    assert (view["sid"], view["state"], view["reason"]) == (phone.sid, "revoked", "forced")
    assert view["revoked_at"] == service.clock.now()
    assert view["revoked_by"]["device_id"] == "pc"
    assert events.take() == [
        (
            "session_revoked",
            {
                "user": "alice",
                "sid": phone.sid,
                "device_id": "phone",
                "device_name": "phone name",
                "reason": "forced",
                "by": pc.sid,
            },
        )
    ]
    with pytest.raises(Conflict, match=f"session '{phone.sid}' is already over") as over:
        await service.revoke_session(phone.sid, "forced")
    assert over.value.reason == "forced"
    with pytest.raises(NotFound, match="no session 'nope'"):
        await service.revoke_session("nope", "forced")


async def test_deleting_a_user_ends_their_sessions(service: AuthService) -> None:
    await service.put_user("carol", "carol-pass", "Carol")
    phone = await sign_in(service, user="carol")
    pc = await sign_in(service, "pc", "pc", user="carol")
    alice = await sign_in(service)
    events = Recorder(service)
    await service.delete_user("carol")
    taken = events.take()
    assert taken[-1] == ("user_deleted", {"user": "carol"})
    assert [(d["sid"], d["reason"], d["by"]) for t, d in taken if t == "session_revoked"] == [
        (phone.sid, "forced", None),
        (pc.sid, "forced", None),
    ]
    assert {s["sid"]: s["state"] for s in await service.sessions()} == {
        phone.sid: "revoked",
        pc.sid: "revoked",
        alice.sid: "active",
    }
    with pytest.raises(InvalidGrant):
        await service.check_password("carol", "carol-pass", "127.0.0.1")
    with pytest.raises(NotFound, match="no user 'carol'"):
        await service.delete_user("carol")
    # A user the service never looked up (nothing cached) is deleted as well.
    await service.put_user("frank", "pw")
    await service.delete_user("frank")
    assert "frank" not in [u.username for u in await service.store.list_users()]


async def test_users_settings_and_keys(service: AuthService) -> None:
    events = Recorder(service)
    await service.put_user("dave", "pw")
    assert (await service.check_password("dave", "pw", "127.0.0.1")).display_name == "dave"
    await service.put_user("dave", "pw2", "Dave")
    assert (await service.check_password("dave", "pw2", "127.0.0.1")).display_name == "Dave"
    await service.update_settings(access_ttl=10, verify_mode="stateful")
    rotated = await service.rotate_key()
    retired = await service.retire_key()
    assert events.take() == [
        ("user_saved", {"user": "dave"}),
        ("user_saved", {"user": "dave"}),
        ("settings_changed", {"changes": {"access_ttl": "10", "verify_mode": "stateful"}}),
        ("key_rotated", {"kid": rotated["kid"], "alg": "EdDSA"}),
        ("key_retired", {"kid": retired["kid"], "alg": "EdDSA"}),
    ]
    assert retired["kid"] != rotated["kid"] and retired["state"] == "retired"
    assert rotated["state"] == "active"
    with pytest.raises(InvalidRequest, match="cannot be changed live"):
        await service.update_settings(admin_key="x")
    with pytest.raises(InvalidRequest, match="unknown login policy"):
        await service.update_settings(login_policy="some")
    with pytest.raises(InvalidRequest, match="1-64 letters"):
        await service.put_user("bad name", "pw")
    with pytest.raises(InvalidRequest, match="cannot be empty"):
        await service.put_user("erin", "")


async def test_failed_throttled_and_rejected_logins(service: AuthService) -> None:
    events = Recorder(service)
    for _ in range(5):
        with pytest.raises(InvalidGrant, match="username or password is wrong"):
            await service.check_password("alice", "nope", "10.0.0.1")
    with pytest.raises(RateLimited):
        await service.check_password("alice", "alice-pass", "10.0.0.1")
    taken = events.take()
    assert taken[:5] == [("login_failed", {"user": "alice"})] * 5
    assert taken[5][0] == "login_throttled"
    assert taken[5][1]["user"] == "alice" and 0 < taken[5][1]["retry_after"] <= 60

    await sign_in(service, user="bob")
    await service.update_settings(login_policy="reject")
    events.take()
    with pytest.raises(InvalidGrant, match="bob is already signed in on 'phone name'") as refused:
        await sign_in(service, "pc", "pc", user="bob")
    assert refused.value.reason == "rejected"
    (other,) = refused.value.body()["active_devices"]
    assert (other["device_id"], other["device_type"]) == ("phone", "mobile")
    assert events.take() == [
        ("login_rejected", {"user": "bob", "device_id": "pc", "policy": "reject"})
    ]


def resign(service: AuthService, token: str, typ: str, **changes: Any) -> str:
    """A token signed with the server's own key, with some claims changed."""
    import jwt

    key = service.keys.current("EdDSA")
    assert key is not None
    return jwt.encode(
        {**claims(token), **changes},
        key.signing,
        algorithm="EdDSA",
        headers={"typ": typ, "kid": key.kid},
    )


async def test_revocation_by_token_ends_only_a_matching_session(service: AuthService) -> None:
    phone = await sign_in(service)
    bob = await sign_in(service, "bobs", user="bob")
    # A genuine signature over another user's name: the session is not theirs.
    await service.revoke_token(resign(service, phone.refresh_token, "rt+jwt", sub="bob"), None)
    await service.revoke_token(phone.refresh_token, "another-client")
    await service.revoke_token("not a token", None)
    # Signed by the server for another audience: not a token of this lab's sessions.
    await service.revoke_token(
        resign(service, phone.access_token, "at+jwt", aud="another-api"), None
    )
    assert {s["sid"]: s["state"] for s in await service.sessions()} == {
        phone.sid: "active",
        bob.sid: "active",
    }
    events = Recorder(service)
    await service.revoke_token(phone.access_token, "jwt-device-lab")
    assert events.take() == [
        (
            "session_revoked",
            {
                "user": "alice",
                "sid": phone.sid,
                "device_id": "phone",
                "device_name": "phone name",
                "reason": "logout",
                "by": phone.sid,
            },
        )
    ]


async def test_introspection_of_each_kind_and_of_what_is_not_for_here(
    service: AuthService, clock: VirtualClock
) -> None:
    phone = await sign_in(service)
    access = await service.introspect(phone.access_token)
    assert access == {
        "active": True,
        "token_type": "access_token",
        "username": "alice",
        **claims(phone.access_token),
    }
    refresh = await service.introspect(phone.refresh_token)
    assert refresh == {
        "active": True,
        "token_type": "refresh_token",
        "username": "alice",
        **claims(phone.refresh_token),
    }
    # Signed by the server, but for another audience: not active here.
    elsewhere = resign(service, phone.access_token, "at+jwt", aud="another-api")
    assert await service.introspect(elsewhere) == {"active": False}
    successor = await service.refresh(phone.refresh_token, None, None)
    assert await service.introspect(phone.refresh_token) == {"active": False}  # rotated
    assert (await service.introspect(successor.refresh_token))["active"] is True
    await service.force_expire(sid=phone.sid)
    assert await service.introspect(successor.access_token) == {"active": False}
    assert await service.introspect("garbage") == {"active": False}


async def test_the_session_view_the_console_shows(
    service: AuthService, clock: VirtualClock
) -> None:
    await service.update_settings(login_policy="single")
    phone = await sign_in(service)
    clock.advance(2)
    pc = await sign_in(service, "pc", "pc")
    views = {v["sid"]: v for v in await service.sessions("alice")}
    now = clock.now()
    assert views[phone.sid] == {
        "sid": phone.sid,
        "user": "alice",
        "client_id": "jwt-device-lab",
        "device_id": "phone",
        "device_type": "mobile",
        "device_name": "phone name",
        "scope": "profile messages",
        "created_at": now - 2,
        "expires_at": phone.refresh_exp,
        "last_refresh_at": None,
        "refresh_count": 0,
        "state": "revoked",
        "reason": "superseded",
        "revoked_at": now,
        "revoked_by": {
            "device_id": "pc",
            "device_type": "pc",
            "device_name": "pc name",
            "signed_in_at": now,
        },
    }
    assert views[pc.sid]["state"] == "active" and views[pc.sid]["revoked_by"] is None
    with pytest.raises(InvalidGrant) as over:
        await service.refresh(phone.refresh_token, None, None)
    assert over.value.body()["revoked_by"] == views[phone.sid]["revoked_by"]
    assert over.value.body()["revoked_at"] == now
