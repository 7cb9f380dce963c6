"""The server's event stream: everything it does, as it happens.

Every login, refresh, rotation, reuse detection, revocation, refused token and
setting change is published as an ``Event``. The last events are kept for
late subscribers; live subscribers (``GET /admin/events``, server-sent
events) receive each new one. Events never contain tokens — only ``jti``
fingerprints.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from contract import EVENT_KINDS
from mock_server.clock import Clock


@dataclass(frozen=True, slots=True)
class Event:
    id: int
    type: str
    at: float
    data: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "type": self.type, "at": self.at, **self.data}


class SharedEventLog(Protocol):
    """The event history several processes share (``RedisStore``)."""

    async def add_event(self, type_: str, at: float, data: dict[str, Any]) -> int: ...
    async def last_event_id(self) -> int: ...
    async def events_after(self, after: int, limit: int = ...) -> list[Event]: ...
    async def wait_events(self, after: int, block: float) -> list[Event]: ...


class EventBus:
    """Publishes events to a bounded history and to live subscribers."""

    def __init__(self, clock: Clock, history: int = 5000) -> None:
        self._clock = clock
        self._ids = itertools.count(1)
        self._history: deque[Event] = deque(maxlen=history)
        self._subscribers: set[tuple[asyncio.AbstractEventLoop, asyncio.Queue[Event | None]]] = (
            set()
        )
        self._lock = threading.Lock()
        self._closed = False
        # Also handed every event (any thread): over a shared store, the writer
        # of the history all processes share.
        self.sink: Callable[[Event], None] | None = None

    def publish(self, type_: str, **data: Any) -> Event:
        """Record an event; safe to call from any thread. Only the kinds and
        fields of the contract's ``EVENT_KINDS`` may be published."""
        allowed = EVENT_KINDS.get(type_)
        if allowed is None:
            raise ValueError(f"{type_!r} is not a server event kind of the contract")
        extra = set(data) - set(allowed)
        if extra:
            raise ValueError(f"{type_} events carry no {sorted(extra)} (see contract.EVENT_KINDS)")
        with self._lock:
            event = Event(next(self._ids), type_, self._clock.now(), data)
            self._history.append(event)
            subscribers = list(self._subscribers)
        for loop, queue in subscribers:
            try:
                loop.call_soon_threadsafe(queue.put_nowait, event)
            except RuntimeError:  # that subscriber's loop has closed
                self._subscribers.discard((loop, queue))
        if self.sink is not None:
            self.sink(event)
        return event

    def last_id(self) -> int:
        """The id of the newest event (0 before any)."""
        with self._lock:
            return self._history[-1].id if self._history else 0

    def since(self, after: int = 0, types: set[str] | None = None) -> list[Event]:
        """Kept events with an id greater than ``after`` (optionally of some types)."""
        with self._lock:
            events = [e for e in self._history if e.id > after]
        return [e for e in events if types is None or e.type in types]

    async def subscribe(
        self, after: int = 0, heartbeat: float | None = None
    ) -> AsyncIterator[Event | None]:
        """Yield kept events after ``after``, then live ones until the bus closes.

        With ``heartbeat``, yields None whenever that many seconds pass quietly,
        so a stream can send keep-alives.
        """
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[Event | None] = asyncio.Queue()
        entry = (loop, queue)
        with self._lock:
            backlog = [e for e in self._history if e.id > after]
            self._subscribers.add(entry)
            closed = self._closed
        try:
            last = after
            for event in backlog:
                last = event.id
                yield event
            while not closed:
                try:
                    item = await asyncio.wait_for(queue.get(), heartbeat)
                except TimeoutError:
                    yield None
                    continue
                if item is None:
                    return
                if item.id > last:
                    last = item.id
                    yield item
        finally:
            with self._lock:
                self._subscribers.discard(entry)

    def close(self) -> None:
        """End every live subscription (the server is shutting down)."""
        with self._lock:
            self._closed = True
            subscribers = list(self._subscribers)
        for loop, queue in subscribers:
            with contextlib.suppress(RuntimeError):  # that loop has closed already
                loop.call_soon_threadsafe(queue.put_nowait, None)


class SessionWatchers:
    """Who waits to hear that a session ended (``sid`` → their futures).

    A revocation reaches only the listeners of its own session, however many
    devices listen — unlike the ``EventBus``, whose every event goes to every
    subscriber. Safe to notify from any thread.
    """

    def __init__(self) -> None:
        self._waiting: dict[str, set[tuple[asyncio.AbstractEventLoop, asyncio.Future[Any]]]] = {}
        self._lock = threading.Lock()
        self._closed = False

    def __len__(self) -> int:
        with self._lock:
            return sum(len(waiters) for waiters in self._waiting.values())

    def count(self, sid: str) -> int:
        """How many listen for the end of ``sid``."""
        with self._lock:
            return len(self._waiting.get(sid, ()))

    async def watch(
        self,
        sid: str,
        ended: Callable[[], Awaitable[dict[str, Any] | None]],
        heartbeat: float | None = None,
    ) -> AsyncIterator[dict[str, Any] | None]:
        """Yield the notice once ``sid`` ends (``ended()`` says whether it has, and
        is asked again whenever ``revoked(sid)`` says it may have), then stop; with
        ``heartbeat``, None whenever that long passes quietly."""
        loop = asyncio.get_running_loop()
        entry = (loop, loop.create_future())
        with self._lock:
            if self._closed:
                return
            self._waiting.setdefault(sid, set()).add(entry)
        try:
            # Asked after registering, so a revocation in between is not missed.
            notice = await ended()
            while notice is None:
                try:
                    woke = await asyncio.wait_for(asyncio.shield(entry[1]), heartbeat)
                except TimeoutError:
                    yield None
                    continue
                if woke is None:  # the server is shutting down
                    return
                with self._lock:  # a fresh future for the next wake, before asking
                    self._waiting.get(sid, set()).discard(entry)
                    entry = (loop, loop.create_future())
                    self._waiting.setdefault(sid, set()).add(entry)
                notice = await ended()
            yield notice
        finally:
            with self._lock:
                waiters = self._waiting.get(sid)
                if waiters is not None:
                    waiters.discard(entry)
                    if not waiters:
                        del self._waiting[sid]
            entry[1].cancel()

    def revoked(self, sid: str) -> None:
        """``sid`` may have ended: its listeners look (from any thread)."""
        with self._lock:
            entries = list(self._waiting.get(sid, ()))
        for loop, future in entries:
            with contextlib.suppress(RuntimeError):  # that listener's loop has closed
                loop.call_soon_threadsafe(_settle, future, True)

    def close(self) -> None:
        """End every watch without a notice (the server is shutting down): the
        devices will listen again when it is back."""
        with self._lock:
            self._closed = True
            entries = [entry for waiters in self._waiting.values() for entry in waiters]
        for loop, future in entries:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(_settle, future, None)


def _settle(future: asyncio.Future[Any], woke: bool | None) -> None:
    if not future.done():
        future.set_result(woke)


async def end_task(task: asyncio.Future[Any], patience: float = 2.0) -> None:
    """Cancel a background task and wait until it has ended. Asked again while
    it runs on: a library may swallow one cancellation (redis-py can, when a
    command is cancelled half-way), and a shutdown must not hang on it."""
    deadline = time.monotonic() + patience
    while not task.done() and time.monotonic() < deadline:
        task.cancel()
        await asyncio.wait({task}, timeout=0.1)
    if task.done() and not task.cancelled():
        task.exception()  # retrieved: an error at shutdown is not worth a warning
