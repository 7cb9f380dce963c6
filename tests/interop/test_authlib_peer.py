"""Authlib (a client library nobody here wrote) as a peer of the lab's server
(issue 13): the authorization code with PKCE, the form posted over HTTP, and the
device grant."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from authlib.common.security import generate_token
from authlib.integrations.httpx_client import AsyncOAuth2Client

from mock_server import ServerThread, VirtualClock
from tests.server.helpers import CLIENT_ID, hidden_fields

pytestmark = pytest.mark.live


async def _metadata(url: str) -> dict[str, str]:
    async with httpx.AsyncClient() as http:
        body: dict[str, str] = (
            await http.get(f"{url}/.well-known/oauth-authorization-server")
        ).json()
        return body


REDIRECT = "http://127.0.0.1:8123/callback"  # nothing listens: Authlib reads the Location


async def test_authlib_completes_code_with_pkce(live_server: ServerThread) -> None:
    meta = await _metadata(live_server.url)
    verifier = generate_token(48)
    async with AsyncOAuth2Client(
        client_id=CLIENT_ID,
        redirect_uri=REDIRECT,
        code_challenge_method="S256",
        token_endpoint_auth_method="none",
        leeway=5,  # Authlib's default 60 s would call a 30 s access token expired at once
    ) as client:
        url, state = client.create_authorization_url(
            meta["authorization_endpoint"], code_verifier=verifier, device_id="authlib-app"
        )
        async with httpx.AsyncClient() as browser:  # the user's browser, not the app
            page = await browser.get(url)
            assert page.status_code == 200
            answer = await browser.post(
                meta["authorization_endpoint"],
                data={**hidden_fields(page.text), "username": "bob", "password": "bob-pass"},
            )
        assert answer.status_code == 303
        location = answer.headers["location"]
        assert parse_qs(urlparse(location).query)["state"] == [state]
        token = await client.fetch_token(
            meta["token_endpoint"], authorization_response=location, code_verifier=verifier
        )
        assert token["token_type"] == "Bearer" and token["refresh_token"]
        me = await client.get(f"{live_server.url}/api/me")  # Authlib sends the bearer token
        assert me.status_code == 200
        assert (me.json()["user"], me.json()["device_id"]) == ("bob", "authlib-app")
        refreshed = await client.refresh_token(meta["token_endpoint"])
        assert refreshed["refresh_token"] != token["refresh_token"]  # rotation


async def test_authlib_completes_the_device_grant(
    live_server: ServerThread, clock: VirtualClock
) -> None:
    meta = await _metadata(live_server.url)
    async with (
        AsyncOAuth2Client(client_id=CLIENT_ID, token_endpoint_auth_method="none") as client,
        httpx.AsyncClient() as phone,  # the phone's browser approves
    ):
        started = (
            await phone.post(
                meta["device_authorization_endpoint"],
                data={"client_id": CLIENT_ID, "device_type": "tv", "device_id": "authlib-tv"},
            )
        ).json()
        page = await phone.get(started["verification_uri_complete"])
        approved = await phone.post(
            started["verification_uri"],
            data={
                **hidden_fields(page.text),
                "user_code": started["user_code"],
                "username": "alice",
                "password": "alice-pass",
                "action": "approve",
            },
        )
        assert "Approved" in approved.text
        clock.advance(started["interval"])
        token = await client.fetch_token(
            meta["token_endpoint"],
            grant_type="urn:ietf:params:oauth:grant-type:device_code",
            device_code=started["device_code"],
        )
        assert token["access_token"] and token["refresh_token"]
