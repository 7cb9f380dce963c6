"""Attacks on browser sign-in (issue 13): each is refused with a reason, never a 500,
and loses nothing of the legitimate user's."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from fastapi import FastAPI

from mock_server import Settings, VirtualClock, create_app
from tests.conftest import ADMIN_KEY, BASE_URL
from tests.server.helpers import (
    ADMIN,
    CLIENT_ID,
    REDIRECT,
    authorize_params,
    code_for,
    exchange,
    hidden_fields,
    pkce,
    poll,
    start_device,
    verify,
)


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "https://evil.example/callback",
        "http://localhost:5555/callback",  # RFC 8252 §8.3: loopback by IP literal only
        "http://127.0.0.1:5555/callback?next=https://evil.example",
        "http://127.0.0.1:5555/callback#frag",
        "http://127.0.0.1:5555/other",
        "http://127.0.0.1.evil.example:5555/callback",
        "http://127.0.0.1:0/callback",
        "dev.jwtlab.app:/callback/../evil",
        "javascript:alert(1)",
        "",
    ],
)
async def test_an_unregistered_redirect_uri_gets_an_error_page_never_a_redirect(
    client: httpx.AsyncClient, redirect_uri: str
) -> None:
    _, challenge = pkce()
    for method in ("GET", "POST"):
        params = authorize_params(challenge, redirect_uri=redirect_uri)
        if method == "GET":
            answer = await client.get("/oauth/authorize", params=params)
        else:
            answer = await client.post(
                "/oauth/authorize", data={**params, "username": "alice", "password": "alice-pass"}
            )
        assert answer.status_code == 400, (redirect_uri, method)
        assert "location" not in answer.headers
        assert "is not registered for this client" in answer.text or "redirect_uri" in answer.text


async def test_an_unknown_client_gets_an_error_page(client: httpx.AsyncClient) -> None:
    _, challenge = pkce()
    answer = await client.get("/oauth/authorize", params=authorize_params(challenge, client_id="x"))
    assert answer.status_code == 400 and "location" not in answer.headers
    assert "unknown client" in answer.text


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"code_challenge": ""}, "code_challenge is required"),
        ({"code_challenge_method": "plain"}, "code_challenge_method must be S256"),
        ({"code_challenge_method": ""}, "code_challenge_method must be S256"),
        ({"code_challenge": "short"}, "43 base64url characters"),
        ({"response_type": "token"}, "response_type must be 'code'"),
        ({"scope": "admin"}, "unknown or not granted scope"),
        ({"device_type": "toaster"}, "device_type must be one of"),
    ],
)
async def test_a_pkce_downgrade_or_a_bad_request_is_sent_back_with_an_error(
    client: httpx.AsyncClient, changes: dict[str, str], error: str
) -> None:
    _, challenge = pkce()
    answer = await client.get("/oauth/authorize", params=authorize_params(challenge, **changes))
    assert answer.status_code == 303
    location = urlparse(answer.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    query = parse_qs(location.query)
    assert query["error"][0] in ("invalid_request", "unsupported_response_type", "invalid_scope")
    assert error in query["error_description"][0]
    assert query["state"] == ["s-123"] and query["iss"] == [BASE_URL]
    assert "code" not in query


async def test_the_token_endpoint_refuses_a_pkce_downgrade(client: httpx.AsyncClient) -> None:
    code, verifier, _ = await code_for(client)
    missing = await client.post(
        "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "client_id": CLIENT_ID,
        },
    )
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_request"
    other_verifier, _ = pkce()
    wrong = await exchange(client, code, other_verifier)
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    assert "code_verifier does not match" in wrong.json()["error_description"]
    # A code presented with a wrong verifier is spent: the thief cannot try again.
    assert (await exchange(client, code, verifier)).json()["error"] == "invalid_grant"


async def test_a_code_injected_into_another_callback_is_refused(client: httpx.AsyncClient) -> None:
    code, verifier, _ = await code_for(client)
    answer = await exchange(client, code, verifier, redirect_uri="http://127.0.0.1:6666/callback")
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant"
    assert "redirect_uri does not match" in answer.json()["error_description"]


async def test_a_code_for_one_client_does_not_work_for_another(clock: VirtualClock) -> None:
    settings = Settings(
        issuer=BASE_URL,
        password_profile="fast",
        admin_key=ADMIN_KEY,
        clients=(CLIENT_ID, "other-app"),
    )
    app: FastAPI = create_app(settings, clock=clock)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as c:
        code, verifier, _ = await code_for(c)
        stolen = await c.post(
            "/oauth/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": REDIRECT,
                "client_id": "other-app",
                "code_verifier": verifier,
            },
        )
        assert stolen.status_code == 400 and stolen.json()["error"] == "invalid_grant"
        assert "another client" in stolen.json()["error_description"]


async def test_a_replayed_code_revokes_what_it_opened_and_a_stranger_code_is_unknown(
    client: httpx.AsyncClient,
) -> None:
    code, verifier, _ = await code_for(client)
    tokens = (await exchange(client, code, verifier)).json()
    replay = await exchange(client, code, verifier)
    assert replay.json()["reason"] == "code_reuse"
    refused = await client.post(
        "/oauth/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
            "client_id": CLIENT_ID,
        },
    )
    assert refused.status_code == 400 and refused.json()["reason"] == "code_reuse"
    forged = await exchange(client, "A" * 43, verifier)
    assert forged.status_code == 400 and "unknown or expired" in forged.json()["error_description"]


async def test_the_sign_in_form_needs_its_own_unexpired_unused_anti_csrf_token(
    client: httpx.AsyncClient, clock: VirtualClock
) -> None:
    _, challenge = pkce()
    params = authorize_params(challenge)
    credentials = {"username": "alice", "password": "alice-pass"}
    no_token = await client.post("/oauth/authorize", data={**params, **credentials})
    assert no_token.status_code == 400 and "location" not in no_token.headers
    assert "no anti-CSRF token" in no_token.text
    page = await client.get("/oauth/authorize", params=params)
    fields = hidden_fields(page.text)
    # The token is bound to the form's fields: another redirect URI or challenge fails.
    _, other_challenge = pkce()
    tampered = await client.post(
        "/oauth/authorize", data={**fields, **credentials, "code_challenge": other_challenge}
    )
    assert tampered.status_code == 400 and "does not match its fields" in tampered.text
    first = await client.post("/oauth/authorize", data={**fields, **credentials})
    assert first.status_code == 303
    replayed = await client.post("/oauth/authorize", data={**fields, **credentials})
    assert replayed.status_code == 400 and "already submitted" in replayed.text
    page = await client.get("/oauth/authorize", params=params)
    clock.advance(601)
    stale = await client.post("/oauth/authorize", data={**hidden_fields(page.text), **credentials})
    assert stale.status_code == 400 and "expired" in stale.text


async def test_the_device_page_needs_its_token_too(client: httpx.AsyncClient) -> None:
    device = await start_device(client)
    forged = await client.post(
        "/oauth/device",
        data={
            "user_code": device["user_code"],
            "username": "alice",
            "password": "alice-pass",
            "action": "approve",
        },
    )
    assert forged.status_code == 400 and "no anti-CSRF token" in forged.text
    assert (await poll(client, device["device_code"])).json()["error"] == "authorization_pending"


async def test_guessing_user_codes_is_rate_limited_per_address(client: httpx.AsyncClient) -> None:
    device = await start_device(client)
    answers = [await verify(client, "BBBB-BBBB") for _ in range(20)]
    assert all(a.status_code == 400 for a in answers)
    locked = await verify(client, device["user_code"])  # even the right one, for now
    assert locked.status_code == 429 and "Too many wrong codes" in locked.text
    assert (await poll(client, device["device_code"])).json()["error"] == "authorization_pending"


async def test_a_polling_storm_slows_down_and_never_fails(
    client: httpx.AsyncClient, clock: VirtualClock
) -> None:
    device = await start_device(client)
    intervals = []
    for _ in range(30):
        body = (await poll(client, device["device_code"])).json()
        assert body["error"] in ("authorization_pending", "slow_down")
        if body["error"] == "slow_down":
            intervals.append(body["interval"])
    assert intervals == list(range(10, 10 + 5 * len(intervals), 5))  # +5 s each time
    await verify(client, device["user_code"])
    clock.advance(intervals[-1])
    assert (await poll(client, device["device_code"])).status_code == 200


async def test_device_codes_are_bound_to_their_client_and_unknown_ones_are_refused(
    client: httpx.AsyncClient,
) -> None:
    unknown = await poll(client, "not-a-device-code")
    assert unknown.status_code == 400 and unknown.json()["error"] == "invalid_grant"
    no_client = await client.post(
        "/oauth/device_authorization", data={"device_id": "tv", "device_type": "tv"}
    )
    assert no_client.status_code == 400 and no_client.json()["error"] == "invalid_request"
    bad_client = await client.post("/oauth/device_authorization", data={"client_id": "x"})
    assert bad_client.status_code == 401 and bad_client.json()["error"] == "invalid_client"


async def test_a_junk_user_code_in_the_link_is_not_echoed(client: httpx.AsyncClient) -> None:
    page = await client.get("/oauth/device?user_code=%00%3Cb%3EBCDF" + "%00" * 50)
    assert page.status_code == 200
    assert "\x00" not in page.text and "<b>" not in page.text
    assert 'value="bBCDF"' in page.text


@pytest.mark.parametrize(
    "request_kwargs",
    [
        {"method": "GET", "url": "/oauth/authorize?client_id=a&client_id=b"},
        {"method": "GET", "url": "/oauth/authorize?" + "x=" + "y" * 20000},
        {"method": "POST", "url": "/oauth/authorize", "content": b"\xff\xfe", "headers": {}},
        {"method": "POST", "url": "/oauth/device", "json": {"user_code": "x"}},
        {"method": "POST", "url": "/oauth/device_authorization", "content": b"a=" + b"b" * 70000},
    ],
)
async def test_malformed_requests_get_a_4xx_never_a_500(
    client: httpx.AsyncClient, request_kwargs: dict[str, object]
) -> None:
    kwargs = dict(request_kwargs)
    if "content" in kwargs and "headers" not in kwargs:
        kwargs["headers"] = {"content-type": "application/x-www-form-urlencoded"}
    answer = await client.request(**kwargs)  # type: ignore[arg-type]
    assert 400 <= answer.status_code < 500, answer.text
    before = (await client.get("/admin/sessions", headers=ADMIN)).json()["sessions"]
    assert before == []


@pytest.mark.parametrize(
    "token", ["²", "9" * 5000, "1.aaaaaaaaaaaaaaaa." + "é" * 64, "1.é." + "a" * 64, "x.y.z"]
)
async def test_a_forged_form_token_is_refused_not_crashed_on(
    client: httpx.AsyncClient, token: str
) -> None:
    _, challenge = pkce()
    params = authorize_params(challenge)
    for path, data in (
        ("/oauth/authorize", {**params, "csrf": token, "username": "alice", "password": "x"}),
        ("/oauth/device", {"csrf": token, "user_code": "BBBB-BBBB", "action": "approve"}),
    ):
        answer = await client.post(path, data=data)
        assert answer.status_code == 400, (path, answer.text[:200])
        assert "location" not in answer.headers


async def test_a_non_ascii_challenge_is_refused_before_any_code(client: httpx.AsyncClient) -> None:
    answer = await client.get(
        "/oauth/authorize", params=authorize_params("é" * 43), follow_redirects=False
    )
    assert answer.status_code == 303
    assert (
        "43 base64url characters"
        in parse_qs(urlparse(answer.headers["location"]).query)["error_description"][0]
    )


async def test_a_huge_state_is_never_echoed_in_a_redirect(client: httpx.AsyncClient) -> None:
    _, challenge = pkce()
    answer = await client.get(
        "/oauth/authorize",
        params=authorize_params(challenge, state="s" * 20000, response_type="token"),
    )
    assert answer.status_code == 400 and "location" not in answer.headers
    assert "state is longer than 512 characters" in answer.text


async def test_starting_device_sign_ins_is_rate_limited_per_address(
    client: httpx.AsyncClient,
) -> None:
    answers = [
        await client.post("/oauth/device_authorization", data={"client_id": CLIENT_ID})
        for _ in range(61)
    ]
    assert all(a.status_code == 200 for a in answers[:60])
    assert answers[60].status_code == 429 and answers[60].json()["error"] == "slow_down"
