"""Login policies: the pure decision, and each policy over HTTP."""

from __future__ import annotations

import httpx
import pytest

from mock_server.policies import LoginDecision, decide
from mock_server.store import SessionRecord
from tests.server.helpers import ADMIN, login, me, refresh


def session(sid: str, device_id: str, device_type: str, created: float) -> SessionRecord:
    return SessionRecord(
        sid,
        "alice",
        "c",
        device_id,
        device_type,
        device_id,
        "profile",
        created,
        created + 180,
        None,
        0,
        None,
        None,
        None,
    )


PHONE = session("s-phone", "phone", "mobile", 1)
PC = session("s-pc", "pc", "pc", 2)
TABLET = session("s-tab", "tab", "tablet", 3)


@pytest.mark.parametrize(
    ("policy", "active", "new_type", "new_id", "expected"),
    [
        ("multi", [PHONE, PC], "mobile", "phone-2", LoginDecision(False, ())),
        ("single", [PHONE, PC], "pc", "pc-2", LoginDecision(False, ("s-phone", "s-pc"))),
        ("reject", [PHONE], "pc", "pc-2", LoginDecision(True)),
        ("reject", [], "pc", "pc-2", LoginDecision(False, ())),
        ("reject", [PHONE], "mobile", "phone", LoginDecision(False, ("s-phone",))),
        ("per_device_type", [PHONE, PC], "mobile", "phone-2", LoginDecision(False, ("s-phone",))),
        ("per_device_type", [PHONE, PC], "tablet", "tab-2", LoginDecision(False, ())),
        ("max:2", [PHONE, PC], "tablet", "tab", LoginDecision(False, ("s-phone",))),
        ("max:2", [PHONE], "tablet", "tab", LoginDecision(False, ())),
        (
            "max:1",
            [PHONE, PC, TABLET],
            "web",
            "w",
            LoginDecision(False, ("s-phone", "s-pc", "s-tab")),
        ),
        ("multi", [PHONE], "mobile", "phone", LoginDecision(False, ("s-phone",))),
    ],
)
def test_decide(
    policy: str, active: list[SessionRecord], new_type: str, new_id: str, expected: LoginDecision
) -> None:
    assert decide(policy, active, new_device_type=new_type, new_device_id=new_id) == expected


def test_unknown_policy_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown login policy"):
        decide("max:0", [], new_device_type="pc", new_device_id="x")


async def set_policy(client: httpx.AsyncClient, policy: str) -> None:
    response = await client.patch("/admin/settings", json={"login_policy": policy}, headers=ADMIN)
    assert response.status_code == 200, response.text


async def active_devices(client: httpx.AsyncClient) -> list[str]:
    sessions = (await client.get("/admin/sessions?user=alice", headers=ADMIN)).json()["sessions"]
    return [s["device_id"] for s in sessions if s["state"] == "active"]


async def test_multi_allows_every_device(client: httpx.AsyncClient) -> None:
    await login(client, device_id="phone")
    await login(client, device_id="pc", device_type="pc")
    await login(client, device_id="phone-2")
    assert await active_devices(client) == ["phone", "pc", "phone-2"]


async def test_single_logs_the_phone_out_when_the_pc_signs_in(client: httpx.AsyncClient) -> None:
    await set_policy(client, "single")
    phone = await login(client, device_id="phone", device_name="Alice's phone")
    await login(client, device_id="pc", device_type="pc", device_name="Office PC")
    assert await active_devices(client) == ["pc"]
    over = await refresh(client, phone["refresh_token"], expect=400)
    assert over["reason"] == "superseded"
    assert over["revoked_by"]["device_name"] == "Office PC"
    assert over["revoked_by"]["device_type"] == "pc"
    sessions = (await client.get("/admin/sessions", headers=ADMIN)).json()["sessions"]
    assert sessions[0]["reason"] == "superseded"
    assert sessions[0]["revoked_by"]["device_name"] == "Office PC"


async def test_single_only_touches_the_same_user(client: httpx.AsyncClient) -> None:
    await set_policy(client, "single")
    bob = await login(client, "bob", device_id="bob-phone")
    await login(client, device_id="pc", device_type="pc")
    assert (await me(client, bob["access_token"])).status_code == 200
    assert (await refresh(client, bob["refresh_token"]))["access_token"]


async def test_reject_refuses_a_second_session(client: httpx.AsyncClient) -> None:
    await set_policy(client, "reject")
    await login(client, device_id="phone", device_name="Alice's phone")
    refused = await login(client, device_id="pc", device_type="pc", expect=400)
    assert refused["error"] == "invalid_grant"
    assert refused["reason"] == "rejected"
    assert "Alice's phone" in refused["error_description"]
    assert await active_devices(client) == ["phone"]


async def test_per_device_type_kicks_the_first_phone_but_not_the_pc(
    client: httpx.AsyncClient,
) -> None:
    await set_policy(client, "per_device_type")
    first = await login(client, device_id="phone-1")
    await login(client, device_id="pc", device_type="pc")
    await login(client, device_id="phone-2")
    assert await active_devices(client) == ["pc", "phone-2"]
    assert (await refresh(client, first["refresh_token"], expect=400))["reason"] == "superseded"


async def test_max_two_logs_out_the_oldest(client: httpx.AsyncClient) -> None:
    await set_policy(client, "max:2")
    await login(client, device_id="phone")
    await login(client, device_id="pc", device_type="pc")
    await login(client, device_id="tablet", device_type="tablet")
    assert await active_devices(client) == ["pc", "tablet"]


async def test_bad_policy_gets_400(client: httpx.AsyncClient) -> None:
    response = await client.patch("/admin/settings", json={"login_policy": "max:x"}, headers=ADMIN)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert "login policy" in response.json()["error_description"]
