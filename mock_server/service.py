"""The token service: sessions, login policies, rotation, reuse detection, revocation.

Everything the HTTP layer does is decided here, in coroutines that tests can
call directly. Every change of state that reads before it writes — a login and
its policy decision, a refresh and its rotation, a revocation and its logout
tokens — runs in one store transaction (``Store.atomic``), never under a lock
of this process: so fifty concurrent refreshes of one token rotate it exactly
once, and two racing logins under ``single`` leave exactly one session, even
when they reach different server processes sharing one Redis.

Rotation (README "Tokens"): each refresh retires the presented refresh token
and issues a successor. A retired token presented again within
``reuse_grace`` seconds of its rotation — a client's own retry — gets the same
successor pair back (kept in the store, sealed with a key only the retired
token's holder can derive); later, it is reuse: the whole session is revoked
(``reuse_detected``). A revoked session is never reopened, grace or not.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import math
import os
import re
import secrets
import time
from collections.abc import AsyncIterator, Iterable
from dataclasses import asdict, dataclass
from typing import Any

import anyio.to_thread
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from contract import ACCESS_TYP, REFRESH_TYP, REVOCATION_REASONS, schema
from mock_server import dpop, tokens, views
from mock_server.authorization import Authorizations
from mock_server.backchannel import ResourceServers
from mock_server.clock import Clock
from mock_server.dpop import NonceSource, ReplayCache
from mock_server.errors import (
    Conflict,
    DPoPRefused,
    InvalidDPoPProof,
    InvalidGrant,
    InvalidRequest,
    InvalidScope,
    InvalidToken,
    NotFound,
    RateLimited,
    UseDPoPNonce,
)
from mock_server.events import Event, EventBus, SessionWatchers, SharedEventLog, end_task
from mock_server.keys import KeyManager, SigningKey
from mock_server.passwords import PasswordHasher
from mock_server.policies import decide
from mock_server.ratelimit import LoginRateLimiter
from mock_server.settings import LIVE_SETTINGS, SessionLifetime, Settings, VerifyMode
from mock_server.store import (
    RefreshRecord,
    SessionRecord,
    Store,
    StoreUnavailable,
    Tx,
    UserRecord,
)

log = logging.getLogger(__name__)

CACHE_SHARED = 1.0  # seconds a session or user is cached over a shared store
NONCE_SECRET = "dpop-nonce-secret"  # noqa: S105 - the name of a value in the store
CLOCK_STATE = "virtual-clock"  # a virtual clock's state, over a shared store

USERNAME = re.compile(r"^[A-Za-z0-9._@-]{1,64}$")
DEMO_USERS = {"alice": ("alice-pass", "Alice"), "bob": ("bob-pass", "Bob")}


def check_user(username: str, password: str) -> None:
    """``InvalidRequest`` unless this is a user the server can keep."""
    if not USERNAME.match(username):
        raise InvalidRequest("a username holds 1-64 letters, digits and . _ @ -")
    if not password:
        raise InvalidRequest("a password cannot be empty")


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    """Who is signing in: the extension parameters of the password grant."""

    device_id: str
    device_type: str
    device_name: str


@dataclass(frozen=True, slots=True)
class TokenResponse:
    """A successful token-endpoint answer (RFC 6749 §5.1 plus ``refresh_expires_in``)."""

    access_token: str
    refresh_token: str
    access_exp: float
    refresh_exp: float
    scope: str
    sid: str
    refresh_jti_hash: str
    token_type: str = "Bearer"  # noqa: S105 - "DPoP" when bound to a key (RFC 9449 §5)

    def as_json(self, now: float) -> dict[str, Any]:
        return {
            "access_token": self.access_token,
            "token_type": self.token_type,
            "expires_in": max(0, round(self.access_exp - now)),
            "refresh_token": self.refresh_token,
            "refresh_expires_in": max(0, round(self.refresh_exp - now)),
            "scope": self.scope,
        }


@dataclass(frozen=True, slots=True)
class AccessContext:
    """What a verified access token grants: its claims, its session, its user."""

    claims: dict[str, Any]
    session: SessionRecord | None
    user: UserRecord


class AuthService:
    """The server's state and every operation on it."""

    def __init__(self, settings: Settings, clock: Clock, store: Store, bus: EventBus) -> None:
        self.settings = settings
        self.clock = clock
        self.store = store
        self.bus = bus
        self.keys = KeyManager(store, clock)
        self.hasher = PasswordHasher(settings.password_profile)
        self.limiter = LoginRateLimiter(
            clock,
            store,
            name="login",
            max_failures=settings.login_max_failures,
            max_per_address=settings.login_max_failures_per_address,
            window=settings.login_window,
        )
        # Codes and device authorizations between the pages and the token endpoint.
        self.authorizations = Authorizations(clock, store)
        # Wrong user codes, per address (the user part is unused: one shared key).
        self.user_code_limiter = LoginRateLimiter(
            clock,
            store,
            name="user-code",
            max_failures=10**9,
            max_per_address=settings.login_max_failures_per_address,
            window=settings.login_window,
        )
        # DPoP (RFC 9449): proofs seen (their jti), and the server's nonces.
        self.dpop_replay = ReplayCache()
        self.dpop_nonces = NonceSource(settings.issuer)
        # Device authorizations started, per address: no sign-in guards that endpoint.
        self.device_start_limiter = LoginRateLimiter(
            clock,
            store,
            name="device-start",
            max_failures=10**9,
            max_per_address=3 * settings.login_max_failures_per_address,
            window=settings.login_window,
        )
        # Hot-path caches. Over a store of its own this service is its only writer,
        # and every write below drops the entries it changes: the caches never go
        # stale. A shared store (Redis) has other writers: an entry then lives a
        # moment (CACHE_SHARED), the others' revocations and user changes drop it
        # at once (pub/sub), and whatever decides on revocation — stateful
        # verification, introspection, a device's sign-out notice — reads the
        # store itself.
        self._cache_for = CACHE_SHARED if store.shared else math.inf
        self._verified = tokens.VerifiedCache()
        self._sessions: dict[str, tuple[SessionRecord, float]] = {}
        self._users: dict[str, tuple[UserRecord | None, float]] = {}
        # Resource servers of their own, and the logout tokens pushed to them.
        self.resource_servers = ResourceServers(self)
        # Devices listening for the end of their own session (GET /api/notifications).
        self.watchers = SessionWatchers()
        # A shared store: what this process tells the others, and hears from them.
        self._origin = secrets.token_hex(8)
        self._following: asyncio.Future[None] | None = None
        self._shared_events: SharedEventWriter | None = None
        self._keys_read_at = 0.0

    async def start(self) -> None:
        """Open the store and make sure a signing key exists (once, before serving);
        on a shared store, follow what the other processes say."""
        await self.store.open()
        await self.keys.load()
        await self.keys.ensure(self.settings.algorithm)
        await self.authorizations.start()
        if self.store.shared:
            # One nonce secret for every process, or a nonce from one fails at another.
            await self.store.put_value(NONCE_SECRET, secrets.token_hex(32), 0, only_new=True)
            secret = await self.store.get_value(NONCE_SECRET)
            if secret is not None:
                self.dpop_nonces = NonceSource(self.settings.issuer, bytes.fromhex(secret))
            await self._follow_shared_clock()
            self._following = asyncio.ensure_future(self._follow_others())
            self._shared_events = SharedEventWriter(self.store)  # type: ignore[arg-type]
            self.bus.sink = self._shared_events.put

    async def stop(self) -> None:
        self.bus.sink = None
        if self._shared_events is not None:
            await self._shared_events.stop()
            self._shared_events = None
        if self._following is not None:
            await end_task(self._following)
            self._following = None

    # other processes of a shared store ----------------------------------------

    async def _tell_others(self, kind: str, **data: Any) -> None:
        """Say what changed to the other processes of a shared store (best effort:
        what it announces is already kept)."""
        if not self.store.shared:
            return
        try:
            await self.store.publish({"kind": kind, "origin": self._origin, **data})
        except StoreUnavailable:
            log.warning("could not tell the other server processes: %s changed", kind)

    async def _follow_others(self) -> None:
        """Apply what the other processes say; after a break, read the keys again
        (what was missed meanwhile) and listen anew."""
        while True:
            try:
                async for message in self.store.messages():
                    if message.get("origin") != self._origin:
                        await self._heard(message)
            except asyncio.CancelledError:
                raise
            except Exception:  # the store went away: try again
                log.warning("lost the other server processes' news; listening again")
                await asyncio.sleep(1.0)
                with contextlib.suppress(Exception):
                    await self.keys.load()

    async def _heard(self, message: dict[str, Any]) -> None:
        kind = message.get("kind")
        if kind == "keys":
            await self.keys.load()
        elif kind == "settings":
            await self._apply_settings(dict(message.get("changes") or {}))
        elif kind == "clock" and getattr(self.clock, "virtual", False):
            self.clock.follow(message["state"])  # type: ignore[attr-defined]
        elif kind == "user":
            self._users.pop(str(message.get("user")), None)
        elif kind == "revoked":
            for sid in message.get("sids") or ():
                self._sessions.pop(str(sid), None)
                self.watchers.revoked(str(sid))

    # users -----------------------------------------------------------------

    async def seed_demo_users(self) -> None:
        """Create alice and bob unless they exist."""
        for name, (password, display) in DEMO_USERS.items():
            if await self._user(name) is None:
                await self.put_user(name, password, display)

    async def put_user(
        self, username: str, password: str, display_name: str | None = None
    ) -> UserRecord:
        check_user(username, password)
        hashed = await anyio.to_thread.run_sync(self.hasher.hash, password)
        user = UserRecord(username, hashed, display_name or username, self.clock.now())
        await self.store.put_user(user)
        self._users.pop(username, None)
        await self._tell_others("user", user=username)
        self.bus.publish("user_saved", user=username)
        return user

    async def delete_user(self, username: str) -> None:
        self._users.pop(username, None)
        now = self.clock.now()
        key = await self._key()

        async def delete(tx: Tx) -> list[SessionRecord]:
            if not await tx.delete_user(username):
                raise NotFound(f"no user {username!r}")
            return await self._revoke_all(tx, await tx.active_sessions(username, now), now, key)

        ended = await self.store.atomic(delete)
        self._users.pop(username, None)
        await self._tell_others("user", user=username)
        await self._announce(ended, "forced", by=None)
        self.bus.publish("user_deleted", user=username)

    # settings --------------------------------------------------------------

    async def update_settings(self, **changes: Any) -> Settings:
        """Apply live changes; a new algorithm gets a fresh signing key."""
        unknown = set(changes) - set(LIVE_SETTINGS)
        if unknown:
            raise InvalidRequest(f"these settings cannot be changed live: {sorted(unknown)}")
        updated = await self._apply_settings(changes)
        await self._tell_others("settings", changes=changes)
        self.bus.publish("settings_changed", changes={k: str(v) for k, v in changes.items()})
        return updated

    async def _apply_settings(self, changes: dict[str, Any]) -> Settings:
        try:
            updated = self.settings.replace(**changes)
        except (ValueError, TypeError) as exc:
            raise InvalidRequest(str(exc)) from exc
        if updated.algorithm != self.settings.algorithm:
            await self.keys.ensure(updated.algorithm)
        self.settings = updated
        return updated

    # login -----------------------------------------------------------------

    async def check_password(self, username: str, password: str, address: str) -> UserRecord:
        """Authenticate, counting failures; the same answer for unknown users and bad passwords.

        The slow Argon2 check runs in a worker thread, off the event loop.
        """
        wait = await self.limiter.retry_after(username, address)
        if wait is not None:
            self.bus.publish("login_throttled", user=username, retry_after=round(wait, 1))
            raise RateLimited(wait)
        user = await self._user(username)
        hashed = user.password_hash if user else None
        if not await anyio.to_thread.run_sync(self.hasher.verify, hashed, password) or user is None:
            await self.limiter.failed(username, address)
            self.bus.publish("login_failed", user=username)
            raise InvalidGrant("the username or password is wrong", reason="invalid_credentials")
        await self.limiter.succeeded(username)
        return user

    async def token_request_proof(self, proof: str | None, url: str) -> str | None:
        """The key thumbprint a token request proves (RFC 9449 §5), or None without a
        proof (refused when ``require_dpop`` is on)."""
        settings = self.settings
        if proof is None:
            if settings.require_dpop == "on":
                raise InvalidDPoPProof(
                    "this server binds every token to a key: send a DPoP proof",
                    reason="missing_proof",
                )
            return None
        now = self.clock.now()
        nonce = self.dpop_nonces if settings.dpop_nonce == "on" else None
        try:
            checked = await self._proof(proof, method="POST", url=url, now=now, nonce=nonce)
        except dpop.ProofRejected as exc:
            if exc.reason == "use_dpop_nonce":
                raise UseDPoPNonce(exc.description, self.dpop_nonces.current(now)) from exc
            raise InvalidDPoPProof(exc.description, reason=exc.reason) from exc
        return checked.jkt

    async def _proof(
        self,
        proof: object,
        *,
        method: str,
        url: str,
        now: float,
        nonce: NonceSource | None,
        access_token: str | None = None,
    ) -> dpop.Proof:
        """A DPoP proof checked (RFC 9449 §4.3) and its jti used up: in this
        process's cache, or — over a shared store — in the store, where the
        first process to see it wins (``SET NX``), so a proof replayed to
        another process is refused there too."""
        settings = self.settings
        shared = self.store.shared
        checked = dpop.verify_proof(
            proof,
            method=method,
            url=url,
            now=now,
            max_age=settings.dpop_proof_max_age,
            leeway=settings.leeway,
            replay=None if shared else self.dpop_replay,
            access_token=access_token,
            nonce=nonce,
        )
        if shared:
            key, until = dpop.replay_entry(
                checked.jkt, checked.jti, checked.iat, settings.dpop_proof_max_age, settings.leeway
            )
            if not await self.store.put_value(
                f"dpop-jti:{key}", "1", max(1.0, until - now), only_new=True
            ):
                raise dpop.ProofRejected("replayed_proof", "this proof (jti) was already used")
        return checked

    async def user_for_grant(self, username: str) -> UserRecord:
        """The user a code or a device authorization was approved for (they may have
        been deleted since)."""
        user = await self._user(username)
        if user is None:
            raise InvalidGrant("the user who approved this sign-in no longer exists")
        return user

    async def revoke_for_code_reuse(self, sid: str) -> None:
        """RFC 6749 §4.1.2: a code presented twice revokes what it issued."""
        await self._revoke([sid], "code_reuse", by=None)

    async def start_session(
        self,
        user: UserRecord,
        client_id: str,
        device: DeviceInfo,
        scope: str | None,
        jkt: str | None = None,
    ) -> TokenResponse:
        """Open a session under the login policy and issue its first token pair."""
        granted = self._grant_scope(scope, self.settings.scopes)
        settings = self.settings
        key = await self._key()
        now = self.clock.now()
        session = SessionRecord(
            sid=secrets.token_urlsafe(12),
            username=user.username,
            client_id=client_id,
            device_id=device.device_id,
            device_type=device.device_type,
            device_name=device.device_name,
            scope=granted,
            created_at=now,
            expires_at=float(int(now) + settings.refresh_ttl),
            last_refresh_at=None,
            refresh_count=0,
            revoked_at=None,
            reason=None,
            revoked_by=None,
            dpop_jkt=jkt,
        )

        async def sign_in(tx: Tx) -> tuple[TokenResponse, list[SessionRecord]]:
            # Under 'multi' only this device's own old session matters: asking for
            # just that keeps a login O(1) when a user has thousands of sessions.
            active = await tx.active_sessions(
                user.username,
                now,
                device_id=device.device_id if settings.login_policy == "multi" else None,
            )
            decision = decide(
                settings.login_policy,
                active,
                new_device_type=device.device_type,
                new_device_id=device.device_id,
            )
            if decision.refused:
                others = [s for s in active if s.device_id != device.device_id]
                raise InvalidGrant(
                    f"{user.username} is already signed in on "
                    f"{', '.join(repr(s.device_name) for s in others)}; "
                    "the login policy 'reject' refuses a second session",
                    reason="rejected",
                    extra={"active_devices": [views.device_view(s) for s in others]},
                )
            superseded = [s for s in active if s.sid in decision.revoke]
            ended = await self._revoke_all(tx, superseded, now, key, "superseded", session.sid)
            await tx.add_session(session)
            issued = await self._issue(tx, session, now, session.expires_at, key)
            return issued, ended

        try:
            issued, superseded = await self.store.atomic(sign_in)
        except InvalidGrant as exc:
            if exc.reason == "rejected":
                self.bus.publish(
                    "login_rejected",
                    user=user.username,
                    device_id=device.device_id,
                    policy=settings.login_policy,
                )
            raise
        await self._announce(superseded, "superseded", by=session.sid)
        self.bus.publish(
            "login",
            user=user.username,
            sid=session.sid,
            device_id=device.device_id,
            device_type=device.device_type,
            device_name=device.device_name,
            access_exp=issued.access_exp,
            refresh_exp=issued.refresh_exp,
            policy=settings.login_policy,
            superseded=[s.sid for s in superseded],
        )
        return issued

    # refresh ---------------------------------------------------------------

    async def refresh(
        self,
        refresh_token: str,
        client_id: str | None,
        scope: str | None,
        jkt: str | None = None,
    ) -> TokenResponse:
        """Rotate a refresh token (RFC 6749 §6) with reuse detection; a session bound
        to a key (DPoP) refreshes only with a proof of that key (RFC 9449 §5)."""
        now = self.clock.now()
        settings = self.settings
        try:
            claims = (await self._verify(refresh_token, REFRESH_TYP, None, now)).claims
        except tokens.TokenRejected as exc:
            if exc.reason != "expired" or exc.claims is None:
                raise InvalidGrant(
                    f"invalid refresh token: {exc.description}", reason=exc.reason
                ) from exc
            expired = await self._session(exc.claims["sid"])
            reason = (expired.reason if expired and expired.revoked_at else None) or (
                "refresh_expired"
            )
            raise await self._session_over(expired, reason) from exc
        key = await self._key()
        jti_hash = tokens.jti_hash(claims["jti"])

        async def rotate(tx: Tx) -> tuple[RefreshRecord, SessionRecord, TokenResponse | None]:
            record = await tx.get_refresh(jti_hash)
            session = await tx.get_session(claims["sid"])
            if record is None or session is None or session.username != claims["sub"]:
                raise InvalidGrant("unknown refresh token", reason="unknown_token")
            if record.sid != session.sid:
                raise InvalidGrant("unknown refresh token", reason="unknown_token")
            if client_id is not None and client_id != session.client_id:
                raise InvalidGrant(
                    "this refresh token was issued to another client", reason="wrong_client"
                )
            if scope is not None:
                self._grant_scope(scope, tuple(session.scope.split()))
            if session.dpop_jkt is not None and jkt != session.dpop_jkt:
                raise InvalidGrant(
                    "this session is bound to a key: the refresh needs a DPoP proof of it",
                    reason="dpop_key_mismatch" if jkt else "missing_proof",
                )
            if session.end_reason(now) is not None or record.rotated_at is not None:
                return record, session, None  # decided below, outside the transaction
            refresh_exp = (
                session.expires_at
                if settings.session_lifetime is SessionLifetime.ABSOLUTE
                else float(int(now) + settings.refresh_ttl)
            )
            successor = await self._issue(tx, session, now, refresh_exp, key)
            await tx.mark_rotated(record.jti_hash, now, successor.refresh_jti_hash)
            await tx.record_refresh(session.sid, now, refresh_exp)
            # In the same transaction: a retry that sees the rotation finds the pair.
            await tx.put_grace(
                record.jti_hash,
                _seal(claims["jti"], successor),
                now + settings.reuse_grace,
                now,
            )
            return record, session, successor

        record, session, successor = await self.store.atomic(rotate)
        ended = session.end_reason(now)
        if ended is not None:
            raise await self._session_over(session, ended)
        if successor is None:
            return await self._replayed(record, session, claims["jti"], now, settings)
        self._sessions.pop(session.sid, None)
        self.bus.publish(
            "refresh",
            user=session.username,
            sid=session.sid,
            device_id=session.device_id,
            access_exp=successor.access_exp,
            refresh_exp=successor.refresh_exp,
            rotated=record.jti_hash[:10],
        )
        return successor

    async def _replayed(
        self,
        record: RefreshRecord,
        session: SessionRecord,
        jti: str,
        now: float,
        settings: Settings,
    ) -> TokenResponse:
        """A retired refresh token came back: a retry within grace, or reuse."""
        assert record.rotated_at is not None
        within_grace = settings.reuse_grace > 0 and now - record.rotated_at <= settings.reuse_grace
        if within_grace:
            sealed = await self.store.get_grace(record.jti_hash, now)
            cached = _unseal(jti, sealed) if sealed is not None else None
            successor = await self.store.get_refresh(record.successor_hash or "")
            if cached is not None and successor and successor.rotated_at is None:
                self.bus.publish(
                    "refresh_retry",
                    user=session.username,
                    sid=session.sid,
                    device_id=session.device_id,
                )
                return cached
        await self._revoke([session.sid], "reuse_detected", by=None)
        self.bus.publish(
            "reuse_detected",
            user=session.username,
            sid=session.sid,
            device_id=session.device_id,
            rotated_ago=round(now - record.rotated_at, 3),
        )
        raise await self._session_over(await self._session(session.sid), "reuse_detected")

    # resource API ----------------------------------------------------------

    async def verify_access(
        self,
        token: str,
        *,
        scheme: str = "bearer",
        proof: str | None = None,
        method: str = "GET",
        url: str = "",
    ) -> AccessContext:
        """Check an access token as the resource API does, in the current verify mode;
        a DPoP-bound one (``cnf.jkt``) only with a proof of its key (RFC 9449 §7)."""
        now = self.clock.now()
        settings = self.settings
        try:
            verified = await self._verify(token, ACCESS_TYP, settings.audience, now, self._verified)
        except tokens.TokenRejected as exc:
            sid = exc.claims.get("sid") if exc.claims else None
            self.bus.publish("token_rejected", reason=exc.reason, sid=sid)
            raise InvalidToken(exc.description, reason=exc.reason) from exc
        claims = verified.claims
        await self._check_binding(claims, token, scheme, proof, method, url, now)
        stateful = settings.verify_mode is VerifyMode.STATEFUL
        session = await self._session(claims["sid"], fresh=stateful)
        ended = session.end_reason(now) if session else "unknown_session"
        if ended is not None:
            if stateful:
                self.bus.publish("token_rejected", reason=ended, sid=claims["sid"], mode="stateful")
                raise InvalidToken(
                    REVOCATION_REASONS.get(ended, "the token's session is not active"),
                    reason=ended,
                    extra=await self._session_details(session),
                )
            # Stateless: the signature is all we check, so a revoked session's
            # token still passes — the weakness the lab exists to show.
            self.bus.publish(
                "revoked_token_accepted",
                sid=claims["sid"],
                user=claims["sub"],
                device_id=claims.get("device_id"),
                reason=ended,
                access_exp=claims["exp"],
            )
        user = await self._user(claims["sub"])
        if user is None:
            self.bus.publish("token_rejected", reason="unknown_subject", sid=claims["sid"])
            raise InvalidToken("the token's user no longer exists", reason="unknown_subject")
        return AccessContext(claims=claims, session=session, user=user)

    async def _check_binding(
        self,
        claims: dict[str, Any],
        token: str,
        scheme: str,
        proof: str | None,
        method: str,
        url: str,
        now: float,
    ) -> None:
        cnf = claims.get("cnf")
        jkt = cnf.get("jkt") if isinstance(cnf, dict) else None
        if jkt is None:
            if scheme == "dpop":
                raise DPoPRefused(
                    "invalid_token",
                    "this token is not bound to a key: send it as Bearer",
                    reason="not_dpop_bound",
                )
            return
        if scheme != "dpop":
            self.bus.publish("token_rejected", reason="dpop_bound_token", sid=claims.get("sid"))
            raise DPoPRefused(
                "invalid_token",
                "this token is bound to a key (DPoP): a bearer copy of it is worth nothing",
                reason="dpop_bound_token",
            )
        settings = self.settings
        nonce = self.dpop_nonces if settings.dpop_nonce == "on" else None
        try:
            checked = await self._proof(
                proof, method=method, url=url, now=now, nonce=nonce, access_token=token
            )
        except dpop.ProofRejected as exc:
            self.bus.publish("token_rejected", reason=exc.reason, sid=claims.get("sid"))
            if exc.reason == "use_dpop_nonce":
                raise DPoPRefused(
                    "use_dpop_nonce",
                    exc.description,
                    reason=exc.reason,
                    nonce=self.dpop_nonces.current(now),
                ) from exc
            raise DPoPRefused("invalid_dpop_proof", exc.description, reason=exc.reason) from exc
        if not secrets.compare_digest(checked.jkt.encode(), str(jkt).encode()):
            self.bus.publish("token_rejected", reason="key_mismatch", sid=claims.get("sid"))
            raise DPoPRefused(
                "invalid_dpop_proof",
                "the proof is signed by another key than the token is bound to",
                reason="key_mismatch",
            )

    # revocation and introspection -------------------------------------------

    async def revoke_token(self, token: str, client_id: str | None) -> None:
        """RFC 7009: end the session a refresh or access token belongs to.

        Unknown, invalid and expired tokens are not an error (RFC 7009 §2.2).
        """
        claims = await self._claims_of_any(token)
        if claims is None:
            return
        session = await self._session(claims["sid"])
        if session is None or session.username != claims["sub"]:
            return
        if client_id is not None and client_id != session.client_id:
            return
        await self._revoke([session.sid], "logout", by=session.sid)

    async def introspect(self, token: str) -> dict[str, Any]:
        """RFC 7662: whether a token is active now, and what it says."""
        now = self.clock.now()
        for typ, audience in (
            (ACCESS_TYP, self.settings.audience),
            (REFRESH_TYP, None),
        ):
            try:
                # Access tokens through the API's cache: introspection is a hot path too.
                cache = self._verified if typ == ACCESS_TYP else None
                claims = (await self._verify(token, typ, audience, now, cache)).claims
            except tokens.TokenRejected:
                continue
            session = await self._session(claims["sid"], fresh=True)
            active = session is not None and session.is_active(now)
            if typ == REFRESH_TYP:
                record = await self.store.get_refresh(tokens.jti_hash(claims["jti"]))
                active = active and record is not None and record.rotated_at is None
            if not active:
                return {"active": False}
            return {
                "active": True,
                "token_type": "access_token" if typ == ACCESS_TYP else "refresh_token",
                "username": claims["sub"],
                **claims,
            }
        return {"active": False}

    # sessions ----------------------------------------------------------------

    async def sessions(self, username: str | None = None) -> list[dict[str, Any]]:
        now = self.clock.now()
        return [await self._session_view(s, now) for s in await self.store.list_sessions(username)]

    async def lineage(self, sid: str) -> dict[str, Any]:
        """A session's token family: each refresh token and its successor, and how
        the session ended (``GET /admin/sessions/{sid}/lineage``)."""
        session = await self._session(sid)
        if session is None:
            raise NotFound(f"no session {sid!r}")
        now = self.clock.now()
        ended = session.end_reason(now)
        return {
            **await self._session_view(session, now),
            "ended": await self._session_details(session) | {"reason": ended} if ended else None,
            "tokens": [
                views.refresh_view(record) for record in await self.store.refresh_chain(sid)
            ],
        }

    async def revoke_session(self, sid: str, reason: str, by: str | None = None) -> dict[str, Any]:
        session = await self._session(sid)
        if session is None:
            raise NotFound(f"no session {sid!r}")
        now = self.clock.now()
        if not session.is_active(now):
            raise Conflict(f"session {sid!r} is already over", reason=session.end_reason(now))
        if not await self._revoke([sid], reason, by=by):
            ended = await self._session(sid) or session
            raise Conflict(f"session {sid!r} is already over", reason=ended.end_reason(now))
        return await self._session_view(await self._session(sid) or session, now)

    async def force_expire(
        self,
        *,
        user: str | None = None,
        sid: str | None = None,
        device_id: str | None = None,
    ) -> list[str]:
        """Revoke (reason ``forced``) every active session of a user, a device, or one session."""
        if sum(x is not None for x in (user, sid, device_id)) != 1:
            raise InvalidRequest("give exactly one of user, sid or device_id")
        now = self.clock.now()
        if user is not None:
            if await self._user(user) is None:
                raise NotFound(f"no user {user!r}")
            targets = await self.store.active_sessions(user, now)
        else:
            targets = [
                s
                for s in await self.store.list_sessions()
                if s.is_active(now) and (s.sid == sid or s.device_id == device_id)
            ]
            if sid is not None and not targets and await self._session(sid) is None:
                raise NotFound(f"no session {sid!r}")
        ended = await self._revoke([s.sid for s in targets], "forced", by=None)
        sids = [s.sid for s in ended]
        self.bus.publish("force_expire", user=user, sid=sid, device_id=device_id, sids=sids)
        return sids

    async def logout_others(self, username: str, current_sid: str) -> list[str]:
        now = self.clock.now()
        others = [s.sid for s in await self.store.active_sessions(username, now)]
        ended = await self._revoke([s for s in others if s != current_sid], "logout", current_sid)
        return [s.sid for s in ended]

    # keys ------------------------------------------------------------------

    async def rotate_key(self) -> dict[str, Any]:
        key = await self.keys.rotate(self.settings.algorithm)
        await self._tell_others("keys")
        self.bus.publish("key_rotated", kid=key.kid, alg=key.alg)
        return key.describe()

    async def retire_key(self, kid: str | None = None) -> dict[str, Any]:
        current = await self.keys.ensure(self.settings.algorithm)
        key = await self.keys.retire(kid, keep=current.kid)
        await self._tell_others("keys")
        self.bus.publish("key_retired", kid=key.kid, alg=key.alg)
        return key.describe()

    # the rest of the server's state (routes read it only through these) ----

    def now(self) -> float:
        return self.clock.now()

    async def users(self) -> list[dict[str, Any]]:
        return [views.user_view(u) for u in await self.store.list_users()]

    def keys_view(self) -> dict[str, Any]:
        current = self.keys.current(self.settings.algorithm)
        return {
            "keys": [k.describe() for k in self.keys.all()],
            "current": current.kid if current else None,
        }

    def jwks(self) -> dict[str, Any]:
        return self.keys.jwks()

    def clock_view(self) -> dict[str, Any]:
        return views.clock_view(self.clock)

    def _virtual_clock(self) -> Any:
        if not getattr(self.clock, "virtual", False):
            raise Conflict(
                "the server runs on the real clock (start it with --virtual-clock)",
                reason="clock_not_virtual",
            )
        return self.clock

    async def advance_clock(self, seconds: float) -> dict[str, Any]:
        """Move a virtual clock forward (``Conflict`` on the real clock)."""
        self._virtual_clock().advance(seconds)
        await self._share_clock()
        self.bus.publish("clock_advanced", seconds=seconds)
        return self.clock_view()

    async def set_clock_rate(self, rate: float) -> dict[str, Any]:
        """How fast a virtual clock flows (0 = frozen)."""
        self._virtual_clock().set_rate(rate)
        await self._share_clock()
        self.bus.publish("clock_rate", rate=rate)
        return self.clock_view()

    async def _share_clock(self) -> None:
        """A virtual clock over a shared store: kept there (a process started later
        stands where it does) and told to the others."""
        if self.store.shared:
            state = self.clock.state()  # type: ignore[attr-defined]
            await self.store.put_value(CLOCK_STATE, json.dumps(state), 0)
            await self._tell_others("clock", state=state)

    async def _follow_shared_clock(self) -> None:
        """At start: a virtual clock stands where the store's does (or puts its own there)."""
        if not self.store.shared or not getattr(self.clock, "virtual", False):
            return
        mine = json.dumps(self.clock.state())  # type: ignore[attr-defined]
        await self.store.put_value(CLOCK_STATE, mine, 0, only_new=True)
        kept = await self.store.get_value(CLOCK_STATE)
        if kept is not None:
            self.clock.follow(json.loads(kept))  # type: ignore[attr-defined]

    async def server_events(self, after: int = 0) -> list[Event]:
        """The kept events after ``after`` (``GET /admin/events``): this process's,
        or, over a shared store, every process's, in one sequence."""
        if self._shared_events is None:
            return self.bus.since(after)
        await self._shared_events.flushed()
        return await self._shared_events.store.events_after(after)

    async def follow_server_events(
        self, after: int = 0, heartbeat: float | None = None
    ) -> AsyncIterator[Event | None]:
        """Kept, then live events after ``after`` (None: a quiet ``heartbeat``)."""
        if self._shared_events is None:
            async for event in self.bus.subscribe(after, heartbeat):
                yield event
            return
        store = self._shared_events.store
        last = after
        for event in await self.server_events(after):
            last = event.id
            yield event
        while not self._shared_events.stopped:
            fresh = await store.wait_events(last, heartbeat or 15.0)
            if not fresh:
                yield None
            for event in fresh:
                last = event.id
                yield event

    async def last_event_id(self) -> int:
        if self._shared_events is None:
            return self.bus.last_id()
        await self._shared_events.flushed()
        return await self._shared_events.store.last_event_id()

    def events_since(self, after: int = 0) -> list[Event]:
        return self.bus.since(after)

    def follow_events(
        self, after: int = 0, heartbeat: float | None = None
    ) -> AsyncIterator[Event | None]:
        return self.bus.subscribe(after, heartbeat)

    def follow_session(
        self, sid: str, heartbeat: float | None = None
    ) -> AsyncIterator[dict[str, Any] | None]:
        """The sign-out notice of one session, once it ends (None: keep-alive)."""
        return self.watchers.watch(sid, lambda: self.sign_out_notice(sid), heartbeat)

    async def sign_out_notice(self, sid: str) -> dict[str, Any] | None:
        """What a device is told when its session has ended — the reason, when,
        and which device caused it (as a refused refresh says) — or None while
        the session is active."""
        session = await self._session(sid, fresh=True)
        now = self.clock.now()
        if session is None:
            return None
        reason = session.end_reason(now)
        if reason is None:
            return None
        return {
            "sid": sid,
            "reason": reason,
            "message": REVOCATION_REASONS.get(reason, "the session is over"),
            **await self._session_details(session),
        }

    async def admin_state(self) -> dict[str, Any]:
        """Everything at once, for a console: the settings and their schema,
        the clock, keys, users, sessions, and where the event stream stands."""
        return {
            "settings": self.settings.public(),
            "schema": schema(),
            "clock": self.clock_view(),
            "keys": self.keys_view()["keys"],
            "users": [u.username for u in await self.store.list_users()],
            "sessions": await self.sessions(),
            "last_event_id": await self.last_event_id(),
            # Which process answered, and over which store (several may share one).
            "process": {"pid": os.getpid(), "store": self.store.description},
        }

    async def own_session(self, username: str, sid: str) -> SessionRecord:
        """The user's session ``sid``; another user's is reported as missing."""
        session = await self._session(sid)
        if session is None or session.username != username:
            raise NotFound(f"no session {sid!r}")
        return session

    async def start_classic_session(self, username: str) -> tuple[str, int]:
        """An opaque session id for the classic comparison (id, lifetime)."""
        session_id = secrets.token_urlsafe(32)
        now = self.clock.now()
        ttl = self.settings.refresh_ttl
        await self.store.add_classic_session(session_id, username, now, now + ttl)
        return session_id, ttl

    async def classic_session_user(self, session_id: str) -> str | None:
        return await self.store.get_classic_session(session_id, self.clock.now())

    # helpers -----------------------------------------------------------------

    async def _key(self) -> SigningKey:
        return await self.keys.ensure(self.settings.algorithm)

    async def _session(self, sid: str, *, fresh: bool = False) -> SessionRecord | None:
        """A session, from the cache unless ``fresh`` (a decision on revocation over
        a shared store: another process may have revoked it a moment ago)."""
        now = time.monotonic()
        if not (fresh and self.store.shared):
            cached = self._sessions.get(sid)
            if cached is not None and cached[1] > now:
                return cached[0]
        session = await self.store.get_session(sid)
        if session is not None:
            if len(self._sessions) > 100_000:
                self._sessions.clear()
            self._sessions[sid] = (session, now + self._cache_for)
        return session

    async def _user(self, username: str) -> UserRecord | None:
        now = time.monotonic()
        cached = self._users.get(username)
        if cached is not None and cached[1] > now:
            return cached[0]
        user = await self.store.get_user(username)
        if len(self._users) > 10_000:
            self._users.clear()
        self._users[username] = (user, now + self._cache_for)
        return user

    async def _verify(
        self,
        token: object,
        typ: str,
        audience: str | None,
        now: float,
        cache: tokens.VerifiedCache | None = None,
    ) -> tokens.VerifiedToken:
        """``tokens.verify`` on this server's settings and keys; on a shared store,
        a key this process has not seen yet (another one rotated) is looked up
        once before the token is refused."""
        settings = self.settings

        def check() -> tokens.VerifiedToken:
            return tokens.verify(
                token,
                self.keys,
                typ=typ,
                issuer=settings.issuer,
                audience=audience,
                now=now,
                leeway=settings.leeway,
                max_chars=settings.max_token_chars,
                cache=cache,
            )

        try:
            return check()
        except tokens.TokenRejected as exc:
            if exc.reason != "unknown_key" or not self.store.shared:
                raise
            if time.monotonic() - self._keys_read_at < 1.0:  # a flood of made-up kids
                raise
            self._keys_read_at = time.monotonic()
            await self.keys.load()
            return check()

    async def _claims_of_any(self, token: str) -> dict[str, Any] | None:
        """Claims of a genuine token of either kind, even an expired one."""
        now = self.clock.now()
        for typ, audience in (
            (REFRESH_TYP, None),
            (ACCESS_TYP, self.settings.audience),
        ):
            try:
                return (await self._verify(token, typ, audience, now)).claims
            except tokens.TokenRejected as exc:
                if exc.claims is not None:
                    return exc.claims
        return None

    async def _issue(
        self, tx: Tx, session: SessionRecord, now: float, refresh_exp: float, key: SigningKey
    ) -> TokenResponse:
        settings = self.settings
        issued_at = int(now)
        # An access token never outlives the session it belongs to.
        access_exp = min(issued_at + settings.access_ttl, int(refresh_exp))
        access = {
            "iss": settings.issuer,
            "sub": session.username,
            "aud": settings.audience,
            "exp": access_exp,
            "iat": issued_at,
            "jti": secrets.token_urlsafe(16),
            "client_id": session.client_id,
            "scope": session.scope,
            "sid": session.sid,
            "device_id": session.device_id,
            "device_type": session.device_type,
        }
        if session.dpop_jkt:  # RFC 9449 §6: bound to the device's key
            access["cnf"] = {"jkt": session.dpop_jkt}
        refresh_jti = secrets.token_urlsafe(16)
        refresh_hash = tokens.jti_hash(refresh_jti)
        refresh = {
            "iss": settings.issuer,
            "sub": session.username,
            "exp": int(refresh_exp),
            "iat": issued_at,
            "jti": refresh_jti,
            "sid": session.sid,
        }
        await tx.add_refresh(RefreshRecord(refresh_hash, session.sid, now, refresh_exp, None, None))
        return TokenResponse(
            access_token=tokens.encode(access, key, ACCESS_TYP),
            refresh_token=tokens.encode(refresh, key, REFRESH_TYP),
            access_exp=float(access_exp),
            refresh_exp=float(int(refresh_exp)),
            scope=session.scope,
            sid=session.sid,
            refresh_jti_hash=refresh_hash,
            token_type="DPoP" if session.dpop_jkt else "Bearer",
        )

    async def _revoke(
        self, sids: Iterable[str], reason: str, by: str | None
    ) -> list[SessionRecord]:
        """End these sessions (those still active), each with its logout tokens, in
        one transaction; then say so. The sessions it ended, as they were."""
        wanted = list(dict.fromkeys(sids))
        if not wanted:
            return []
        now = self.clock.now()
        key = await self._key()

        async def revoke(tx: Tx) -> list[SessionRecord]:
            found = [await tx.get_session(sid) for sid in wanted]
            return await self._revoke_all(tx, [s for s in found if s], now, key, reason, by)

        ended = await self.store.atomic(revoke)
        await self._announce(ended, reason, by)
        return ended

    async def _revoke_all(
        self,
        tx: Tx,
        sessions: Iterable[SessionRecord],
        now: float,
        key: SigningKey,
        reason: str = "forced",
        by: str | None = None,
    ) -> list[SessionRecord]:
        """Inside a transaction: revoke each active session and queue its logout
        tokens (one per resource server) — kept together or not at all, so a
        restart loses no back-channel delivery."""
        ended = []
        for session in sessions:
            if not session.is_active(now):
                continue
            await tx.revoke_session(session.sid, now, reason, by)
            await self.resource_servers.queue_logout_tokens(tx, session, now, key)
            ended.append(session)
        return ended

    async def _announce(self, ended: list[SessionRecord], reason: str, by: str | None) -> None:
        """After the commit of revocations: wake the back-channel sender, publish
        them, and tell the devices listening (never for a rolled-back one)."""
        if not ended:
            return
        self.resource_servers.on_queued()
        for session in ended:
            self._sessions.pop(session.sid, None)
            self.bus.publish(
                "session_revoked",
                user=session.username,
                sid=session.sid,
                device_id=session.device_id,
                device_name=session.device_name,
                reason=reason,
                by=by,
            )
            self.watchers.revoked(session.sid)
        await self._tell_others("revoked", sids=[s.sid for s in ended])

    async def _session_over(self, session: SessionRecord | None, reason: str) -> InvalidGrant:
        return InvalidGrant(
            REVOCATION_REASONS.get(reason, "the session is over"),
            reason=reason,
            extra=await self._session_details(session),
        )

    async def _session_details(self, session: SessionRecord | None) -> dict[str, Any]:
        """What a signed-out device may show: when, and which device ended it."""
        if session is None or session.revoked_at is None:
            return {}
        details: dict[str, Any] = {"revoked_at": session.revoked_at}
        by = await self._session(session.revoked_by) if session.revoked_by else None
        if by is not None and by.sid != session.sid:
            details["revoked_by"] = views.device_view(by)
        return details

    async def _session_view(self, session: SessionRecord, now: float) -> dict[str, Any]:
        by = await self._session(session.revoked_by) if session.revoked_by else None
        return views.session_view(session, now, by)

    def granted_scope(self, requested: str | None) -> str:
        """The scope a sign-in would get (``InvalidScope`` for an unknown one)."""
        return self._grant_scope(requested, self.settings.scopes)

    @staticmethod
    def _grant_scope(requested: str | None, allowed: tuple[str, ...]) -> str:
        if requested is None or not requested.strip():
            return " ".join(allowed)
        wanted = requested.split()
        unknown = [s for s in wanted if s not in allowed]
        if unknown:
            raise InvalidScope(f"unknown or not granted scope: {' '.join(unknown)}")
        return " ".join(dict.fromkeys(wanted))


