"""Device clocks.

A device reads the time from a base clock — the wall clock, or the virtual
clock a scenario shares with the server — plus its own offset, so a phone
whose clock runs 90 s fast can be simulated. Anything with ``now()`` in epoch
seconds is a clock.
"""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    """Anything with ``now()`` in seconds since the epoch."""

    def now(self) -> float: ...


class WallClock:
    """The real time."""

    def now(self) -> float:
        return time.time()


class SkewedClock:
    """A base clock seen from a device whose clock is ``offset`` seconds off."""

    def __init__(self, base: Clock, offset: float = 0.0) -> None:
        self.base = base
        self.offset = offset

    def now(self) -> float:
        return self.base.now() + self.offset


class ManualClock:
    """A clock that moves only when advanced: the devices' side of a virtual
    clock whose server half is advanced through the admin API."""

    def __init__(self, start: float) -> None:
        self._now = float(start)

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a clock only advances forwards")
        self._now += seconds


class ServerClock:
    """The server's clock as seen from here: synced from ``GET /admin/clock``
    (its time and rate) and extrapolated locally between syncs, so a GUI can
    count down smoothly against a virtual clock running at 1×, 5× or 10×."""

    def __init__(self, now: float | None = None, rate: float = 1.0) -> None:
        self.sync(time.time() if now is None else now, rate)

    def sync(self, now: float, rate: float) -> None:
        self._base = float(now)
        self._rate = float(rate)
        self._anchor = time.monotonic()

    @property
    def rate(self) -> float:
        return self._rate

    def now(self) -> float:
        return self._base + (time.monotonic() - self._anchor) * self._rate
