"""Every admin route, as the app itself lists them: none opens without the admin key.

The routes come from the app's OpenAPI document, not from a hand-written list,
so a route added later is covered the day it exists.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from mock_server import Settings, VirtualClock, create_app
from tests.conftest import ADMIN_KEY, BASE_URL
from tests.server.helpers import ADMIN, login

# Routes outside /admin that need the admin key as well.
ADMIN_ONLY_ELSEWHERE = {("POST", "/oauth/introspect")}


def admin_routes(app: FastAPI) -> list[tuple[str, str]]:
    routes = [
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        for method in operations
        if path.startswith("/admin")
    ]
    return sorted(routes) + sorted(ADMIN_ONLY_ELSEWHERE)


ROUTES = admin_routes(create_app(Settings(admin_key="x", password_profile="fast")))


def test_the_route_list_is_the_whole_admin_api() -> None:
    # A sanity floor: the OpenAPI document really lists the admin API.
    assert len(ROUTES) >= 17
    for route in [
        ("DELETE", "/admin/sessions/{sid}"),
        ("POST", "/admin/keys/retire"),
        ("PUT", "/admin/clock"),
        ("POST", "/admin/clock/advance"),
        ("PUT", "/admin/users/{username}"),
        ("DELETE", "/admin/users/{username}"),
        ("GET", "/admin/events"),
    ]:
        assert route in ROUTES


# A body that the route would accept with the right key: a refusal can only
# come from the missing key, never from validation.
BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("PATCH", "/admin/settings"): {"login_policy": "single"},
    ("POST", "/admin/force-expire"): {"user": "alice"},
    ("PUT", "/admin/users/{username}"): {"password": "new-pass"},
    ("POST", "/admin/keys/retire"): {},
    ("PUT", "/admin/clock"): {"rate": 2},
    ("POST", "/admin/clock/advance"): {"seconds": 100},
    ("PUT", "/admin/resource-servers/{rs_id}"): {"secret": "a-secret-of-16-chars"},
}


@pytest.fixture
async def with_session(client: httpx.AsyncClient) -> dict[str, Any]:
    tokens = await login(client)
    await client.post("/admin/keys/rotate", headers=ADMIN)  # something to retire
    put = await client.put(  # something to delete
        "/admin/resource-servers/rs-1", json={"secret": "rs-1-secret-0123456"}, headers=ADMIN
    )
    assert put.status_code == 200, put.text
    sid = (await client.get("/admin/sessions", headers=ADMIN)).json()["sessions"][0]["sid"]
    return {**tokens, "sid": sid}


def request_for(method: str, path: str, sid: str, access_token: str) -> tuple[str, dict[str, Any]]:
    url = path.replace("{sid}", sid).replace("{username}", "alice").replace("{rs_id}", "rs-1")
    if (method, path) == ("POST", "/oauth/introspect"):
        return url, {"data": {"token": access_token}}
    if (method, path) == ("GET", "/admin/events"):
        return url + "?follow=false", {}
    body = BODIES.get((method, path))
    return url, ({"json": body} if body is not None else {})


def credentials(tokens: dict[str, Any]) -> dict[str, dict[str, str]]:
    return {
        "missing": {},
        "wrong X-Admin-Key": {"X-Admin-Key": ADMIN_KEY + "x"},
        "wrong bearer": {"Authorization": "Bearer not-the-key"},
        "empty X-Admin-Key": {"X-Admin-Key": ""},
        "key as Basic": {"Authorization": f"Basic {ADMIN_KEY}"},
        "device access token": {"Authorization": f"Bearer {tokens['access_token']}"},
        "device refresh token": {"Authorization": f"Bearer {tokens['refresh_token']}"},
        "device token as X-Admin-Key": {"X-Admin-Key": tokens["access_token"]},
    }


@pytest.mark.parametrize(("method", "path"), ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
async def test_every_admin_route_refuses_a_missing_wrong_or_device_key(
    client: httpx.AsyncClient,
    clock: VirtualClock,
    with_session: dict[str, Any],
    method: str,
    path: str,
) -> None:
    url, kwargs = request_for(method, path, with_session["sid"], with_session["access_token"])
    before = (await client.get("/admin/state", headers=ADMIN)).json()
    for name, headers in credentials(with_session).items():
        response = await client.request(method, url, headers=headers, **kwargs)
        assert response.status_code == 401, (name, response.text)
        assert response.json()["error"] == "admin_key_required", name
    after = (await client.get("/admin/state", headers=ADMIN)).json()
    assert after == before, "a refused admin call changed the server"
    # And with the key, the very same request is accepted.
    response = await client.request(method, url, headers=ADMIN, **kwargs)
    assert response.status_code == 200, response.text


async def test_the_admin_key_of_another_server_does_not_open_this_one() -> None:
    other = create_app(Settings(issuer=BASE_URL, admin_key="other-key", password_profile="fast"))
    transport = httpx.ASGITransport(app=other)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
        response = await client.get("/admin/state", headers=ADMIN)
        assert response.status_code == 401
