"""Every branch of the auth flow, against scripted responses (respx).

The server never gives some of these answers on demand (a 503, a dropped
connection, a token response without a refresh token), so they are scripted
here; the same paths run against the real server in test_integration.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
import respx

from client import Device, DeviceConfig, DeviceState, KeyringUnavailable, MemoryTokenStore, StoreKey
from client.auth import is_invalid_token, rejection_reason
from client.errors import LoginRefused, NotSignedIn, ServerFailure
from client.events import DeviceEvent, Notice, TokensIssued
from client.tokens import TokenSet
from mock_server import VirtualClock
from tests.client.conftest import SERVER, token_body

CHALLENGE = {"WWW-Authenticate": 'Bearer error="invalid_token", error_description="expired"'}


def unauthorized(reason: str = "expired") -> httpx.Response:
    return httpx.Response(401, headers=CHALLENGE, json={"error": "invalid_token", "reason": reason})


@pytest.fixture
async def device(clock: VirtualClock) -> AsyncIterator[Device]:
    config = DeviceConfig("phone", "mobile", "Phone", "alice", SERVER, refresh_margin=0)
    device = Device(config, store=MemoryTokenStore(), clock=clock, auto_reconnect=False)
    yield device
    await device.close()


@pytest.fixture
def events(device: Device) -> list[DeviceEvent]:
    seen: list[DeviceEvent] = []
    device.subscribe(seen.append)
    return seen


async def signed_in(device: Device, router: respx.MockRouter, clock: VirtualClock) -> respx.Route:
    token = router.post(f"{SERVER}/oauth/token")
    token.return_value = httpx.Response(200, json=token_body(clock.now()))
    await device.login("alice-pass")
    token.reset()
    return token


async def test_expired_token_meets_401_then_refresh_and_retry(
    device: Device, clock: VirtualClock, respx_mock: respx.MockRouter, events: list[DeviceEvent]
) -> None:
    token = await signed_in(device, respx_mock, clock)
    token.side_effect = lambda request: httpx.Response(200, json=token_body(clock.now()))
    api = respx_mock.get(f"{SERVER}/api/me")
    api.side_effect = [unauthorized(), httpx.Response(200, json={"user": "alice"})]
    clock.advance(31)
    result = await device.call()
    assert (result.status, result.ok, result.retried) == (200, True, True)
    assert token.call_count == 1
    assert api.call_count == 2
    first, second = (call.request.headers["authorization"] for call in api.calls)
    assert first != second
    assert "grant_type=refresh_token" in token.calls[0].request.content.decode()
    assert [e.kind for e in events if e.kind in ("401", "tokens")] == ["tokens", "401", "tokens"]
    # The refresh says why it came (the inspector's token family shows it).
    assert [e.cause for e in events if isinstance(e, TokensIssued)] == ["password", "401"]
    assert device.state == DeviceState.ACTIVE


@pytest.mark.parametrize(
    "reason", ["superseded", "forced", "logout", "reuse_detected", "refresh_expired"]
)
async def test_invalid_grant_ends_the_session_with_the_servers_reason(
    device: Device, clock: VirtualClock, respx_mock: respx.MockRouter, reason: str
) -> None:
    token = await signed_in(device, respx_mock, clock)
    token.return_value = httpx.Response(
        400, json={"error": "invalid_grant", "error_description": "over", "reason": reason}
    )
    respx_mock.get(f"{SERVER}/api/me").return_value = unauthorized(reason)
    result = await device.call()
    assert result.status == 401
    assert result.ok is False
    assert device.state == DeviceState.SIGNED_OUT
    assert device.reason == reason
    assert device.tokens is None
    assert device.store.load(device.store_key) is None


async def test_token_endpoint_401_is_never_refreshed(
    device: Device, clock: VirtualClock, respx_mock: respx.MockRouter
) -> None:
    token = respx_mock.post(f"{SERVER}/oauth/token")
    token.return_value = httpx.Response(401, json={"error": "invalid_client"})
    with pytest.raises(LoginRefused):
        await device.login("alice-pass")
    assert token.call_count == 1
    assert device.state == DeviceState.SIGNED_OUT


async def test_refresh_answered_401_is_not_retried(
    device: Device, clock: VirtualClock, respx_mock: respx.MockRouter
) -> None:
    token = await signed_in(device, respx_mock, clock)
    token.return_value = httpx.Response(401, json={"error": "invalid_client"}, headers=CHALLENGE)
    respx_mock.get(f"{SERVER}/api/me").return_value = unauthorized()
    result = await device.call()
    assert result.ok is False
    assert token.call_count == 1
    assert device.tokens is not None  # not the session's fault: tokens kept


async def test_retried_request_is_not_retried_again(
    device: Device, clock: VirtualClock, respx_mock: respx.MockRouter
) -> None:
    token = await signed_in(device, respx_mock, clock)
    token.side_effect = lambda request: httpx.Response(200, json=token_body(clock.now()))
    api = respx_mock.get(f"{SERVER}/api/me")
    api.return_value = unauthorized("forced")
    result = await device.call()
    assert result.status == 401
    assert result.retried is True
    assert api.call_count == 2
    assert token.call_count == 1


async def test_network_error_keeps_tokens_and_goes_offline(
    device: Device, clock: VirtualClock, respx_mock: respx.MockRouter
) -> None:
    await signed_in(device, respx_mock, clock)
    tokens = device.tokens
    api = respx_mock.get(f"{SERVER}/api/me")
    api.side_effect = httpx.ConnectError("refused")
    result = await device.call()
    assert (result.status, result.error) == (None, "unreachable")
    assert device.state == DeviceState.OFFLINE
    assert device.tokens == tokens
    api.side_effect = None
    api.return_value = httpx.Response(200, json={"user": "alice"})
    assert (await device.call()).ok
    assert device.state == DeviceState.ACTIVE


async def test_network_error_during_refresh_keeps_tokens(
    device: Device, clock: VirtualClock, respx_mock: respx.MockRouter
) -> None:
    token = await signed_in(device, respx_mock, clock)
    tokens = device.tokens
    token.side_effect = httpx.ConnectTimeout("slow")
    respx_mock.get(f"{SERVER}/api/me").return_value = unauthorized()
    result = await device.call()
    assert result.status == 401  # the answer the call finally got
    assert device.state == DeviceState.OFFLINE
    assert device.tokens == tokens


async def test_5xx_on_refresh_backs_off(
    device: Device, clock: VirtualClock, respx_mock: respx.MockRouter, events: list[DeviceEvent]
) -> None:
    token = await signed_in(device, respx_mock, clock)
    token.return_value = httpx.Response(503, text="maintenance")
    respx_mock.get(f"{SERVER}/api/me").return_value = unauthorized()
    first = await device.call()
    assert first.status == 401
    assert token.call_count == 1
    assert device.state == DeviceState.ACTIVE
    second = await device.call()  # within the backoff: no refresh attempt
    assert second.status == 401
    assert token.call_count == 1
    clock.advance(1)
    token.side_effect = lambda request: httpx.Response(200, json=token_body(clock.now()))
    respx_mock.get(f"{SERVER}/api/me").side_effect = [
        unauthorized(),
        httpx.Response(200, json={"user": "alice"}),
    ]
    assert (await device.call()).ok
    assert token.call_count == 2
    assert any(e.kind == "refresh_failed" for e in events)


async def test_token_response_without_refresh_token_keeps_the_old_one(
    device: Device, clock: VirtualClock, respx_mock: respx.MockRouter
) -> None:
    token = await signed_in(device, respx_mock, clock)
    old = device.tokens
    assert old is not None
    token.return_value = httpx.Response(200, json=token_body(clock.now(), refresh=False))
    respx_mock.get(f"{SERVER}/api/me").side_effect = [
        unauthorized(),
        httpx.Response(200, json={"user": "alice"}),
    ]
    assert (await device.call()).ok
    assert device.tokens is not None
    assert device.tokens.refresh_token == old.refresh_token
    assert device.tokens.access_token != old.access_token


async def test_malformed_token_response_is_a_server_failure(
    device: Device, clock: VirtualClock, respx_mock: respx.MockRouter
) -> None:
    token = await signed_in(device, respx_mock, clock)
    token.return_value = httpx.Response(200, text="<html>oops</html>")
    respx_mock.get(f"{SERVER}/api/me").return_value = unauthorized()
    result = await device.call()
    assert result.ok is False
    assert device.tokens is not None
    assert device.state == DeviceState.ACTIVE


async def test_proactive_refresh_avoids_the_401(
    clock: VirtualClock, respx_mock: respx.MockRouter
) -> None:
    config = DeviceConfig("pc", "pc", "PC", "alice", SERVER, refresh_margin=5)
    device = Device(config, store=MemoryTokenStore(), clock=clock, auto_reconnect=False)
    token = await signed_in(device, respx_mock, clock)
    token.side_effect = lambda request: httpx.Response(200, json=token_body(clock.now()))
    api = respx_mock.get(f"{SERVER}/api/me")
    api.return_value = httpx.Response(200, json={"user": "alice"})
    issued: list[DeviceEvent] = []
    device.subscribe(issued.append)
    clock.advance(26)  # 4 s before exp, inside the 5 s margin
    result = await device.call()
    assert result.ok and not result.retried
    assert [e.cause for e in issued if isinstance(e, TokensIssued)] == ["proactive"]
    assert token.call_count == 1
    assert api.call_count == 1
    await device.close()


async def test_skewed_device_clock_refreshes_early(
    clock: VirtualClock, respx_mock: respx.MockRouter
) -> None:
    config = DeviceConfig("pc", "pc", "PC", "alice", SERVER, refresh_margin=5, clock_offset=20)
    device = Device(config, store=MemoryTokenStore(), clock=clock, auto_reconnect=False)
    token = await signed_in(device, respx_mock, clock)
    token.side_effect = lambda request: httpx.Response(200, json=token_body(clock.now()))
    respx_mock.get(f"{SERVER}/api/me").return_value = httpx.Response(200, json={})
    clock.advance(6)  # the device believes 26 s have passed
    await device.call()
    assert token.call_count == 1
    await device.close()


async def test_the_flow_can_be_driven_step_by_step(
    device: Device, clock: VirtualClock, respx_mock: respx.MockRouter
) -> None:
    token = await signed_in(device, respx_mock, clock)
    token.side_effect = lambda request: httpx.Response(200, json=token_body(clock.now()))
    flow = device.auth.async_auth_flow(httpx.Request("GET", f"{SERVER}/api/me"))
    first = (await flow.__anext__()).headers["authorization"]
    assert first.startswith("Bearer ")
    retry = await flow.asend(unauthorized())
    assert retry.headers["authorization"] != first
    with pytest.raises(StopAsyncIteration):
        await flow.asend(httpx.Response(200, json={}))


def test_only_invalid_token_401s_are_refreshable() -> None:
    assert is_invalid_token(unauthorized())
    assert not is_invalid_token(httpx.Response(401, headers={"WWW-Authenticate": "Bearer"}))
    assert not is_invalid_token(
        httpx.Response(401, headers={"WWW-Authenticate": 'Bearer error="invalid_request"'})
    )
    assert is_invalid_token(httpx.Response(401, json={"error": "invalid_token"}))
    assert not is_invalid_token(httpx.Response(403, headers=CHALLENGE))
    # The challenge decides when there is one; the body only without it.
    assert not is_invalid_token(
        httpx.Response(
            401,
            headers={"WWW-Authenticate": 'Bearer error="invalid_request"'},
            json={"error": "invalid_token"},
        )
    )
    assert not is_invalid_token(httpx.Response(401, json={"error": "invalid_request"}))
    assert not is_invalid_token(httpx.Response(401, json=["invalid_token"]))
    assert not is_invalid_token(httpx.Response(401, text="invalid_token"))


@pytest.mark.parametrize(
    ("response", "reason"),
    [
        (unauthorized("superseded"), "superseded"),
        (httpx.Response(401, json={"error": "invalid_token"}), None),
        (httpx.Response(401, json={"reason": 7}), None),
        (httpx.Response(401, json=["reason"]), None),
        (httpx.Response(401, text="no json"), None),
    ],
)
def test_the_rejection_reason_is_read_from_a_json_body_only(
    response: httpx.Response, reason: str | None
) -> None:
    assert rejection_reason(response) == reason


async def test_the_401_event_names_the_servers_reason(
    device: Device, clock: VirtualClock, respx_mock: respx.MockRouter, events: list[DeviceEvent]
) -> None:
    token = await signed_in(device, respx_mock, clock)
    token.side_effect = lambda request: httpx.Response(200, json=token_body(clock.now()))
    respx_mock.get(f"{SERVER}/api/me").side_effect = [
        unauthorized("key_retired"),
        httpx.Response(200, json={}),
    ]
    await device.call()
    (event,) = [e for e in events if e.kind == "401"]
    assert (event.path, event.reason) == ("/api/me", "key_retired")  # type: ignore[attr-defined]


def test_the_flow_refuses_a_synchronous_client(device: Device) -> None:
    with (
        httpx.Client(auth=device.auth) as sync,
        pytest.raises(RuntimeError, match=r"^DeviceAuth works with httpx\.AsyncClient only$"),
    ):
        sync.get(f"{SERVER}/api/me")


async def test_signing_out_forgets_the_tokens_in_memory_and_in_the_store(
    device: Device, clock: VirtualClock, respx_mock: respx.MockRouter
) -> None:
    await signed_in(device, respx_mock, clock)
    assert device.store.load(device.store_key) is not None
    await device.session.forget()
    assert device.tokens is None
    assert device.store.load(device.store_key) is None


class DeleteFails(MemoryTokenStore):
    def delete(self, key: StoreKey) -> None:
        raise KeyringUnavailable("the OS keyring is locked; unlock it and try again")


async def test_a_session_that_ends_while_the_store_fails_still_signs_out(
    clock: VirtualClock, respx_mock: respx.MockRouter
) -> None:
    config = DeviceConfig("phone", "mobile", "Phone", "alice", SERVER, refresh_margin=0)
    device = Device(config, store=DeleteFails(), clock=clock, auto_reconnect=False)
    await signed_in(device, respx_mock, clock)
    respx_mock.post(f"{SERVER}/oauth/token").return_value = httpx.Response(
        400, json={"error": "invalid_grant", "error_description": "over", "reason": "forced"}
    )
    respx_mock.get(f"{SERVER}/api/me").return_value = unauthorized()
    clock.advance(31)
    result = await device.call()
    assert result.status == 401
    assert (device.state, device.reason, device.tokens) == (DeviceState.SIGNED_OUT, "forced", None)
    await device.close()


async def test_an_expired_token_is_not_sent_when_the_proactive_refresh_cannot_reach_the_server(
    clock: VirtualClock, respx_mock: respx.MockRouter
) -> None:
    config = DeviceConfig("pc", "pc", "PC", "alice", SERVER, refresh_margin=5)
    device = Device(config, store=MemoryTokenStore(), clock=clock, auto_reconnect=False)
    token = await signed_in(device, respx_mock, clock)
    token.side_effect = httpx.ConnectError("down")
    api = respx_mock.get(f"{SERVER}/api/me").mock(return_value=httpx.Response(200, json={}))
    clock.advance(27)  # inside the margin, not expired: the old token may still be used
    assert (await device.call()).status == 200
    clock.advance(3)  # exactly at exp: expired, never sent
    result = await device.call()
    assert (result.status, result.error) == (None, "unreachable")
    assert api.call_count == 1
    await device.close()


async def test_the_refresh_backoff_doubles_to_its_cap_and_starts_over_after_a_success(
    device: Device, clock: VirtualClock, respx_mock: respx.MockRouter, events: list[DeviceEvent]
) -> None:
    token = await signed_in(device, respx_mock, clock)
    failing = httpx.Response(503, text="maintenance")
    token.return_value = failing
    respx_mock.get(f"{SERVER}/api/me").return_value = unauthorized()

    async def attempts_after(wait: float) -> int:
        before = token.call_count
        clock.advance(wait)
        await device.call()
        return token.call_count - before

    assert await attempts_after(0) == 1  # 1st failure: wait 1 s
    assert device.tokens is not None
    with pytest.raises(ServerFailure, match=r"next refresh in 1 s$"):
        await device.session.refresh(failed=device.tokens)  # the session's own answer
    expected_waits = [1, 2, 4, 8, 16, 30, 30]  # doubling, capped at 30 s
    for wait in expected_waits:
        assert await attempts_after(wait - 0.01) == 0, f"refreshed before {wait} s"
        assert await attempts_after(0.01) == 1, f"no refresh after {wait} s"
    # A success starts the backoff over: the next failure waits 1 s again.
    token.side_effect = lambda request: httpx.Response(200, json=token_body(clock.now()))
    assert await attempts_after(30) == 1
    assert [e.how for e in events if isinstance(e, TokensIssued)] == ["login", "refresh"]
    token.side_effect = None
    token.return_value = failing
    clock.advance(31)  # the new token has expired too
    assert await attempts_after(0) == 1
    assert await attempts_after(0.99) == 0
    assert await attempts_after(0.02) == 1


class SaveFails(MemoryTokenStore):
    def save(self, key: StoreKey, tokens: TokenSet) -> None:
        raise KeyringUnavailable("the OS keyring is locked; unlock it and try again")


async def test_unkept_tokens_are_revoked_and_a_failed_revocation_is_said(
    clock: VirtualClock, respx_mock: respx.MockRouter
) -> None:
    config = DeviceConfig("phone", "mobile", "Phone", "alice", SERVER)
    device = Device(config, store=SaveFails(), clock=clock, auto_reconnect=False)
    seen: list[DeviceEvent] = []
    device.subscribe(seen.append)
    respx_mock.post(f"{SERVER}/oauth/token").respond(json=token_body(clock.now()))
    revoke = respx_mock.post(f"{SERVER}/oauth/revoke")
    revoke.return_value = httpx.Response(503)
    try:
        with pytest.raises(KeyringUnavailable):
            await device.login("alice-pass")
    finally:
        await device.close()
    assert revoke.call_count == 1
    assert revoke.calls[0].request.content.decode().startswith("token=")
    warnings = [e.message for e in seen if isinstance(e, Notice) and e.level == "warning"]
    assert any("stays active there until it expires" in m for m in warnings), warnings


async def test_a_device_without_tokens_says_it_is_not_signed_in(device: Device) -> None:
    with pytest.raises(NotSignedIn, match=r"^the device is not signed in$"):
        device.session.require_tokens()
    result = await device.call()
    assert (result.ok, result.error) == (False, "not_signed_in")
