"""Devices sign in the way apps do today (issue 13): the authorization code with
PKCE through a browser back to a loopback listener, and the device grant for a
TV approved on a phone — on the real mock server."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlencode, urlparse

import httpx
import pytest
from fastapi import FastAPI

from client import DeviceState, Lab, MemoryTokenStore
from client.errors import LoginRefused
from client.events import DeviceCodeShown, DeviceEvent, TokensIssued
from client.flows import Autopilot, LoopbackListener, pkce_pair
from client.registry import MemoryRegistry
from mock_server import ServerThread, VirtualClock

SERVER = "http://testserver"


@pytest.fixture
async def tv_lab(app: FastAPI, clock: VirtualClock) -> AsyncIterator[Lab]:
    """A lab whose device-flow sign-ins are polled by the test, on the server's clock."""
    lab = Lab(
        SERVER,
        store=MemoryTokenStore(),
        clock=clock,
        registry=MemoryRegistry(),
        transport=httpx.ASGITransport(app=app),
        auto_reconnect=False,
        auto_poll=False,
    )
    yield lab
    await lab.close()


class ForgedBrowser:
    """A 'browser' that answers the loopback listener itself, as an attacker would."""

    def __init__(self, **answer: str) -> None:
        self.answer = answer

    async def open(self, url: str) -> None:
        query = parse_qs(urlparse(url).query)
        redirect = query["redirect_uri"][0]
        answer = {k: v.replace("{state}", query["state"][0]) for k, v in self.answer.items()}
        async with httpx.AsyncClient(trust_env=False) as http:
            await http.get(f"{redirect}?{urlencode(answer)}")


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_pkce_pairs_are_fresh_and_s256() -> None:
    import base64
    import hashlib

    (v1, c1), (v2, _) = pkce_pair(), pkce_pair()
    assert v1 != v2 and 43 <= len(v1) <= 128
    assert (
        c1 == base64.urlsafe_b64encode(hashlib.sha256(v1.encode()).digest()).rstrip(b"=").decode()
    )


async def test_the_code_flow_signs_a_phone_in_through_the_autopilot(lab: Lab) -> None:
    events: list[DeviceEvent] = []
    lab.subscribe(events.append)
    phone = await lab.add_device("phone", "mobile", user="alice", name="Phone", flow="code")
    browser = Autopilot("alice", "alice-pass", transport=lab.transport)
    await phone.login_in_browser(browser)
    assert phone.state == DeviceState.ACTIVE and phone.tokens is not None
    assert (await phone.call()).status == 200
    (issued,) = [e for e in events if isinstance(e, TokensIssued)]
    assert (issued.how, issued.cause) == ("login", "code")
    assert any("/oauth/authorize" in page for page in browser.pages)
    assert lab.registry.load()[0].flow == "code"  # the flow is kept with the device


async def test_a_callback_with_a_wrong_state_or_issuer_is_refused(lab: Lab) -> None:
    phone = await lab.add_device("phone", "mobile", user="alice")
    for answer in ({"code": "x", "state": "not-mine"}, {"code": "x", "state": "é"}):
        # Another page or process calling the port cannot end the sign-in: ignored.
        with pytest.raises(LoginRefused) as ignored:
            await phone.oauth.code_grant(
                ForgedBrowser(**answer), phone.identity, phone.clock.now, wait_seconds=0.3
            )
        assert ignored.value.reason == "timeout"
    for answer, reason in [
        ({"code": "x", "state": "{state}", "iss": "https://evil.example"}, "invalid_issuer"),
        ({"code": "x", "state": "{state}"}, "invalid_issuer"),  # the server promised iss
        ({"error": "access_denied", "state": "{state}", "iss": SERVER}, "access_denied"),
    ]:
        with pytest.raises(LoginRefused) as refused:
            await phone.login_in_browser(ForgedBrowser(**answer))
        assert refused.value.reason == reason
        assert phone.state == DeviceState.SIGNED_OUT and phone.tokens is None


async def test_the_listener_waits_for_its_own_state(lab: Lab) -> None:
    listener = await LoopbackListener("mine").start()
    async with httpx.AsyncClient(trust_env=False) as http:
        stranger = await http.get(f"{listener.redirect_uri}?code=evil&state=theirs")
        assert stranger.status_code == 400
        ours = await http.get(f"{listener.redirect_uri}?code=good&state=mine")
        assert ours.status_code == 200
    assert await listener.wait(1) == {"code": "good", "state": "mine"}


