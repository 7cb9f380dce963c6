"""The shared store fails (issue 16): Redis stopped under a running server, then
started again on its append-only file. Every request meanwhile gets a 503 with
Retry-After and the OAuth error shape — never a 500, never a token the store
did not record — and the server recovers by itself; nothing written is lost."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from tests.conftest import ADMIN_KEY
from tests.redis_server import RedisServer
from tests.serve_process import ServeProcess
from tests.server.helpers import ADMIN, claims, login, password_request

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def server(redis_server: RedisServer) -> Iterator[str]:
    serving = ServeProcess(
        "--store", redis_server.url, "--admin-key", ADMIN_KEY, "--log-level", "critical"
    )
    try:
        yield serving.url
    finally:
        serving.stop()


@pytest.fixture
async def http(server: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server, timeout=10) as client:
        yield client


def refresh_form(tokens: dict[str, str]) -> dict[str, str]:
    return {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}


async def until_answered(http: httpx.AsyncClient, seconds: float = 10.0) -> None:
    """The server has found Redis again (it reconnects by itself)."""
    async with asyncio.timeout(seconds):
        while (await http.get("/admin/sessions", headers=ADMIN)).status_code != 200:  # noqa: ASYNC110
            await asyncio.sleep(0.05)


async def test_redis_down_is_a_503_with_retry_after_and_the_server_recovers(
    http: httpx.AsyncClient, redis_server: RedisServer
) -> None:
    before = await login(http, device_id="fault-phone")
    redis_server.stop()
    try:
        asked = {
            "login": await password_request(http, device_id="fault-pc"),
            "refresh": await http.post("/oauth/token", data=refresh_form(before)),
            "api": await http.get(
                "/api/me", headers={"Authorization": f"Bearer {before['access_token']}"}
            ),
            "admin": await http.get("/admin/sessions", headers=ADMIN),
            "revoke": await http.post("/oauth/revoke", data={"token": before["refresh_token"]}),
        }
        for name, answer in asked.items():
            assert answer.status_code == 503, (name, answer.status_code, answer.text)
            assert answer.headers["retry-after"] == "1", name
            body = answer.json()
            assert (body["error"], body["reason"]) == (
                "temporarily_unavailable",
                "store_unavailable",
            )
            assert "access_token" not in body  # nothing issued that the store did not keep
        # What needs no store still answers.
        assert (await http.get("/healthz")).status_code == 200
        assert (await http.get("/.well-known/jwks.json")).status_code == 200
    finally:
        redis_server.start()
    await until_answered(http)
    # Nothing was kept from the outage, and nothing before it was lost.
    sessions = (await http.get("/admin/sessions?user=alice", headers=ADMIN)).json()["sessions"]
    assert [s["device_id"] for s in sessions] == ["fault-phone"]
    again = await http.post("/oauth/token", data=refresh_form(before))
    assert again.status_code == 200, again.text


async def test_a_redis_restart_on_its_append_only_file_loses_nothing(
    http: httpx.AsyncClient, redis_server: RedisServer
) -> None:
    await http.patch("/admin/settings", json={"reuse_grace": 0}, headers=ADMIN)
    first = await login(http, "bob", device_id="aof-pc", device_type="pc")
    rotated = await http.post("/oauth/token", data=refresh_form(first))
    assert rotated.status_code == 200, rotated.text
    second = rotated.json()
    sid = claims(first["access_token"])["sid"]
    redis_server.stop()
    redis_server.start()
    await until_answered(http)
    lineage = (await http.get(f"/admin/sessions/{sid}/lineage", headers=ADMIN)).json()
    assert [t["rotated_at"] is not None for t in lineage["tokens"]] == [True, False]
    # The rotation was kept: the retired token is reuse, the session ends with it.
    replay = await http.post("/oauth/token", data=refresh_form(first))
    assert (replay.status_code, replay.json()["reason"]) == (400, "reuse_detected")
    refused = await http.post("/oauth/token", data=refresh_form(second))
    assert refused.json()["reason"] == "reuse_detected"
