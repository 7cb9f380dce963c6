"""The device list: one file for every server a user opens a lab against, and
a second lab on the same database refused with a message."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from client import DeviceConfig, DeviceRegistry, Lab, MemoryTokenStore
from client.embedded import EmbeddedServer, LabBusy, hold_database
from mock_server import VirtualClock

HOME = "http://127.0.0.1:8765"
OTHER = "http://127.0.0.1:9999"


def lab(server: str, registry: DeviceRegistry) -> Lab:
    return Lab(server, store=MemoryTokenStore(), clock=VirtualClock(), registry=registry)


def ids(registry: DeviceRegistry, server: str) -> list[str]:
    return [d.id for d in registry.load() if d.server == server]


async def test_a_lab_on_another_server_leaves_this_ones_devices_alone(tmp_path: Path) -> None:
    path = tmp_path / "devices.json"
    home = lab(HOME, DeviceRegistry(path))
    for device_id in ("phone", "laptop", "tablet"):
        await home.add_device(device_id, "mobile", user="alice")
    await home.close()
    # `jwt-lab gui --server OTHER` with the same user data: it keeps its own list.
    other = lab(OTHER, DeviceRegistry(path))
    await other.add_device("kiosk", "web", user="bob")
    await other.remove_device("kiosk")
    await other.add_device("tv", "web", user="bob")
    await other.close()
    again = lab(HOME, DeviceRegistry(path))
    restored = await again.restore()
    await again.close()
    assert [d.id for d in restored] == ["phone", "laptop", "tablet"]
    assert ids(DeviceRegistry(path), OTHER) == ["tv"]


async def test_a_memory_tokens_lab_on_the_same_server_keeps_the_list(tmp_path: Path) -> None:
    path = tmp_path / "devices.json"
    first = lab(HOME, DeviceRegistry(path))
    await first.add_device("phone", "mobile", user="alice")
    await first.add_device("pc", "pc", user="alice")
    await first.close()
    memory_only = lab(HOME, DeviceRegistry(path))  # `--memory-tokens`: a new token store
    assert [d.id for d in await memory_only.restore()] == ["phone", "pc"]
    await memory_only.add_device("tablet", "tablet", user="alice")
    await memory_only.close()
    assert ids(DeviceRegistry(path), HOME) == ["phone", "pc", "tablet"]


def test_saving_replaces_only_that_servers_devices(tmp_path: Path) -> None:
    registry = DeviceRegistry(tmp_path / "devices.json")
    home = [DeviceConfig(f"h{i}", "pc", f"H{i}", "alice", HOME) for i in range(3)]
    registry.save(HOME, home)
    registry.save(OTHER + "/", [DeviceConfig("o", "web", "O", "bob", OTHER)])
    registry.save(HOME, home[:1])
    assert [(d.server, d.id) for d in registry.load()] == [(OTHER, "o"), (HOME, "h0")]
    saved = json.loads((tmp_path / "devices.json").read_text(encoding="utf-8"))
    assert saved["version"] == DeviceRegistry.VERSION


WRITER = """
import sys
import threading
from pathlib import Path
from client import DeviceConfig, DeviceRegistry
path, server, rounds = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
registry = DeviceRegistry(path)
for i in range(rounds):
    devices = [DeviceConfig(f"d{j}", "pc", f"D{j}", "alice", server) for j in range(i % 3 + 1)]
    registry.save(server, devices)
registry.save(server, [DeviceConfig("last", "pc", "Last", "alice", server)])
"""


def test_two_processes_saving_at_once_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "devices.json"
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(path), server, "100"])
        for server in (HOME, OTHER)
    ]
    assert [w.wait(60) for w in writers] == [0, 0]
    registry = DeviceRegistry(path)
    assert (ids(registry, HOME), ids(registry, OTHER)) == (["last"], ["last"])


HOLDER = """
import sys
import threading
from client.embedded import hold_database
lock = hold_database(sys.argv[1])
print("held", flush=True)
sys.stdin.readline()
"""


@pytest.fixture
def held(tmp_path: Path) -> Iterator[Path]:
    """The database of a lab running in another process."""
    db = tmp_path / "lab.sqlite"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    yield db
    assert holder.stdin is not None
    holder.stdin.close()
    holder.wait(30)
    holder.stdout.close()


def test_a_second_lab_on_the_same_database_is_refused_with_what_to_do(held: Path) -> None:
    with pytest.raises(LabBusy, match="already runs its bundled server") as busy:
        EmbeddedServer(port=0, db=str(held))
    assert str(held) in str(busy.value) and "--db FILE" in str(busy.value)


def test_the_database_is_free_again_once_the_other_lab_has_gone(tmp_path: Path) -> None:
    db = str(tmp_path / "lab.sqlite")
    first = EmbeddedServer(port=0, db=db)
    with pytest.raises(LabBusy):
        hold_database(db)  # the same process, a second lab: refused as well
    first.stop()
    second = EmbeddedServer(port=0, db=db)
    second.stop()
    assert hold_database(":memory:") is None  # a throwaway database needs no lock


LOCK_HOLDER = """
import sys
import threading
import filelock
lock = filelock.FileLock(sys.argv[1])
lock.acquire()
print("held", flush=True)
sys.stdin.readline()
lock.release()
"""


def test_a_save_waits_for_the_other_process_to_finish_its_own(tmp_path: Path) -> None:
    path = tmp_path / "devices.json"
    registry = DeviceRegistry(path)
    registry.save(OTHER, [DeviceConfig("o", "web", "O", "bob", OTHER)])
    holder = subprocess.Popen(
        [sys.executable, "-c", LOCK_HOLDER, f"{path}.lock"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdin is not None and holder.stdout is not None
    try:
        assert holder.stdout.readline().strip() == "held"
        saver = threading.Thread(
            target=registry.save, args=(HOME, [DeviceConfig("h", "pc", "H", "alice", HOME)])
        )
        saver.start()
        saver.join(0.5)
        assert saver.is_alive(), "the save did not wait for the other process's lock"
        assert ids(registry, HOME) == []
    finally:
        holder.stdin.close()
        holder.wait(30)
        holder.stdout.close()
    saver.join(30)
    assert (ids(registry, HOME), ids(registry, OTHER)) == (["h"], ["o"])
