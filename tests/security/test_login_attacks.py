"""Brute force, user enumeration, and the admin boundary."""

from __future__ import annotations

import statistics
import time

import httpx
import pytest

from mock_server import Settings, VirtualClock, create_app
from tests.conftest import ADMIN_KEY, BASE_URL
from tests.server.helpers import ADMIN, login, password_request


async def test_a_correct_password_is_refused_until_the_lock_passes(
    client: httpx.AsyncClient, clock: VirtualClock
) -> None:
    for _ in range(5):
        await login(client, password="guess", expect=400)
    for _ in range(3):
        locked = await password_request(client)
        assert locked.status_code == 429
        assert int(locked.headers["retry-after"]) >= 1
        assert "access_token" not in locked.text
    clock.advance(int(locked.headers["retry-after"]))
    await login(client)


async def test_usernames_are_matched_case_insensitively_by_the_limiter(
    client: httpx.AsyncClient,
) -> None:
    for name in ("alice", "ALICE", "Alice", "aLiCe", "alicE"):
        await login(client, name, password="guess", expect=400)
    await login(client, "alice", expect=429)


async def test_messages_do_not_reveal_whether_a_user_exists(client: httpx.AsyncClient) -> None:
    known = await client.post(
        "/oauth/token",
        data={
            "grant_type": "password",
            "username": "alice",
            "password": "nope",
            "client_id": "jwt-device-lab",
        },
    )
    unknown = await client.post(
        "/oauth/token",
        data={
            "grant_type": "password",
            "username": "nobody",
            "password": "nope",
            "client_id": "jwt-device-lab",
        },
    )
    assert known.status_code == unknown.status_code == 400
    assert known.json() == unknown.json()
    assert dict(known.headers) == dict(unknown.headers) | {
        "content-length": known.headers["content-length"]
    }


@pytest.mark.timing
async def test_response_times_do_not_reveal_whether_a_user_exists() -> None:
    """Unknown users are checked against a dummy Argon2 hash with the real cost.

    Medians of interleaved attempts with the production ('default') profile;
    without the dummy check an unknown user answers about 100× faster.
    """
    app = create_app(
        Settings(
            issuer=BASE_URL,
            admin_key=ADMIN_KEY,
            login_max_failures=10**6,
            login_max_failures_per_address=10**6,
        ),
        clock=VirtualClock(),
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as c:

        async def timed(user: str) -> float:
            start = time.perf_counter()
            await login(c, user, password="wrong", expect=400)
            return time.perf_counter() - start

        known, unknown = [], []
        for _ in range(9):
            known.append(await timed("alice"))
            unknown.append(await timed("nobody"))
    ratio = statistics.median(unknown) / statistics.median(known)
    assert 0.5 < ratio < 2.0, (statistics.median(known), statistics.median(unknown))


@pytest.mark.parametrize(
    "header",
    [
        {},
        {"X-Admin-Key": ""},
        {"X-Admin-Key": "x" * 10_000},
        {"X-Admin-Key": ADMIN_KEY[:-1]},
        {"Authorization": f"Basic {ADMIN_KEY}"},
    ],
)
async def test_the_admin_api_refuses_anything_but_the_key(
    client: httpx.AsyncClient, header: dict[str, str]
) -> None:
    for method, path in (
        ("GET", "/admin/state"),
        ("POST", "/admin/force-expire"),
        ("DELETE", "/admin/users/alice"),
        ("POST", "/oauth/introspect"),
    ):
        response = await client.request(method, path, headers=header)
        assert response.status_code == 401
        assert response.json()["error"] == "admin_key_required"
    assert (await client.get("/admin/users", headers=ADMIN)).json()["users"][0][
        "username"
    ] == "alice"


async def test_a_user_cannot_see_or_end_another_users_sessions(client: httpx.AsyncClient) -> None:
    alice = await login(client, "alice")
    bob = await login(client, "bob", device_id="bob-phone")
    as_bob = {"Authorization": f"Bearer {bob['access_token']}"}
    listed = (await client.get("/api/sessions", headers=as_bob)).json()["sessions"]
    assert {s["user"] for s in listed} == {"bob"}
    alice_sid = (
        await client.get(
            "/api/sessions", headers={"Authorization": f"Bearer {alice['access_token']}"}
        )
    ).json()["sessions"][0]["sid"]
    response = await client.delete(f"/api/sessions/{alice_sid}", headers=as_bob)
    assert response.status_code == 404  # not even told that it exists