def _grace_key(jti: str) -> bytes:
    """The key a successor pair is sealed with: derived from the retired refresh
    token's ``jti``, which the store never holds (only its hash)."""
    return hashlib.sha256(b"jwt-device-lab reuse grace\x00" + jti.encode()).digest()


def _seal(jti: str, pair: TokenResponse) -> bytes:
    nonce = secrets.token_bytes(12)
    data = json.dumps(asdict(pair), separators=(",", ":")).encode()
    return nonce + AESGCM(_grace_key(jti)).encrypt(nonce, data, None)


def _unseal(jti: str, sealed: bytes) -> TokenResponse | None:
    try:
        data = AESGCM(_grace_key(jti)).decrypt(sealed[:12], sealed[12:], None)
        return TokenResponse(**json.loads(data))
    except (InvalidTag, ValueError, TypeError):
        return None


class SharedEventWriter:
    """Over a shared store: this process's events appended, in order, to the
    history every process shares (a Redis stream), from a task of its own — a
    publisher never waits for Redis. While Redis is away events are dropped
    (and logged): the history is for watching, the state is elsewhere."""

    MAX_WAITING = 10_000

    def __init__(self, store: SharedEventLog) -> None:
        self.store = store
        self.stopped = False
        self._loop = asyncio.get_running_loop()
        self._queue: asyncio.Queue[Event] = asyncio.Queue(self.MAX_WAITING)
        self._task = asyncio.ensure_future(self._write())

    def put(self, event: Event) -> None:
        """Thread-safe: queue an event to write."""
        with contextlib.suppress(RuntimeError):  # the loop has closed
            self._loop.call_soon_threadsafe(self._offer, event)

    def _offer(self, event: Event) -> None:
        with contextlib.suppress(asyncio.QueueFull):
            self._queue.put_nowait(event)

    async def flushed(self) -> None:
        """Until what was published before now is written (or given up on)."""
        await self._queue.join()

    async def _write(self) -> None:
        while True:
            event = await self._queue.get()
            try:
                await self.store.add_event(event.type, event.at, event.data)
            except StoreUnavailable:
                log.warning("the shared event history is unreachable: %s dropped", event.type)
            finally:
                self._queue.task_done()

    async def stop(self) -> None:
        self.stopped = True
        await end_task(self._task)
