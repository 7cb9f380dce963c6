"""Failed-login throttling, per username and per client address.

A sliding window: after ``max_failures`` failures within ``window`` seconds the
key is locked until the oldest of them leaves the window. A locked key is
refused even with the right password, and the answer carries ``Retry-After``.
Unknown and known usernames are counted alike, so the limiter reveals nothing.

The counts live in the store: over a shared Redis every server process counts
the same failures, so spreading guesses over processes gains nothing.
"""

from __future__ import annotations

from mock_server.clock import Clock
from mock_server.store import Store


class LoginRateLimiter:
    """Counts failures per user and per address on the server's clock."""

    def __init__(
        self,
        clock: Clock,
        store: Store,
        *,
        name: str,
        max_failures: int,
        max_per_address: int,
        window: float,
    ) -> None:
        self._clock = clock
        self._store = store
        self._name = name  # several limiters share one store
        self._limits = {"user": max_failures, "addr": max_per_address}
        self._window = window

    async def retry_after(self, username: str, address: str) -> float | None:
        """Seconds until a login for this user from this address is allowed, or None."""
        now = self._clock.now()
        waits = [
            await self._wait("user", username.lower(), now),
            await self._wait("addr", address, now),
        ]
        return max((w for w in waits if w is not None), default=None)

    async def failed(self, username: str, address: str) -> None:
        now = self._clock.now()
        for kind, key in (("user", username.lower()), ("addr", address)):
            await self._store.add_failure(self._key(kind, key), now, self._window)

    async def succeeded(self, username: str) -> None:
        await self._store.clear_failures(self._key("user", username.lower()))

    def _key(self, kind: str, key: str) -> str:
        return f"{self._name}:{kind}:{key}"

    async def _wait(self, kind: str, key: str, now: float) -> float | None:
        times = await self._store.failures_since(self._key(kind, key), now - self._window)
        limit = self._limits[kind]
        if len(times) < limit:
            return None
        return sorted(times)[-limit] + self._window - now
