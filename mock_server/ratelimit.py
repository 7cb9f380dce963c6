"""Failed-login throttling, per username and per client address.

A sliding window: after ``max_failures`` failures within ``window`` seconds the
key is locked until the oldest of them leaves the window. A locked key is
refused even with the right password, and the answer carries ``Retry-After``.
Unknown and known usernames are counted alike, so the limiter reveals nothing.
"""

from __future__ import annotations

import threading
from collections import deque

from mock_server.clock import Clock


class LoginRateLimiter:
    """Counts failures per user and per address on the server's clock."""

    def __init__(self, clock: Clock, *, max_failures: int, max_per_address: int, window: float):
        self._clock = clock
        self._limits = {"user": max_failures, "addr": max_per_address}
        self._window = window
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, username: str, address: str) -> float | None:
        """Seconds until a login for this user from this address is allowed, or None."""
        now = self._clock.now()
        waits = [
            self._wait(("user", username.lower()), now),
            self._wait(("addr", address), now),
        ]
        longest = max((w for w in waits if w is not None), default=None)
        return longest

    def failed(self, username: str, address: str) -> None:
        now = self._clock.now()
        with self._lock:
            for key in (("user", username.lower()), ("addr", address)):
                self._failures.setdefault(key, deque()).append(now)

    def succeeded(self, username: str) -> None:
        with self._lock:
            self._failures.pop(("user", username.lower()), None)

    def _wait(self, key: tuple[str, str], now: float) -> float | None:
        with self._lock:
            times = self._failures.get(key)
            if not times:
                return None
            while times and times[0] <= now - self._window:
                times.popleft()
            if not times:
                del self._failures[key]
                return None
            if len(times) < self._limits[key[0]]:
                return None
            return times[-self._limits[key[0]]] + self._window - now
