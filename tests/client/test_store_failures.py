"""A device whose keyring is missing, locked, failing or holding garbage."""

from __future__ import annotations

from pathlib import Path

import httpx
import keyring.errors
import pytest
from fastapi import FastAPI

from client import (
    DeviceRegistry,
    DeviceState,
    KeyringTokenStore,
    KeyringUnavailable,
    Lab,
    MemoryTokenStore,
)
from client.events import DeviceEvent
from client.store import SERVICE
from mock_server import VirtualClock
from tests.client.test_store import BrokenKeyring, DictKeyring


async def active_sessions(app: FastAPI) -> list[str]:
    return [s["sid"] for s in await app.state.service.sessions("alice") if s["state"] == "active"]


def make_lab(app: FastAPI, clock: VirtualClock, tmp_path: Path, store, **kwargs) -> Lab:  # type: ignore[no-untyped-def]
    return Lab(
        "http://testserver",
        store=store,
        clock=clock,
        registry=DeviceRegistry(tmp_path / "devices.json"),
        transport=httpx.ASGITransport(app=app),
        auto_reconnect=False,
        **kwargs,
    )


async def test_login_with_a_locked_keyring_signs_out_with_a_message(
    app: FastAPI, clock: VirtualClock, tmp_path: Path
) -> None:
    lab = make_lab(
        app, clock, tmp_path, KeyringTokenStore(BrokenKeyring(keyring.errors.KeyringLocked()))
    )
    events: list[DeviceEvent] = []
    lab.subscribe(events.append)
    phone = await lab.add_device("phone", "mobile", user="alice")
    with pytest.raises(KeyringUnavailable, match="locked"):
        await phone.login("alice-pass")
    assert (phone.state, phone.reason) == (DeviceState.SIGNED_OUT, "keyring_error")
    assert phone.message is not None and "locked" in phone.message
    assert any(e.kind == "notice" for e in events)
    # Tokens kept nowhere must not leave an orphan session on the server.
    assert await active_sessions(app) == []
    await lab.close()


async def test_memory_fallback_keeps_the_session_when_the_user_chose_it(
    app: FastAPI, clock: VirtualClock, tmp_path: Path
) -> None:
    broken = KeyringTokenStore(BrokenKeyring(RuntimeError("D-Bus went away")))
    lab = make_lab(app, clock, tmp_path, broken, fallback_store=MemoryTokenStore())
    events: list[DeviceEvent] = []
    lab.subscribe(events.append)
    phone = await lab.add_device("phone", "mobile", user="alice")
    await phone.login("alice-pass")
    assert phone.state == DeviceState.ACTIVE
    assert isinstance(phone.store, MemoryTokenStore)
    notices = [e for e in events if e.kind == "notice"]
    assert notices and "memory only" in notices[0].message  # type: ignore[attr-defined]
    assert (await phone.call()).ok
    await lab.close()


async def test_keyring_failing_mid_session_signs_out_cleanly(
    app: FastAPI, clock: VirtualClock, tmp_path: Path
) -> None:
    backend = DictKeyring()
    lab = make_lab(app, clock, tmp_path, KeyringTokenStore(backend))
    phone = await lab.add_device("phone", "mobile", user="alice", refresh_margin=0)
    await phone.login("alice-pass")

    def fail(*args: object) -> None:
        raise keyring.errors.PasswordSetError("the keyring daemon crashed")

    backend.set_password = fail  # type: ignore[method-assign]
    clock.advance(40)
    assert len(await active_sessions(app)) == 1
    result = await phone.call()
    assert result.status == 401
    assert (phone.state, phone.reason) == (DeviceState.SIGNED_OUT, "keyring_error")
    assert phone.message is not None and "crashed" in phone.message
    assert await active_sessions(app) == []  # the renewed tokens were lost: their session ended
    await lab.close()


async def test_garbage_in_the_keyring_on_restart_signs_out_with_a_message(
    app: FastAPI, clock: VirtualClock, tmp_path: Path
) -> None:
    backend = DictKeyring()
    first = make_lab(app, clock, tmp_path, KeyringTokenStore(backend))
    phone = await first.add_device("phone", "mobile", user="alice")
    await phone.login("alice-pass")
    await first.close()
    backend.entries[(SERVICE, "http://testserver phone meta")] = "{not json"

    second = make_lab(app, clock, tmp_path, KeyringTokenStore(backend))
    await second.restore()
    restored = second.get("phone")
    assert (restored.state, restored.reason) == (DeviceState.SIGNED_OUT, "keyring_error")
    assert restored.message is not None and "unreadable" in restored.message
    await restored.login("alice-pass")  # a new login overwrites the garbage
    assert restored.state == DeviceState.ACTIVE
    await second.close()


async def test_a_damaged_devices_file_is_set_aside(
    app: FastAPI, clock: VirtualClock, tmp_path: Path
) -> None:
    (tmp_path / "devices.json").write_text("{oops")
    lab = make_lab(app, clock, tmp_path, MemoryTokenStore())
    events: list[DeviceEvent] = []
    lab.subscribe(events.append)
    assert await lab.restore() == []
    assert (tmp_path / "devices.json.broken").read_text() == "{oops"
    assert any("damaged" in getattr(e, "message", "") for e in events)
    await lab.add_device("phone", "mobile", user="alice")
    assert "phone" in (tmp_path / "devices.json").read_text()
    await lab.close()
