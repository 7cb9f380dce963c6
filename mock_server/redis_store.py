"""The server's state in Redis (``jwt-lab serve --store redis://HOST:PORT/DB``),
shared by every server process that names the same database.

Written with redis-py's asyncio client. Atomicity never comes from a lock of
this process:

- a decision that reads, then writes (``atomic``: a sign-in under a login
  policy, a rotation, a revocation with its logout tokens) runs as an optimistic
  transaction: every key it reads is ``WATCH``ed, its writes go out in one
  ``MULTI``/``EXEC``, and if another process changed a watched key in between,
  the whole decision runs again on what is there now;
- what must number things or claim them (a session's place among its user's,
  a back-channel delivery's id, the deliveries a sender takes) is a Lua script,
  which Redis runs without anything in between.

Layout (every key under ``PREFIX``): ``user:NAME`` (hash) and the set ``users``;
``session:SID`` (hash) with the sorted sets ``sessions``, ``user-sessions:NAME``
and ``device-sessions:NAME:DEVICE`` (by creation order) and ``revoked`` (by
revocation time); ``refresh:HASH`` (hash) with ``refresh-chain:SID``;
``grace:HASH``; ``classic:ID``; ``keys`` and ``resource-servers`` (hashes of
JSON); ``delivery:ID`` (hash) with ``deliveries``, ``deliveries-due``,
``deliveries-done`` and ``deliveries:RS`` (sorted sets).

Memory stays bounded: a session, its refresh tokens and its classic twin
expire (``PEXPIRE``) an hour after the session itself would have; acknowledged
deliveries after ``KEEP_DELIVERED``; a grace entry with its grace. Index
entries whose key has expired are dropped when next read.
"""

from __future__ import annotations

import base64
import json
import math
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import fields
from typing import Any, TypeVar

import redis.asyncio as redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError, WatchError
from redis.exceptions import TimeoutError as RedisTimeoutError

from mock_server.events import Event as SharedEvent
from mock_server.store import (
    DeliveryRecord,
    KeyRecord,
    RefreshRecord,
    ResourceServerRecord,
    SessionRecord,
    StoreUnavailable,
    Tx,
    UserRecord,
)

T = TypeVar("T")

PREFIX = "jwt-lab:"
KEEP_AFTER_END = 3600.0  # seconds a session's keys outlive it (its end stays visible)
KEEP_DELIVERED = 3600.0
EVENT_HISTORY = 5000  # events kept in the stream (about: MAXLEN ~)
RETRIES = 3  # a command that meets a broken connection is sent again this often
MAX_TRIES = 64  # optimistic transaction attempts before giving up (never reached in practice)

_SESSION_FIELDS = [f.name for f in fields(SessionRecord)]
_FLOATS = {"created_at", "expires_at", "last_refresh_at", "revoked_at", "issued_at", "rotated_at"}
_FLOATS |= {"queued_at", "next_at", "delivered_at"}
_INTS = {"refresh_count", "attempts", "id"}

# KEYS: session, sessions, user-sessions, device-sessions, seq.
# ARGV: ttl ms, then field/value pairs, the first of them 'sid', SID.
_ADD_SESSION = """
local seq = redis.call('INCR', KEYS[5])
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('PEXPIRE', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[2], seq, ARGV[3])
redis.call('ZADD', KEYS[3], seq, ARGV[3])
redis.call('ZADD', KEYS[4], seq, ARGV[3])
return seq
"""

# KEYS: refresh, refresh-chain, seq. ARGV: ttl ms, jti hash, field/value pairs.
_ADD_REFRESH = """
local seq = redis.call('INCR', KEYS[3])
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
redis.call('PEXPIRE', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[2], seq, ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[1])
return seq
"""

