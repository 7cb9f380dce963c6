"""Endpoints from the server's RFC 8414 metadata, one HTTP client per lab, and
network failures that reach callers only as ``ServerUnreachable``."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import respx
from fastapi import FastAPI

from client import Device, DeviceConfig, DeviceRegistry, Lab, MemoryTokenStore
from client.errors import ServerFailure, ServerUnreachable
from client.events import DeviceEvent, Notice
from client.http import http_client
from client.oauth import metadata_urls
from mock_server import VirtualClock
from tests.client.conftest import SERVER, token_body

WELL_KNOWN = f"{SERVER}/.well-known/oauth-authorization-server"
OIDC = f"{SERVER}/.well-known/openid-configuration"


@pytest.fixture
async def lab(clock: VirtualClock, tmp_path: Path) -> AsyncIterator[Lab]:
    lab = Lab(
        SERVER,
        store=MemoryTokenStore(),
        clock=clock,
        registry=DeviceRegistry(tmp_path / "devices.json"),
        auto_reconnect=False,
    )
    yield lab
    await lab.close()


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    """A scripted server without metadata routes: each test says what it publishes."""
    with respx.mock(assert_all_called=False) as router:
        yield router


def notices(lab: Lab) -> list[str]:
    seen: list[str] = []

    def keep(event: DeviceEvent) -> None:
        if isinstance(event, Notice):
            seen.append(event.message)

    lab.subscribe(keep)
    return seen


def test_metadata_urls_follow_rfc_8414_and_oidc_discovery() -> None:
    assert metadata_urls("https://as.example/") == [
        "https://as.example/.well-known/oauth-authorization-server",
        "https://as.example/.well-known/openid-configuration",
    ]
    # An issuer with a path: RFC 8414 §3.1 inserts the well-known part before it,
    # OpenID Connect Discovery appends it.
    assert metadata_urls("https://as.example/tenant/a") == [
        "https://as.example/.well-known/oauth-authorization-server/tenant/a",
        "https://as.example/tenant/a/.well-known/openid-configuration",
    ]


async def test_devices_use_the_token_endpoint_the_metadata_names(
    router: respx.MockRouter, lab: Lab, clock: VirtualClock
) -> None:
    metadata = router.get(WELL_KNOWN).respond(
        json={
            "issuer": SERVER,
            "token_endpoint": f"{SERVER}/as/v2/token",
            "revocation_endpoint": f"{SERVER}/as/v2/revoke",
        }
    )
    token = router.post(f"{SERVER}/as/v2/token").respond(json=token_body(clock.now()))
    revoke = router.post(f"{SERVER}/as/v2/revoke").respond(200)
    devices = [await lab.add_device(name, "mobile", user="alice") for name in ("a", "b", "c")]
    await asyncio.gather(*(d.login("alice-pass") for d in devices))
    await devices[0].logout()
    assert token.call_count == 3
    assert revoke.call_count == 1
    assert metadata.call_count == 1  # one discovery for the whole lab
    assert all(d.http is lab.http for d in devices)  # one HTTP client for the whole lab


async def test_openid_configuration_is_the_second_place_to_look(
    router: respx.MockRouter, lab: Lab, clock: VirtualClock
) -> None:
    router.get(WELL_KNOWN).respond(404)
    router.get(OIDC).respond(json={"issuer": SERVER, "token_endpoint": f"{SERVER}/oidc/token"})
    token = router.post(f"{SERVER}/oidc/token").respond(json=token_body(clock.now()))
    phone = await lab.add_device("phone", "mobile", user="alice")
    await phone.login("alice-pass")
    assert token.call_count == 1


async def test_no_metadata_means_the_conventional_paths_and_a_warning(
    router: respx.MockRouter, lab: Lab, clock: VirtualClock
) -> None:
    seen = notices(lab)
    router.get(WELL_KNOWN).respond(404)
    router.get(OIDC).respond(404)
    token = router.post(f"{SERVER}/oauth/token").respond(json=token_body(clock.now()))
    phone = await lab.add_device("phone", "mobile", user="alice")
    await phone.login("alice-pass")
    assert token.call_count == 1
    assert any("publishes no usable metadata" in m and "/oauth/token" in m for m in seen), seen


async def test_metadata_of_another_issuer_is_not_used(
    router: respx.MockRouter, lab: Lab, clock: VirtualClock
) -> None:
    seen = notices(lab)
    router.get(WELL_KNOWN).respond(
        json={"issuer": "https://evil.example", "token_endpoint": "https://evil.example/token"}
    )
    router.get(OIDC).respond(404)
    token = router.post(f"{SERVER}/oauth/token").respond(json=token_body(clock.now()))
    phone = await lab.add_device("phone", "mobile", user="alice")
    await phone.login("alice-pass")
    assert token.call_count == 1  # never the other issuer's endpoint
    assert any("'https://evil.example'" in m and "RFC 8414" in m for m in seen), seen


async def test_a_place_that_fails_or_misleads_does_not_hide_the_other(
    router: respx.MockRouter, lab: Lab, clock: VirtualClock
) -> None:
    good = {"issuer": SERVER, "token_endpoint": f"{SERVER}/oidc/token"}
    rfc8414 = router.get(WELL_KNOWN)
    rfc8414.side_effect = [
        httpx.Response(502),
        httpx.Response(200, json={"issuer": "https://elsewhere.example"}),
        httpx.Response(200, json={"issuer": SERVER}),  # no token_endpoint: not usable
    ]
    router.get(OIDC).respond(json=good)
    token = router.post(f"{SERVER}/oidc/token").respond(json=token_body(clock.now()))
    for _ in range(3):
        lab.discovery.found = None  # a new lab each time, on the same server
        phone = await lab.add_device("phone", "mobile", user="alice")
        await phone.login("alice-pass")
        await lab.remove_device("phone")
    assert token.call_count == 3


async def test_a_failed_discovery_is_not_remembered(
    router: respx.MockRouter, lab: Lab, clock: VirtualClock
) -> None:
    metadata = router.get(WELL_KNOWN)
    metadata.side_effect = [
        httpx.ConnectError("down"),
        httpx.Response(503),
        httpx.Response(429, headers={"Retry-After": "1"}),
        httpx.Response(200, json={"issuer": SERVER, "token_endpoint": f"{SERVER}/t"}),
    ]
    oidc = router.get(OIDC).respond(404)
    token = router.post(f"{SERVER}/t").respond(json=token_body(clock.now()))
    phone = await lab.add_device("phone", "mobile", user="alice")
    with pytest.raises(ServerUnreachable):
        await phone.login("alice-pass")
    for status in (503, 429):
        with pytest.raises(ServerFailure, match=f"metadata failed \\({status}\\)"):
            await phone.login("alice-pass")
    await phone.login("alice-pass")
    await phone.login("alice-pass")  # found: not asked again
    assert (metadata.call_count, oidc.call_count, token.call_count) == (4, 2, 2)


async def test_devices_that_meet_a_failing_discovery_together_share_one_attempt(
    router: respx.MockRouter, lab: Lab, clock: VirtualClock
) -> None:
    metadata = router.get(WELL_KNOWN)
    metadata.side_effect = httpx.ConnectTimeout("slow")
    devices = [await lab.add_device(f"d{i}", "pc", user="alice") for i in range(6)]
    outcomes = await asyncio.gather(
        *(d.login("alice-pass") for d in devices), return_exceptions=True
    )
    assert all(isinstance(o, ServerUnreachable) and o.kind == "timeout" for o in outcomes)
    assert metadata.call_count == 1


async def test_restarting_or_removing_a_device_leaves_the_labs_client_working(
    router: respx.MockRouter, lab: Lab, clock: VirtualClock
) -> None:
    router.get(WELL_KNOWN).respond(json={"issuer": SERVER, "token_endpoint": f"{SERVER}/t"})
    router.post(f"{SERVER}/t").mock(
        side_effect=lambda request: httpx.Response(200, json=token_body(clock.now()))
    )
    api = router.get(f"{SERVER}/api/me").respond(json={"user": "alice"})
    phone = await lab.add_device("phone", "mobile", user="alice")
    pc = await lab.add_device("pc", "pc", user="alice")
    await phone.login("alice-pass")
    await pc.login("alice-pass")
    await lab.remove_device("pc")
    phone = await lab.restart_device("phone")
    assert (await phone.call()).ok
    assert api.call_count == 1 and not lab.http.is_closed


async def test_the_real_server_publishes_what_devices_need(
    app: FastAPI, clock: VirtualClock, tmp_path: Path
) -> None:
    lab = Lab(
        "http://testserver",
        store=MemoryTokenStore(),
        clock=clock,
        registry=DeviceRegistry(tmp_path / "devices.json"),
        transport=httpx.ASGITransport(app=app),
        auto_reconnect=False,
    )
    seen = notices(lab)
    try:
        phone = await lab.add_device("phone", "mobile", user="alice")
        await phone.login("alice-pass")
        endpoints = await lab.discovery.endpoints()
        assert endpoints.token_endpoint == "http://testserver/oauth/token"
        assert endpoints.revocation_endpoint == "http://testserver/oauth/revoke"
        assert seen == []  # the issuer matched: no fallback, no warning
    finally:
        await lab.close()


class _BreaksMidBody(httpx.AsyncByteStream):
    async def __aiter__(self):  # type: ignore[no-untyped-def]
        yield b'{"user": '
        raise httpx.ReadError("connection reset mid-body")


@pytest.mark.parametrize(
    ("failure", "kind", "detail"),
    [
        (httpx.ConnectError("[Errno -2] Name or service not known"), "connect", "not known"),
        (httpx.ReadTimeout("slow"), "timeout", "timed out"),
        (httpx.RemoteProtocolError("garbage"), "network", "RemoteProtocolError: garbage"),
    ],
)
async def test_network_failures_become_server_unreachable_with_their_kind(
    failure: httpx.TransportError, kind: str, detail: str
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise failure

    async with http_client(SERVER, transport=httpx.MockTransport(handler)) as http:
        with pytest.raises(ServerUnreachable) as caught:
            await http.get("/api/me")
    assert caught.value.kind == kind
    assert SERVER in str(caught.value) and detail in str(caught.value)
    assert isinstance(caught.value.__cause__, httpx.TransportError)


async def test_a_body_that_breaks_midway_is_server_unreachable_too() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=_BreaksMidBody())

    async with http_client(SERVER, transport=httpx.MockTransport(handler)) as http:
        with pytest.raises(ServerUnreachable, match="ReadError"):
            await http.get("/api/me")
        # Streamed (as the admin event stream is): the break comes while reading.
        async with http.stream("GET", "/admin/events") as response:
            with pytest.raises(ServerUnreachable, match="reset mid-body"):
                async for _ in response.aiter_bytes():
                    pass


async def test_a_call_whose_answer_breaks_midway_marks_the_device_offline(
    router: respx.MockRouter, clock: VirtualClock
) -> None:
    router.get(WELL_KNOWN).respond(
        json={"issuer": SERVER, "token_endpoint": f"{SERVER}/oauth/token"}
    )
    router.post(f"{SERVER}/oauth/token").respond(json=token_body(clock.now()))
    router.get(f"{SERVER}/api/me").mock(
        side_effect=lambda request: httpx.Response(200, stream=_BreaksMidBody())
    )
    config = DeviceConfig("phone", "mobile", "Phone", "alice", SERVER, refresh_margin=0)
    phone = Device(config, store=MemoryTokenStore(), clock=clock, auto_reconnect=False)
    try:
        await phone.login("alice-pass")
        result = await phone.call()
    finally:
        await phone.close()
    assert (result.ok, result.error, str(phone.state)) == (False, "unreachable", "offline")


async def test_an_idle_connection_is_dropped_before_the_server_would_drop_it() -> None:
    """A pooled connection reused at the instant uvicorn closes it (5 s idle) is an
    occasional "connection failed" under load: the lab's pool lets go first."""
    import uvicorn

    server_keeps = uvicorn.Config(app=None).timeout_keep_alive  # type: ignore[arg-type]
    async with http_client(SERVER) as http:
        pool = http._transport._pool  # type: ignore[attr-defined]
        assert pool._keepalive_expiry < server_keeps
