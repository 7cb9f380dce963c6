"""Devices against the real mock server: in-process ASGI, and a loopback uvicorn."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from client import DeviceRegistry, DeviceState, Lab, LoginRefused, MemoryTokenStore
from client.events import DeviceEvent
from mock_server import ServerThread, VirtualClock
from tests.client.conftest import asgi_lab
from tests.conftest import ADMIN_KEY

ADMIN = {"X-Admin-Key": ADMIN_KEY}


async def admin(lab: Lab, method: str, path: str, **kwargs: object) -> httpx.Response:
    device = next(iter(lab.devices.values()))
    return await device.http.request(method, path, headers=ADMIN, **kwargs)  # type: ignore[arg-type]


async def test_login_call_and_refresh_on_401(lab: Lab, clock: VirtualClock) -> None:
    phone = await lab.add_device("phone", "mobile", user="alice", refresh_margin=0)
    events: list[DeviceEvent] = []
    lab.subscribe(events.append)
    await phone.login("alice-pass")
    assert phone.state == DeviceState.ACTIVE
    assert (await phone.call()).body["device_id"] == "phone"
    clock.advance(36)
    result = await phone.call()
    assert (result.status, result.retried) == (200, True)
    kinds = [e.kind for e in events]
    assert "401" in kinds
    assert kinds.count("tokens") == 2


async def test_proactive_refresh_never_meets_a_401(lab: Lab, clock: VirtualClock) -> None:
    pc = await lab.add_device("pc", "pc", user="alice", refresh_margin=5)
    events: list[DeviceEvent] = []
    lab.subscribe(events.append)
    await pc.login("alice-pass")
    for _ in range(10):
        clock.advance(10)
        assert (await pc.call()).ok
    assert "401" not in [e.kind for e in events]
    assert pc.refresh_count >= 3


async def test_wrong_password_is_refused_with_a_clear_message(lab: Lab) -> None:
    phone = await lab.add_device("phone", "mobile", user="alice")
    with pytest.raises(LoginRefused, match="wrong username or password"):
        await phone.login("nope")
    assert phone.state == DeviceState.SIGNED_OUT


@pytest.mark.parametrize("mode", ["stateless", "stateful"])
async def test_dual_login_under_single_kicks_the_phone(
    lab: Lab, clock: VirtualClock, mode: str
) -> None:
    phone = await lab.add_device("phone", "mobile", user="alice", name="Alice's phone")
    pc = await lab.add_device("pc", "pc", user="alice", name="Office PC")
    await admin(
        lab, "PATCH", "/admin/settings", json={"login_policy": "single", "verify_mode": mode}
    )
    await phone.login("alice-pass")
    await pc.login("alice-pass")
    result = await phone.call()
    if mode == "stateless":
        assert result.ok  # the window: the phone's access token still works
        assert phone.state == DeviceState.ACTIVE
        clock.advance(26)  # inside the refresh margin: the proactive refresh is refused
        result = await phone.call()
        assert (result.status, result.error) == (None, "superseded")
    else:
        assert result.status == 401
    assert phone.state == DeviceState.SIGNED_OUT
    assert phone.reason == "superseded"
    assert phone.message is not None and "Office PC" in phone.message
    assert (await pc.call()).ok


@pytest.mark.parametrize("mode", ["stateless", "stateful"])
async def test_forced_expiry_signs_the_device_out(lab: Lab, clock: VirtualClock, mode: str) -> None:
    phone = await lab.add_device("phone", "mobile", user="alice", refresh_margin=0)
    await admin(lab, "PATCH", "/admin/settings", json={"verify_mode": mode})
    await phone.login("alice-pass")
    await admin(lab, "POST", "/admin/force-expire", json={"user": "alice"})
    if mode == "stateless":
        assert (await phone.call()).ok
        clock.advance(36)
    result = await phone.call()
    assert result.status == 401
    assert (phone.state, phone.reason) == (DeviceState.SIGNED_OUT, "forced")


async def test_reuse_detection_signs_out_the_owner(lab: Lab, clock: VirtualClock) -> None:
    phone = await lab.add_device("phone", "mobile", user="alice", refresh_margin=0)
    await phone.login("alice-pass")
    stolen = phone.tokens.refresh_token if phone.tokens else None
    attacker = phone.http  # same server, used without the device's auth
    replay = await attacker.post(
        "/oauth/token", data={"grant_type": "refresh_token", "refresh_token": stolen}
    )
    assert replay.status_code == 200  # the thief got in first
    clock.advance(36)
    result = await phone.call()
    assert result.status == 401
    assert (phone.state, phone.reason) == (DeviceState.SIGNED_OUT, "reuse_detected")


async def test_logout_revokes_at_the_server(lab: Lab) -> None:
    phone = await lab.add_device("phone", "mobile", user="alice")
    await phone.login("alice-pass")
    refresh_token = phone.tokens.refresh_token if phone.tokens else None
    await phone.logout()
    assert (phone.state, phone.reason) == (DeviceState.SIGNED_OUT, "logout")
    assert lab.store.load(phone.store_key) is None
    replay = await phone.http.post(
        "/oauth/token", data={"grant_type": "refresh_token", "refresh_token": refresh_token}
    )
    assert replay.json()["reason"] == "logout"


async def test_logout_others_keeps_this_device(lab: Lab, clock: VirtualClock) -> None:
    phone = await lab.add_device("phone", "mobile", user="alice", refresh_margin=0)
    pc = await lab.add_device("pc", "pc", user="alice", refresh_margin=0)
    await phone.login("alice-pass")
    await pc.login("alice-pass")
    assert (await pc.logout_others()).ok
    clock.advance(36)
    await phone.call()
    assert (phone.state, phone.reason) == (DeviceState.SIGNED_OUT, "logout")
    assert (await pc.call()).ok


async def test_restart_restores_devices_from_the_store(
    app,
    clock: VirtualClock,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    store = MemoryTokenStore()  # stands in for the keyring; see test_keyring.py for the real one
    registry = DeviceRegistry(tmp_path / "devices.json")

    def new_lab() -> Lab:
        return asgi_lab(app, clock, store, registry)

    first = new_lab()
    phone = await first.add_device("phone", "mobile", user="alice", refresh_margin=0)
    await first.add_device("pc", "pc", user="bob")
    await phone.login("alice-pass")
    await first.close()

    second = new_lab()
    restored = await second.restore()
    assert [d.id for d in restored] == ["phone", "pc"]
    assert second.devices["phone"].state == DeviceState.ACTIVE
    assert second.devices["pc"].state == DeviceState.SIGNED_OUT
    clock.advance(40)
    assert (await second.devices["phone"].call()).ok  # refreshed with the restored token
    await second.close()


async def test_a_restart_after_a_refresh_resumes_with_the_rotated_pair(
    app,
    clock: VirtualClock,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    """A restarted device must hold the successor pair, never the retired one:
    presented past the grace, a retired refresh token is reuse and would revoke
    the whole session."""
    store = MemoryTokenStore()
    registry = DeviceRegistry(tmp_path / "devices.json")

    def new_lab() -> Lab:
        return asgi_lab(app, clock, store, registry)

    first = new_lab()
    phone = await first.add_device("phone", "mobile", user="alice", refresh_margin=0)
    await phone.login("alice-pass")
    clock.advance(40)
    assert (await phone.call()).retried  # one rotation
    rotated = phone.tokens
    await first.close()

    second = new_lab()
    await second.restore()
    restored = second.devices["phone"]
    assert restored.tokens == rotated
    clock.advance(40)  # past the access token and far past the 2 s reuse grace
    result = await restored.call()
    assert (result.status, result.retried) == (200, True)
    assert restored.state == DeviceState.ACTIVE
    (session,) = await app.state.service.sessions("alice")
    assert (session["state"], session["refresh_count"]) == ("active", 2)
    await second.close()


async def test_restore_after_the_session_expired_signs_out(
    app,
    clock: VirtualClock,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    store = MemoryTokenStore()
    registry = DeviceRegistry(tmp_path / "devices.json")
    lab = Lab(
        "http://testserver",
        store=store,
        clock=clock,
        registry=registry,
        transport=httpx.ASGITransport(app=app),
    )
    phone = await lab.add_device("phone", "mobile", user="alice")
    await phone.login("alice-pass")
    await lab.close()
    clock.advance(200)
    again = Lab("http://testserver", store=store, clock=clock, registry=registry)
    await again.restore()
    assert (again.devices["phone"].state, again.devices["phone"].reason) == (
        DeviceState.SIGNED_OUT,
        "refresh_expired",
    )
    await again.close()


@pytest.fixture
async def loopback_lab(
    live_server: ServerThread, clock: VirtualClock, tmp_path: Path
) -> AsyncIterator[Lab]:
    lab = Lab(
        live_server.url,
        store=MemoryTokenStore(),
        clock=clock,
        registry=DeviceRegistry(tmp_path / "d.json"),
        auto_reconnect=False,
    )
    yield lab
    await lab.close()


@pytest.mark.live
async def test_over_loopback_login_refresh_and_dual_login(
    loopback_lab: Lab, live_server: ServerThread, clock: VirtualClock
) -> None:
    live_server.call(
        live_server.service.update_settings, login_policy="single", verify_mode="stateful"
    )
    # The phone does not listen: it learns of the PC from the refused call, as in the seed.
    phone = await loopback_lab.add_device(
        "phone", "mobile", user="alice", refresh_margin=0, listen=False
    )
    pc = await loopback_lab.add_device("pc", "pc", user="alice", refresh_margin=5)
    await phone.login("alice-pass")
    clock.advance(40)
    assert (await phone.call()).retried
    await pc.login("alice-pass")
    result = await phone.call()
    assert result.status == 401
    assert phone.reason == "superseded"
    clock.advance(28)
    assert (await pc.call()).ok
    assert pc.refresh_count == 1


@pytest.mark.live
async def test_over_loopback_server_down_goes_offline_and_recovers(
    clock: VirtualClock,
    settings,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    server = ServerThread(settings, clock=clock).start()
    lab = Lab(
        server.url,
        store=MemoryTokenStore(),
        clock=clock,
        registry=DeviceRegistry(tmp_path / "d.json"),
        auto_reconnect=False,
    )
    phone = await lab.add_device("phone", "mobile", user="alice")
    await phone.login("alice-pass")
    tokens = phone.tokens
    port = server.port
    server.stop()
    result = await phone.call()
    assert result.error == "unreachable"
    assert phone.state == DeviceState.OFFLINE
    assert phone.tokens == tokens
    with ServerThread(settings, clock=clock, port=port, store=server.service.store):
        assert (await phone.call()).ok
        assert phone.state == DeviceState.ACTIVE
    await lab.close()
