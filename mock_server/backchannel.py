"""Resource servers of their own, and the revocations pushed to them.

The auth server knows its resource servers (``jwt-lab serve --resource-server
ID:SECRET[:URI]`` or ``PUT /admin/resource-servers/{id}``); each authenticates
with its own credential (HTTP Basic, never the admin key) to introspect tokens
(RFC 7662), look a session up, read the clock and catch up on revocations.

On every revocation a signed logout token (OpenID Back-Channel Logout 1.0 §2.4:
``typ`` ``logout+jwt``; ``iss aud iat exp jti sid sub events``) is queued in the
store for each resource server that has a back-channel URI, in the same
transaction as the revocation — so a restart never loses one — and
``BackchannelSender`` POSTs it there (form-encoded ``logout_token``, §2.5),
retrying with backoff until it is acknowledged. The sender runs on the server's
event loop and never holds up a request: the token endpoint only writes a row.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import secrets
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import httpx

from contract import BACKCHANNEL_EVENT, LOGOUT_TYP, resource_server_id_ok
from mock_server import tokens
from mock_server.errors import InvalidRequest, NotFound, ResourceServerAuthRequired
from mock_server.events import end_task
from mock_server.keys import SigningKey
from mock_server.store import DeliveryRecord, ResourceServerRecord, SessionRecord, Tx

if TYPE_CHECKING:
    from mock_server.service import AuthService

log = logging.getLogger(__name__)

LOGOUT_TOKEN_LIFETIME = 120  # seconds (§2.4 recommends at most two minutes)
MIN_SECRET_CHARS = 16
MAX_BACKOFF = 60.0  # seconds between two attempts, at most
DELIVERY_TIMEOUT = 3.0  # a slow back-channel endpoint is given up on, and tried later
KEEP_DELIVERED = 3600.0  # acknowledged deliveries are shown this long, then dropped


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def parse_resource_server(text: str) -> tuple[str, str, str | None]:
    """``ID:SECRET[:URI]`` (the serve flag) → (id, secret, uri or None)."""
    rs_id, _, rest = text.partition(":")
    secret, _, uri = rest.partition(":")
    if not rs_id or not secret:
        raise ValueError(f"{text!r}: give ID:SECRET or ID:SECRET:BACKCHANNEL_URI")
    return rs_id, secret, uri or None


def check_resource_server(rs_id: str, secret: str, backchannel_uri: str | None) -> None:
    """``InvalidRequest`` unless this is a registration the server can keep."""
    if not resource_server_id_ok(rs_id):
        raise InvalidRequest("a resource server id is 1-64 letters, digits and . _ -")
    if len(secret) < MIN_SECRET_CHARS:
        raise InvalidRequest(f"a resource server's secret needs {MIN_SECRET_CHARS}+ characters")
    if backchannel_uri is not None and not backchannel_uri.startswith(("http://", "https://")):
        raise InvalidRequest("the back-channel logout URI must be an http(s) URL")


def backoff(attempts: int) -> float:
    """Seconds before the next attempt after ``attempts`` failed ones: 0.5, 1, 2, … 60."""
    return float(min(MAX_BACKOFF, 0.5 * 2 ** max(0, attempts - 1)))


class ResourceServers:
    """The auth server's side: registrations, authentication, logout tokens."""

    def __init__(self, service: AuthService) -> None:
        self._service = service
        self._store = service.store
        # Called (from any thread) when a delivery is queued: the sender wakes.
        self.on_queued: Callable[[], None] = lambda: None

    # registrations -----------------------------------------------------------

    async def save(self, rs_id: str, secret: str, backchannel_uri: str | None) -> dict[str, Any]:
        check_resource_server(rs_id, secret, backchannel_uri)
        existing = await self._store.get_resource_server(rs_id)
        record = ResourceServerRecord(
            rs_id,
            _hash(secret),
            backchannel_uri,
            existing.created_at if existing else self._service.clock.now(),
        )
        await self._store.put_resource_server(record)
        self._service.bus.publish(
            "resource_server_saved", resource_server=rs_id, backchannel_uri=backchannel_uri
        )
        return await self.view(record)

    async def delete(self, rs_id: str) -> None:
        if not await self._store.delete_resource_server(rs_id):
            raise NotFound(f"no resource server {rs_id!r}")
        self._service.bus.publish("resource_server_deleted", resource_server=rs_id)

    async def list(self) -> list[dict[str, Any]]:
        return [await self.view(r) for r in await self._store.list_resource_servers()]

    async def view(self, record: ResourceServerRecord) -> dict[str, Any]:
        deliveries = await self._store.list_deliveries(record.rs_id, limit=20)
        pending = [d for d in deliveries if d.delivered_at is None]
        done = [d for d in deliveries if d.delivered_at is not None]
        return {
            "id": record.rs_id,
            "backchannel_uri": record.backchannel_uri,
            "created_at": record.created_at,
            "pending_deliveries": len(pending),
            "last_delivery": _delivery_view(done[0]) if done else None,
            "last_failure": next(
                (_delivery_view(d) for d in deliveries if d.last_error is not None), None
            ),
        }

    async def authenticate(self, rs_id: str | None, secret: str | None) -> ResourceServerRecord:
        """The resource server these credentials name, or ``ResourceServerAuthRequired``."""
        record = await self._store.get_resource_server(rs_id) if rs_id else None
        given = _hash(secret or "")
        expected = record.secret_hash if record else _hash(secrets.token_hex(16))
        if record is None or not hmac.compare_digest(given, expected):
            raise ResourceServerAuthRequired("unknown resource server or wrong secret")
        return record

    # what a resource server may ask ---------------------------------------------

    async def revocations(self, since: float | None) -> dict[str, Any]:
        """The revoked sessions whose access tokens may still be unexpired: a
        resource server's deny-list at start or after a gap (its catch-up)."""
        service = self._service
        now = service.clock.now()
        settings = service.settings
        horizon = now - settings.access_ttl - settings.leeway
        revoked = await self._store.revoked_since(max(horizon, since or horizon))
        return {
            "now": now,
            "revocations": [
                {
                    "sid": s.sid,
                    "sub": s.username,
                    "reason": s.reason,
                    "revoked_at": s.revoked_at,
                    # The last token of the session was issued before the revocation.
                    "until": (s.revoked_at or now) + settings.access_ttl + settings.leeway,
                }
                for s in revoked
            ],
        }

    async def session_state(self, sid: str) -> dict[str, Any]:
        """Stateful verification from another process: is this session active now?"""
        service = self._service
        session = await service.store.get_session(sid)
        now = service.clock.now()
        if session is None:
            return {"sid": sid, "active": False, "reason": "unknown_session"}
        return {"sid": sid, "active": session.is_active(now), "reason": session.end_reason(now)}

    # on every revocation ------------------------------------------------------

    async def queue_logout_tokens(
        self, tx: Tx, session: SessionRecord, now: float, key: SigningKey
    ) -> bool:
        """Queue a logout token for each resource server that takes them (True if
        any). Called inside the revocation's transaction: both are kept, or neither;
        the caller wakes the sender (``on_queued``) once it is committed."""
        queued = False
        for record in await tx.list_resource_servers():
            if record.backchannel_uri is None:
                continue
            claims = {
                "iss": self._service.settings.issuer,
                "aud": record.rs_id,
                "iat": int(now),
                "exp": int(now) + LOGOUT_TOKEN_LIFETIME,
                "jti": secrets.token_urlsafe(16),
                "sid": session.sid,
                "sub": session.username,
                "events": {BACKCHANNEL_EVENT: {}},
            }
            token = tokens.encode(claims, key, LOGOUT_TYP)
            await tx.enqueue_delivery(record.rs_id, session.sid, token, time.time())
            queued = True
        return queued


