"""The lab tries a revoked session's last access token on every API of its own
(issue 15): what the window's API lanes are drawn from. A real auth server and
a real `jwt-lab api` (stateless) on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from client import DeviceRegistry, DeviceState, Lab, MemoryTokenStore
from client.events import ApiTried, DeviceEvent
from mock_server import ServerThread, Settings, VirtualClock
from mock_server.api_server import ApiConfig
from mock_server.runner import ApiServerThread
from tests.conftest import ADMIN_KEY

pytestmark = pytest.mark.live

SECRET = "open-api-secret-0123456789"


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[ServerThread, ApiServerThread]]:
    clock = VirtualClock()
    with ServerThread(Settings(password_profile="fast", admin_key=ADMIN_KEY), clock=clock) as auth:
        api = ApiServerThread(ApiConfig(auth.url, "open", SECRET, "stateless"), clock=clock)
        auth.call(auth.service.resource_servers.save, "open", SECRET, api.backchannel_uri)
        with api:
            yield auth, api


@pytest.fixture
async def lab(servers: tuple[ServerThread, ApiServerThread], tmp_path: Path) -> AsyncIterator[Lab]:
    auth, api = servers
    lab = Lab(
        auth.url,
        store=MemoryTokenStore(),
        clock=auth.service.clock,  # type: ignore[arg-type]
        registry=DeviceRegistry(tmp_path / "devices.json"),
        auto_reconnect=False,
    )
    lab.set_apis({"open": api.url})
    yield lab
    await lab.close()


async def _until(check: object, seconds: float = 5.0) -> None:
    async with asyncio.timeout(seconds):
        while not check():  # type: ignore[operator]  # noqa: ASYNC110
            await asyncio.sleep(0.01)


async def _force_expire(auth: ServerThread, sid: str | None) -> None:
    async with httpx.AsyncClient(headers={"X-Admin-Key": ADMIN_KEY}) as http:
        assert (await http.delete(f"{auth.url}/admin/sessions/{sid}")).status_code == 200


async def test_a_revoked_token_is_tried_until_the_api_refuses_it(
    lab: Lab, servers: tuple[ServerThread, ApiServerThread]
) -> None:
    auth, _ = servers
    tries: list[ApiTried] = []
    lab.subscribe(lambda e: tries.append(e) if isinstance(e, ApiTried) else None)
    phone = await lab.add_device("phone", "mobile", user="alice")
    await phone.login("alice-pass")
    sid = phone.tokens.sid if phone.tokens else None
    await _force_expire(auth, sid)
    await _until(lambda: phone.state == DeviceState.SIGNED_OUT)
    await _until(lambda: len(tries) >= 1)
    assert tries[0].api == "open" and tries[0].accepted and tries[0].sid == sid
    auth.service.clock.advance(3600)  # type: ignore[attr-defined]
    await _until(lambda: tries[-1].refused)
    assert tries[-1].reason == "expired"
    assert not lab._probes  # done: no try after the refusal


async def test_nothing_is_tried_after_its_own_sign_out_or_for_a_bound_token(
    lab: Lab, servers: tuple[ServerThread, ApiServerThread]
) -> None:
    auth, _ = servers
    seen: list[DeviceEvent] = []
    lab.subscribe(seen.append)
    pc = await lab.add_device("pc", "pc", user="alice")
    await pc.login("alice-pass")
    await pc.logout()  # its own sign-out: the revocation may not even have got through
    tablet = await lab.add_device("tablet", "tablet", user="bob", dpop=True)
    await tablet.login("bob-pass")
    await _force_expire(auth, tablet.tokens.sid if tablet.tokens else None)
    await _until(lambda: tablet.state == DeviceState.SIGNED_OUT)
    await asyncio.sleep(0.2)  # room for a try that must not come
    assert not [e for e in seen if isinstance(e, ApiTried)]
    assert not lab._probes


async def test_removing_the_device_ends_its_tries(
    lab: Lab, servers: tuple[ServerThread, ApiServerThread]
) -> None:
    auth, _ = servers
    tries: list[ApiTried] = []
    lab.subscribe(lambda e: tries.append(e) if isinstance(e, ApiTried) else None)
    phone = await lab.add_device("phone", "mobile", user="alice")
    await phone.login("alice-pass")
    await _force_expire(auth, phone.tokens.sid if phone.tokens else None)
    await _until(lambda: bool(tries))
    await lab.remove_device("phone")
    assert "phone" not in lab._probes and "phone" not in lab._last_access
    count = len(tries)
    await asyncio.sleep(0.2)
    assert len(tries) == count


async def test_a_closed_device_does_not_listen_again(lab: Lab) -> None:
    phone = await lab.add_device("phone", "mobile", user="alice")
    await phone.login("alice-pass")
    await _until(lambda: phone.listening)
    await phone.close()
    assert not phone.listening
    phone._start_listening()  # a late refresh's on_tokens, after the close
    assert phone._listener is None


def test_two_quick_adds_of_one_name_start_one_server() -> None:
    from concurrent.futures import ThreadPoolExecutor

    from client.embedded import EmbeddedServer

    server = EmbeddedServer(port=0, db=":memory:", settings={"password_profile": "fast"})
    server.start()
    server.wait()

    def add(_: int) -> str:
        try:
            return server.start_api("twice", "denylist")
        except ValueError as exc:
            return f"refused: {exc}"

    try:
        with ThreadPoolExecutor(2) as pool:
            answers = sorted(pool.map(add, range(2)))
        assert answers[0].startswith("http://127.0.0.1:")
        assert answers[1] == "refused: there is already a resource server 'twice'"
    finally:
        server.stop()
