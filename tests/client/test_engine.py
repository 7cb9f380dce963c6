"""The engine: devices on a background loop, commands from another thread, events back."""

from __future__ import annotations

import queue
import threading
from pathlib import Path

import pytest

from client import DeviceRegistry, DeviceState, Engine, Lab, MemoryTokenStore
from client.events import DeviceEvent
from mock_server import ServerThread, VirtualClock


@pytest.mark.live
def test_commands_run_on_the_engine_thread_and_events_come_back(
    live_server: ServerThread, clock: VirtualClock, tmp_path: Path
) -> None:
    received: queue.Queue[tuple[DeviceEvent, str]] = queue.Queue()
    with Engine() as engine:
        lab = Lab(
            live_server.url,
            store=MemoryTokenStore(),
            clock=clock,
            registry=DeviceRegistry(tmp_path / "d.json"),
        )
        lab.subscribe(lambda e: received.put((e, threading.current_thread().name)))
        phone = engine.run(lab.add_device("phone", "mobile", user="alice"))
        engine.run(phone.login("alice-pass"))
        result = engine.run(phone.call())
        assert result.ok
        assert phone.state == DeviceState.ACTIVE
        engine.run(lab.close())
    events = [received.get_nowait() for _ in range(received.qsize())]
    assert {thread for _, thread in events} == {"jwt-lab-engine"}
    assert [e.kind for e, _ in events][:3] == ["state", "state", "tokens"]


def test_run_refuses_to_deadlock_on_the_engine_thread() -> None:
    with Engine() as engine:

        async def nested() -> None:
            async def noop() -> None:
                return None

            engine.run(noop())

        with pytest.raises(RuntimeError, match="deadlock"):
            engine.run(nested())


def test_stop_cancels_pending_work() -> None:
    engine = Engine().start()

    async def forever() -> None:
        import asyncio

        await asyncio.Event().wait()

    future = engine.submit(forever())
    engine.stop()
    assert future.cancelled() or future.done()
    assert not engine.running
