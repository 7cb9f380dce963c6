"""The token endpoint: password and refresh grants, and RFC 6749 §5.2 errors."""

from __future__ import annotations

import httpx
import pytest

from mock_server import Settings, VirtualClock, create_app
from tests.conftest import BASE_URL
from tests.server.helpers import CLIENT_ID, claims, header, login, me, refresh


async def test_password_grant_issues_an_at_jwt_and_an_rt_jwt(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/oauth/token",
        data={
            "grant_type": "password",
            "username": "alice",
            "password": "alice-pass",
            "client_id": CLIENT_ID,
            "device_id": "phone-1",
            "device_type": "mobile",
            "device_name": "Alice's phone",
        },
    )
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 30
    assert body["refresh_expires_in"] == 180
    assert body["scope"] == "profile messages"

    assert header(body["access_token"])["typ"] == "at+jwt"
    assert header(body["access_token"])["alg"] == "EdDSA"
    access = claims(body["access_token"])
    assert set(access) == {
        "iss",
        "sub",
        "aud",
        "exp",
        "iat",
        "jti",
        "client_id",
        "scope",
        "sid",
        "device_id",
        "device_type",
    }
    assert access["sub"] == "alice"
    assert access["device_id"] == "phone-1"
    assert access["device_type"] == "mobile"
    assert access["exp"] - access["iat"] == 30

    assert header(body["refresh_token"])["typ"] == "rt+jwt"
    refresh_claims = claims(body["refresh_token"])
    assert set(refresh_claims) == {"iss", "sub", "exp", "iat", "jti", "sid"}
    assert refresh_claims["sid"] == access["sid"]
    assert refresh_claims["exp"] - refresh_claims["iat"] == 180


async def test_access_token_opens_the_resource_api(client: httpx.AsyncClient) -> None:
    tokens = await login(client, device_id="pc-1", device_type="pc")
    response = await me(client, tokens["access_token"])
    assert response.status_code == 200
    assert response.json()["user"] == "alice"
    assert response.json()["device_type"] == "pc"


async def test_wrong_password_and_unknown_user_get_the_same_answer(
    client: httpx.AsyncClient,
) -> None:
    wrong = await login(client, "alice", password="nope", expect=400)
    unknown = await login(client, "mallory", password="nope", expect=400)
    assert wrong == unknown
    assert wrong["error"] == "invalid_grant"


async def test_refresh_rotates_the_refresh_token(
    client: httpx.AsyncClient, clock: VirtualClock
) -> None:
    first = await login(client)
    clock.advance(10)
    second = await refresh(client, first["refresh_token"])
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert claims(second["access_token"])["sid"] == claims(first["access_token"])["sid"]
    # Absolute lifetime: rotation does not extend the session.
    assert claims(second["refresh_token"])["exp"] == claims(first["refresh_token"])["exp"]
    assert second["refresh_expires_in"] == 170
    assert (await me(client, second["access_token"])).status_code == 200


async def test_sliding_sessions_extend_on_refresh(
    client: httpx.AsyncClient, clock: VirtualClock
) -> None:
    response = await client.patch(
        "/admin/settings",
        json={"session_lifetime": "sliding"},
        headers={"X-Admin-Key": "test-admin-key"},
    )
    assert response.status_code == 200
    first = await login(client)
    clock.advance(100)
    second = await refresh(client, first["refresh_token"])
    assert second["refresh_expires_in"] == 180
    clock.advance(100)  # 200 s after login: past an absolute lifetime, inside a sliding one
    third = await refresh(client, second["refresh_token"])
    assert third["refresh_expires_in"] == 180


async def test_access_token_never_outlives_its_session(
    client: httpx.AsyncClient, clock: VirtualClock
) -> None:
    tokens = await login(client)
    clock.advance(170)
    renewed = await refresh(client, tokens["refresh_token"])
    assert renewed["expires_in"] == 10
    assert renewed["refresh_expires_in"] == 10


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({}, "invalid_request"),
        ({"grant_type": "password"}, "invalid_request"),
        (
            {"grant_type": "password", "username": "alice", "client_id": CLIENT_ID},
            "invalid_request",
        ),
        ({"grant_type": "password", "username": "alice", "password": "x"}, "invalid_request"),
        ({"grant_type": "client_credentials"}, "unsupported_grant_type"),
        ({"grant_type": "refresh_token"}, "invalid_request"),
        ({"grant_type": "refresh_token", "refresh_token": "garbage"}, "invalid_grant"),
        (
            {
                "grant_type": "password",
                "username": "alice",
                "password": "alice-pass",
                "client_id": CLIENT_ID,
                "device_type": "toaster",
            },
            "invalid_request",
        ),
        (
            {
                "grant_type": "password",
                "username": "alice",
                "password": "alice-pass",
                "client_id": CLIENT_ID,
                "scope": "admin",
            },
            "invalid_scope",
        ),
    ],
)
async def test_token_endpoint_errors_follow_rfc6749(
    client: httpx.AsyncClient, data: dict[str, str], error: str
) -> None:
    response = await client.post("/oauth/token", data=data)
    assert response.status_code == 400
    assert response.json()["error"] == error
    assert response.json()["error_description"]


async def test_unknown_client_is_invalid_client(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/oauth/token",
        data={
            "grant_type": "password",
            "username": "alice",
            "password": "alice-pass",
            "client_id": "evil-app",
        },
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


async def test_json_body_is_refused_with_a_clear_error(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/oauth/token", json={"grant_type": "password", "username": "alice"}
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert "x-www-form-urlencoded" in response.json()["error_description"]


async def test_repeated_parameter_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/oauth/token",
        content="grant_type=password&grant_type=refresh_token",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 400
    assert "repeated" in response.json()["error_description"]


async def test_unknown_parameters_are_ignored(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/oauth/token",
        data={
            "grant_type": "password",
            "username": "alice",
            "password": "alice-pass",
            "client_id": CLIENT_ID,
            "color": "blue",
        },
    )
    assert response.status_code == 200


async def test_huge_body_gets_413(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/oauth/token", data={"grant_type": "refresh_token", "refresh_token": "x" * 200_000}
    )
    assert response.status_code == 413
    assert response.json()["error"] == "payload_too_large"


async def test_unknown_client_on_refresh_is_invalid_client(client: httpx.AsyncClient) -> None:
    tokens = await login(client)
    response = await client.post(
        "/oauth/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
            "client_id": "evil-app",
        },
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


async def test_refresh_token_is_bound_to_the_client_it_was_issued_to(
    settings: Settings, clock: VirtualClock
) -> None:
    app = create_app(settings.replace(clients=(CLIENT_ID, "other-app")), clock=clock)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as c:
        tokens = await login(c)
        response = await c.post(
            "/oauth/token",
            data={
                "grant_type": "refresh_token",
                "refresh_token": tokens["refresh_token"],
                "client_id": "other-app",
            },
        )
    assert response.status_code == 400
    assert response.json()["reason"] == "wrong_client"
