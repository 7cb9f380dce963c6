"""The lab's thief (client/attack.py, Lab.steal_token): how long it tries, and
that it stops when its device goes, when the lab closes, and when it is replaced."""

from __future__ import annotations

import asyncio

import pytest

from client import Lab, NotSignedIn
from client.dpop import DPoPKey, access_token_hash
from client.events import DeviceEvent, ThiefTried, TokenStolen
from mock_server import VirtualClock


async def _robbed(lab: Lab) -> tuple[list[DeviceEvent], asyncio.Event]:
    seen: list[DeviceEvent] = []
    tried = asyncio.Event()

    def keep(event: DeviceEvent) -> None:
        if isinstance(event, TokenStolen | ThiefTried):
            seen.append(event)
            tried.set()

    lab.subscribe(keep)
    phone = await lab.add_device("phone", "mobile", user="alice")
    await phone.login("alice-pass")
    return seen, tried


async def _next_try(tried: asyncio.Event) -> None:
    tried.clear()
    await asyncio.wait_for(tried.wait(), 5)


async def test_a_thief_tries_until_the_token_is_refused_as_expired(
    lab: Lab, clock: VirtualClock
) -> None:
    seen, tried = await _robbed(lab)
    await lab.steal_token("phone", interval=3)
    await _next_try(tried)
    assert [type(e).__name__ for e in seen] == ["TokenStolen", "ThiefTried"]
    assert isinstance(seen[1], ThiefTried) and seen[1].got_in and seen[1].how == "bearer"
    clock.advance(3)
    await _next_try(tried)
    assert len(seen) == 3 and seen[-1].at == seen[1].at + 3  # on the lab's clock
    clock.advance(40)  # past exp + leeway
    await _next_try(tried)
    last = seen[-1]
    assert isinstance(last, ThiefTried) and (last.status, last.reason) == (401, "expired")
    await asyncio.sleep(0)
    assert lab.robbed() == []


async def test_a_thief_stops_with_its_device_its_lab_or_a_new_thief(
    lab: Lab, clock: VirtualClock
) -> None:
    _, tried = await _robbed(lab)
    await lab.steal_token("phone", interval=3)
    await _next_try(tried)
    first = lab._thieves["phone"]
    await lab.steal_token("phone", interval=3)  # stolen again: one thief, the new one
    await _next_try(tried)
    assert first.cancelled() or first.done()
    assert lab.robbed() == ["phone"]
    second = lab._thieves["phone"]
    await lab.remove_device("phone")
    assert lab.robbed() == []
    with pytest.raises(asyncio.CancelledError):
        await second  # cancelled, not left waiting for its next try


async def test_closing_the_lab_ends_its_thieves_and_takes_no_new_one(
    lab: Lab, clock: VirtualClock
) -> None:
    _, tried = await _robbed(lab)
    await lab.steal_token("phone", interval=3)
    await _next_try(tried)
    task = lab._thieves["phone"]
    await lab.close()
    assert task.done() and lab.robbed() == []
    with pytest.raises(NotSignedIn):
        await lab.steal_token("phone")


async def test_a_device_with_no_tokens_has_nothing_to_steal(lab: Lab) -> None:
    await lab.add_device("pc", "pc", user="alice")
    with pytest.raises(NotSignedIn, match="no access token to steal"):
        await lab.steal_token("pc")


def test_a_proof_names_the_token_it_is_sent_with() -> None:
    """The hash of the last token is kept; a new token gets its own."""
    import base64
    import json

    key = DPoPKey.generate()

    def ath(proof: str) -> str:
        body = proof.split(".")[1]
        return str(json.loads(base64.urlsafe_b64decode(body + "==="))["ath"])

    assert ath(key.proof("GET", "https://x/api/me", 0, access_token="a")) == access_token_hash("a")
    assert ath(key.proof("GET", "https://x/api/me", 0, access_token="b")) == access_token_hash("b")
    assert ath(key.proof("GET", "https://x/api/me", 0, access_token="a")) == access_token_hash("a")
