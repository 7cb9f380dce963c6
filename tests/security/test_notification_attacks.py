"""Attacks on ``GET /api/notifications`` (issue 15): who may listen for the end
of a session. The session comes from the access token alone, so only its
holder — with its key, when the token is bound — can open the stream; every
refusal is a 401 naming the reason, never a 500."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from httpx_sse import aconnect_sse

from contract import NOTIFICATIONS_PATH
from mock_server import VirtualClock
from tests.server.helpers import claims, login
from tests.server.test_dpop import Key, _login

URL = f"http://testserver{NOTIFICATIONS_PATH}"


async def _listen(client: httpx.AsyncClient, **headers: str) -> httpx.Response:
    response = await client.get(NOTIFICATIONS_PATH, headers=headers)
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"]
    return response


@pytest.mark.parametrize(
    ("authorization", "reason"),
    [
        (None, None),
        ("Bearer", None),
        ("Bearer x.y.z", "malformed"),
        ("Bearer " + "A" * 20_000, "malformed"),
        ("Basic YWxpY2U6YWxpY2UtcGFzcw==", None),
        ("Bearer eyJhbGciOiJub25lIn0.eyJzaWQiOiJ4In0.", "wrong_token_type"),
    ],
)
async def test_no_token_or_a_junk_one_opens_nothing(
    client: httpx.AsyncClient, authorization: str | None, reason: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    body = (await _listen(client, **headers)).json()
    assert body["error"] in ("invalid_token", "missing_token", "invalid_request")
    if reason:
        assert body["reason"] == reason


async def test_a_refresh_token_is_not_an_access_token(client: httpx.AsyncClient) -> None:
    tokens = await login(client, device_id="sec-refresh")
    body = (await _listen(client, Authorization=f"Bearer {tokens['refresh_token']}")).json()
    assert body["reason"] == "wrong_token_type"


async def test_a_forged_signature_is_refused(client: httpx.AsyncClient) -> None:
    tokens = await login(client, device_id="sec-forged")
    head, payload, signature = tokens["access_token"].split(".")
    middle = len(signature) // 2
    flipped = "A" if signature[middle] != "A" else "B"
    forged = f"{head}.{payload}.{signature[:middle]}{flipped}{signature[middle + 1 :]}"
    body = (await _listen(client, Authorization=f"Bearer {forged}")).json()
    assert body["reason"] == "invalid_signature"


def test_a_query_cannot_pick_another_session(clock: VirtualClock) -> None:
    """The stream's session is the token's: alice asking for ``?sid=`` of bob's
    session hears of her own end only, never of bob's."""
    import httpx as sync_httpx

    from mock_server import ServerThread, Settings
    from tests.conftest import ADMIN_KEY
    from tests.server.helpers import ADMIN

    async def run(url: str) -> tuple[str, list[dict[str, object]]]:
        async with sync_httpx.AsyncClient(base_url=url, timeout=10) as http:
            alice = await login(http, "alice", device_id="q-alice")
            bob = await login(http, "bob", device_id="q-bob")
            bob_sid = claims(bob["access_token"])["sid"]
            alice_sid = claims(alice["access_token"])["sid"]
            seen: list[dict[str, object]] = []
            headers = {"Authorization": f"Bearer {alice['access_token']}"}
            path = f"{NOTIFICATIONS_PATH}?sid={bob_sid}"

            async def listen() -> None:
                async with aconnect_sse(http, "GET", path, headers=headers) as source:
                    async for sse in source.aiter_sse():
                        if sse.data:
                            seen.append(json.loads(sse.data))

            task = asyncio.create_task(listen())
            async with asyncio.timeout(5):
                while server.service.watchers.count(alice_sid) == 0:  # noqa: ASYNC110
                    await asyncio.sleep(0.01)
            await http.delete(f"/admin/sessions/{bob_sid}", headers=ADMIN)
            await http.delete(f"/admin/sessions/{alice_sid}", headers=ADMIN)
            await asyncio.wait_for(task, 5)
            return str(alice_sid), seen

    with ServerThread(
        Settings(password_profile="fast", admin_key=ADMIN_KEY), clock=clock
    ) as server:
        alice_sid, seen = asyncio.run(run(server.url))
    assert [(notice["sid"], notice["reason"]) for notice in seen] == [(alice_sid, "forced")]


async def test_an_expired_token_is_refused(client: httpx.AsyncClient, clock: VirtualClock) -> None:
    tokens = await login(client, device_id="sec-expired")
    clock.advance(3600 * 24)
    body = (await _listen(client, Authorization=f"Bearer {tokens['access_token']}")).json()
    assert body["reason"] == "expired"


async def test_a_dpop_bound_token_needs_its_proof_here_too(
    client: httpx.AsyncClient, clock: VirtualClock
) -> None:
    key = Key()
    token = (await _login(client, clock, key)).json()["access_token"]
    # As a bearer token: a thief's copy opens no stream.
    body = (await _listen(client, Authorization=f"Bearer {token}")).json()
    assert body["reason"] == "dpop_bound_token"
    # With a proof made for another URL, or with another key.
    wrong_url = key.proof("GET", "http://testserver/api/me", clock.now())
    body = (await _listen(client, Authorization=f"DPoP {token}", DPoP=wrong_url)).json()
    assert body["reason"] == "wrong_htu"
    thief = Key()
    from mock_server.dpop import access_token_hash

    theirs = thief.proof("GET", URL, clock.now(), ath=access_token_hash(token))
    body = (await _listen(client, Authorization=f"DPoP {token}", DPoP=theirs)).json()
    assert body["reason"] == "key_mismatch"
