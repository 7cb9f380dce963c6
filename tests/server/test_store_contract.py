"""The store interface, the same for both stores: SQLite (one process) and Redis
(a real redis-server, shared by several). What the service relies on — records
kept as written, indexes in creation order, transactions that keep all or
nothing — is checked against each."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from mock_server.backends import open_store
from mock_server.store import (
    KeyRecord,
    RefreshRecord,
    ResourceServerRecord,
    SessionRecord,
    Store,
    Tx,
    UserRecord,
)

NOW = 1_800_000_000.0


@pytest.fixture(params=["sqlite", "redis"])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[Store]:
    spec = "sqlite::memory:" if request.param == "sqlite" else request.getfixturevalue("redis_url")
    opened = open_store(spec)
    await opened.open()
    yield opened
    await opened.close()


def session(sid: str, user: str = "alice", device: str = "phone", at: float = NOW) -> SessionRecord:
    return SessionRecord(
        sid, user, "jwt-device-lab", device, "mobile", device.title(), "profile", at,
        at + 3600, None, 0, None, None, None, None,
    )  # fmt: skip


async def test_users_and_sessions_read_back_as_written(store: Store) -> None:
    await store.put_user(UserRecord("alice", "hash", "Alice", NOW))
    await store.put_user(UserRecord("alice", "hash-2", "Alice A.", NOW + 5))  # an update
    assert await store.get_user("alice") == UserRecord("alice", "hash-2", "Alice A.", NOW)
    assert await store.get_user("nobody") is None
    bound = (
        session("s1").__class__(**{**session("s1").__dict__, "dpop_jkt": "jkt-1"})
        if False
        else None
    )
    assert bound is None
    first, second = session("s1"), session("s2", device="pc", at=NOW)  # the same instant
    await store.add_session(first)
    await store.add_session(second)
    assert await store.get_session("s1") == first
    # Creation order, even when the clock stood still between the two.
    assert [s.sid for s in await store.active_sessions("alice", NOW)] == ["s1", "s2"]
    assert [s.sid for s in await store.active_sessions("alice", NOW, "pc")] == ["s2"]
    assert [s.sid for s in await store.list_sessions()] == ["s1", "s2"]
    assert await store.revoke_session("s1", NOW + 1, "forced", "s2")
    assert not await store.revoke_session("s1", NOW + 2, "logout", None)  # already
    revoked = await store.get_session("s1")
    assert revoked is not None
    assert (revoked.revoked_at, revoked.reason, revoked.revoked_by) == (NOW + 1, "forced", "s2")
    assert [s.sid for s in await store.active_sessions("alice", NOW + 1)] == ["s2"]
    assert [s.sid for s in await store.revoked_since(NOW)] == ["s1"]
    assert await store.revoked_since(NOW + 2) == []
    await store.record_refresh("s2", NOW + 10, NOW + 7200)
    refreshed = await store.get_session("s2")
    assert refreshed is not None
    assert (refreshed.refresh_count, refreshed.expires_at) == (1, NOW + 7200)
    assert await store.delete_user("alice") and not await store.delete_user("alice")
    assert await store.list_users() == []


async def test_a_refresh_lineage(store: Store) -> None:
    await store.add_session(session("s1"))
    one = RefreshRecord("h1", "s1", NOW, NOW + 3600, None, None)
    two = RefreshRecord("h2", "s1", NOW, NOW + 3600, None, None)
    await store.add_refresh(one)
    await store.add_refresh(two)
    assert await store.mark_rotated("h1", NOW + 1, "h2")
    assert not await store.mark_rotated("h1", NOW + 2, "h3")  # retired once only
    assert [r.jti_hash for r in await store.refresh_chain("s1")] == ["h1", "h2"]
    assert await store.get_refresh("h1") == RefreshRecord(
        "h1", "s1", NOW, NOW + 3600, NOW + 1, "h2"
    )
    assert await store.count_rotations("s1") == 1
    await store.put_grace("h1", b"\x00sealed\xff", NOW + 2, NOW)
    assert await store.get_grace("h1", NOW + 2) == b"\x00sealed\xff"
    assert await store.get_grace("h1", NOW + 3) is None  # its grace is over
    assert await store.get_grace("nope", NOW) is None


async def test_a_transaction_keeps_all_or_nothing(store: Store) -> None:
    async def half_done(tx: Tx) -> None:
        await tx.add_session(session("s1"))
        await tx.revoke_session("s0", NOW, "forced", None)
        raise RuntimeError("the sign-in failed half-way")

    with pytest.raises(RuntimeError, match="half-way"):
        await store.atomic(half_done)
    assert await store.get_session("s1") is None and await store.list_sessions() == []

    async def whole(tx: Tx) -> str:
        await tx.add_session(session("s1"))
        await tx.add_refresh(RefreshRecord("h1", "s1", NOW, NOW + 60, None, None))
        return "kept"

    assert await store.atomic(whole) == "kept"
    assert await store.get_session("s1") is not None and await store.get_refresh("h1") is not None


async def test_a_decision_on_what_changed_meanwhile_is_taken_again(store: Store) -> None:
    """Two sign-ins under 'single', interleaved at their awaits: each revokes the
    sessions it saw and adds its own. Whatever the interleaving, one survives."""
    await store.add_session(session("old"))

    def sign_in(sid: str, device: str) -> object:
        async def decide(tx: Tx) -> None:
            active = await tx.active_sessions("alice", NOW)
            await asyncio.sleep(0.01)  # the other one reads meanwhile
            for other in active:
                await tx.revoke_session(other.sid, NOW, "superseded", sid)
            await tx.add_session(session(sid, device=device))

        return store.atomic(decide)

    await asyncio.gather(sign_in("a", "pc"), sign_in("b", "tablet"))  # type: ignore[arg-type]
    if store.shared:
        assert len(await store.active_sessions("alice", NOW)) == 1
    else:  # one process: a SQLite transaction runs to its end without interleaving
        assert len(await store.active_sessions("alice", NOW)) >= 1


async def test_keys_resource_servers_and_deliveries(store: Store) -> None:
    await store.add_key(KeyRecord("k1", "EdDSA", b"\x01private", NOW, None))
    await store.add_key(KeyRecord("k2", "EdDSA", b"\x02private", NOW + 1, None))
    assert await store.retire_key("k1", NOW + 2) and not await store.retire_key("k1", NOW + 3)
    assert [(k.kid, k.private_key, k.retired_at) for k in await store.list_keys()] == [
        ("k1", b"\x01private", NOW + 2),
        ("k2", b"\x02private", None),
    ]
    rs = ResourceServerRecord("api-1", "secret-hash", "http://127.0.0.1:9/backchannel-logout", NOW)
    await store.put_resource_server(rs)
    assert await store.get_resource_server("api-1") == rs
    assert await store.list_resource_servers() == [rs]
    await store.enqueue_delivery("api-1", "s1", "logout-token-1", 100.0)
    await store.enqueue_delivery("api-1", "s2", "logout-token-2", 101.0)
    assert await store.next_delivery_at() == 100.0
    claimed = await store.claim_deliveries(200.0, lease=5)
    assert [d.logout_token for d in claimed] == ["logout-token-1", "logout-token-2"]
    assert await store.claim_deliveries(201.0, lease=5) == []  # leased to the first sender
    await store.delivery_done(claimed[0].id, 202.0)
    await store.delivery_failed(claimed[1].id, "HTTP 503", 300.0)
    newest = await store.list_deliveries("api-1")
    assert [(d.sid, d.attempts, d.delivered_at, d.last_error) for d in newest] == [
        ("s2", 1, None, "HTTP 503"),
        ("s1", 1, 202.0, None),
    ]
    assert await store.next_delivery_at() == 300.0
    assert await store.forget_deliveries(203.0) == 1
    assert [d.sid for d in await store.list_deliveries()] == ["s2"]
    assert await store.delete_resource_server("api-1")
    assert await store.list_deliveries() == [] and await store.next_delivery_at() is None


async def test_classic_sessions(store: Store) -> None:
    await store.add_classic_session("c1", "alice", NOW, NOW + 60)
    assert await store.get_classic_session("c1", NOW + 59) == "alice"
    assert await store.get_classic_session("c1", NOW + 60) is None


async def test_redis_drops_the_index_entries_of_expired_sessions(redis_url: str) -> None:
    """Memory stays bounded: a session's hash expires by itself (PEXPIRE), and its
    entries in the user's and the device's indexes go when next read — also
    inside a sign-in's transaction, with its writes."""
    store = open_store(redis_url)
    await store.open()
    try:
        client = store._r  # type: ignore[attr-defined]
        await store.add_session(session("gone"))
        await store.add_session(session("kept", device="pc"))
        ttl = await client.pttl("jwt-lab:session:gone")
        assert 0 < ttl <= (3600 + 3600) * 1000  # the session's life and an hour
        await client.delete("jwt-lab:session:gone")  # as its expiry would

        async def sign_in(tx: Tx) -> list[str]:
            return [s.sid for s in await tx.active_sessions("alice", NOW)]

        assert await store.atomic(sign_in) == ["kept"]
        assert await client.zrange("jwt-lab:user-sessions:alice", 0, -1) == ["kept"]
        assert await store.active_sessions("alice", NOW, "phone") == []
        assert await client.zrange("jwt-lab:device-sessions:alice:phone", 0, -1) == []
    finally:
        await store.close()
