"""The window sees the engine only through values: device snapshots made on
the engine thread, times on one stated clock, and the server's event stream."""

from __future__ import annotations

import threading

from pytestqt.qtbot import QtBot

from client.device import Device
from client.gui.app import LabApp
from client.gui.device_card import DeviceCard
from client.state import DeviceState
from client.values import CallResult, DeviceConfig, DeviceSnapshot
from tests.gui.conftest import sign_in


def _snapshot(**changes: object) -> DeviceSnapshot:
    values: dict[str, object] = {
        "config": DeviceConfig("pc", "pc", "Office PC", "alice", "http://127.0.0.1:1"),
        "state": DeviceState.ACTIVE,
        "reason": None,
        "message": None,
        "at": 1_000.0,
        "clock_offset": 0.0,
        "access_exp": 1_030.0,
        "refresh_exp": 1_180.0,
        "obtained_at": 1_000.0,
        "session_start": 1_000.0,
        "access_fp": "a",
        "refresh_fp": "r",
        "sid": "s",
        "refresh_count": 0,
        "last_call": None,
    }
    values.update(changes)
    return DeviceSnapshot(**values)  # type: ignore[arg-type]


def test_a_skewed_device_just_called_says_now_and_counts_down_on_its_own_clock(
    qtbot: QtBot,
) -> None:
    # A device 90 s fast: its call happened just now on the lab clock. The card
    # used to subtract the device's clock from the lab's: "90 s ago".
    call = CallResult("GET", "/api/me", 200, True, at=1_000.0)
    card = DeviceCard(_snapshot(clock_offset=90.0, access_exp=1_100.0, last_call=call))
    qtbot.addWidget(card)
    assert card.last_call.text() == "Last: GET /api/me → 200 · now"
    assert card.access_left.text() == "10 s"  # exp 1100 − the device's 1090
    assert "clock +90 s" in card.subtitle.text()
    later = _snapshot(at=1_030.0, clock_offset=90.0, access_exp=1_100.0, last_call=call)
    card.update_snapshot(later, 0.0)
    assert card.last_call.text() == "Last: GET /api/me → 200 · 30 s ago"


def test_the_card_names_the_method_of_the_last_call(qtbot: QtBot) -> None:
    call = CallResult("POST", "/api/sessions/logout-others", 200, True, at=1_000.0)
    card = DeviceCard(_snapshot(last_call=call))
    qtbot.addWidget(card)
    assert card.last_call.text().startswith("Last: POST /api/sessions/logout-others → 200")


def test_snapshots_are_taken_on_the_engine_thread_only(
    qtbot: QtBot, lab_app: LabApp, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    # The window used to call Lab.snapshots() on the GUI thread while the engine
    # added and restarted devices: "dictionary changed size during iteration".
    threads: set[str] = set()
    original = Device.snapshot

    def spy(device: Device) -> DeviceSnapshot:
        threads.add(threading.current_thread().name)
        return original(device)

    monkeypatch.setattr(Device, "snapshot", spy)
    devices = lab_app.bridge.devices
    for i in range(4):
        devices.add_device(f"tab{i}", "tablet", user="alice", name=f"Tablet {i}")
    window = lab_app.window
    qtbot.waitUntil(lambda: all(f"tab{i}" in window.cards for i in range(4)), timeout=10_000)
    for _ in range(3):
        window.tick()
    qtbot.waitUntil(lambda: len(window.view.devices) == 6 if window.view else False)
    assert threads, "no snapshot was taken"
    assert threading.main_thread().name not in threads
    assert len(threads) == 1  # the engine's


def test_the_window_follows_the_event_stream_not_the_history(
    qtbot: QtBot, lab_app: LabApp, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    window = lab_app.window
    sign_in(qtbot, lab_app, "phone")
    # The login reached the event log through the stream, as it happened.
    qtbot.waitUntil(
        lambda: any(
            r.source == "server" and r.kind == "login" for r in window.event_log.model.rows
        ),
        timeout=10_000,
    )
    qtbot.waitUntil(
        lambda: any(r["device"] == "Alice's phone" for r in window.console.sessions_rows()),
        timeout=10_000,
    )
    qtbot.wait(600)  # the last event's state read (throttled) is done
    # Idle, the window neither re-reads the history nor polls the state.
    reads: list[str] = []
    admin = lab_app.bridge.admin
    original_call = admin.call

    async def counting_call(method: str, path: str, json: object = None) -> object:
        reads.append(path)
        return await original_call(method, path, json)

    monkeypatch.setattr(admin, "call", counting_call)
    for _ in range(10):
        window.tick()
    qtbot.wait(1200)
    assert reads == []
    # A server event (a key rotation through the API) brings the state along.
    lab_app.engine.run(admin.rotate_key())
    qtbot.waitUntil(lambda: "/admin/state" in reads, timeout=10_000)


def test_the_buttons_stay_put_when_a_reason_appears(qtbot: QtBot) -> None:
    card = DeviceCard(_snapshot())
    qtbot.addWidget(card)
    card.resize(420, card.sizeHint().height())
    card.show()
    qtbot.waitExposed(card)
    before = card.call.mapTo(card, card.call.rect().topLeft()).y(), card.sizeHint().height()
    card.update_snapshot(
        _snapshot(
            state=DeviceState.SIGNED_OUT,
            reason="forced",
            message="Signed out: an administrator ended this session",
            access_exp=None,
            refresh_exp=None,
        ),
        0.0,
    )
    qtbot.waitUntil(card.reason_box.isVisible)
    card.layout().activate()
    after = card.sign_in.mapTo(card, card.sign_in.rect().topLeft()).y(), card.sizeHint().height()
    assert after == before
