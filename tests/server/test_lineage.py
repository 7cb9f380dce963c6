"""GET /admin/sessions/{sid}/lineage: a session's token family, as the server keeps it."""

from __future__ import annotations

import httpx

from client.tokens import refresh_id
from mock_server import VirtualClock
from tests.server.helpers import ADMIN, claims, login, refresh


async def _sid(client: httpx.AsyncClient, device_id: str = "phone") -> str:
    sessions = (await client.get("/admin/sessions", headers=ADMIN)).json()["sessions"]
    return str(next(s["sid"] for s in sessions if s["device_id"] == device_id))


async def test_each_refresh_token_names_its_successor_and_the_client_names_it_alike(
    client: httpx.AsyncClient, clock: VirtualClock
) -> None:
    first = await login(client)
    clock.advance(10)
    second = await refresh(client, first["refresh_token"])
    clock.advance(10)
    third = await refresh(client, second["refresh_token"])
    sid = await _sid(client)
    lineage = (await client.get(f"/admin/sessions/{sid}/lineage", headers=ADMIN)).json()
    ids = [refresh_id(t["refresh_token"]) for t in (first, second, third)]
    assert [t["id"] for t in lineage["tokens"]] == ids  # the client's names are the server's
    assert [t["successor"] for t in lineage["tokens"]] == [ids[1], ids[2], None]
    start = claims(first["access_token"])["iat"]
    assert [t["issued_at"] for t in lineage["tokens"]] == [start, start + 10, start + 20]
    assert [t["rotated_at"] for t in lineage["tokens"]] == [start + 10, start + 20, None]
    assert lineage["ended"] is None and lineage["state"] == "active"
    assert lineage["device_id"] == "phone" and lineage["user"] == "alice"
    assert "refresh_token" not in str(lineage)  # names only, never a token
    assert all(third["refresh_token"] not in str(v) for v in lineage.values())


async def test_the_end_says_which_rule_fired_and_who(
    client: httpx.AsyncClient, clock: VirtualClock
) -> None:
    await client.patch("/admin/settings", headers=ADMIN, json={"login_policy": "single"})
    await login(client)
    phone = await _sid(client)
    clock.advance(5)
    await login(client, device_id="pc", device_type="pc", device_name="Office PC")
    ended = (await client.get(f"/admin/sessions/{phone}/lineage", headers=ADMIN)).json()["ended"]
    assert ended["reason"] == "superseded"
    assert ended["revoked_by"]["device_name"] == "Office PC"
    assert ended["revoked_at"] == ended["revoked_by"]["signed_in_at"]
    pc = await _sid(client, "pc")
    lineage = (await client.get(f"/admin/sessions/{pc}/lineage", headers=ADMIN)).json()
    assert lineage["ended"] is None and len(lineage["tokens"]) == 1


async def test_reuse_ends_the_whole_family(client: httpx.AsyncClient, clock: VirtualClock) -> None:
    first = await login(client)
    clock.advance(5)
    await refresh(client, first["refresh_token"])
    clock.advance(60)  # far beyond the reuse grace
    await refresh(client, first["refresh_token"], expect=400)
    sid = await _sid(client)
    lineage = (await client.get(f"/admin/sessions/{sid}/lineage", headers=ADMIN)).json()
    assert lineage["ended"]["reason"] == "reuse_detected"
    assert len(lineage["tokens"]) == 2 and lineage["tokens"][1]["successor"] is None
