"""Clocks: every place the server (and later the devices) reads the time asks one.

``SystemClock`` is wall time. ``VirtualClock`` starts at the wall time of its
creation and then moves only when told to — ``advance(seconds)`` — or, if given
a ``rate``, flows at that multiple of real time (the lab's 1×, 5×, 10× speeds).
Sharing one virtual clock between the server and the devices makes a scenario
that spans minutes of token time run in milliseconds.

    >>> clock = VirtualClock(start=1_000.0)
    >>> clock.advance(30)
    >>> clock.now()
    1030.0
"""

from __future__ import annotations

import threading
import time
from typing import Protocol, runtime_checkable


@runtime_checkable
class Clock(Protocol):
    """Anything with ``now()`` in seconds since the epoch."""

    def now(self) -> float: ...


class SystemClock:
    """The real wall clock."""

    virtual = False

    def now(self) -> float:
        return time.time()


class VirtualClock:
    """A clock that moves when advanced, or flows at ``rate`` × real time.

    Thread-safe: the server's event loop, the device engine and tests may read
    and advance it from different threads.
    """

    virtual = True

    def __init__(self, start: float | None = None, rate: float = 0.0) -> None:
        self._lock = threading.Lock()
        # Whole seconds make a virtual timeline easier to read.
        self._base = float(int(time.time())) if start is None else float(start)
        self._anchor = time.monotonic()
        self._rate = float(rate)

    def now(self) -> float:
        with self._lock:
            return self._base + (time.monotonic() - self._anchor) * self._rate

    @property
    def rate(self) -> float:
        """How fast the clock flows by itself: 0 is frozen, 1 is real time."""
        return self._rate

    def set_rate(self, rate: float) -> None:
        if rate < 0:
            raise ValueError("a clock's rate cannot be negative")
        with self._lock:
            self._rebase()
            self._rate = float(rate)

    def advance(self, seconds: float) -> None:
        """Move the clock forward; time never runs backwards."""
        if seconds < 0:
            raise ValueError("a clock only advances forwards")
        with self._lock:
            self._rebase()
            self._base += seconds

    def state(self) -> dict[str, float]:
        """Where the clock stands, as a value another process can follow: the
        virtual time at a wall-clock moment, and the rate."""
        with self._lock:
            self._rebase()
            return {"virtual": self._base, "wall": time.time(), "rate": self._rate}

    def follow(self, state: dict[str, float]) -> None:
        """Stand where ``state`` says (another process's clock, over a shared
        store): processes on one machine share the wall clock, so they agree."""
        rate = float(state["rate"])
        with self._lock:
            self._base = float(state["virtual"]) + (time.time() - float(state["wall"])) * rate
            self._anchor = time.monotonic()
            self._rate = rate

    def _rebase(self) -> None:
        now_mono = time.monotonic()
        self._base += (now_mono - self._anchor) * self._rate
        self._anchor = now_mono
