"""The server's state: users, sessions, refresh-token lineage, signing keys,
resource servers and their back-channel queue.

``Store`` is the interface the service is written against — every method a
coroutine — with two implementations: ``SqliteStore`` here (the default: one
process, a file or ``:memory:``) and ``RedisStore`` (``mock_server.redis_store``:
several processes sharing one Redis). ``mock_server.backends.open_store`` picks
one from the ``--store`` flag (``sqlite:PATH`` or ``redis://…``).

A store keeps only a SHA-256 hash of each refresh token's ``jti`` — never a
token — so a copy of it cannot be replayed against the server.

Decisions that read and then write (a sign-in under a login policy, a rotation,
a revocation and its logout tokens) run in ``await store.atomic(fn)``: ``fn``
gets a ``Tx`` to read and write through, and may be run again if another
process changed what it read (Redis ``WATCH``/``MULTI``), so it must not act on
the world itself: it returns what happened, and the caller announces it once
``atomic`` has returned — never for a transaction that was not kept. Reads
inside see the state before the transaction's own writes.
"""

from __future__ import annotations

import math
import sqlite3
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

T = TypeVar("T")

MAX_VALUES = 200_000  # short-lived values kept in memory at most (SqliteStore)
SCHEMA_VERSION = 3  # 2: sessions.dpop_jkt; 3: resource servers, back-channel queue