def _delivery_view(d: DeliveryRecord) -> dict[str, Any]:
    return {
        "sid": d.sid,
        "attempts": d.attempts,
        "queued_at": d.queued_at,
        "delivered_at": d.delivered_at,
        "error": d.last_error,
    }


class BackchannelSender:
    """Delivers queued logout tokens, on the server's event loop, with backoff."""

    def __init__(self, service: AuthService, client: httpx.AsyncClient | None = None) -> None:
        self._service = service
        self._client = client or httpx.AsyncClient(timeout=DELIVERY_TIMEOUT, trust_env=False)
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._service.resource_servers.on_queued = self.wake
        self._task = asyncio.create_task(self._run(), name="backchannel-sender")

    def wake(self) -> None:
        """Thread-safe: something was queued."""
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._wake.set)

    async def stop(self) -> None:
        self._service.resource_servers.on_queued = lambda: None
        if self._task is not None:
            await end_task(self._task)
        await self._client.aclose()

    async def _run(self) -> None:
        store = self._service.store
        while True:
            self._wake.clear()  # before reading the queue: a row queued after it wakes us
            try:
                # Claimed for a while: another process's sender (a shared store)
                # leaves them alone until this one has settled them.
                due = await store.claim_deliveries(time.time(), lease=DELIVERY_TIMEOUT + 2)
                if due:
                    await asyncio.gather(*(self._deliver(d) for d in due))
                    continue
                await store.forget_deliveries(time.time() - KEEP_DELIVERED)
                upcoming = await store.next_delivery_at()
                wait = 30.0 if upcoming is None else max(0.0, upcoming - time.time())
            except Exception:  # the store went away (shutdown): try again later
                log.exception("the back-channel sender failed")
                wait = 1.0
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=min(wait, 30.0))

    async def _deliver(self, delivery: DeliveryRecord) -> None:
        service, store = self._service, self._service.store
        record = await store.get_resource_server(delivery.rs_id)
        if record is None or record.backchannel_uri is None:
            await store.delivery_failed(
                delivery.id, "no back-channel URI", time.time() + MAX_BACKOFF
            )
            return
        try:
            response = await self._client.post(
                record.backchannel_uri,
                data={"logout_token": delivery.logout_token},
                headers={"Cache-Control": "no-store"},
            )
            ok = response.status_code in (200, 204)
            error = None if ok else f"HTTP {response.status_code}"
        except httpx.HTTPError as exc:
            ok, error = False, f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        attempts = delivery.attempts + 1
        now = time.time()
        if ok:
            await store.delivery_done(delivery.id, now)
            service.bus.publish(
                "backchannel_delivered",
                resource_server=delivery.rs_id,
                sid=delivery.sid,
                attempts=attempts,
                delay=round(now - delivery.queued_at, 4),
            )
            return
        retry_in = backoff(attempts)
        await store.delivery_failed(delivery.id, str(error), now + retry_in)
        service.bus.publish(
            "backchannel_failed",
            resource_server=delivery.rs_id,
            sid=delivery.sid,
            attempts=attempts,
            error=error,
            retry_in=retry_in,
        )