# KEYS: delivery-seq. ARGV: prefix, rs_id, sid, token, queued_at.
_ENQUEUE = """
local id = redis.call('INCR', KEYS[1])
local prefix = ARGV[1]
redis.call('HSET', prefix .. 'delivery:' .. id, 'id', id, 'rs_id', ARGV[2], 'sid', ARGV[3],
  'logout_token', ARGV[4], 'queued_at', ARGV[5], 'attempts', 0, 'next_at', ARGV[5])
redis.call('ZADD', prefix .. 'deliveries', id, id)
redis.call('ZADD', prefix .. 'deliveries:' .. ARGV[2], id, id)
redis.call('ZADD', prefix .. 'deliveries-due', ARGV[5], id)
return id
"""

# KEYS: deliveries-due. ARGV: prefix, now, lease until, limit. Claims what is due.
_CLAIM = """
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[2], 'LIMIT', 0, ARGV[4])
local out = {}
for _, id in ipairs(ids) do
  redis.call('ZADD', KEYS[1], ARGV[3], id)
  local row = redis.call('HGETALL', ARGV[1] .. 'delivery:' .. id)
  if #row > 0 then
    redis.call('HSET', ARGV[1] .. 'delivery:' .. id, 'next_at', ARGV[3])
    table.insert(out, row)
  else
    redis.call('ZREM', KEYS[1], id)
  end
end
return out
"""


# KEYS: the event stream, its counter. ARGV: history kept, type, at, data (JSON).
# One global, increasing id for the events of every process: the stream entry's id.
_ADD_EVENT = """
local id = redis.call('INCR', KEYS[2])
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], id .. '-1', 'type', ARGV[2], 'at', ARGV[3],
  'data', ARGV[4])
return id
"""


def _text(value: float | int | str) -> str:
    return repr(value) if isinstance(value, float) else str(value)


def _pairs(values: dict[str, Any]) -> list[str]:
    """A flat field/value list for HSET, without the None values."""
    out: list[str] = []
    for name, value in values.items():
        if value is not None:
            out += [name, _text(value)]
    return out


