"""The lab's devices against an OpenID Provider nobody here wrote (issue 13): panva's
certified ``oidc-provider``, with its own login and consent pages. Its
configuration is ``oidc/server.mjs``; its packages come from the committed lock
file."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from client import DeviceState, Lab, MemoryTokenStore
from client.errors import SessionEnded
from client.flows import Autopilot
from client.registry import MemoryRegistry

pytestmark = pytest.mark.live
SCOPE = "openid offline_access"  # an OpenID Provider gives refresh tokens for offline_access


@pytest.fixture
async def lab(oidc_provider: str) -> AsyncIterator[Lab]:
    lab = Lab(oidc_provider, store=MemoryTokenStore(), registry=MemoryRegistry(), auto_poll=False)
    yield lab
    await lab.close()


async def test_its_metadata_is_read_through_openid_connect_discovery(
    lab: Lab, oidc_provider: str
) -> None:
    endpoints = await lab.discovery.endpoints()
    assert endpoints.issuer == oidc_provider
    assert endpoints.authorization_endpoint == f"{oidc_provider}/auth"
    assert endpoints.device_authorization_endpoint == f"{oidc_provider}/device/auth"
    assert endpoints.iss_parameter  # RFC 9207: the callback is checked for iss


async def test_a_phone_signs_in_with_code_and_pkce_refreshes_with_rotation_and_signs_out(
    lab: Lab,
) -> None:
    phone = await lab.add_device("phone", "mobile", user="alice", flow="code", scope=SCOPE)
    browser = Autopilot("alice", "any-password")  # the provider's dev login takes any
    await phone.login_in_browser(browser)
    assert phone.state == DeviceState.ACTIVE and phone.tokens is not None
    assert any("/interaction/" in page for page in browser.pages)  # its pages, not ours
    first = phone.tokens
    assert first.refresh_token
    second = await phone.session.refresh(first)
    assert second.refresh_token and second.refresh_token != first.refresh_token  # rotated
    assert second.access_token != first.access_token
    # The rotated-out refresh token is refused by the provider now.
    async with httpx.AsyncClient() as http:
        endpoints = await lab.discovery.endpoints()
        replay = await http.post(
            endpoints.token_endpoint,
            data={
                "grant_type": "refresh_token",
                "refresh_token": first.refresh_token,
                "client_id": "jwt-device-lab",
            },
        )
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    await phone.logout()  # RFC 7009 revocation at the provider
    assert phone.state == DeviceState.SIGNED_OUT and phone.tokens is None
    with pytest.raises(SessionEnded):  # revoked: the family no longer refreshes
        await phone.oauth.refresh_grant(second, phone.clock.now())


async def test_a_tv_completes_the_device_grant_approved_on_the_phone(lab: Lab) -> None:
    await lab.add_device("phone", "mobile", user="alice", flow="code", scope=SCOPE)
    tv = await lab.add_device("tv", "tv", user="alice", flow="device", scope=SCOPE)
    shown = await tv.start_device_flow()
    assert shown.verification_uri_complete and shown.user_code in shown.verification_uri_complete
    text = await lab.approve_device("tv", "phone", "any-password")
    assert "success" in text.lower()
    tv._next_poll = 0  # its interval is real time here; poll now
    assert await tv.poll_device_flow()
    assert tv.state == DeviceState.ACTIVE and tv.tokens is not None and tv.tokens.refresh_token


async def test_a_denied_tv_is_refused_by_the_provider(lab: Lab) -> None:
    await lab.add_device("phone", "mobile", user="alice", flow="code", scope=SCOPE)
    tv = await lab.add_device("tv", "tv", user="alice", flow="device", scope=SCOPE)
    await tv.start_device_flow()
    assert tv.pending is not None
    browser = Autopilot("alice", "x", choose={"abort": "yes"})
    await browser.approve(tv.pending.verification_uri_complete or tv.pending.verification_uri)
    tv._next_poll = 0
    assert not await tv.poll_device_flow()
    assert tv.state == DeviceState.SIGNED_OUT and tv.pending is None
    assert tv.message is not None and "denied" in tv.message  # access_denied, said
