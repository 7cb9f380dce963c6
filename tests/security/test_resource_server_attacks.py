"""Attacks on what the auth server offers resource servers of their own (issue
15): ``/rs/clock``, ``/rs/sessions/{sid}``, ``/rs/revocations``, introspection
with a resource server's credential, and their registration. Only a registered
resource server with its own secret gets in — never the admin key, never a
guess — and junk is a 4xx naming the problem, never a 500."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from mock_server import Settings, VirtualClock, create_app
from tests.conftest import ADMIN_KEY, BASE_URL
from tests.server.helpers import ADMIN, login

SECRET = "api-1-secret-0123456789"
PATHS = ("/rs/clock", "/rs/sessions/some-session", "/rs/revocations")


def basic(user: str, secret: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@pytest.fixture
def app(settings: Settings, clock: VirtualClock) -> FastAPI:
    return create_app(settings, clock=clock, resource_servers=[("api-1", SECRET, None)])


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as c:
        yield c


async def test_its_own_credential_gets_in(client: httpx.AsyncClient) -> None:
    for path in PATHS:
        answer = await client.get(path, headers=basic("api-1", SECRET))
        assert answer.status_code == 200, (path, answer.text)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        basic("api-1", SECRET + "x"),  # a wrong secret
        basic("api-2", SECRET),  # no such resource server
        basic("api-1", ""),
        {"X-Admin-Key": ADMIN_KEY},  # the admin key is not a resource server's
        {"Authorization": f"Bearer {ADMIN_KEY}"},
        {"Authorization": "Basic !!!not-base64!!!"},
        {"Authorization": "Basic " + base64.b64encode(b"no-colon").decode()},
        {"Authorization": "Basic " + base64.b64encode(b"\xff\xfe:\xff").decode()},
        {"Authorization": "Basic " + "A" * 8000},
    ],
)
async def test_anything_else_is_refused_with_a_basic_challenge(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    for path in PATHS:
        answer = await client.get(path, headers=headers)
        assert answer.status_code == 401, (path, answer.text)
        assert answer.json()["error"] == "invalid_client"
        assert answer.headers["www-authenticate"].lower().startswith("basic")


async def test_a_wrong_guess_looks_like_an_unknown_server(client: httpx.AsyncClient) -> None:
    """No oracle: a wrong secret and an unknown id get the same answer."""
    wrong = await client.get("/rs/clock", headers=basic("api-1", "guess-guess-guess"))
    unknown = await client.get("/rs/clock", headers=basic("nobody", "guess-guess-guess"))
    assert wrong.json() == unknown.json()


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/rs/sessions/" + "s" * 129, 400),  # a sid longer than any the server makes
        ("/rs/revocations?since=-1", 400),
        ("/rs/revocations?since=nan", 400),
        ("/rs/revocations?since=1e300", 400),
        ("/rs/revocations?since=yesterday", 400),
    ],
)
async def test_junk_in_the_path_or_query_is_a_4xx(
    client: httpx.AsyncClient, path: str, status: int
) -> None:
    answer = await client.get(path, headers=basic("api-1", SECRET))
    assert answer.status_code == status, answer.text
    assert answer.json()["error"]


async def test_an_unknown_session_is_not_active(client: httpx.AsyncClient) -> None:
    answer = await client.get("/rs/sessions/made-up", headers=basic("api-1", SECRET))
    assert answer.status_code == 200
    assert answer.json()["active"] is False


async def test_introspection_takes_a_resource_server_but_not_a_guess(
    client: httpx.AsyncClient,
) -> None:
    tokens = await login(client, device_id="rs-attack")
    good = await client.post(
        "/oauth/introspect",
        data={"token": tokens["access_token"]},
        headers=basic("api-1", SECRET),
    )
    assert good.status_code == 200 and good.json()["active"] is True
    guessed = await client.post(
        "/oauth/introspect",
        data={"token": tokens["access_token"]},
        headers=basic("api-1", "guess-guess-guess"),
    )
    assert guessed.status_code == 401
    assert guessed.json()["error"] == "invalid_client"
    anonymous = await client.post("/oauth/introspect", data={"token": tokens["access_token"]})
    assert anonymous.status_code == 401


@pytest.mark.parametrize(
    ("rs_id", "body"),
    [
        ("bad id", {"secret": SECRET}),
        ("x" * 65, {"secret": SECRET}),
        ("api-9", {"secret": "short"}),
        ("api-9", {"secret": SECRET, "backchannel_uri": "ftp://example/backchannel"}),
        ("api-9", {"secret": SECRET, "backchannel_uri": "javascript:alert(1)"}),
        ("api-9", {}),
        ("api-9", {"secret": 12345678901234567890}),
    ],
)
async def test_a_bad_registration_is_refused(
    client: httpx.AsyncClient, rs_id: str, body: dict[str, object]
) -> None:
    answer = await client.put(f"/admin/resource-servers/{rs_id}", json=body, headers=ADMIN)
    assert 400 <= answer.status_code < 500, answer.text
    assert answer.json()["error"]


async def test_registration_needs_the_admin_key(client: httpx.AsyncClient) -> None:
    answer = await client.put(
        "/admin/resource-servers/api-9", json={"secret": SECRET}, headers=basic("api-1", SECRET)
    )
    assert answer.status_code == 401
    listed = await client.get("/admin/resource-servers", headers=basic("api-1", SECRET))
    assert listed.status_code == 401