def _typed(row: dict[str, str], names: Iterable[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in names:
        value = row.get(name)
        if value is None:
            out[name] = None
        elif name in _FLOATS:
            out[name] = float(value)
        elif name in _INTS:
            out[name] = int(value)
        else:
            out[name] = value
    return out


def _session(row: dict[str, str]) -> SessionRecord | None:
    return SessionRecord(**_typed(row, _SESSION_FIELDS)) if row else None


def _refresh(row: dict[str, str]) -> RefreshRecord | None:
    names = [f.name for f in fields(RefreshRecord)]
    return RefreshRecord(**_typed(row, names)) if row else None


def _delivery(row: dict[str, str]) -> DeliveryRecord | None:
    names = [
        "id",
        "rs_id",
        "sid",
        "logout_token",
        "queued_at",
        "attempts",
        "next_at",
        "delivered_at",
        "last_error",
    ]
    return DeliveryRecord(**_typed(row, names)) if row else None


def _event(entry_id: str, fields: dict[str, str]) -> SharedEvent:
    return SharedEvent(
        int(entry_id.split("-", 1)[0]),
        fields["type"],
        float(fields["at"]),
        json.loads(fields["data"]),
    )


def _ms(seconds: float) -> int:
    return max(1000, math.ceil(seconds * 1000))


class _Keys:
    def __init__(self, prefix: str) -> None:
        p = self.prefix = prefix
        self.users = f"{p}users"
        self.sessions = f"{p}sessions"
        self.revoked = f"{p}revoked"
        self.seq = f"{p}seq"
        self.keys = f"{p}keys"
        self.resource_servers = f"{p}resource-servers"
        self.delivery_seq = f"{p}delivery-seq"
        self.deliveries = f"{p}deliveries"
        self.due = f"{p}deliveries-due"
        self.done = f"{p}deliveries-done"
        self.channel = f"{p}changes"
        self.events = f"{p}events"
        self.event_ids = f"{p}event-ids"

    def user(self, name: str) -> str:
        return f"{self.prefix}user:{name}"

    def session(self, sid: str) -> str:
        return f"{self.prefix}session:{sid}"

    def user_sessions(self, name: str) -> str:
        return f"{self.prefix}user-sessions:{name}"

    def device_sessions(self, name: str, device_id: str) -> str:
        return f"{self.prefix}device-sessions:{name}:{device_id}"

    def refresh(self, jti_hash: str) -> str:
        return f"{self.prefix}refresh:{jti_hash}"

    def chain(self, sid: str) -> str:
        return f"{self.prefix}refresh-chain:{sid}"

    def grace(self, jti_hash: str) -> str:
        return f"{self.prefix}grace:{jti_hash}"

    def classic(self, session_id: str) -> str:
        return f"{self.prefix}classic:{session_id}"

    def delivery(self, delivery_id: int | str) -> str:
        return f"{self.prefix}delivery:{delivery_id}"

    def value(self, key: str) -> str:
        return f"{self.prefix}value:{key}"

    def failures(self, key: str) -> str:
        return f"{self.prefix}failures:{key}"

    def rs_deliveries(self, rs_id: str) -> str:
        return f"{self.prefix}deliveries:{rs_id}"


def _unavailable(exc: Exception) -> StoreUnavailable:
    return StoreUnavailable(f"the Redis store is unreachable: {exc}")


async def _do(aw: Awaitable[T]) -> T:
    """Await a Redis call; an unreachable Redis is ``StoreUnavailable`` (a 503)."""
    try:
        return await aw
    except (RedisConnectionError, RedisTimeoutError) as exc:
        raise _unavailable(exc) from exc


class _Reads:
    """The reads a store and a transaction share (``self._r``: what runs them)."""

    k: _Keys
    _r: Any

    async def _watch(self, *keys: str) -> None:
        """Nothing outside a transaction; there, the keys about to be read."""

    async def _hash(self, key: str) -> dict[str, str]:
        await self._watch(key)
        row: dict[str, str] = await _do(self._r.hgetall(key))
        return row

    async def get_user(self, username: str) -> UserRecord | None:
        row = await self._hash(self.k.user(username))
        if not row:
            return None
        return UserRecord(
            username, row["password_hash"], row["display_name"], float(row["created_at"])
        )

    async def get_session(self, sid: str) -> SessionRecord | None:
        return _session(await self._hash(self.k.session(sid)))

    async def _indexed_sessions(self, index: str) -> list[SessionRecord]:
        await self._watch(index)
        sids: list[str] = await _do(self._r.zrange(index, 0, -1))
        found, gone = [], []
        for sid in sids:
            session = await self.get_session(sid)
            if session is None:
                gone.append(sid)  # expired: its index entry goes too
            else:
                found.append(session)
        if gone:
            await self._prune(index, gone)
        return found

    async def _prune(self, index: str, gone: list[str]) -> None:
        """Drop the entries of expired sessions from an index."""
        await _do(self._r.zrem(index, *gone))

    async def active_sessions(
        self, username: str, now: float, device_id: str | None = None
    ) -> list[SessionRecord]:
        index = (
            self.k.user_sessions(username)
            if device_id is None
            else self.k.device_sessions(username, device_id)
        )
        return [s for s in await self._indexed_sessions(index) if s.is_active(now)]

    async def get_refresh(self, jti_hash: str) -> RefreshRecord | None:
        return _refresh(await self._hash(self.k.refresh(jti_hash)))

    async def list_resource_servers(self) -> list[ResourceServerRecord]:
        await self._watch(self.k.resource_servers)
        rows = (await _do(self._r.hgetall(self.k.resource_servers))).values()
        records = [ResourceServerRecord(**json.loads(row)) for row in rows]
        return sorted(records, key=lambda r: (r.created_at, r.rs_id))


class RedisTx(_Reads):
    """One attempt of an optimistic transaction: reads are watched and run at
    once; writes wait for ``commit`` (so reads see the state before them)."""

    def __init__(self, store: RedisStore, pipe: Any) -> None:
        self.k = store.k
        self._store = store
        self._r = pipe
        self._writes: list[Callable[[Any], Awaitable[None]]] = []

    async def _watch(self, *keys: str) -> None:
        await self._r.watch(*keys)

    async def _prune(self, index: str, gone: list[str]) -> None:
        """In a transaction: with its writes (a write now would break the WATCH)."""

        async def write(p: Any) -> None:
            p.zrem(index, *gone)

        self._writes.append(write)

    async def commit(self) -> None:
        self._r.multi()
        for write in self._writes:
            await write(self._r)
        await self._r.execute()

    async def delete_user(self, username: str) -> bool:
        exists = bool(await self._hash(self.k.user(username)))

        async def write(p: Any) -> None:
            p.delete(self.k.user(username))
            p.srem(self.k.users, username)

        self._writes.append(write)
        return exists

    async def add_session(self, session: SessionRecord) -> None:
        async def write(p: Any) -> None:
            await self._store.queue_add_session(p, session)

        self._writes.append(write)

    async def revoke_session(self, sid: str, at: float, reason: str, by: str | None) -> bool:
        async def write(p: Any) -> None:
            changes = {"revoked_at": repr(at), "reason": reason}
            if by is not None:
                changes["revoked_by"] = by
            p.hset(self.k.session(sid), mapping=changes)
            p.zadd(self.k.revoked, {sid: at})

        self._writes.append(write)
        return True

    async def record_refresh(self, sid: str, at: float, expires_at: float) -> None:
        async def write(p: Any) -> None:
            key = self.k.session(sid)
            p.hset(key, mapping={"last_refresh_at": repr(at), "expires_at": repr(expires_at)})
            p.hincrby(key, "refresh_count", 1)
            p.pexpire(key, _ms(expires_at - at + KEEP_AFTER_END))

        self._writes.append(write)

    async def add_refresh(self, record: RefreshRecord) -> None:
        async def write(p: Any) -> None:
            await self._store.queue_add_refresh(p, record)

        self._writes.append(write)

    async def mark_rotated(self, jti_hash: str, at: float, successor_hash: str) -> bool:
        async def write(p: Any) -> None:
            changes = {"rotated_at": repr(at), "successor_hash": successor_hash}
            p.hset(self.k.refresh(jti_hash), mapping=changes)

        self._writes.append(write)
        return True

    async def enqueue_delivery(self, rs_id: str, sid: str, logout_token: str, at: float) -> None:
        async def write(p: Any) -> None:
            await self._store.enqueue_script(
                keys=[self.k.delivery_seq],
                args=[self.k.prefix, rs_id, sid, logout_token, repr(at)],
                client=p,
            )

        self._writes.append(write)

    async def put_grace(self, jti_hash: str, sealed: bytes, until: float, now: float) -> None:
        async def write(p: Any) -> None:
            self._store.queue_grace(p, jti_hash, sealed, until, now)

        self._writes.append(write)


class RedisStore(_Reads):
    """The server's state in one Redis database, for any number of processes."""

    shared = True

    def __init__(self, url: str, *, prefix: str = PREFIX) -> None:
        self.url = url
        self.description = url
        self.k = _Keys(prefix)
        self._client: Any = None

    @property
    def _r(self) -> Any:  # redis-py's types mix its sync and asyncio answers
        if self._client is None:
            self._client = self._connect()
        return self._client

    def _connect(self) -> redis.Redis:
        client: redis.Redis = redis.Redis.from_url(
            self.url,
            decode_responses=True,
            socket_connect_timeout=2,
            socket_timeout=5,
            health_check_interval=30,
            # After Redis restarts, every pooled connection is dead once: a command
            # that meets one is sent again on a fresh one, not answered 503.
            retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), RETRIES),
            retry_on_error=[RedisConnectionError, RedisTimeoutError],
        )
        self.add_session_script = client.register_script(_ADD_SESSION)
        self.add_refresh_script = client.register_script(_ADD_REFRESH)
        self.enqueue_script = client.register_script(_ENQUEUE)
        self.claim_script = client.register_script(_CLAIM)
        self.event_script = client.register_script(_ADD_EVENT)
        return client

    async def open(self) -> None:
        """Connect on the running loop (the client's connections belong to it)."""
        if self._client is not None:
            await self.close()
        self._client = self._connect()
        try:
            await self._r.ping()
        except RedisError as exc:
            raise _unavailable(exc) from exc

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()

    async def publish(self, message: dict[str, Any]) -> None:
        """Tell every process of this store (Redis pub/sub): keys, settings and
        revocations changed."""
        await _do(self._r.publish(self.k.channel, json.dumps(message)))

    async def messages(self) -> AsyncIterator[dict[str, Any]]:
        """What the processes of this store publish, for as long as the connection
        lasts (``StoreUnavailable`` when it breaks: subscribe again)."""
        pubsub = self._r.pubsub(ignore_subscribe_messages=True)
        try:
            await _do(pubsub.subscribe(self.k.channel))
            while True:
                message = await _do(pubsub.get_message(timeout=30.0))
                if message is not None and message.get("type") == "message":
                    yield json.loads(message["data"])
        finally:
            await pubsub.aclose()

    async def put_value(self, key: str, value: str, ttl: float, *, only_new: bool = False) -> bool:
        """``SET`` (``NX`` with ``only_new``) with an expiry: a DPoP proof's jti is
        used up by whichever process sees it first, once."""
        ms = _ms(ttl) if ttl > 0 else None
        done = await _do(self._r.set(self.k.value(key), value, px=ms, nx=only_new))
        return bool(done)

    async def get_value(self, key: str) -> str | None:
        value: str | None = await _do(self._r.get(self.k.value(key)))
        return value

    async def add_failure(self, key: str, at: float, window: float) -> None:
        name = self.k.failures(key)
        async with self._r.pipeline(transaction=True) as p:
            p.zadd(name, {f"{at!r}:{secrets.token_hex(4)}": at})
            p.zremrangebyscore(name, "-inf", at - window)
            p.pexpire(name, _ms(window + 60))
            await _do(p.execute())

    async def failures_since(self, key: str, since: float) -> list[float]:
        found = await _do(
            self._r.zrangebyscore(self.k.failures(key), f"({since!r}", "+inf", withscores=True)
        )
        return [float(score) for _, score in found]

    async def clear_failures(self, key: str) -> None:
        await _do(self._r.delete(self.k.failures(key)))

    # the admin event history of every process (a Redis stream) -----------------

    async def add_event(self, type_: str, at: float, data: dict[str, Any]) -> int:
        """Append an event; its id, one sequence across every process."""
        found: int = await _do(
            self.event_script(
                keys=[self.k.events, self.k.event_ids],
                args=[EVENT_HISTORY, type_, repr(at), json.dumps(data, default=str)],
            )
        )
        return found

    async def last_event_id(self) -> int:
        value = await _do(self._r.get(self.k.event_ids))
        return int(value) if value else 0

    async def events_after(self, after: int, limit: int = EVENT_HISTORY) -> list[SharedEvent]:
        entries = await _do(self._r.xrange(self.k.events, f"({after}-1", "+", count=limit))
        return [_event(entry_id, fields) for entry_id, fields in entries]

    async def wait_events(self, after: int, block: float) -> list[SharedEvent]:
        """Events after ``after``, waiting up to ``block`` seconds for the first."""
        answer = await _do(
            self._r.xread({self.k.events: f"{after}-1"}, count=500, block=_ms(block))
        )
        if not answer:
            return []
        return [_event(entry_id, fields) for entry_id, fields in answer[0][1]]

    async def atomic(self, fn: Callable[[Tx], Awaitable[T]]) -> T:
        for _ in range(MAX_TRIES):
            try:
                async with self._r.pipeline(transaction=True) as pipe:
                    tx = RedisTx(self, pipe)
                    result = await fn(tx)
                    await tx.commit()
                    return result
            except WatchError:
                continue  # another process changed what this one read: decide again
            except (RedisConnectionError, RedisTimeoutError) as exc:
                raise _unavailable(exc) from exc
        raise StoreUnavailable("the Redis store is too busy: a transaction kept conflicting")

    # writes a transaction queues -------------------------------------------------

    async def queue_add_session(self, p: Any, session: SessionRecord) -> None:
        values = {name: getattr(session, name) for name in _SESSION_FIELDS}
        # ARGV[3] must be the sid: the script reads it from there.
        pairs = ["sid", session.sid, *_pairs({k: v for k, v in values.items() if k != "sid"})]
        ttl = _ms(session.expires_at - session.created_at + KEEP_AFTER_END)
        await self.add_session_script(
            keys=[
                self.k.session(session.sid),
                self.k.sessions,
                self.k.user_sessions(session.username),
                self.k.device_sessions(session.username, session.device_id),
                self.k.seq,
            ],
            args=[ttl, *pairs],
            client=p,
        )

    async def queue_add_refresh(self, p: Any, record: RefreshRecord) -> None:
        values = {
            "jti_hash": record.jti_hash,
            "sid": record.sid,
            "issued_at": record.issued_at,
            "expires_at": record.expires_at,
            "rotated_at": record.rotated_at,
            "successor_hash": record.successor_hash,
        }
        ttl = _ms(record.expires_at - record.issued_at + KEEP_AFTER_END)
        await self.add_refresh_script(
            keys=[self.k.refresh(record.jti_hash), self.k.chain(record.sid), self.k.seq],
            args=[ttl, record.jti_hash, *_pairs(values)],
            client=p,
        )

    def queue_grace(self, p: Any, jti_hash: str, sealed: bytes, until: float, now: float) -> None:
        key = self.k.grace(jti_hash)
        p.hset(key, mapping={"until": repr(until), "sealed": base64.b64encode(sealed).decode()})
        p.pexpire(key, _ms(until - now + 60))

    # the rest, outside transactions ---------------------------------------------

    async def delete_user(self, username: str) -> bool:
        async def delete(tx: Tx) -> bool:
            return await tx.delete_user(username)

        return await self.atomic(delete)

    async def add_session(self, session: SessionRecord) -> None:
        async def add(tx: Tx) -> None:
            await tx.add_session(session)

        await self.atomic(add)

    async def revoke_session(self, sid: str, at: float, reason: str, by: str | None) -> bool:
        async def revoke(tx: Tx) -> bool:
            session = await tx.get_session(sid)
            if session is None or session.revoked_at is not None:
                return False
            return await tx.revoke_session(sid, at, reason, by)

        return await self.atomic(revoke)

    async def record_refresh(self, sid: str, at: float, expires_at: float) -> None:
        async def record(tx: Tx) -> None:
            await tx.record_refresh(sid, at, expires_at)

        await self.atomic(record)

    async def add_refresh(self, record: RefreshRecord) -> None:
        async def add(tx: Tx) -> None:
            await tx.add_refresh(record)

        await self.atomic(add)

    async def mark_rotated(self, jti_hash: str, at: float, successor_hash: str) -> bool:
        async def mark(tx: Tx) -> bool:
            record = await tx.get_refresh(jti_hash)
            if record is None or record.rotated_at is not None:
                return False
            return await tx.mark_rotated(jti_hash, at, successor_hash)

        return await self.atomic(mark)

    async def enqueue_delivery(self, rs_id: str, sid: str, logout_token: str, at: float) -> None:
        async def enqueue(tx: Tx) -> None:
            await tx.enqueue_delivery(rs_id, sid, logout_token, at)

        await self.atomic(enqueue)

    async def put_grace(self, jti_hash: str, sealed: bytes, until: float, now: float) -> None:
        async def put(tx: Tx) -> None:
            await tx.put_grace(jti_hash, sealed, until, now)

        await self.atomic(put)

    async def get_grace(self, jti_hash: str, now: float) -> bytes | None:
        row = await _do(self._r.hgetall(self.k.grace(jti_hash)))
        if not row or float(row["until"]) < now:
            return None
        return base64.b64decode(row["sealed"])

    async def list_users(self) -> list[UserRecord]:
        names = sorted(await _do(self._r.smembers(self.k.users)))
        users = [await self.get_user(name) for name in names]
        return [u for u in users if u is not None]

    async def put_user(self, user: UserRecord) -> None:
        key = self.k.user(user.username)
        async with self._r.pipeline(transaction=True) as p:
            p.hsetnx(key, "created_at", repr(user.created_at))
            p.hset(
                key,
                mapping={"password_hash": user.password_hash, "display_name": user.display_name},
            )
            p.sadd(self.k.users, user.username)
            await _do(p.execute())

    async def list_sessions(self, username: str | None = None) -> list[SessionRecord]:
        index = self.k.sessions if username is None else self.k.user_sessions(username)
        return await _do(self._pruned_sessions(index))

    async def _pruned_sessions(self, index: str) -> list[SessionRecord]:
        sids: list[str] = await self._r.zrange(index, 0, -1)
        async with self._r.pipeline(transaction=False) as p:
            for sid in sids:
                p.hgetall(self.k.session(sid))
            rows = await p.execute()
        gone = [sid for sid, row in zip(sids, rows, strict=True) if not row]
        if gone:
            await self._r.zrem(index, *gone)
        return [s for s in map(_session, rows) if s is not None]

    async def revoked_since(self, since: float) -> list[SessionRecord]:
        sids = await _do(self._r.zrangebyscore(self.k.revoked, since, "+inf"))
        found = [await self.get_session(sid) for sid in sids]
        gone = [sid for sid, s in zip(sids, found, strict=True) if s is None]
        if gone:
            await _do(self._r.zrem(self.k.revoked, *gone))
        return [s for s in found if s is not None]

    async def refresh_chain(self, sid: str) -> list[RefreshRecord]:
        hashes = await _do(self._r.zrange(self.k.chain(sid), 0, -1))
        found = [await self.get_refresh(h) for h in hashes]
        return [r for r in found if r is not None]

    async def count_rotations(self, sid: str) -> int:
        return sum(r.rotated_at is not None for r in await self.refresh_chain(sid))

    async def add_classic_session(
        self, session_id: str, username: str, created_at: float, expires_at: float
    ) -> None:
        key = self.k.classic(session_id)
        async with self._r.pipeline(transaction=True) as p:
            p.hset(key, mapping={"username": username, "expires_at": repr(expires_at)})
            p.pexpire(key, _ms(expires_at - created_at))
            await _do(p.execute())

    async def get_classic_session(self, session_id: str, now: float) -> str | None:
        row = await _do(self._r.hgetall(self.k.classic(session_id)))
        if not row or float(row["expires_at"]) <= now:
            return None
        return str(row["username"])

    async def put_resource_server(self, record: ResourceServerRecord) -> None:
        existing = await self.get_resource_server(record.rs_id)
        created = existing.created_at if existing else record.created_at
        value = {
            "rs_id": record.rs_id,
            "secret_hash": record.secret_hash,
            "backchannel_uri": record.backchannel_uri,
            "created_at": created,
        }
        await _do(self._r.hset(self.k.resource_servers, record.rs_id, json.dumps(value)))

    async def get_resource_server(self, rs_id: str) -> ResourceServerRecord | None:
        row = await _do(self._r.hget(self.k.resource_servers, rs_id))
        return ResourceServerRecord(**json.loads(row)) if row else None

    async def delete_resource_server(self, rs_id: str) -> bool:
        ids = await _do(self._r.zrange(self.k.rs_deliveries(rs_id), 0, -1))
        async with self._r.pipeline(transaction=True) as p:
            p.hdel(self.k.resource_servers, rs_id)
            for delivery_id in ids:
                p.delete(self.k.delivery(delivery_id))
            if ids:
                p.zrem(self.k.deliveries, *ids)
                p.zrem(self.k.due, *ids)
                p.zrem(self.k.done, *ids)
            p.delete(self.k.rs_deliveries(rs_id))
            results = await _do(p.execute())
        return bool(results[0])

    async def claim_deliveries(
        self, now: float, lease: float, limit: int = 100
    ) -> list[DeliveryRecord]:
        rows = await _do(
            self.claim_script(
                keys=[self.k.due], args=[self.k.prefix, repr(now), repr(now + lease), limit]
            )
        )
        out = []
        for flat in rows:
            row = dict(zip(flat[::2], flat[1::2], strict=True))
            delivery = _delivery(row)
            if delivery is not None:
                out.append(delivery)
        return out

    async def next_delivery_at(self) -> float | None:
        first = await _do(self._r.zrange(self.k.due, 0, 0, withscores=True))
        return float(first[0][1]) if first else None

    async def delivery_done(self, delivery_id: int, at: float) -> None:
        key = self.k.delivery(delivery_id)
        async with self._r.pipeline(transaction=True) as p:
            p.hset(key, "delivered_at", repr(at))
            p.hincrby(key, "attempts", 1)
            p.zrem(self.k.due, delivery_id)
            p.zadd(self.k.done, {str(delivery_id): at})
            p.pexpire(key, _ms(KEEP_DELIVERED + 60))
            await _do(p.execute())

    async def delivery_failed(self, delivery_id: int, error: str, retry_at: float) -> None:
        key = self.k.delivery(delivery_id)
        async with self._r.pipeline(transaction=True) as p:
            p.hincrby(key, "attempts", 1)
            p.hset(key, mapping={"last_error": error, "next_at": repr(retry_at)})
            p.zadd(self.k.due, {str(delivery_id): retry_at})
            await _do(p.execute())

    async def list_deliveries(
        self, rs_id: str | None = None, limit: int = 50
    ) -> list[DeliveryRecord]:
        index = self.k.rs_deliveries(rs_id) if rs_id else self.k.deliveries
        ids = await _do(self._r.zrevrange(index, 0, limit - 1))
        async with self._r.pipeline(transaction=False) as p:
            for delivery_id in ids:
                p.hgetall(self.k.delivery(delivery_id))
            rows = await _do(p.execute())
        found = [_delivery(row) for row in rows]
        return [d for d in found if d is not None]

    async def forget_deliveries(self, before: float) -> int:
        ids = await _do(self._r.zrangebyscore(self.k.done, "-inf", before))
        if not ids:
            return 0
        rows = [await _do(self._r.hget(self.k.delivery(i), "rs_id")) for i in ids]
        async with self._r.pipeline(transaction=True) as p:
            for delivery_id, rs_id in zip(ids, rows, strict=True):
                p.delete(self.k.delivery(delivery_id))
                if rs_id:
                    p.zrem(self.k.rs_deliveries(rs_id), delivery_id)
            p.zrem(self.k.deliveries, *ids)
            p.zrem(self.k.done, *ids)
            await _do(p.execute())
        return len(ids)

    async def add_key(self, key: KeyRecord) -> None:
        value = {
            "kid": key.kid,
            "alg": key.alg,
            "private_key": base64.b64encode(key.private_key).decode(),
            "created_at": key.created_at,
            "retired_at": key.retired_at,
        }
        await _do(self._r.hset(self.k.keys, key.kid, json.dumps(value)))

    async def list_keys(self) -> list[KeyRecord]:
        rows = (await _do(self._r.hgetall(self.k.keys))).values()
        keys = []
        for row in rows:
            value = json.loads(row)
            value["private_key"] = base64.b64decode(value["private_key"])
            keys.append(KeyRecord(**value))
        return sorted(keys, key=lambda k: k.created_at)

    async def retire_key(self, kid: str, at: float) -> bool:
        p: Any
        async with self._r.pipeline(transaction=True) as p:
            while True:
                try:
                    await p.watch(self.k.keys)
                    row = await p.hget(self.k.keys, kid)
                    if not row:
                        return False
                    value = json.loads(row)
                    if value["retired_at"] is not None:
                        return False
                    value["retired_at"] = at
                    p.multi()
                    p.hset(self.k.keys, kid, json.dumps(value))
                    await p.execute()
                    return True
                except WatchError:
                    continue
                except (RedisConnectionError, RedisTimeoutError) as exc:
                    raise _unavailable(exc) from exc

    async def flush(self) -> None:
        """Delete every key of this store (tests: a fresh lab on a shared Redis)."""
        async for key in self._r.scan_iter(match=f"{self.k.prefix}*", count=1000):
            await self._r.delete(key)