_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    username      TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    display_name  TEXT NOT NULL,
    created_at    REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    sid             TEXT PRIMARY KEY,
    username        TEXT NOT NULL,
    client_id       TEXT NOT NULL,
    device_id       TEXT NOT NULL,
    device_type     TEXT NOT NULL,
    device_name     TEXT NOT NULL,
    scope           TEXT NOT NULL,
    created_at      REAL NOT NULL,
    expires_at      REAL NOT NULL,
    last_refresh_at REAL,
    refresh_count   INTEGER NOT NULL DEFAULT 0,
    revoked_at      REAL,
    reason          TEXT,
    revoked_by      TEXT,
    dpop_jkt        TEXT
);
CREATE INDEX IF NOT EXISTS sessions_by_user ON sessions (username, created_at);
CREATE INDEX IF NOT EXISTS sessions_by_device ON sessions (username, device_id);
CREATE TABLE IF NOT EXISTS refresh_tokens (
    jti_hash       TEXT PRIMARY KEY,
    sid            TEXT NOT NULL,
    issued_at      REAL NOT NULL,
    expires_at     REAL NOT NULL,
    rotated_at     REAL,
    successor_hash TEXT
);
CREATE INDEX IF NOT EXISTS refresh_by_session ON refresh_tokens (sid);
CREATE TABLE IF NOT EXISTS classic_sessions (
    session_id TEXT PRIMARY KEY,
    username   TEXT NOT NULL,
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS signing_keys (
    kid         TEXT PRIMARY KEY,
    alg         TEXT NOT NULL,
    private_key BLOB NOT NULL,
    created_at  REAL NOT NULL,
    retired_at  REAL
);
CREATE TABLE IF NOT EXISTS resource_servers (
    rs_id           TEXT PRIMARY KEY,
    secret_hash     TEXT NOT NULL,
    backchannel_uri TEXT,
    created_at      REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS backchannel_queue (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    rs_id        TEXT NOT NULL,
    sid          TEXT NOT NULL,
    logout_token TEXT NOT NULL,
    queued_at    REAL NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_at      REAL NOT NULL,
    delivered_at REAL,
    last_error   TEXT
);
CREATE INDEX IF NOT EXISTS backchannel_due ON backchannel_queue (delivered_at, next_at);
"""


@dataclass(frozen=True, slots=True)
class ResourceServerRecord:
    rs_id: str
    secret_hash: str  # SHA-256 of the secret: the store never holds it
    backchannel_uri: str | None
    created_at: float


@dataclass(frozen=True, slots=True)
class DeliveryRecord:
    """A logout token on its way to one resource server (OpenID Back-Channel
    Logout): kept until acknowledged, so a restart of either side loses nothing."""

    id: int
    rs_id: str
    sid: str
    logout_token: str
    queued_at: float  # wall-clock time, as every delivery attempt
    attempts: int
    next_at: float
    delivered_at: float | None
    last_error: str | None


@dataclass(frozen=True, slots=True)
class UserRecord:
    username: str
    password_hash: str
    display_name: str
    created_at: float


@dataclass(frozen=True, slots=True)
class SessionRecord:
    sid: str
    username: str
    client_id: str
    device_id: str
    device_type: str
    device_name: str
    scope: str
    created_at: float
    expires_at: float
    last_refresh_at: float | None
    refresh_count: int
    revoked_at: float | None
    reason: str | None
    revoked_by: str | None
    dpop_jkt: str | None = None  # the key the session is bound to (RFC 9449), if any

    def is_active(self, now: float) -> bool:
        return self.revoked_at is None and now < self.expires_at

    def state(self, now: float) -> str:
        if self.revoked_at is not None:
            return "revoked"
        return "active" if now < self.expires_at else "expired"

    def end_reason(self, now: float) -> str | None:
        """Why the session is over, or None while it is active."""
        if self.revoked_at is not None:
            return self.reason
        return None if now < self.expires_at else "refresh_expired"


@dataclass(frozen=True, slots=True)
class RefreshRecord:
    jti_hash: str
    sid: str
    issued_at: float
    expires_at: float
    rotated_at: float | None
    successor_hash: str | None


@dataclass(frozen=True, slots=True)
class KeyRecord:
    kid: str
    alg: str
    private_key: bytes
    created_at: float
    retired_at: float | None


class StoreUnavailable(RuntimeError):
    """The store cannot be reached (Redis down): the request is answered 503."""


class Tx(Protocol):
    """What a transaction reads and writes (``Store.atomic``)."""

    async def get_user(self, username: str) -> UserRecord | None: ...
    async def get_session(self, sid: str) -> SessionRecord | None: ...
    async def active_sessions(
        self, username: str, now: float, device_id: str | None = None
    ) -> list[SessionRecord]: ...
    async def get_refresh(self, jti_hash: str) -> RefreshRecord | None: ...
    async def list_resource_servers(self) -> list[ResourceServerRecord]: ...
    async def delete_user(self, username: str) -> bool: ...
    async def add_session(self, session: SessionRecord) -> None: ...
    async def revoke_session(self, sid: str, at: float, reason: str, by: str | None) -> bool: ...
    async def record_refresh(self, sid: str, at: float, expires_at: float) -> None: ...
    async def add_refresh(self, record: RefreshRecord) -> None: ...
    async def mark_rotated(self, jti_hash: str, at: float, successor_hash: str) -> bool: ...
    async def enqueue_delivery(
        self, rs_id: str, sid: str, logout_token: str, at: float
    ) -> None: ...
    async def put_grace(self, jti_hash: str, sealed: bytes, until: float, now: float) -> None: ...


class Store(Tx, Protocol):
    """The server's state, whichever store keeps it."""

    description: str  # "sqlite:PATH" or "redis://HOST:PORT/DB", for /healthz and logs
    shared: bool  # True when other processes may write it too (caches must not trust it)

    async def open(self) -> None: ...
    async def close(self) -> None: ...
    async def atomic(self, fn: Callable[[Tx], Awaitable[T]]) -> T: ...
    async def publish(self, message: dict[str, Any]) -> None: ...
    def messages(self) -> AsyncIterator[dict[str, Any]]: ...
    async def put_value(
        self, key: str, value: str, ttl: float, *, only_new: bool = False
    ) -> bool: ...
    async def get_value(self, key: str) -> str | None: ...
    async def add_failure(self, key: str, at: float, window: float) -> None: ...
    async def failures_since(self, key: str, since: float) -> list[float]: ...
    async def clear_failures(self, key: str) -> None: ...

    async def list_users(self) -> list[UserRecord]: ...
    async def put_user(self, user: UserRecord) -> None: ...
    async def list_sessions(self, username: str | None = None) -> list[SessionRecord]: ...
    async def refresh_chain(self, sid: str) -> list[RefreshRecord]: ...
    async def count_rotations(self, sid: str) -> int: ...
    async def get_grace(self, jti_hash: str, now: float) -> bytes | None: ...
    async def add_classic_session(
        self, session_id: str, username: str, created_at: float, expires_at: float
    ) -> None: ...
    async def get_classic_session(self, session_id: str, now: float) -> str | None: ...
    async def put_resource_server(self, record: ResourceServerRecord) -> None: ...
    async def get_resource_server(self, rs_id: str) -> ResourceServerRecord | None: ...
    async def delete_resource_server(self, rs_id: str) -> bool: ...
    async def claim_deliveries(
        self, now: float, lease: float, limit: int = 100
    ) -> list[DeliveryRecord]: ...
    async def next_delivery_at(self) -> float | None: ...
    async def delivery_done(self, delivery_id: int, at: float) -> None: ...
    async def delivery_failed(self, delivery_id: int, error: str, retry_at: float) -> None: ...
    async def list_deliveries(
        self, rs_id: str | None = None, limit: int = 50
    ) -> list[DeliveryRecord]: ...
    async def forget_deliveries(self, before: float) -> int: ...
    async def revoked_since(self, since: float) -> list[SessionRecord]: ...
    async def add_key(self, key: KeyRecord) -> None: ...
    async def list_keys(self) -> list[KeyRecord]: ...
    async def retire_key(self, kid: str, at: float) -> bool: ...


class SqliteStore:
    """The server's persistent state in one SQLite database, for one process.

    ``SqliteStore(":memory:")`` for tests; ``SqliteStore(path)`` creates the file
    (and its folder) if needed and reopens it after a restart. Every method is
    a coroutine that never suspends: a transaction (``atomic``) runs to its end
    without another request in between, under one connection's lock.
    """

    shared = False

    def __init__(self, path: str | Path = ":memory:") -> None:
        self.path = str(path)
        self.description = f"sqlite:{self.path}"
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        # jti hash of a rotated refresh token -> (until, the sealed successor pair).
        # In memory: a restart ends every reuse grace, as a process restart should.
        self._grace: dict[str, tuple[float, bytes]] = {}
        self._values: dict[str, tuple[float, str]] = {}  # key -> (until, value)
        self._failures: dict[str, deque[float]] = {}
        self._connect()

    def _connect(self) -> None:
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._closed = False
        with self._lock:
            if self.path != ":memory:":
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=NORMAL")
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise RuntimeError(
                    f"{self.path} was written by a newer jwt-device-lab (schema {version})"
                )
            if version == 1:  # a file of the first release: sessions gain dpop_jkt
                self._db.execute("ALTER TABLE sessions ADD COLUMN dpop_jkt TEXT")
            self._db.executescript(_SCHEMA)
            self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    async def open(self) -> None:
        """Open again after ``close`` (a server restarted on the same store);
        the database is open from the start."""
        with self._lock:
            if self._closed and self.path != ":memory:":
                self._connect()

    async def publish(self, message: dict[str, Any]) -> None:
        """No other process shares this store: nobody to tell."""

    async def messages(self) -> AsyncIterator[dict[str, Any]]:
        """What other processes say: nothing, ever (one process)."""
        return
        yield

    # short-lived values: seen DPoP proofs, shared secrets, failed logins ----------

    async def put_value(self, key: str, value: str, ttl: float, *, only_new: bool = False) -> bool:
        """Keep ``value`` for ``ttl`` wall-clock seconds (0: for good); with
        ``only_new``, only if ``key`` is not there yet (False then)."""
        now = time.monotonic()
        values = self._values
        if len(values) > MAX_VALUES:  # bounded: the expired go first, then the oldest
            for old in [k for k, (until, _) in values.items() if until < now] or list(values)[:1]:
                del values[old]
        held = values.get(key)
        if only_new and held is not None and held[0] >= now:
            return False
        values[key] = (now + ttl if ttl > 0 else math.inf, value)
        return True

    async def get_value(self, key: str) -> str | None:
        held = self._values.get(key)
        return held[1] if held is not None and held[0] >= time.monotonic() else None

    async def add_failure(self, key: str, at: float, window: float) -> None:
        """Count a failure at ``at`` (the server's clock), kept ``window`` seconds."""
        times = self._failures.setdefault(key, deque())
        times.append(at)
        while times and times[0] <= at - window:
            times.popleft()

    async def failures_since(self, key: str, since: float) -> list[float]:
        times = self._failures.get(key)
        if not times:
            return []
        while times and times[0] <= since:
            times.popleft()
        if not times:
            del self._failures[key]
        return list(times)

    async def clear_failures(self, key: str) -> None:
        self._failures.pop(key, None)

    async def close(self) -> None:
        """Close the file (a ``:memory:`` database stays: closing would lose it)."""
        with self._lock:
            if self.path != ":memory:" and not self._closed:
                self._db.close()
                self._closed = True

    async def atomic(self, fn: Callable[[Tx], Awaitable[T]]) -> T:
        """Run ``fn`` in one transaction: all its writes are kept, or none.
        Inside another transaction, part of it."""
        with self._lock:
            if self._db.in_transaction:
                return await fn(self)
            self._db.execute("BEGIN IMMEDIATE")
            try:
                result = await fn(self)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
        return result

    def _run(self, sql: str, params: tuple[object, ...] = ()) -> int:
        """Execute a write; the number of rows it changed."""
        with self._lock:
            return self._db.execute(sql, params).rowcount

    def _all(self, sql: str, params: tuple[object, ...] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    def _one(self, sql: str, params: tuple[object, ...] = ()) -> sqlite3.Row | None:
        with self._lock:
            row: sqlite3.Row | None = self._db.execute(sql, params).fetchone()
            return row

    # users -----------------------------------------------------------------

    async def get_user(self, username: str) -> UserRecord | None:
        row = self._one("SELECT * FROM users WHERE username = ?", (username,))
        return UserRecord(**row) if row else None

    async def list_users(self) -> list[UserRecord]:
        rows = self._all("SELECT * FROM users ORDER BY username")
        return [UserRecord(**row) for row in rows]

    async def put_user(self, user: UserRecord) -> None:
        self._run(
            "INSERT INTO users VALUES (?, ?, ?, ?) ON CONFLICT(username) DO UPDATE SET "
            "password_hash = excluded.password_hash, display_name = excluded.display_name",
            (user.username, user.password_hash, user.display_name, user.created_at),
        )

    async def delete_user(self, username: str) -> bool:
        return self._run("DELETE FROM users WHERE username = ?", (username,)) > 0

    # sessions --------------------------------------------------------------

    async def add_session(self, session: SessionRecord) -> None:
        self._run(
            "INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                session.sid,
                session.username,
                session.client_id,
                session.device_id,
                session.device_type,
                session.device_name,
                session.scope,
                session.created_at,
                session.expires_at,
                session.last_refresh_at,
                session.refresh_count,
                session.revoked_at,
                session.reason,
                session.revoked_by,
                session.dpop_jkt,
            ),
        )

    async def get_session(self, sid: str) -> SessionRecord | None:
        row = self._one("SELECT * FROM sessions WHERE sid = ?", (sid,))
        return SessionRecord(**row) if row else None

    async def list_sessions(self, username: str | None = None) -> list[SessionRecord]:
        if username is None:
            rows = self._all("SELECT * FROM sessions ORDER BY created_at, rowid")
        else:
            rows = self._all(
                "SELECT * FROM sessions WHERE username = ? ORDER BY created_at, rowid", (username,)
            )
        return [SessionRecord(**row) for row in rows]

    async def active_sessions(
        self, username: str, now: float, device_id: str | None = None
    ) -> list[SessionRecord]:
        """A user's active sessions, oldest first (only one device's, if given)."""
        if device_id is not None:
            rows = self._all(
                "SELECT * FROM sessions WHERE username = ? AND device_id = ? "
                "AND revoked_at IS NULL AND expires_at > ? ORDER BY created_at, rowid",
                (username, device_id, now),
            )
        else:
            rows = self._all(
                "SELECT * FROM sessions WHERE username = ? AND revoked_at IS NULL "
                "AND expires_at > ? ORDER BY created_at, rowid",
                (username, now),
            )
        return [SessionRecord(**row) for row in rows]

    async def revoke_session(self, sid: str, at: float, reason: str, by: str | None) -> bool:
        """Mark a session revoked; False if it already was."""
        changed = self._run(
            "UPDATE sessions SET revoked_at = ?, reason = ?, revoked_by = ? "
            "WHERE sid = ? AND revoked_at IS NULL",
            (at, reason, by, sid),
        )
        return changed > 0

    async def record_refresh(self, sid: str, at: float, expires_at: float) -> None:
        self._run(
            "UPDATE sessions SET last_refresh_at = ?, refresh_count = refresh_count + 1, "
            "expires_at = ? WHERE sid = ?",
            (at, expires_at, sid),
        )

    # refresh-token lineage -------------------------------------------------

    async def add_refresh(self, record: RefreshRecord) -> None:
        self._run(
            "INSERT INTO refresh_tokens VALUES (?, ?, ?, ?, ?, ?)",
            (
                record.jti_hash,
                record.sid,
                record.issued_at,
                record.expires_at,
                record.rotated_at,
                record.successor_hash,
            ),
        )

    async def get_refresh(self, jti_hash: str) -> RefreshRecord | None:
        row = self._one("SELECT * FROM refresh_tokens WHERE jti_hash = ?", (jti_hash,))
        return RefreshRecord(**row) if row else None

    async def refresh_chain(self, sid: str) -> list[RefreshRecord]:
        """A session's refresh tokens, oldest first: its token family."""
        rows = self._all(
            "SELECT * FROM refresh_tokens WHERE sid = ? ORDER BY issued_at, rowid", (sid,)
        )
        return [RefreshRecord(**row) for row in rows]

    async def mark_rotated(self, jti_hash: str, at: float, successor_hash: str) -> bool:
        """Retire a refresh token in favour of its successor; False if already retired."""
        changed = self._run(
            "UPDATE refresh_tokens SET rotated_at = ?, successor_hash = ? "
            "WHERE jti_hash = ? AND rotated_at IS NULL",
            (at, successor_hash, jti_hash),
        )
        return changed > 0

    async def count_rotations(self, sid: str) -> int:
        row = self._one(
            "SELECT COUNT(*) FROM refresh_tokens WHERE sid = ? AND rotated_at IS NOT NULL", (sid,)
        )
        return int(row[0]) if row else 0

    # the reuse grace: a retried refresh gets the successor pair it missed ------

    async def put_grace(self, jti_hash: str, sealed: bytes, until: float, now: float) -> None:
        """Keep the sealed successor pair of a rotated refresh token until ``until``
        (the server's clock), dropping the entries whose time is up, oldest first:
        a rotation costs the same however many came before it."""
        grace = self._grace
        while grace:
            oldest = next(iter(grace))
            if grace[oldest][0] >= now and len(grace) < 100_000:
                break
            del grace[oldest]
        grace[jti_hash] = (until, sealed)

    async def get_grace(self, jti_hash: str, now: float) -> bytes | None:
        entry = self._grace.get(jti_hash)
        return entry[1] if entry and entry[0] >= now else None

    # classic server-side sessions (the comparison baseline) -----------------

    async def add_classic_session(
        self, session_id: str, username: str, created_at: float, expires_at: float
    ) -> None:
        self._run(
            "INSERT INTO classic_sessions VALUES (?, ?, ?, ?)",
            (session_id, username, created_at, expires_at),
        )

    async def get_classic_session(self, session_id: str, now: float) -> str | None:
        """The session's user, looked up in the database on every call (no cache)."""
        row = self._one(
            "SELECT username FROM classic_sessions WHERE session_id = ? AND expires_at > ?",
            (session_id, now),
        )
        return str(row[0]) if row else None

    # resource servers and their back-channel deliveries ---------------------

    async def put_resource_server(self, record: ResourceServerRecord) -> None:
        self._run(
            "INSERT INTO resource_servers VALUES (?, ?, ?, ?) ON CONFLICT(rs_id) DO UPDATE SET "
            "secret_hash = excluded.secret_hash, backchannel_uri = excluded.backchannel_uri",
            (record.rs_id, record.secret_hash, record.backchannel_uri, record.created_at),
        )

    async def get_resource_server(self, rs_id: str) -> ResourceServerRecord | None:
        row = self._one("SELECT * FROM resource_servers WHERE rs_id = ?", (rs_id,))
        return ResourceServerRecord(**row) if row else None

    async def list_resource_servers(self) -> list[ResourceServerRecord]:
        rows = self._all("SELECT * FROM resource_servers ORDER BY created_at, rs_id")
        return [ResourceServerRecord(**row) for row in rows]

    async def delete_resource_server(self, rs_id: str) -> bool:
        with self._lock:
            in_tx = self._db.in_transaction
            if not in_tx:
                self._db.execute("BEGIN IMMEDIATE")
            self._run("DELETE FROM backchannel_queue WHERE rs_id = ?", (rs_id,))
            deleted = self._run("DELETE FROM resource_servers WHERE rs_id = ?", (rs_id,)) > 0
            if not in_tx:
                self._db.execute("COMMIT")
            return deleted

    async def enqueue_delivery(self, rs_id: str, sid: str, logout_token: str, at: float) -> None:
        self._run(
            "INSERT INTO backchannel_queue (rs_id, sid, logout_token, queued_at, next_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (rs_id, sid, logout_token, at, at),
        )

    async def claim_deliveries(
        self, now: float, lease: float, limit: int = 100
    ) -> list[DeliveryRecord]:
        """The deliveries due now, each put off by ``lease`` seconds: the sender
        that claimed one settles it (done or failed) before anyone tries again."""
        with self._lock:
            rows = self._all(
                "SELECT * FROM backchannel_queue WHERE delivered_at IS NULL AND next_at <= ? "
                "ORDER BY next_at, id LIMIT ?",
                (now, limit),
            )
            for row in rows:
                self._run(
                    "UPDATE backchannel_queue SET next_at = ? WHERE id = ?",
                    (now + lease, row["id"]),
                )
        return [DeliveryRecord(**row) for row in rows]

    async def next_delivery_at(self) -> float | None:
        row = self._one(
            "SELECT MIN(next_at) AS at FROM backchannel_queue WHERE delivered_at IS NULL"
        )
        return None if row is None or row["at"] is None else float(row["at"])

    async def delivery_done(self, delivery_id: int, at: float) -> None:
        self._run(
            "UPDATE backchannel_queue SET delivered_at = ?, attempts = attempts + 1 WHERE id = ?",
            (at, delivery_id),
        )

    async def delivery_failed(self, delivery_id: int, error: str, retry_at: float) -> None:
        self._run(
            "UPDATE backchannel_queue SET attempts = attempts + 1, last_error = ?, next_at = ? "
            "WHERE id = ?",
            (error, retry_at, delivery_id),
        )

    async def list_deliveries(
        self, rs_id: str | None = None, limit: int = 50
    ) -> list[DeliveryRecord]:
        """The newest deliveries first (all, or one resource server's)."""
        where, params = ("WHERE rs_id = ?", (rs_id,)) if rs_id else ("", ())
        rows = self._all(
            f"SELECT * FROM backchannel_queue {where} ORDER BY id DESC LIMIT ?",  # noqa: S608
            (*params, limit),
        )
        return [DeliveryRecord(**row) for row in rows]

    async def forget_deliveries(self, before: float) -> int:
        """Drop acknowledged deliveries older than ``before`` (memory stays bounded)."""
        return self._run(
            "DELETE FROM backchannel_queue WHERE delivered_at IS NOT NULL AND delivered_at < ?",
            (before,),
        )

    async def revoked_since(self, since: float) -> list[SessionRecord]:
        """Sessions revoked at or after ``since`` (a resource server's catch-up)."""
        rows = self._all(
            "SELECT * FROM sessions WHERE revoked_at IS NOT NULL AND revoked_at >= ? "
            "ORDER BY revoked_at",
            (since,),
        )
        return [SessionRecord(**row) for row in rows]

    # signing keys ----------------------------------------------------------

    async def add_key(self, key: KeyRecord) -> None:
        self._run(
            "INSERT INTO signing_keys VALUES (?, ?, ?, ?, ?)",
            (key.kid, key.alg, key.private_key, key.created_at, key.retired_at),
        )

    async def list_keys(self) -> list[KeyRecord]:
        rows = self._all("SELECT * FROM signing_keys ORDER BY created_at, rowid")
        return [KeyRecord(**row) for row in rows]

    async def retire_key(self, kid: str, at: float) -> bool:
        changed = self._run(
            "UPDATE signing_keys SET retired_at = ? WHERE kid = ? AND retired_at IS NULL",
            (at, kid),
        )
        return changed > 0
