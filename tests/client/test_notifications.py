"""Devices hear at once that their session ended (issue 15): each signed-in
device keeps ``GET /api/notifications`` open on a real uvicorn server and signs
out on the ``signed_out`` event — with the reason, before any call."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest

from client import DeviceRegistry, DeviceState, Lab, MemoryTokenStore
from client.errors import NotSignedIn
from client.events import DeviceEvent, RequestSent, SignedOut
from client.store import StoreKey, TokenStore
from client.tokens import TokenSet
from mock_server import ServerThread, Settings, VirtualClock
from mock_server.store import SqliteStore
from tests.conftest import ADMIN_KEY

pytestmark = pytest.mark.live

ADMIN = {"X-Admin-Key": ADMIN_KEY}


@pytest.fixture(scope="module")
def server() -> ServerThread:
    with ServerThread(
        Settings(password_profile="fast", admin_key=ADMIN_KEY), clock=VirtualClock()
    ) as running:
        yield running


def _lab_on(server: ServerThread, tmp_path: Path, store: TokenStore, login_policy: str) -> Lab:
    """A lab against the module's server, with its settings reset for the test."""
    server.call(server.service.update_settings, login_policy=login_policy, verify_mode="stateless")
    return Lab(
        server.url,
        store=store,
        clock=server.service.clock,  # type: ignore[arg-type]
        registry=DeviceRegistry(tmp_path / "devices.json"),
        auto_reconnect=False,
    )


@pytest.fixture
async def lab(server: ServerThread, tmp_path: Path) -> AsyncIterator[Lab]:
    lab = _lab_on(server, tmp_path, MemoryTokenStore(), login_policy="single")
    yield lab
    await lab.close()


async def _admin(method: str, url: str, **kwargs: object) -> httpx.Response:
    async with httpx.AsyncClient(headers=ADMIN) as http:
        return await http.request(method, url, **kwargs)  # type: ignore[arg-type]


async def _until(check: Callable[[], bool], seconds: float = 5.0) -> None:
    async with asyncio.timeout(seconds):
        while not check():  # noqa: ASYNC110 - the device's state, moved by its own tasks
            await asyncio.sleep(0.005)


async def test_the_phone_is_told_of_the_pc_within_a_second_without_a_call(lab: Lab) -> None:
    phone = await lab.add_device("phone", "mobile", user="alice", name="Alice's phone")
    pc = await lab.add_device("pc", "pc", user="alice", name="Office PC")
    events: list[DeviceEvent] = []
    lab.subscribe(events.append)
    await phone.login("alice-pass")
    await _until(lambda: phone.listening)
    await pc.login("alice-pass")
    await _until(lambda: phone.state == DeviceState.SIGNED_OUT, seconds=1.0)
    assert phone.reason == "superseded"
    assert phone.message is not None
    assert phone.message.startswith("Signed out: you signed in on PC 'Office PC'")
    assert phone.tokens is None  # forgotten, as any sign-out does
    signed_out = [e for e in events if isinstance(e, SignedOut) and e.device_id == "phone"]
    assert len(signed_out) == 1 and signed_out[0].pushed
    assert not [e for e in events if isinstance(e, RequestSent) and e.device_id == "phone"]
    assert phone.end_detail is not None
    assert phone.end_detail["revoked_by"]["device_name"] == "Office PC"
    # The PC, still signed in, keeps its own stream open.
    await _until(lambda: pc.listening)
    assert pc.state == DeviceState.ACTIVE


async def test_a_dpop_bound_device_listens_with_its_proof(lab: Lab, server: ServerThread) -> None:
    tablet = await lab.add_device("tablet", "tablet", user="bob", dpop=True)
    await tablet.login("bob-pass")
    assert tablet.snapshot().dpop_jkt is not None
    await _until(lambda: tablet.listening)
    sid = tablet.tokens.sid if tablet.tokens else None
    answer = await _admin("DELETE", f"{server.url}/admin/sessions/{sid}")
    assert answer.status_code == 200
    await _until(lambda: tablet.state == DeviceState.SIGNED_OUT, seconds=1.0)
    assert tablet.reason == "forced"
    assert (
        tablet.message
        == "Signed out: an administrator ended this session"
        + (tablet.message.split("session", 1)[1])
    )


