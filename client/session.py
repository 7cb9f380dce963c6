"""``TokenSession``: a device's tokens, kept in the store and refreshed single-flight.

The session owns the ``TokenSet`` in memory and in the store, and makes the
refresh decisions:

- single flight: one ``asyncio.Lock`` per device, held for the refresh only.
  A waiter that gets the lock compares the token that failed for it with the
  current one, and skips the refresh if another request already replaced it;
- new tokens are written to the store before they are used;
- ``invalid_grant`` ends the session (the store is cleared);
- a network error keeps the tokens; a 5xx starts a backoff during which no
  refresh is attempted.

What happens is reported to a ``SessionListener`` (the ``Device``), which turns
it into states and events.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import ParamSpec, Protocol, TypeVar

from client import messages as say
from client.clock import Clock
from client.dpop import DPoPKey
from client.errors import (
    ClientError,
    KeyringUnavailable,
    NotSignedIn,
    ServerFailure,
    ServerUnreachable,
    SessionEnded,
    TokenStoreCorrupted,
    TokenStoreError,
)
from client.oauth import OAuthClient
from client.store import StoreKey, TokenStore
from client.tokens import TokenSet

P = ParamSpec("P")
T = TypeVar("T")

BACKOFF_START = 1.0
BACKOFF_MAX = 30.0


class SessionListener(Protocol):
    def on_refreshing(self) -> None: ...
    def on_tokens(self, tokens: TokenSet, how: str, cause: str | None = None) -> None: ...
    def on_unauthorized(self, path: str, reason: str | None) -> None: ...
    def on_refresh_failed(self, error: Exception) -> None: ...
    def on_session_ended(self, error: SessionEnded) -> None: ...
    def on_unreachable(self, error: ServerUnreachable) -> None: ...
    def on_store_fallback(self, error: TokenStoreError) -> None: ...
    def on_revoke_failed(self, error: ClientError) -> None: ...


class TokenSession:
    """One device's tokens and their refresh."""

    def __init__(
        self,
        oauth: OAuthClient,
        store: TokenStore,
        key: StoreKey,
        clock: Clock,
        listener: SessionListener,
        refresh_margin: float = 5.0,
        fallback_store: TokenStore | None = None,
    ) -> None:
        self.oauth = oauth
        self.store = store
        self.key = key
        self.clock = clock
        self.listener = listener
        self.refresh_margin = refresh_margin
        self.fallback_store = fallback_store
        self.tokens: TokenSet | None = None
        self.refresh_count = 0
        self._lock = asyncio.Lock()
        # Bumped whenever the tokens are dropped (signed out, told the session
        # ended): a refresh that was in flight meanwhile must not bring them back.
        self.generation = 0
        self._backoff = 0.0
        self._not_before = 0.0

    def now(self) -> float:
        return self.clock.now()

    def require_tokens(self) -> TokenSet:
        if self.tokens is None:
            raise NotSignedIn(say.NOT_SIGNED_IN)
        return self.tokens

    def unauthorized(self, path: str, reason: str | None) -> None:
        self.listener.on_unauthorized(path, reason)

    async def adopt(self, tokens: TokenSet, how: str, cause: str | None = None) -> None:
        """Store new tokens, then use them (login; ``cause``: the sign-in flow)."""
        await self._store_save(tokens)
        self.tokens = tokens
        self._backoff = 0.0
        self.listener.on_tokens(tokens, how, cause)

    async def restore(self) -> TokenSet | None:
        """Tokens from the store (a restart), or None; their DPoP key with them."""
        tokens = await self._store_call(self.store.load, self.key)
        self.tokens = tokens
        if tokens is not None and tokens.dpop_key:
            try:
                self.oauth.dpop = DPoPKey.from_json(tokens.dpop_key)
            except (ValueError, KeyError, TypeError) as exc:
                raise TokenStoreCorrupted(
                    say.stored_tokens(self.key.device_id, "unreadable")
                ) from exc
        return tokens

    async def forget(self) -> None:
        """Drop the tokens (and the DPoP key kept with them) from memory, then from
        the store."""
        self.tokens = None
        self.oauth.dpop = None
        self.generation += 1
        await self._store_call(self.store.delete, self.key)

    async def refresh(self, failed: TokenSet, cause: str = "proactive") -> TokenSet:
        """Refresh unless someone already replaced ``failed``; single flight.
        ``cause`` is why: ``proactive`` (before the access token expires) or
        ``401`` (the API refused it)."""
        async with self._lock:
            current = self.require_tokens()
            if current.access_token != failed.access_token:
                return current  # another request refreshed while we waited
            now = self.now()
            if now < self._not_before:
                raise ServerFailure(say.refresh_backed_off(self._not_before - now))
            self.listener.on_refreshing()
            self.refresh_count += 1
            generation = self.generation
            try:
                renewed = await self.oauth.refresh_grant(current, now)
            except SessionEnded as exc:
                await self._end(exc)
                raise
            except ServerUnreachable as exc:
                self.listener.on_unreachable(exc)
                raise
            except ServerFailure as exc:
                self._backoff = min(BACKOFF_MAX, max(BACKOFF_START, self._backoff * 2))
                self._not_before = self.now() + self._backoff
                self.listener.on_refresh_failed(exc)
                raise
            if self.generation != generation:
                raise NotSignedIn(say.NOT_SIGNED_IN)  # signed out while it was asked
            try:
                await self._store_save(renewed)
            except TokenStoreError as exc:
                await self.revoke_unkept(renewed)
                ended = SessionEnded("keyring_error", say.signed_out_because(exc))
                await self._end(ended)
                raise ended from exc
            if self.generation != generation:  # signed out while they were being kept
                with contextlib.suppress(TokenStoreError):
                    await self._store_call(self.store.delete, self.key)
                raise NotSignedIn(say.NOT_SIGNED_IN)
            self.tokens = renewed
            self._backoff = 0.0
            self._not_before = 0.0
            self.listener.on_tokens(renewed, "refresh", cause)
            return renewed

    async def revoke_unkept(self, tokens: TokenSet) -> None:
        """End the server's session of tokens that could not be stored (best effort):
        kept nowhere, they would leave an active session no device can sign out."""
        try:
            await self.oauth.revoke(tokens.refresh_token or tokens.access_token)
        except ClientError as exc:
            self.listener.on_revoke_failed(exc)

    async def _end(self, error: SessionEnded) -> None:
        self.tokens = None
        self.generation += 1
        self.oauth.dpop = None  # the next sign-in makes a new key
        # Signed out at once, before the keyring is asked: a call meanwhile (the
        # notification stream refreshes too) meets a device that says so.
        self.listener.on_session_ended(error)
        # The session is over whatever the store says; a failing keyring must not
        # turn "signed out" into a crash.
        with contextlib.suppress(TokenStoreError):
            await self._store_call(self.store.delete, self.key)

    async def _store_save(self, tokens: TokenSet) -> None:
        try:
            await self._store_call(self.store.save, self.key, tokens)
        except KeyringUnavailable as exc:
            if self.fallback_store is None:
                raise
            # The user chose memory-only tokens over losing the session.
            self.store, self.fallback_store = self.fallback_store, None
            self.listener.on_store_fallback(exc)
            await self._store_call(self.store.save, self.key, tokens)

    async def _store_call(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run a store operation; off the event loop when it may block (D-Bus)."""
        if self.store.blocking:
            return await asyncio.to_thread(fn, *args, **kwargs)
        return fn(*args, **kwargs)
