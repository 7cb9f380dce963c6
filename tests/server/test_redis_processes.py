"""Every guarantee across processes (issue 16): four real ``jwt-lab serve``
processes, each its own uvicorn on its own port, sharing one real redis-server
(``--store redis://…``) and one issuer, as instances behind a load balancer.

Requests are spread over the four: what one process decides, the others must
see — a rotation, a login policy, a revocation, a key — with nothing held in
any one process's memory or lock.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from httpx_sse import aconnect_sse

from client.dpop import DPoPKey
from contract import NOTIFICATIONS_PATH
from tests.conftest import ADMIN_KEY
from tests.redis_server import RedisServer
from tests.serve_process import ServeProcess
from tests.server.helpers import (
    ADMIN,
    authorize_params,
    claims,
    exchange,
    hidden_fields,
    login,
    password_request,
    pkce,
    poll,
    start_device,
    verify,
)

pytestmark = pytest.mark.live

ISSUER = "http://lab.test"
PROCESSES = 4


@pytest.fixture(scope="module")
def servers(redis_server: RedisServer) -> Iterator[list[str]]:
    started: list[ServeProcess] = []
    try:
        for _ in range(PROCESSES):
            started.append(
                ServeProcess(
                    "--store",
                    redis_server.url,
                    "--issuer",
                    ISSUER,
                    "--admin-key",
                    ADMIN_KEY,
                    "--log-level",
                    "warning",
                )
            )
        yield [s.url for s in started]
    finally:
        for server in started:
            server.stop()


@pytest.fixture
async def http(servers: list[str]) -> AsyncIterator[list[httpx.AsyncClient]]:
    """One client per process; the settings back to their defaults, everywhere."""
    clients = [httpx.AsyncClient(base_url=url, timeout=15) for url in servers]
    try:
        await set_everywhere(clients, login_policy="multi", verify_mode="stateless", reuse_grace=2)
        yield clients
    finally:
        for client in clients:
            await client.aclose()


async def until(check: Callable[[], Awaitable[bool]], seconds: float = 5.0) -> None:
    """Wait (yielding to the loop) until ``check`` holds: news between processes
    travels over Redis pub/sub, so it is seen a moment later, not at once."""
    async with asyncio.timeout(seconds):
        while not await check():  # noqa: ASYNC110 - the news is in another process
            await asyncio.sleep(0.01)


async def set_everywhere(clients: list[httpx.AsyncClient], **changes: Any) -> None:
    """PATCH the settings at one process; wait until every process has them."""
    answer = await clients[0].patch("/admin/settings", json=changes, headers=ADMIN)
    assert answer.status_code == 200, answer.text

    async def everywhere() -> bool:
        for client in clients:
            current = (await client.get("/admin/settings", headers=ADMIN)).json()
            if any(current[name] != value for name, value in changes.items()):
                return False
        return True

    await until(everywhere)


async def add_user(clients: list[httpx.AsyncClient], name: str) -> None:
    answer = await clients[-1].put(
        f"/admin/users/{name}", json={"password": f"{name}-pass"}, headers=ADMIN
    )
    assert answer.status_code == 200, answer.text


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def test_the_processes_share_one_issuer_and_each_others_keys(
    http: list[httpx.AsyncClient],
) -> None:
    """Each process may have made a key as it started; a token signed by any is
    accepted by every one (a key it has not seen is read from the store)."""
    for i, signer in enumerate(http):
        tokens = await login(signer, device_id=f"keys-{i}")
        assert claims(tokens["access_token"])["iss"] == ISSUER
        for other in http:
            answer = await other.get("/api/me", headers=bearer(tokens))
            assert answer.status_code == 200, (i, answer.text)


async def test_concurrent_refreshes_over_four_processes_rotate_once(
    http: list[httpx.AsyncClient],
) -> None:
    first = await login(http[0], device_id="race-phone")
    requests = [
        http[i % PROCESSES].post(
            "/oauth/token",
            data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
        )
        for i in range(8 * PROCESSES)
    ]
    answers = await asyncio.gather(*requests)
    assert {a.status_code for a in answers} == {200}, [a.text for a in answers][:3]
    # One rotation: every process answered with the one successor pair (the
    # others within the reuse grace), read back from the store where it is sealed.
    assert len({a.json()["refresh_token"] for a in answers}) == 1
    assert len({a.json()["access_token"] for a in answers}) == 1
    sid = claims(first["access_token"])["sid"]
    lineage = (await http[3].get(f"/admin/sessions/{sid}/lineage", headers=ADMIN)).json()
    assert [t["rotated_at"] is not None for t in lineage["tokens"]] == [True, False]


async def test_reuse_is_detected_by_any_process(http: list[httpx.AsyncClient]) -> None:
    await set_everywhere(http, reuse_grace=0)
    first = await login(http[0], device_id="reuse-phone")
    second = await http[1].post(
        "/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
    )
    assert second.status_code == 200
    replay = await http[2].post(
        "/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
    )
    assert (replay.status_code, replay.json()["reason"]) == (400, "reuse_detected")
    # The whole family is dead, at every process: the newest refresh token too.
    newest = await http[3].post(
        "/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": second.json()["refresh_token"]},
    )
    assert (newest.status_code, newest.json()["reason"]) == (400, "reuse_detected")


async def test_logins_racing_on_every_process_under_single_leave_one_session(
    http: list[httpx.AsyncClient],
) -> None:
    await add_user(http, "carol")
    await set_everywhere(http, login_policy="single")
    logins = [
        login(http[i % PROCESSES], "carol", device_id=f"carol-{i}", device_type="pc")
        for i in range(2 * PROCESSES)
    ]
    await asyncio.gather(*logins)
    for client in http:
        sessions = (await client.get("/admin/sessions?user=carol", headers=ADMIN)).json()
        assert [s["state"] for s in sessions["sessions"]].count("active") == 1


async def test_a_revocation_at_one_is_refused_at_once_by_every_other_when_stateful(
    http: list[httpx.AsyncClient],
) -> None:
    await set_everywhere(http, verify_mode="stateful")
    tokens = await login(http[0], device_id="stateful-phone")
    for client in http:  # every process has seen the session active (and may cache)
        assert (await client.get("/api/me", headers=bearer(tokens))).status_code == 200
    sid = claims(tokens["access_token"])["sid"]
    assert (await http[1].delete(f"/admin/sessions/{sid}", headers=ADMIN)).status_code == 200
    for client in http:  # at once: no waiting for news
        refused = await client.get("/api/me", headers=bearer(tokens))
        assert (refused.status_code, refused.json()["reason"]) == (401, "forced")


async def test_a_device_listening_at_one_process_hears_a_revocation_at_another(
    http: list[httpx.AsyncClient],
) -> None:
    tokens = await login(http[0], device_id="listening-phone")
    sid = claims(tokens["access_token"])["sid"]
    events: list[str] = []
    opened = asyncio.Event()

    async def listen() -> None:
        async with aconnect_sse(http[0], "GET", NOTIFICATIONS_PATH, headers=bearer(tokens)) as s:
            opened.set()
            async for sse in s.aiter_sse():
                if sse.data:
                    events.append(sse.event)

    listening = asyncio.create_task(listen())
    await asyncio.wait_for(opened.wait(), 5)
    assert (await http[3].delete(f"/admin/sessions/{sid}", headers=ADMIN)).status_code == 200
    await asyncio.wait_for(listening, 5)  # told, and the stream closed
    assert events == ["signed_out"]


async def test_a_key_rotated_and_retired_at_one_is_honoured_by_all(
    http: list[httpx.AsyncClient],
) -> None:
    before = await login(http[0], device_id="key-old")
    rotated = (await http[2].post("/admin/keys/rotate", headers=ADMIN)).json()
    after = await login(http[2], device_id="key-new")
    assert jwt_kid(after["access_token"]) == rotated["kid"]
    for client in http:
        assert (await client.get("/api/me", headers=bearer(after))).status_code == 200
    old_kid = jwt_kid(before["access_token"])
    answer = await http[2].post("/admin/keys/retire", json={"kid": old_kid}, headers=ADMIN)
    assert answer.status_code == 200, answer.text

    async def refused_everywhere() -> bool:
        answers = [await c.get("/api/me", headers=bearer(before)) for c in http]
        return all(a.status_code == 401 for a in answers)

    await until(refused_everywhere)
    for client in http:
        refused = await client.get("/api/me", headers=bearer(before))
        assert refused.json()["reason"] == "key_retired"


def jwt_kid(token: str) -> str:
    import jwt

    return str(jwt.get_unverified_header(token)["kid"])


async def test_a_code_from_one_process_is_exchanged_at_another_and_once(
    http: list[httpx.AsyncClient],
) -> None:
    """The sign-in page at one process, the form posted to a second, the code
    exchanged at a third; its replay at the fourth revokes what it opened."""
    verifier, challenge = pkce()
    params = authorize_params(challenge, device_id="code-phone")
    page = await http[0].get("/oauth/authorize", params=params)
    assert page.status_code == 200, page.text
    answer = await http[1].post(
        "/oauth/authorize",
        data={**hidden_fields(page.text), "username": "alice", "password": "alice-pass"},
    )
    assert answer.status_code == 303, answer.text
    code = parse_qs(urlparse(answer.headers["location"]).query)["code"][0]
    tokens = await exchange(http[2], code, verifier)
    assert tokens.status_code == 200, tokens.text
    again = await exchange(http[3], code, verifier)
    assert (again.status_code, again.json()["reason"]) == (400, "code_reuse")
    refused = await http[0].get("/api/me", headers=bearer(tokens.json()))
    assert refused.status_code == 200  # stateless: the signature still holds…
    sid = claims(tokens.json()["access_token"])["sid"]
    lineage = (await http[1].get(f"/admin/sessions/{sid}/lineage", headers=ADMIN)).json()
    assert lineage["ended"]["reason"] == "code_reuse"  # …but the session is over


async def test_the_device_grant_across_processes_is_exchanged_once(
    http: list[httpx.AsyncClient],
) -> None:
    started = await start_device(http[0], device_id="tv-procs")
    approved = await verify(http[1], started["user_code"])
    assert approved.status_code == 200, approved.text
    answers = await asyncio.gather(*(poll(c, started["device_code"]) for c in http))
    assert sorted(a.status_code for a in answers) == [200, 400, 400, 400]


async def test_a_dpop_proof_replayed_to_another_process_is_refused(
    http: list[httpx.AsyncClient],
) -> None:
    key = DPoPKey.generate()
    proof = key.proof("POST", f"{ISSUER}/oauth/token", time.time())
    first = await password_request(http[0], headers={"DPoP": proof}, device_id="dpop-phone")
    assert first.status_code == 200, first.text
    replayed = await password_request(http[1], headers={"DPoP": proof}, device_id="dpop-phone")
    assert (replayed.status_code, replayed.json()["reason"]) == (400, "replayed_proof")


async def test_failed_logins_are_counted_across_processes(http: list[httpx.AsyncClient]) -> None:
    await add_user(http, "dave")
    for i in range(5):  # login_max_failures, spread over the processes
        await login(http[i % PROCESSES], "dave", password="wrong", expect=400)
    for client in http:
        locked = await login(client, "dave", expect=429)
        assert locked["reason"] == "rate_limited"


async def test_the_event_stream_of_any_process_carries_the_events_of_all(
    http: list[httpx.AsyncClient],
) -> None:
    start = (await http[2].get("/admin/state", headers=ADMIN)).json()["last_event_id"]
    seen: list[dict[str, Any]] = []
    opened = asyncio.Event()

    async def follow() -> None:
        async with aconnect_sse(
            http[2], "GET", f"/admin/events?after={start}", headers=ADMIN
        ) as source:
            opened.set()
            async for sse in source.aiter_sse():
                seen.append({"id": int(sse.id), **json.loads(sse.data)})
                if sse.event == "session_revoked":
                    return

    following = asyncio.create_task(follow())
    await asyncio.wait_for(opened.wait(), 5)
    tokens = await login(http[0], device_id="events-phone")
    sid = claims(tokens["access_token"])["sid"]
    assert (await http[1].delete(f"/admin/sessions/{sid}", headers=ADMIN)).status_code == 200
    await asyncio.wait_for(following, 10)
    mine = [e for e in seen if e.get("sid") == sid]
    assert [e["type"] for e in mine] == ["login", "session_revoked"]
    ids = [e["id"] for e in seen]
    assert ids == sorted(ids) and len(set(ids)) == len(ids) and ids[0] > start
    # Kept: the same events, read back later from a fourth process.
    kept = await http[3].get(f"/admin/events?after={start}&follow=false", headers=ADMIN)
    kept_ids = [int(line[4:]) for line in kept.text.splitlines() if line.startswith("id: ")]
    assert set(ids) <= set(kept_ids)
