"""Browser sign-in on the lab's server: authorization code + PKCE (RFC 6749 §4.1,
RFC 7636, RFC 9207) and the device grant (RFC 8628), with the password grant as
a legacy setting (issue 13)."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from contract import USER_CODE_ALPHABET
from mock_server import VirtualClock
from tests.server.helpers import (
    ADMIN,
    REDIRECT,
    authorize_params,
    claims,
    code_for,
    exchange,
    hidden_fields,
    login,
    me,
    pkce,
    poll,
    start_device,
    verify,
)

FORM = re.compile(r'<form method="post" action="[^"]+/oauth/authorize">')


async def _sessions(client: httpx.AsyncClient) -> list[dict[str, object]]:
    body = (await client.get("/admin/sessions", headers=ADMIN)).json()
    sessions: list[dict[str, object]] = body["sessions"]
    return sessions


async def test_metadata_names_the_endpoints_and_exactly_the_grants_that_are_on(
    client: httpx.AsyncClient,
) -> None:
    meta = (await client.get("/.well-known/oauth-authorization-server")).json()
    assert meta["authorization_endpoint"] == "http://testserver/oauth/authorize"
    assert meta["device_authorization_endpoint"] == "http://testserver/oauth/device_authorization"
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert meta["authorization_response_iss_parameter_supported"] is True
    assert meta["response_types_supported"] == ["code"]
    grants = {
        "password",
        "authorization_code",
        "refresh_token",
        "urn:ietf:params:oauth:grant-type:device_code",
    }
    assert set(meta["grant_types_supported"]) == grants
    await client.patch("/admin/settings", headers=ADMIN, json={"password_grant": "off"})
    meta = (await client.get("/.well-known/oauth-authorization-server")).json()
    assert set(meta["grant_types_supported"]) == grants - {"password"}
    refused = await login(client, expect=400)
    assert refused["error"] == "unsupported_grant_type"
    assert "legacy, removed in OAuth 2.1" in refused["error_description"]
    code, verifier, _ = await code_for(client)  # the code flow still signs in
    assert (await exchange(client, code, verifier)).status_code == 200


async def test_the_sign_in_page_is_one_plain_form_and_a_good_password_redirects_with_code_state_iss(
    client: httpx.AsyncClient,
) -> None:
    verifier, challenge = pkce()
    params = authorize_params(challenge)
    page = await client.get("/oauth/authorize", params=params)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert len(FORM.findall(html)) == 1 and "<script" not in html
    assert 'name="username"' in html and 'type="password" id="password" name="password"' in html
    assert '<label for="username">' in html and '<label for="password">' in html
    assert "Alice&#39;s phone (Phone) asks to sign in as you." in html
    hidden = hidden_fields(html)
    assert hidden["csrf"] and hidden["code_challenge"] == challenge
    assert page.headers["x-frame-options"] == "DENY"
    csp = page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "script-src" not in csp
    # Browsers hold the post's redirect to form-action as well: ours, and the callback's.
    assert "form-action 'self' http://127.0.0.1:5555;" in csp
    answer = await client.post(
        "/oauth/authorize", data={**hidden, "username": "alice", "password": "alice-pass"}
    )
    assert answer.status_code == 303
    location = urlparse(answer.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    query = parse_qs(location.query)
    assert query["state"] == ["s-123"] and query["iss"] == ["http://testserver"]
    tokens = (await exchange(client, query["code"][0], verifier)).json()
    assert claims(tokens["access_token"])["sub"] == "alice"
    assert (await me(client, tokens["access_token"])).status_code == 200
    (session,) = await _sessions(client)
    assert (session["device_id"], session["device_name"]) == ("phone", "Alice's phone")


async def test_the_page_speaks_korean_when_asked(client: httpx.AsyncClient) -> None:
    _, challenge = pkce()
    page = await client.get(
        "/oauth/authorize", params=authorize_params(challenge, ui_locales="ko-KR en")
    )
    assert '<html lang="ko">' in page.text
    assert "JWT Device Lab에 로그인" in page.text and ">로그인</button>" in page.text
    assert hidden_fields(page.text)["ui_locales"] == "ko-KR en"  # kept through the post
    device = await client.get("/oauth/device", params={"ui_locales": "ko"})
    assert "기기에 표시된 코드" in device.text and 'value="approve">승인<' in device.text


async def test_a_wrong_password_shows_the_page_again_without_telling_who_exists(
    client: httpx.AsyncClient,
) -> None:
    _, challenge = pkce()
    page = await client.get("/oauth/authorize", params=authorize_params(challenge))
    answers = []
    for user in ("alice", "nobody"):
        answer = await client.post(
            "/oauth/authorize",
            data={**hidden_fields(page.text), "username": user, "password": "wrong"},
        )
        page = answer  # each answer is the page again, with a fresh form token
        answers.append(answer)
    for answer in answers:
        assert answer.status_code == 400 and "location" not in answer.headers
        assert "The username or password is wrong." in answer.text
    # The login rate limit applies to the page as to the password grant.
    for _ in range(6):
        page = await client.post(
            "/oauth/authorize",
            data={**hidden_fields(page.text), "username": "alice", "password": "wrong"},
        )
    assert page.status_code == 429 and "Too many failed sign-ins" in page.text


async def test_a_code_lives_60_seconds_and_works_once(
    client: httpx.AsyncClient, clock: VirtualClock
) -> None:
    code, verifier, _ = await code_for(client)
    clock.advance(61)
    late = await exchange(client, code, verifier)
    assert late.status_code == 400 and late.json()["error"] == "invalid_grant"
    assert "expired" in late.json()["error_description"]

    code, verifier, _ = await code_for(client)
    assert (await exchange(client, code, verifier)).status_code == 200
    (session,) = [s for s in await _sessions(client) if s["state"] == "active"]
    again = await exchange(client, code, verifier)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    assert again.json()["reason"] == "code_reuse"
    # RFC 6749 §4.1.2: the session the code opened is revoked.
    revoked = next(s for s in await _sessions(client) if s["sid"] == session["sid"])
    assert (revoked["state"], revoked["reason"]) == ("revoked", "code_reuse")


async def test_policies_apply_to_every_grant(client: httpx.AsyncClient) -> None:
    await client.patch("/admin/settings", headers=ADMIN, json={"login_policy": "single"})
    phone = await login(client)  # the password grant, on the phone
    device = await start_device(client)
    assert (await verify(client, device["user_code"])).status_code == 200
    tv = await poll(client, device["device_code"])
    assert tv.status_code == 200
    # The TV approved on the phone logs the phone out: the seed's dual login today.
    await client.patch("/admin/settings", headers=ADMIN, json={"verify_mode": "stateful"})
    refused = await me(client, phone["access_token"])
    assert refused.status_code == 401 and refused.json()["reason"] == "superseded"
    code, verifier, _ = await code_for(client, device_id="pc", device_type="pc")
    assert (await exchange(client, code, verifier)).status_code == 200
    refused = await me(client, tv.json()["access_token"])
    assert refused.status_code == 401 and refused.json()["reason"] == "superseded"


async def test_the_device_grant_from_code_to_tokens(
    client: httpx.AsyncClient, clock: VirtualClock
) -> None:
    device = await start_device(client)
    assert set(device) == {
        "device_code",
        "user_code",
        "verification_uri",
        "verification_uri_complete",
        "expires_in",
        "interval",
    }
    assert re.fullmatch(
        f"[{USER_CODE_ALPHABET}]{{4}}-[{USER_CODE_ALPHABET}]{{4}}", device["user_code"]
    )
    assert device["verification_uri"] == "http://testserver/oauth/device"
    assert device["expires_in"] == 600 and device["interval"] == 5
    pending = await poll(client, device["device_code"])
    assert pending.status_code == 400 and pending.json()["error"] == "authorization_pending"
    hasty = await poll(client, device["device_code"])  # within the interval
    assert hasty.json() == {
        "error": "slow_down",
        "error_description": "polled faster than the interval: wait 10 s",
        "interval": 10,
    }
    page = await client.get(device["verification_uri_complete"])
    assert f'value="{device["user_code"]}"' in page.text  # pre-filled
    typed = device["user_code"].lower().replace("-", " ")  # case and dashes do not matter
    approved = await verify(client, typed)
    assert approved.status_code == 200 and "Approved: TV is signed in as alice." in approved.text
    clock.advance(10)
    tokens = await poll(client, device["device_code"])
    assert tokens.status_code == 200 and claims(tokens.json()["access_token"])["sub"] == "alice"
    clock.advance(10)
    again = await poll(client, device["device_code"])  # the tokens come once
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


async def test_a_denied_or_expired_device_gets_the_matching_answer(
    client: httpx.AsyncClient, clock: VirtualClock
) -> None:
    denied = await start_device(client)
    stranger = await verify(client, denied["user_code"], action="deny", password="")
    assert stranger.status_code == 400  # no one cancels a TV's sign-in without signing in
    assert (await poll(client, denied["device_code"])).json()["error"] == "authorization_pending"
    clock.advance(5)
    answer = await verify(client, denied["user_code"], action="deny")
    assert answer.status_code == 200 and "Denied: TV was not signed in." in answer.text
    assert (await poll(client, denied["device_code"])).json()["error"] == "access_denied"
    late = await start_device(client)
    clock.advance(601)
    assert (await poll(client, late["device_code"])).json()["error"] == "expired_token"
    gone = await verify(client, late["user_code"])
    assert gone.status_code == 400 and "not valid, or it has expired" in gone.text


@pytest.mark.parametrize("off", ["on", "off"])
async def test_the_password_grant_setting_is_validated(client: httpx.AsyncClient, off: str) -> None:
    ok = await client.patch("/admin/settings", headers=ADMIN, json={"password_grant": off})
    assert ok.status_code == 200 and ok.json()["password_grant"] == off
    bad = await client.patch("/admin/settings", headers=ADMIN, json={"password_grant": "maybe"})
    assert bad.status_code in (400, 422) and "error" in bad.json()