async def test_the_autopilot_follows_html_form_rules(lab: Lab) -> None:
    """A form without action posts to its own page; a GET form's fields go in the query."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/start" and not request.url.query:
            return httpx.Response(200, html='<form method="get"><input name="x" value="1"></form>')
        if request.url.path == "/page" and request.method == "GET" and not request.url.query:
            return httpx.Response(200, html='<form method="post"><input name="y" value="2"></form>')
        return httpx.Response(200, html="<p>done</p>")

    transport = httpx.MockTransport(handler)
    text = await Autopilot("u", "p", transport=transport).approve("http://h/start")
    assert text == "done"
    assert seen[1].url.path == "/start" and seen[1].url.query == b"x=1" and seen[1].content == b""
    text = await Autopilot("u", "p", transport=transport).approve("http://h/page")
    assert seen[-1].method == "POST" and seen[-1].url.path == "/page" and seen[-1].content == b"y=2"


async def test_the_listener_takes_one_callback_then_closes(lab: Lab) -> None:
    listener = await LoopbackListener().start()
    port = listener.port
    assert listener.redirect_uri == f"http://127.0.0.1:{port}/callback"
    async with httpx.AsyncClient(trust_env=False) as http:
        elsewhere = await http.get(f"http://127.0.0.1:{port}/other")
        assert elsewhere.status_code == 404
        first = await http.get(f"{listener.redirect_uri}?code=a&state=b")
        assert first.status_code == 200 and "close this window" in first.text
    assert await listener.wait(1) == {"code": "a", "state": "b"}
    assert not _listening(port)
    silent = await LoopbackListener().start()
    with pytest.raises(LoginRefused) as timed_out:
        await silent.wait(0.05)
    assert timed_out.value.reason == "timeout" and not _listening(silent.port)


async def test_a_tv_is_approved_on_the_phone(tv_lab: Lab, clock: VirtualClock) -> None:
    events: list[DeviceEvent] = []
    tv_lab.subscribe(events.append)
    tv = await tv_lab.add_device("tv", "tv", user="alice", name="Living room TV", flow="device")
    await tv_lab.add_device("phone", "mobile", user="alice")
    shown = await tv.start_device_flow()
    assert tv.state == DeviceState.SIGNING_IN
    snapshot = tv.snapshot()
    assert snapshot.pending is not None and snapshot.pending["user_code"] == shown.user_code
    assert "device_code" not in snapshot.pending  # the secret stays on the device
    (code_event,) = [e for e in events if isinstance(e, DeviceCodeShown)]
    assert code_event.verification_uri_complete.endswith(shown.user_code)
    assert not await tv.poll_device_flow()  # not due yet by the device's clock
    clock.advance(5)
    assert not await tv.poll_device_flow()  # pending: nobody approved
    text = await tv_lab.approve_device("tv", "phone", "alice-pass")
    assert "Approved: Living room TV is signed in as alice." in text
    clock.advance(5)
    assert await tv.poll_device_flow()
    assert tv.state == DeviceState.ACTIVE and tv.pending is None
    assert (await tv.call()).status == 200


async def test_a_denied_tv_is_signed_out_and_says_so(tv_lab: Lab, clock: VirtualClock) -> None:
    tv = await tv_lab.add_device("tv", "tv", user="alice", flow="device")
    await tv_lab.add_device("phone", "mobile", user="alice")
    await tv.start_device_flow()
    text = await tv_lab.approve_device("tv", "phone", "alice-pass", deny=True)
    assert "Denied" in text
    clock.advance(5)
    assert not await tv.poll_device_flow()
    assert tv.state == DeviceState.SIGNED_OUT and tv.pending is None
    assert "denied" in (tv.message or "")
    with pytest.raises(LoginRefused):
        await tv_lab.approve_device("tv", "phone", "alice-pass")  # nothing waits now
    await tv_lab.add_device("bobs-phone", "mobile", user="bob")
    await tv.start_device_flow()
    with pytest.raises(LoginRefused) as stranger:
        await tv_lab.approve_device("tv", "bobs-phone", "bob-pass")  # another user's device
    assert stranger.value.reason == "wrong_approver"


async def test_a_second_sign_in_replaces_the_first_poller(tv_lab: Lab) -> None:
    tv = await tv_lab.add_device("tv", "tv", user="alice", flow="device")
    tv.auto_poll = True
    await tv.start_device_flow()
    first = tv._poller
    await tv.start_device_flow()
    await asyncio.sleep(0)  # let the cancellation land
    assert first is not None and first.cancelled()
    assert tv._poller is not None and tv._poller is not first
    tv.cancel_device_flow()
    assert tv.state == DeviceState.SIGNED_OUT and tv._poller is None


async def test_a_hasty_tv_slows_down(tv_lab: Lab, clock: VirtualClock) -> None:
    tv = await tv_lab.add_device("tv", "tv", user="alice", flow="device")
    shown = await tv.start_device_flow()
    assert shown.interval == 5
    clock.advance(5)
    await tv.poll_device_flow()
    tv._next_poll = 0  # a device that ignores its interval
    await tv.poll_device_flow()
    assert tv.pending is not None and tv.pending.interval == 10  # slow_down: +5 s


async def test_the_code_flow_over_a_real_socket_with_the_polling_tv(
    live_server: ServerThread, clock: VirtualClock
) -> None:
    """The same flows over uvicorn on loopback, the TV polling by itself."""
    lab = Lab(live_server.url, store=MemoryTokenStore(), registry=MemoryRegistry())
    try:
        phone = await lab.add_device("phone", "mobile", user="alice", flow="code")
        await phone.login_in_browser(Autopilot("alice", "alice-pass"))
        assert phone.state == DeviceState.ACTIVE
        tv = await lab.add_device("tv", "tv", user="alice", flow="device")
        await tv.start_device_flow()
        with pytest.raises(LoginRefused) as wrong:  # the page says so; no endless retry
            await lab.approve_device("tv", "phone", "not-her-password")
        assert "The username or password is wrong." in str(wrong.value)
        await lab.approve_device("tv", "phone", "alice-pass")
        clock.advance(5)  # the server's clock: the TV may poll again
        signed_in = asyncio.Event()
        tv.subscribe(lambda e: signed_in.set() if isinstance(e, TokensIssued) else None)
        tv._next_poll = 0  # its own loop polls at once (real time: no 5 s wait in a test)
        await asyncio.wait_for(signed_in.wait(), 10)
        assert tv.state == DeviceState.ACTIVE and tv.pending is None
    finally:
        await lab.close()