async def test_its_own_sign_out_is_not_news_to_it(lab: Lab) -> None:
    phone = await lab.add_device("phone", "mobile", user="alice")
    events: list[DeviceEvent] = []
    lab.subscribe(events.append)
    await phone.login("alice-pass")
    await _until(lambda: phone.listening)
    await phone.logout()
    await asyncio.sleep(0.2)  # room for a push that must not come
    signed_out = [e for e in events if isinstance(e, SignedOut)]
    assert [(e.reason, e.pushed) for e in signed_out] == [("logout", False)]


class GatedStore(MemoryTokenStore):
    """A keyring that takes its time: each save waits for the test's go (off the
    loop, as the real keyring's D-Bus calls do)."""

    blocking = True

    def __init__(self) -> None:
        super().__init__()
        self.entered = threading.Event()
        self.go = threading.Event()
        self.go.set()
        self.deleting = threading.Event()
        self.delete_go = threading.Event()
        self.delete_go.set()

    def save(self, key: StoreKey, tokens: TokenSet) -> None:
        self.entered.set()
        self.go.wait(10)
        super().save(key, tokens)

    def delete(self, key: StoreKey) -> None:
        self.deleting.set()
        self.delete_go.wait(10)
        super().delete(key)


@pytest.fixture
async def gated_lab(server: ServerThread, tmp_path: Path) -> AsyncIterator[Lab]:
    lab = _lab_on(server, tmp_path, GatedStore(), login_policy="multi")
    yield lab
    lab.store.go.set()  # type: ignore[attr-defined]
    lab.store.delete_go.set()  # type: ignore[attr-defined]
    await lab.close()


async def test_signing_in_again_is_not_undone_by_the_end_of_its_old_session(
    gated_lab: Lab, server: ServerThread
) -> None:
    """A new sign-in supersedes the device's own old session; the push about that
    one — arriving while the new tokens are being kept — must not sign it out."""
    store: GatedStore = gated_lab.store  # type: ignore[assignment]
    phone = await gated_lab.add_device("phone", "mobile", user="alice")
    await phone.login("alice-pass")
    for _ in range(3):
        await _until(lambda: phone.listening)
        old_sid = phone.tokens.sid if phone.tokens else None
        store.go.clear()
        store.entered.clear()
        login = asyncio.create_task(phone.login("alice-pass"))
        await asyncio.to_thread(store.entered.wait, 10)  # the server has superseded old_sid
        watchers, sid = server.service.watchers, old_sid or ""
        await _until(lambda w=watchers, s=sid: w.count(s) == 0)  # type: ignore[misc]
        await asyncio.sleep(0.05)  # room for a push to be (wrongly) acted on
        store.go.set()
        await login
        assert phone.state == DeviceState.ACTIVE, phone.message
        assert phone.tokens is not None and phone.tokens.sid != old_sid
    sessions = await _admin("GET", f"{server.url}/admin/sessions?user=alice")
    states = {s["sid"]: s["state"] for s in sessions.json()["sessions"]}
    assert list(states.values()).count("active") >= 1
    await _until(lambda: phone.listening and phone._listening_sid == phone.tokens.sid)  # type: ignore[union-attr]


