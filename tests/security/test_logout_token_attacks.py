"""Attacks on a resource server's back-channel endpoint (issue 15): forged,
replayed, expired, misaddressed or misshapen logout tokens are refused with a
400 that names the problem (OpenID Back-Channel Logout §2.8), never a 500, and
none of them denies a session."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from fastapi import FastAPI

from contract import BACKCHANNEL_EVENT, LOGOUT_TYP
from mock_server import VirtualClock, tokens
from mock_server.api_server import ApiConfig, ResourceServer, create_api_app
from mock_server.keys import SigningKey
from tests.conftest import BASE_URL

RS_ID = "api-1"
RS_URL = "http://api.test"


@pytest.fixture
async def rs(
    app: FastAPI, clock: VirtualClock
) -> AsyncIterator[tuple[httpx.AsyncClient, ResourceServer]]:
    api = create_api_app(
        ApiConfig(BASE_URL, RS_ID, "api-1-secret-0123456789", "denylist", public_url=RS_URL),
        clock=clock,
        transport=httpx.ASGITransport(app=app),  # the auth server, in process
        sync=False,
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=api), base_url=RS_URL) as c:
        yield c, api.state.resource_server


def _claims(clock: VirtualClock, **changes: Any) -> dict[str, Any]:
    now = int(clock.now())
    claims: dict[str, Any] = {
        "iss": BASE_URL,
        "aud": RS_ID,
        "iat": now,
        "exp": now + 120,
        "jti": secrets.token_urlsafe(12),
        "sid": "sid-of-alice",
        "sub": "alice",
        "events": {BACKCHANNEL_EVENT: {}},
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


async def _signed(app: FastAPI, claims: dict[str, Any], typ: str = LOGOUT_TYP) -> str:
    service = app.state.service
    return tokens.encode(claims, await service.keys.ensure(service.settings.algorithm), typ)


async def _post(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post("/backchannel-logout", data={"logout_token": token})


async def test_a_good_logout_token_denies_its_session_once(
    app: FastAPI, clock: VirtualClock, rs: tuple[httpx.AsyncClient, ResourceServer]
) -> None:
    client, server = rs
    token = await _signed(app, _claims(clock))
    answer = await _post(client, token)
    assert answer.status_code == 200 and answer.json() == {"sid": "sid-of-alice"}
    assert server.denylist.denied("sid-of-alice", clock.now())
    again = await _post(client, token)  # replayed
    assert again.status_code == 400 and "already used" in again.json()["error_description"]


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"aud": "another-api"}, "not issued for here"),
        ({"iss": "http://evil.example"}, "not issued for here"),
        ({"exp": "old"}, "expired"),
        ({"iat": "future"}, "not valid yet"),
        ({"events": None}, "no back-channel logout event"),
        ({"events": {"http://example.com/other": {}}}, "no back-channel logout event"),
        ({"events": {BACKCHANNEL_EVENT: "yes"}}, "no back-channel logout event"),
        ({"nonce": "n-1"}, "must not carry a nonce"),
        ({"sid": None}, "sid"),
        ({"jti": None}, "jti"),
    ],
)
async def test_each_broken_claim_is_refused(
    app: FastAPI,
    clock: VirtualClock,
    rs: tuple[httpx.AsyncClient, ResourceServer],
    changes: dict[str, Any],
    words: str,
) -> None:
    client, server = rs
    now = int(clock.now())
    if changes.get("exp") == "old":
        changes = {"iat": now - 600, "exp": now - 480}
    if changes.get("iat") == "future":
        changes = {"iat": now + 600, "exp": now + 720}
    answer = await _post(client, await _signed(app, _claims(clock, **changes)))
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"] == "invalid_request"
    assert words in answer.json()["error_description"]
    assert len(server.denylist) == 0


async def test_forged_unsigned_and_wrong_kind_tokens_are_refused(
    app: FastAPI, clock: VirtualClock, rs: tuple[httpx.AsyncClient, ResourceServer]
) -> None:
    client, server = rs
    claims = _claims(clock)
    foreign = ed25519.Ed25519PrivateKey.generate()
    service_kid = (await app.state.service.keys.ensure(app.state.service.settings.algorithm)).kid
    forged_key = SigningKey(service_kid, "EdDSA", foreign, foreign.public_key(), 0.0, None)
    forged = tokens.encode(claims, forged_key, LOGOUT_TYP)  # the server's kid, another key
    unknown = tokens.encode(
        claims, SigningKey("kid-x", "EdDSA", foreign, None, 0.0, None), LOGOUT_TYP
    )
    unsigned = jwt.encode(
        claims, None, algorithm="none", headers={"typ": LOGOUT_TYP, "kid": service_kid}
    )
    access_kind = await _signed(app, claims, typ="at+jwt")  # a token of another kind
    login = await _device_tokens(app)
    for token, words in (
        (forged, "signature"),
        (unknown, "not signed by a key of this server"),
        (unsigned, "algorithm"),
        (access_kind, "not a logout token"),
        (login["access_token"], "not a logout token"),
        (login["refresh_token"], "not a logout token"),
        ("not.a.jwt", "not valid base64url JSON"),
        ("garbage", "three dot-separated parts"),
        ("x" * 9000, "longer"),
    ):
        answer = await _post(client, token)
        assert answer.status_code == 400, (words, answer.text)
        assert words in answer.json()["error_description"], answer.text
    assert len(server.denylist) == 0


async def test_malformed_requests_are_400s(
    rs: tuple[httpx.AsyncClient, ResourceServer],
) -> None:
    client, _ = rs
    for kwargs in (
        {},  # no body
        {"json": {"logout_token": "x.y.z"}},  # not a form
        {"data": {"token": "x.y.z"}},  # the wrong parameter
        {
            "content": b"logout_token=a&logout_token=b",
            "headers": {"content-type": "application/x-www-form-urlencoded"},
        },
    ):
        answer = await client.post("/backchannel-logout", **kwargs)
        assert 400 <= answer.status_code < 500, (kwargs, answer.text)
        assert "error" in answer.json()


async def _device_tokens(app: FastAPI) -> dict[str, str]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as c:
        answer = await c.post(
            "/oauth/token",
            data={
                "grant_type": "password",
                "username": "alice",
                "password": "alice-pass",
                "client_id": "jwt-device-lab",
            },
        )
        body: dict[str, str] = answer.json()
        return body
