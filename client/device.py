"""``Device``: one simulated phone, PC, tablet or browser, a real OAuth 2.0 client.

A device sends its requests over its lab's ``httpx.AsyncClient`` (or one of its
own when it stands alone), passing its ``DeviceAuth`` with each API call; it
has its own token store entry, its own clock (the shared clock plus an optional skew) and a
state: ``signed_out → signing_in → active ⇄ refreshing``, ``offline`` while
the server cannot be reached, ending in ``signed_out`` with a reason.
Everything it does is reported as a ``DeviceEvent`` to its subscribers.

    device = Device(DeviceConfig("phone", "mobile", "Alice's phone", "alice", url), store=store)
    await device.login("alice-pass")
    result = await device.call("/api/me")

All methods run on one asyncio loop (the engine's); none is thread-safe.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

import httpx
from httpx_sse import SSEError, aconnect_sse

from client import messages as say
from client.auth import RETRIED, DeviceAuth
from client.clock import Clock, SkewedClock, WallClock
from client.dpop import DPoPKey
from client.errors import (
    ClientError,
    LoginRefused,
    NotSignedIn,
    ServerFailure,
    ServerUnreachable,
    SessionEnded,
    TokenStoreError,
)
from client.events import (
    DeviceCodeShown,
    DeviceEvent,
    EventHub,
    Listener,
    Notice,
    RefreshFailed,
    RequestSent,
    ResponseReceived,
    SignedOut,
    StateChanged,
    TokensIssued,
    Unauthorized,
)
from client.flows import Browser, DeviceAuthorization
from client.http import http_client
from client.oauth import DeviceIdentity, Discovery, OAuthClient
from client.session import TokenSession
from client.state import DeviceState, transition
from client.store import StoreKey, TokenStore
from client.tokens import TokenSet, fingerprint, refresh_expired, refresh_id
from client.values import (
    CallResult,
    DeviceConfig,
    DeviceSnapshot,
)
from contract import NOTIFICATIONS_PATH, SIGNED_OUT_NOTIFICATION

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]


class Device:
    """A simulated device signed in (or not) to one server."""

    def __init__(
        self,
        config: DeviceConfig,
        *,
        store: TokenStore,
        clock: Clock | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        http: httpx.AsyncClient | None = None,
        discovery: Discovery | None = None,
        fallback_store: TokenStore | None = None,
        timeout: float = 10.0,
        auto_reconnect: bool = True,
        auto_poll: bool = True,
        streams: httpx.AsyncClient | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.config = config
        self.base_clock = clock or WallClock()
        self.clock = SkewedClock(self.base_clock, config.clock_offset)
        # The lab's client is the lab's to close; a device alone owns its own.
        self._owns_http = http is None
        self.http = http or http_client(config.server, transport=transport, timeout=timeout)
        if discovery is None:
            discovery = Discovery(self.http, config.server, on_warning=self._discovery_warning)
        self.oauth = OAuthClient(self.http, discovery, config.client_id, config.scope)
        self.session = TokenSession(
            self.oauth,
            store,
            StoreKey(config.server.rstrip("/"), config.id),
            self.clock,
            self,
            refresh_margin=config.refresh_margin,
            fallback_store=fallback_store,
        )
        self.auth = DeviceAuth(self.session)
        self.state = DeviceState.SIGNED_OUT
        self.reason: str | None = None
        self.message: str | None = None
        self.end_detail: dict[str, Any] | None = None
        self.family_causes: dict[str, str] = {}  # refresh id → why it was issued
        self.last_call: CallResult | None = None
        self.auto_reconnect = auto_reconnect
        self.auto_poll = auto_poll  # a device-flow sign-in polls by itself (else: the caller)
        self.pending: DeviceAuthorization | None = None
        self._next_poll = 0.0
        self._poller: asyncio.Task[None] | None = None
        self._sleep = sleep
        self._events = EventHub()
        self._before_refresh = DeviceState.ACTIVE
        self._reconnect: asyncio.Task[None] | None = None
        # Hear at once that the session ended (GET /api/notifications), on a
        # client of long-lived streams (the lab's, or one of its own).
        self._owns_streams = streams is None
        self._streams = streams
        self._transport = transport
        self._listener: asyncio.Task[None] | None = None
        self.listening = False  # a stream is open now
        self.listening_since: float | None = None
        self._listening_sid: str | None = None
        self.told_at: float | None = None  # when the push said the session ended
        self._closed = False

    @property
    def id(self) -> str:
        return self.config.id

    @property
    def tokens(self) -> TokenSet | None:
        return self.session.tokens

    @property
    def store(self) -> TokenStore:
        return self.session.store

    @property
    def store_key(self) -> StoreKey:
        """Where the device's tokens are kept in its store."""
        return self.session.key

    @property
    def refresh_count(self) -> int:
        """Refreshes since this device object was created."""
        return self.session.refresh_count

    def use_store(self, store: TokenStore) -> None:
        """Keep tokens in ``store`` from now on (memory-only chosen, or the keyring back)."""
        self.session.store = store

    # subscribers -------------------------------------------------------------

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` with every event; returns a function that unsubscribes."""
        return self._events.subscribe(listener)

    def _emit(self, event: DeviceEvent) -> None:
        self._events.emit(event)

    def _at(self) -> float:
        return self.base_clock.now()

    def _set_state(
        self, new: DeviceState, reason: str | None = None, message: str | None = None
    ) -> None:
        old = self.state
        self.state = transition(old, new)
        if new == DeviceState.SIGNED_OUT or reason is not None or new == DeviceState.ACTIVE:
            self.reason, self.message, self.end_detail = reason, message, None
        if old != new or reason is not None:
            self._emit(StateChanged(self.id, self._at(), str(old), str(new), reason, message))

    # actions -------------------------------------------------------------------

    @property
    def identity(self) -> DeviceIdentity:
        return DeviceIdentity(self.id, self.config.type, self.config.name)

    async def login(self, password: str) -> None:
        """Sign in with the password grant (legacy). Raises ``LoginRefused``,
        ``ServerUnreachable``…"""
        await self._stop_listening()  # its own old session ends with this sign-in
        previous = self.state
        self._set_state(DeviceState.SIGNING_IN)
        self._prepare_key()
        try:
            tokens = await self.oauth.password_grant(
                self.config.user, password, self.identity, self.clock.now()
            )
            await self._adopt_login(tokens, "password")
        except ClientError as exc:
            self._login_failed(previous, exc)
            raise

    async def login_in_browser(self, browser: Browser, ui_locales: str | None = None) -> None:
        """Sign in with the authorization code and PKCE: ``browser`` shows the
        server's page, the answer comes back to a loopback listener."""
        await self._stop_listening()  # its own old session ends with this sign-in
        previous = self.state
        self._set_state(DeviceState.SIGNING_IN)
        self._prepare_key()
        try:
            tokens = await self.oauth.code_grant(
                browser, self.identity, self.clock.now, ui_locales=ui_locales
            )
            await self._adopt_login(tokens, "code")
        except ClientError as exc:
            self._login_failed(previous, exc)
            raise
        except Exception as exc:  # a page no one expected: never stuck in "signing in"
            self._login_failed(previous, ClientError(str(exc)))
            raise LoginRefused("browser", say.page_said(str(exc))) from exc

    async def start_device_flow(self) -> DeviceAuthorization:
        """RFC 8628: ask for a user code to show; the device then polls until the
        user approves it elsewhere (``poll_device_flow``; on its own when
        ``auto_poll``)."""
        await self._stop_listening()  # its own old session ends with this sign-in
        previous = self.state
        self._set_state(DeviceState.SIGNING_IN)
        self._prepare_key()
        try:
            authorization = await self.oauth.device_authorization(self.identity, self.clock.now())
        except ClientError as exc:
            self._login_failed(previous, exc)
            raise
        self.cancel_device_flow(keep_state=True)  # one waiting sign-in at a time, one poller
        self.pending = authorization
        self._next_poll = self.clock.now() + authorization.interval
        self._emit(
            DeviceCodeShown(
                self.id,
                self._at(),
                authorization.user_code,
                authorization.verification_uri,
                authorization.verification_uri_complete,
                authorization.expires_at,
            )
        )
        if self.auto_poll:
            self._poller = asyncio.get_running_loop().create_task(self._poll_loop())
        return authorization

    async def poll_device_flow(self) -> bool:
        """One poll, if it is due by the device's clock; True once signed in."""
        authorization = self.pending
        if authorization is None or self.clock.now() < self._next_poll:
            return False
        if self.clock.now() > authorization.expires_at:  # no answer will come any more
            self.pending = None
            self._login_failed(
                DeviceState.SIGNED_OUT, LoginRefused("expired_token", say.DEVICE_CODE_EXPIRED)
            )
            return False
        try:
            answer = await self.oauth.device_poll(authorization, self.clock.now())
        except ServerUnreachable:
            # Unreachable: wait twice as long each time (RFC 8628 §3.5), up to a minute.
            self.pending = replace(authorization, interval=min(60, authorization.interval * 2))
            self._next_poll = self.clock.now() + self.pending.interval
            return False
        except ClientError as exc:
            self.pending = None
            self._login_failed(DeviceState.SIGNED_OUT, exc)
            return False
        if answer == "slow_down":
            self.pending = authorization = replace(
                authorization, interval=authorization.interval + 5
            )
        if isinstance(answer, str):
            self._next_poll = self.clock.now() + authorization.interval
            return False
        self.pending = None
        try:
            await self._adopt_login(answer, "device")
        except ClientError as exc:
            self._login_failed(DeviceState.SIGNED_OUT, exc)
            return False
        return True

    def cancel_device_flow(self, *, keep_state: bool = False) -> None:
        if self._poller is not None and not self._poller.done():
            self._poller.cancel()
        self._poller = None
        if self.pending is not None:
            self.pending = None
            if self.state == DeviceState.SIGNING_IN and not keep_state:
                self._set_state(DeviceState.SIGNED_OUT)

    async def _poll_loop(self) -> None:
        while self.pending is not None:
            # In steps of at most a second: a cancelled or rescheduled poll is noticed.
            await self._sleep(min(1.0, max(0.05, self._next_poll - self.clock.now())))
            try:
                await self.poll_device_flow()
            except Exception as exc:
                self.pending = None
                self._login_failed(DeviceState.SIGNED_OUT, ClientError(str(exc)))

    def _bound(self) -> bool:
        """Are its tokens bound to its key (DPoP)?"""
        tokens = self.session.tokens
        return tokens is not None and self.oauth.dpop is not None and tokens.token_type == "DPoP"  # noqa: S105

    def _prepare_key(self) -> None:
        """A DPoP device makes its key at its first sign-in (and after a sign-out)."""
        if self.config.dpop and self.oauth.dpop is None:
            self.oauth.dpop = DPoPKey.generate(self.config.dpop_alg)
        elif not self.config.dpop:
            self.oauth.dpop = None

    async def _adopt_login(self, tokens: TokenSet, flow: str) -> None:
        try:
            await self.session.adopt(tokens, "login", flow)
        except TokenStoreError:
            # Tokens no store holds would leave a session nobody can end: end it now.
            await self.session.revoke_unkept(tokens)
            raise

    def _login_failed(self, previous: DeviceState, exc: ClientError) -> None:
        reason = exc.reason if isinstance(exc, LoginRefused) and exc.reason == "rejected" else None
        if isinstance(exc, TokenStoreError):
            reason = "keyring_error"
        message = say.sign_in_failed(exc)
        self._emit(Notice(self.id, self._at(), "error", message))
        if self.session.tokens is not None and previous != DeviceState.SIGNED_OUT:
            self._set_state(previous)
        else:
            self._set_state(DeviceState.SIGNED_OUT, reason, message)

    async def call(self, path: str = "/api/me", method: str = "GET") -> CallResult:
        """Call the API through the auth flow; never raises for HTTP or network trouble."""
        self._emit(RequestSent(self.id, self._at(), method, path))
        try:
            response = await self.http.request(method, path, auth=self.auth)
        except NotSignedIn:
            result = CallResult(method, path, None, False, error="not_signed_in", at=self._at())
        except SessionEnded as exc:
            result = CallResult(method, path, None, False, error=exc.reason, at=self._at())
        except ServerUnreachable as exc:
            self._go_offline()
            error = "timeout" if exc.kind == "timeout" else "unreachable"
            result = CallResult(method, path, None, False, error=error, at=self._at())
        except ServerFailure:
            result = CallResult(method, path, None, False, error="server_error", at=self._at())
        else:
            # Only a successful call proves the way back: a 401 may just mean
            # the refresh that should follow it could not get through.
            if self.state == DeviceState.OFFLINE and response.status_code < 400:
                self._set_state(DeviceState.ACTIVE)
            result = _result(method, path, response, self._at())
        self.last_call = result
        self._emit(
            ResponseReceived(
                self.id, result.at, method, path, result.status, result.retried, result.error
            )
        )
        return result

    async def call_many(self, n: int, path: str = "/api/me") -> list[CallResult]:
        """``n`` concurrent calls (they share one refresh if the token is stale)."""
        return list(await asyncio.gather(*(self.call(path) for _ in range(n))))

    async def logout(self) -> None:
        """Revoke the session at the server (RFC 7009), then forget the tokens."""
        await self._stop_listening()  # its own sign-out is no news to it
        tokens = self.session.tokens
        if tokens is not None:
            try:
                await self.oauth.revoke(tokens.refresh_token or tokens.access_token)
            except ClientError as exc:
                message = say.sign_out_not_told(exc)
                self._emit(Notice(self.id, self._at(), "warning", message))
        await self._forget_quietly()
        self._cancel_reconnect()
        self._signed_out("logout", say.SIGNED_OUT)

    async def logout_others(self) -> CallResult:
        """Sign out every other device of this user."""
        return await self.call("/api/sessions/logout-others", method="POST")

    async def resume(self) -> None:
        """After a restart: take the tokens from the store, without a new login."""
        try:
            tokens = await self.session.restore()
        except TokenStoreError as exc:
            message = say.signed_out_because(exc)
            self._emit(Notice(self.id, self._at(), "error", message))
            self._signed_out("keyring_error", message)
            return
        if tokens is None:
            return
        if refresh_expired(tokens, self.clock.now()):
            await self._forget_quietly()
            self._signed_out("refresh_expired", say.sign_out_message("refresh_expired"))
            return
        self._set_state(DeviceState.ACTIVE)
        self.on_tokens(tokens, "restored")

    async def set_listen(self, listen: bool) -> None:
        """Listen for the end of its session from now on (if signed in), or stop."""
        self.config = replace(self.config, listen=listen)
        if listen and self.session.tokens is not None and self.state != DeviceState.SIGNED_OUT:
            self._start_listening()
        elif not listen:
            await self._stop_listening()

    def set_clock_offset(self, seconds: float) -> None:
        self.clock.offset = seconds

    async def close(self) -> None:
        self._closed = True
        self._cancel_reconnect()
        await self._stop_listening()
        if self._poller is not None and not self._poller.done():
            self._poller.cancel()
        if self._owns_http:
            await self.http.aclose()
        if self._owns_streams and self._streams is not None:
            await self._streams.aclose()

    def _discovery_warning(self, message: str) -> None:
        self._emit(Notice(self.id, self._at(), "warning", message))

    def snapshot(self) -> DeviceSnapshot:
        tokens = self.session.tokens
        return DeviceSnapshot(
            config=self.config,
            state=self.state,
            reason=self.reason,
            message=self.message,
            at=self._at(),
            clock_offset=self.clock.offset,
            access_exp=tokens.access_exp if tokens else None,
            refresh_exp=tokens.refresh_exp if tokens else None,
            obtained_at=tokens.obtained_at if tokens else None,
            session_start=tokens.session_start if tokens else None,
            access_fp=fingerprint(tokens.access_token if tokens else None),
            refresh_fp=fingerprint(tokens.refresh_token if tokens else None),
            sid=tokens.sid if tokens else None,
            refresh_count=self.session.refresh_count,
            last_call=self.last_call,
            end_detail=dict(self.end_detail) if self.end_detail else None,
            pending=self.pending.shown() if self.pending else None,
            dpop_jkt=self.oauth.dpop.jkt if self.oauth.dpop is not None and self._bound() else None,
            listening=self.listening,
        )

    # SessionListener -------------------------------------------------------------

    def on_refreshing(self) -> None:
        if self.state != DeviceState.REFRESHING:
            self._before_refresh = self.state
        self._set_state(DeviceState.REFRESHING)

    def on_tokens(self, tokens: TokenSet, how: str, cause: str | None = None) -> None:
        if self.state in (DeviceState.SIGNING_IN, DeviceState.REFRESHING, DeviceState.OFFLINE):
            self._set_state(DeviceState.ACTIVE)
        rid = refresh_id(tokens.refresh_token)
        if rid is not None:
            # Why each refresh token of the family came (the server knows when, not why).
            if how == "refresh" and rid in self.family_causes:
                # The same pair again: a retried refresh, answered within the reuse grace.
                cause = self.family_causes[rid].split("+")[0] + "+grace"
            self.family_causes[rid] = cause or how
            while len(self.family_causes) > 500:
                self.family_causes.pop(next(iter(self.family_causes)))
        if how == "login":
            self.told_at = None
        if self._listener is not None and self._listening_sid not in (None, tokens.sid):
            self._listener.cancel()  # a stream about the session it has left
            self._listener = None
        self._start_listening()
        log.info("device %s: tokens %s (access %s)", self.id, how, fingerprint(tokens.access_token))
        self._emit(
            TokensIssued(
                self.id,
                self._at(),
                how,
                fingerprint(tokens.access_token),
                fingerprint(tokens.refresh_token),
                tokens.access_exp,
                tokens.refresh_exp,
                tokens.sid,
                cause,
                rid,
            )
        )

    def on_unauthorized(self, path: str, reason: str | None) -> None:
        self._emit(Unauthorized(self.id, self._at(), path, reason))

    def on_refresh_failed(self, error: Exception) -> None:
        self._emit(RefreshFailed(self.id, self._at(), type(error).__name__, str(error)))
        if self.state == DeviceState.REFRESHING:
            self._set_state(self._before_refresh)

    def on_session_ended(self, error: SessionEnded) -> None:
        self._cancel_reconnect()
        if self.state == DeviceState.SIGNED_OUT:
            return  # already told (the notification stream was quicker than the refresh)
        self._emit(RefreshFailed(self.id, self._at(), "SessionEnded", str(error)))
        self._signed_out(error.reason, str(error), error.detail)

    def on_unreachable(self, error: ServerUnreachable) -> None:
        self._emit(RefreshFailed(self.id, self._at(), "ServerUnreachable", str(error)))
        self._go_offline()

    def on_revoke_failed(self, error: ClientError) -> None:
        self._emit(Notice(self.id, self._at(), "warning", say.session_left_open(error)))

    def on_store_fallback(self, error: TokenStoreError) -> None:
        self._emit(Notice(self.id, self._at(), "warning", say.memory_fallback(error)))

    # internals ---------------------------------------------------------------------

    def _signed_out(
        self,
        reason: str,
        message: str,
        detail: dict[str, Any] | None = None,
        *,
        pushed: bool = False,
    ) -> None:
        if self._listener is not None and self._listener is not asyncio.current_task():
            self._listener.cancel()
        self._listener = None
        self._set_state(DeviceState.SIGNED_OUT, reason, message)
        self.end_detail = dict(detail) if detail else None
        self._emit(SignedOut(self.id, self._at(), reason, message, detail or {}, pushed))

    # the notification stream ---------------------------------------------------------

    def _start_listening(self) -> None:
        if (
            self._closed
            or not self.config.listen
            or (self._listener is not None and not self._listener.done())
        ):
            return
        self._listener = asyncio.get_running_loop().create_task(self._listen_loop())

    async def _stop_listening(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None and not listener.done():
            listener.cancel()
            await asyncio.gather(listener, return_exceptions=True)

    async def _listen_loop(self) -> None:
        """While signed in, keep one stream open; reconnect with backoff (1 s … 30 s)."""
        if self._streams is None:
            self._streams = http_client(self.config.server, transport=self._transport, streams=True)
        delay = 1.0
        while self.session.tokens is not None and self.state != DeviceState.SIGNED_OUT:
            try:
                notice = await self._listen_once()
            except (NotSignedIn, SessionEnded):
                return  # the session has said so itself (and signed the device out)
            except (ServerUnreachable, ServerFailure, SSEError, ValueError) as exc:
                log.info("device %s: notification stream: %s", self.id, exc)
                notice = None
            except RuntimeError:  # its client was closed under it: the lab is closing
                return
            else:
                tokens = self.session.tokens
                if (
                    notice is not None
                    and tokens is not None
                    and notice.get("sid") == tokens.sid
                    and self.state != DeviceState.SIGNING_IN  # its old session, ending now
                ):
                    await self._told(notice)
                    return
                # (a notice about a session the device has already left: listen anew)
                if self.listening_since is not None:
                    delay = 1.0  # it had been open: the server went away, not a refusal
            finally:
                self.listening = False
            await self._sleep(delay)
            delay = min(30.0, delay * 2)

    async def _listen_once(self) -> dict[str, Any] | None:
        """One stream: the ``signed_out`` notice, or None if it ended without one."""
        assert self._streams is not None
        self.listening_since = None
        tokens = self.session.tokens
        self._listening_sid = tokens.sid if tokens is not None else None
        async with aconnect_sse(self._streams, "GET", NOTIFICATIONS_PATH, auth=self.auth) as source:
            if source.response.status_code != 200:
                await source.response.aread()
                return None
            self.listening, self.listening_since = True, self._at()
            async for sse in source.aiter_sse():
                if sse.event == SIGNED_OUT_NOTIFICATION and sse.data:
                    notice = json.loads(sse.data)
                    return notice if isinstance(notice, dict) else None
        return None

    async def _told(self, notice: dict[str, Any]) -> None:
        """The server says the session ended: sign out now, before any call fails."""
        reason = notice.get("reason")
        reason = reason if isinstance(reason, str) and reason else "forced"
        detail: dict[str, Any] = {k: notice[k] for k in ("revoked_at", "revoked_by") if k in notice}
        self._cancel_reconnect()
        self.told_at = self._at()
        # Signed out first: a call or refresh in flight meets a device without tokens.
        self._signed_out(reason, say.sign_out_message(reason, detail), detail, pushed=True)
        await self._forget_quietly()

    async def _forget_quietly(self) -> None:
        try:
            await self.session.forget()
        except TokenStoreError as exc:
            self._emit(Notice(self.id, self._at(), "warning", say.tokens_not_cleared(exc)))

    def _go_offline(self) -> None:
        if self.session.tokens is None or self.state == DeviceState.SIGNED_OUT:
            return
        self._set_state(DeviceState.OFFLINE)
        if self.auto_reconnect and (self._reconnect is None or self._reconnect.done()):
            self._reconnect = asyncio.get_running_loop().create_task(self._reconnect_loop())

    def _cancel_reconnect(self) -> None:
        if self._reconnect is not None and not self._reconnect.done():
            self._reconnect.cancel()
        self._reconnect = None

    async def _reconnect_loop(self) -> None:
        """While offline, probe the server with exponential backoff (1 s … 30 s)."""
        delay = 1.0
        while self.state == DeviceState.OFFLINE:
            await self._sleep(delay)
            if self.state != DeviceState.OFFLINE:
                return
            try:
                await self.http.get(self.oauth.discovery.probe_url)
            except ServerUnreachable:
                delay = min(30.0, delay * 2)
                continue
            self._set_state(DeviceState.ACTIVE)
            return


def _result(method: str, path: str, response: httpx.Response, at: float) -> CallResult:
    try:
        body: Any = response.json()
    except ValueError:
        body = response.text[:500]
    ok = 200 <= response.status_code < 300
    error = None
    if not ok:
        error = body.get("error") if isinstance(body, dict) else f"http_{response.status_code}"
    return CallResult(
        method=method,
        path=path,
        status=response.status_code,
        ok=ok,
        body=body,
        error=error,
        retried=bool(response.extensions.get(RETRIED, False)),
        at=at,
    )