async def test_a_refresh_in_flight_does_not_bring_back_a_session_it_was_told_ended(
    gated_lab: Lab, server: ServerThread
) -> None:
    store: GatedStore = gated_lab.store  # type: ignore[assignment]
    phone = await gated_lab.add_device("phone", "mobile", user="alice")
    await phone.login("alice-pass")
    await _until(lambda: phone.listening)
    tokens = phone.tokens
    assert tokens is not None
    store.go.clear()
    store.entered.clear()
    refresh = asyncio.create_task(phone.session.refresh(failed=tokens))
    await asyncio.to_thread(store.entered.wait, 10)  # answered; its tokens being kept
    answer = await _admin("DELETE", f"{server.url}/admin/sessions/{tokens.sid}")
    assert answer.status_code == 200
    await _until(lambda: phone.state == DeviceState.SIGNED_OUT, seconds=2.0)
    store.go.set()
    with pytest.raises(NotSignedIn):
        await refresh
    assert phone.tokens is None
    assert store.load(phone.store_key) is None
    assert (await phone.call()).error == "not_signed_in"


async def test_many_devices_each_hear_their_own_end(lab: Lab, server: ServerThread) -> None:
    """One stream each, beyond the shared pool's 100 connections."""
    server.call(server.service.update_settings, login_policy="multi")
    devices = [await lab.add_device(f"d{i}", "pc", user="bob") for i in range(120)]
    await asyncio.gather(*(d.login("bob-pass") for d in devices))
    await _until(lambda: all(d.listening for d in devices), seconds=20)
    assert (await devices[0].call()).ok  # the API is not starved by the streams
    await _admin("POST", f"{server.url}/admin/force-expire", json={"user": "bob"})
    await _until(lambda: all(d.state == DeviceState.SIGNED_OUT for d in devices), seconds=5)
    assert {d.reason for d in devices} == {"forced"}


async def test_after_a_server_restart_it_listens_again(tmp_path: Path) -> None:
    clock = VirtualClock()
    db = str(tmp_path / "auth.sqlite3")
    settings = Settings(password_profile="fast", admin_key=ADMIN_KEY)
    first = ServerThread(settings, clock=clock, store=SqliteStore(db)).start()
    lab = Lab(
        first.url,
        store=MemoryTokenStore(),
        clock=clock,
        registry=DeviceRegistry(tmp_path / "devices.json"),
        auto_reconnect=False,
    )
    try:
        phone = await lab.add_device("phone", "mobile", user="alice")
        await phone.login("alice-pass")
        await _until(lambda: phone.listening)
        port = first.port
        await asyncio.to_thread(first.stop)
        await _until(lambda: not phone.listening)
        with ServerThread(settings, clock=clock, store=SqliteStore(db), port=port) as second:
            await _until(lambda: phone.listening, seconds=10)  # backoff: 1 s, 2 s, …
            sid = phone.tokens.sid if phone.tokens else None
            await _admin("DELETE", f"{second.url}/admin/sessions/{sid}")
            await _until(lambda: phone.state == DeviceState.SIGNED_OUT, seconds=1.0)
            assert phone.reason == "forced"
    finally:
        await lab.close()


async def test_a_session_that_ended_says_so_before_the_keyring_answers(
    gated_lab: Lab, server: ServerThread
) -> None:
    """A refused refresh signs the device out first, then asks the keyring to
    forget: a call meanwhile (its stream refreshes too) never sees it "refreshing"
    without tokens."""
    store: GatedStore = gated_lab.store  # type: ignore[assignment]
    phone = await gated_lab.add_device("phone", "mobile", user="alice", listen=False)
    await phone.login("alice-pass")
    server.call(server.service.update_settings, verify_mode="stateful")
    tokens = phone.tokens
    assert tokens is not None
    await _admin("DELETE", f"{server.url}/admin/sessions/{tokens.sid}")
    store.deleting.clear()
    store.delete_go.clear()
    call = asyncio.create_task(phone.call())
    await asyncio.to_thread(store.deleting.wait, 10)  # the keyring is being asked
    assert (phone.state, phone.reason) == (DeviceState.SIGNED_OUT, "forced")
    store.delete_go.set()
    assert (await call).status == 401
